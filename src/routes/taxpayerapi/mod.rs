//! The GST taxpayer API as GSP/ASP software sees it: authentication (OTP, auth token,
//! refresh, logout) and the protected data calls, all honouring Manage API Access.
//! HTTP only: each handler reads the request, calls the GSP service
//! (`services::gsp`), and writes the API's answer or error body.

pub mod authenticate;
pub mod docs;
pub mod profile;
pub mod returns;
pub mod schema;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::error::AppError;
use crate::services::gsp::call_log::log_call;
use crate::services::gsp::data::DataCall;
use crate::services::gsp::{ApiError, CallRecord, Headers};
use crate::state::AppState;
use schema::{ErrorBody, ErrorDetail};

/// The call log, for the trainer's pages until they name it in `services::gsp`.
pub use crate::services::gsp::CallLog;

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
        let mut answer = HttpResponse::build(self.status_code());
        if let ApiError::Refused(f) = self {
            if let Some(seconds) = f.retry_after() {
                answer.insert_header((actix_web::http::header::RETRY_AFTER, seconds));
            }
        }
        answer.json(body)
    }
}

impl Headers for HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers().get(name).and_then(|v| v.to_str().ok())
    }
}

/// Answers an API call with `answer` and logs it under `action` (which `answer` may
/// refine once the body is read), as every API handler does.
pub async fn logged(
    state: &AppState,
    action: &'static str,
    answer: impl AsyncFnOnce(&mut CallRecord) -> Result<HttpResponse, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let mut call = CallRecord {
        action,
        ..CallRecord::default()
    };
    let result = answer(&mut call).await;
    match &result {
        // Shed for load: a row each would be the very cost the refusal spares (the
        // request log still has a line for each, with its status).
        Err(ApiError::Refused(f)) if f.retry_after().is_some() => {
            tracing::debug!(action = call.action, result = f.code(), "GSP API call shed");
        }
        _ => log_call(state, call, &result).await,
    }
    result
}

/// The answer of a data call: `{"status_cd":"1","data":...}` for a plain client; for
/// an encrypted one the real envelope (`gsp::wire::seal_answer`).
pub fn data_answer(
    call: &DataCall,
    data: &impl serde::Serialize,
) -> Result<HttpResponse, ApiError> {
    #[derive(serde::Serialize)]
    struct Plain<'a, T> {
        status_cd: &'static str,
        data: &'a T,
    }
    if !call.encrypted {
        return Ok(HttpResponse::Ok().json(Plain {
            status_cd: "1",
            data,
        }));
    }
    let sek = call.open.sek().ok_or_else(|| {
        AppError::Unexpected(anyhow::anyhow!("an encrypted client's session has no SEK"))
    })?;
    let sealed = crate::gsp::wire::seal_answer(&sek, data)
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("answer JSON")))?;
    Ok(HttpResponse::Ok().json(schema::EncryptedAnswer {
        status_cd: "1".to_string(),
        data: sealed.data,
        rek: sealed.rek,
        hmac: sealed.hmac,
    }))
}
