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
    /// The GSP's app key: 32 random bytes. Encrypted clients send base64 of its RSA
    /// PKCS#1 v1.5 encryption under the simulator's public key (for REFRESHTOKEN: a new
    /// app key, base64 of AES-256-ECB under the current SEK); plain clients any text.
    /// Very old clients may name the field `appkey`.
    #[schema(example = "my-app-key", max_length = 1024)]
    pub app_key: String,
    /// For AUTHTOKEN: six digits (plain), or base64 of AES-256-ECB with PKCS#7 of
    /// the six digits under the app key (encrypted, 24 characters).
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
    /// The session key (SEK): for encrypted clients base64 of AES-256-ECB of 32 random
    /// bytes under the app key; for plain clients random text with no use.
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
    /// AUTH4037, AUTH4034, AUTH4036, AUTH4038, AUTH4033, AUTH4041, AUTH403, AUT4031-AUT4034,
    /// GEN5001, OTP0011, RET11402 as the real system uses them; SIM400, SIM413, SIM415,
    /// SIM429, SIM500 are the simulator's own.
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

/// A data answer for an encrypted client, as the real system sends it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EncryptedAnswer {
    /// Always "1".
    #[schema(example = "1")]
    pub status_cd: String,
    /// base64 of AES-256-ECB (PKCS#7), under the REK, of the base64 of the JSON.
    pub data: String,
    /// The REK (32 random bytes, new for each answer): base64 of AES-256-ECB under the SEK.
    pub rek: String,
    /// base64 of HMAC-SHA256, keyed with the REK, of the base64 JSON inside `data`.
    pub hmac: String,
}

/// The headers the real system wants on every call of an encrypted client (plain
/// clients may leave them out).
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // As above: documentation of headers.
pub struct WireHeaders {
    /// The state code: the first two digits of the GSTIN (two digits at authenticate).
    #[param(rename = "state-cd")]
    state_cd: String,
    /// The end user's IP address.
    #[param(rename = "ip-usr")]
    ip_usr: String,
    /// A transaction id, unique per request.
    txn: String,
    /// On data calls, the return period MMYYYY (optional; checked when sent).
    ret_period: Option<String>,
}

/// The query of the return-tracking call.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnsQuery {
    /// RETTRACK
    pub action: Option<String>,
    /// The taxpayer's GSTIN (the session's).
    pub gstin: Option<String>,
    /// The financial year, e.g. 2025-26.
    pub fy: Option<String>,
    /// A return type to narrow the list to, e.g. GSTR1 (optional).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub return_type: Option<String>,
}

/// One filed return in the return-tracking answer (the real field names).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FiledReturn {
    pub valid: String,
    pub mof: String,
    pub dof: String,
    pub ret_prd: String,
    pub rtntype: String,
    pub arn: String,
    pub status: String,
}

/// What RETTRACK answers (inside `data`, encrypted for encrypted clients).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReturnTrack {
    /// The returns filed in the year; the simulator files no returns, so the list
    /// is empty.
    #[serde(rename = "EFiledlist")]
    pub efiled_list: Vec<FiledReturn>,
}
