//! The GST taxpayer API as GSP/ASP software sees it: authentication (OTP, auth token,
//! refresh, logout) and a protected profile call, all honouring Manage API Access.

pub mod authenticate;
pub mod docs;
pub mod profile;
pub mod schema;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::auth::{constant_time_eq, sha256_hex};
use crate::clock::Clock;
use crate::db::models::api_call;
use crate::db::models::gsp_client::{self, GspClient};
use crate::db::{self, Pool};
use crate::domain::gsp::ApiFailure;
use crate::error::AppError;
use schema::{ErrorBody, ErrorDetail};

/// What an API handler fails with: a refusal in the API's own terms, or a fault.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{}: {}", .0.code(), .0.message())]
    Refused(ApiFailure),
    #[error(transparent)]
    Fault(#[from] AppError),
}

impl From<ApiFailure> for ApiError {
    fn from(f: ApiFailure) -> Self {
        ApiError::Refused(f)
    }
}

fn error_json(code: &str, message: String) -> ErrorBody {
    ErrorBody {
        status_cd: "0".to_string(),
        error: ErrorDetail {
            error_cd: code.to_string(),
            message,
        },
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Refused(f) => {
                StatusCode::from_u16(f.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
            }
            ApiError::Fault(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = match self {
            ApiError::Refused(f) => error_json(f.code(), f.message()),
            ApiError::Fault(e) => {
                tracing::error!(error = ?e, "API request failed");
                error_json(
                    "SIM500",
                    "The simulator could not complete the request; nothing was changed by the failed step.".to_string(),
                )
            }
        };
        HttpResponse::build(self.status_code()).json(body)
    }
}

/// Calls refused because their client credentials were missing or wrong. They are
/// counted, not logged one by one: anyone can send them, and a row each would let
/// anyone fill the database.
#[derive(Debug, Default)]
pub struct UnidentifiedCalls(std::sync::atomic::AtomicU64);

impl UnidentifiedCalls {
    /// How many such calls this portal process has refused since it started.
    pub fn count(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What the trainer's live feed records of a call.
#[derive(Debug, Default)]
pub struct CallRecord {
    pub client_name: Option<String>,
    pub username: Option<String>,
    pub action: &'static str,
}

/// Appends a call of an identified client and its result code to the API call log;
/// calls without valid client credentials are only counted. A failure to log is
/// reported but does not change the answer.
pub async fn log_call(
    req: &HttpRequest,
    pool: &Pool,
    clock: &Clock,
    call: CallRecord,
    result: &Result<HttpResponse, ApiError>,
) {
    let code = match result {
        Ok(_) => "1",
        Err(ApiError::Refused(f)) => f.code(),
        Err(ApiError::Fault(_)) => "SIM500",
    };
    let now = clock.now();
    let Some(client) = call.client_name else {
        if let Some(counter) = req.app_data::<web::Data<UnidentifiedCalls>>() {
            counter.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        tracing::info!(
            action = call.action,
            result = code,
            "GSP API call without valid client credentials"
        );
        return;
    };
    let username: Option<String> = call.username.map(|u| u.chars().take(64).collect());
    tracing::info!(client = %client, action = call.action, result = code, "GSP API call");
    let logged = db::write(pool, move |conn| {
        api_call::record(conn, now, &client, username.as_deref(), call.action, code)
    })
    .await;
    if let Err(e) = logged {
        tracing::error!(error = ?e, "could not log an API call");
    }
}

/// A header's text, if present and readable.
pub fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The GSP client named by the `clientid` and `client-secret` headers. The demo
/// client, whose secret is printed in the README, answers only in demo mode.
pub async fn client(req: &HttpRequest, pool: &Pool, demo: bool) -> Result<GspClient, ApiError> {
    let (Some(id), Some(secret)) = (header(req, "clientid"), header(req, "client-secret")) else {
        return Err(ApiFailure::InvalidClient.into());
    };
    if id.len() > 128 || secret.len() > 256 || (!demo && id == crate::demo::DEMO_GSP_CLIENT_ID) {
        return Err(ApiFailure::InvalidClient.into());
    }
    let (id, secret_hash) = (id.to_string(), sha256_hex(secret));
    let found = db::run(pool, move |conn| gsp_client::find_by_client_id(conn, &id)).await?;
    match found {
        Some(c) if c.revoked_at.is_none() && constant_time_eq(&c.secret_hash, &secret_hash) => {
            Ok(c)
        }
        _ => Err(ApiFailure::InvalidClient.into()),
    }
}
