//! The request and answer bodies of the API. The OpenAPI document is generated from
//! these same types, so it cannot drift from what the handlers read and write.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What the authenticate call is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Action {
    /// Text an OTP to the taxpayer (needs `username`, `app_key`).
    #[serde(rename = "OTPREQUEST")]
    OtpRequest,
    /// Trade the OTP for an auth token (needs `otp`).
    #[serde(rename = "AUTHTOKEN")]
    AuthToken,
    /// A new token for a live one, without an OTP (needs `auth_token`).
    #[serde(rename = "REFRESHTOKEN")]
    RefreshToken,
    /// End the session of `auth_token`.
    #[serde(rename = "LOGOUT")]
    Logout,
}

impl Action {
    /// The action as the API spells it.
    pub fn name(self) -> &'static str {
        match self {
            Action::OtpRequest => "OTPREQUEST",
            Action::AuthToken => "AUTHTOKEN",
            Action::RefreshToken => "REFRESHTOKEN",
            Action::Logout => "LOGOUT",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        Some(match text {
            "OTPREQUEST" => Action::OtpRequest,
            "AUTHTOKEN" => Action::AuthToken,
            "REFRESHTOKEN" => Action::RefreshToken,
            "LOGOUT" => Action::Logout,
            _ => return None,
        })
    }
}

/// The body of `POST /taxpayerapi/v1.0/authenticate`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthenticateRequest {
    pub action: Action,
    /// The taxpayer's portal username.
    #[schema(example = "demo.enabled", max_length = 64)]
    pub username: String,
    /// The GSP's application key. The real system wants it RSA-encrypted; this
    /// simulator takes it as given (plain mode).
    #[schema(example = "my-app-key", max_length = 1024)]
    pub app_key: String,
    /// Six digits, for AUTHTOKEN.
    #[schema(example = "575757")]
    pub otp: Option<String>,
    /// For REFRESHTOKEN and LOGOUT.
    pub auth_token: Option<String>,
}

/// A success without data (OTPREQUEST, LOGOUT).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Ack {
    /// Always "1".
    #[schema(example = "1")]
    pub status_cd: String,
}

/// A new auth token (AUTHTOKEN, REFRESHTOKEN).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenAnswer {
    /// Always "1".
    #[schema(example = "1")]
    pub status_cd: String,
    /// Send it as the `auth-token` header of protected calls.
    pub auth_token: String,
    /// Minutes until the token expires: 360, or fewer when the taxpayer's period ends sooner.
    #[schema(example = 360)]
    pub expiry: i64,
    /// The session encryption key (random; the simulator does not encrypt payloads).
    pub sek: String,
}

/// A refusal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Always "0".
    #[schema(example = "0")]
    pub status_cd: String,
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// AUTH4037, AUTH4034, AUTH4038, AUTH4033, AUTH403, OTP0011, RET11402 as the real
    /// system uses them; SIM400, SIM401, SIM413, SIM415, SIM429, SIM500 are the simulator's own.
    #[schema(example = "AUTH4037")]
    pub error_cd: String,
    pub message: String,
}

/// The taxpayer's registration facts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    pub gstin: String,
    pub legal_name: String,
    pub trade_name: Option<String>,
    /// DD/MM/YYYY
    pub registration_date: String,
    pub constitution: String,
    pub taxpayer_type: String,
    pub state: String,
    pub status: String,
}

/// The answer of `GET /taxpayerapi/v1.0/profile`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProfileAnswer {
    /// Always "1".
    #[schema(example = "1")]
    pub status_cd: String,
    pub data: Profile,
}

/// The headers that name the GSP client, sent with every call.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Read from the request's headers; this type only documents them.
pub struct ClientHeaders {
    /// The GSP client's id.
    #[param(rename = "clientid")]
    clientid: String,
    /// The GSP client's secret.
    #[param(rename = "client-secret")]
    client_secret: String,
}

/// The headers of a protected call, besides [`ClientHeaders`].
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // As above: documentation of headers.
pub struct SessionHeaders {
    /// The token from AUTHTOKEN or REFRESHTOKEN.
    #[param(rename = "auth-token")]
    auth_token: String,
    /// The taxpayer's username.
    username: String,
    /// The taxpayer's GSTIN.
    gstin: String,
}
