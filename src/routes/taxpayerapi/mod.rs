//! The GST taxpayer API as GSP/ASP software sees it: authentication (OTP, auth token,
//! refresh, logout) and a protected profile call, all honouring Manage API Access.

pub mod authenticate;
pub mod budget;
pub mod call_log;
pub mod docs;
pub mod profile;
pub mod returns;
pub mod schema;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::auth::{constant_time_eq, sha256_hex};
use crate::clock::Clock;
use crate::db::models::gsp_client::{self, GspClient};
use crate::db::models::gsp_key::{self, StoredKey};
use crate::db::{self, Pool};
use crate::domain::gsp::ApiFailure;
use crate::error::AppError;
use crate::gsp::OpenSession;
pub use call_log::{log_call, CallLog, CallRecord};
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
        let mut answer = HttpResponse::build(self.status_code());
        if let ApiError::Refused(f) = self {
            if let Some(seconds) = f.retry_after() {
                answer.insert_header((actix_web::http::header::RETRY_AFTER, seconds));
            }
        }
        answer.json(body)
    }
}

/// A header's text, if present and readable.
pub fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A data call let through: the session it opened, and whether its client speaks
/// the encrypted protocol.
pub struct DataCall {
    pub open: OpenSession,
    pub encrypted: bool,
}

/// What every data call does first: authenticates the client, reads the headers
/// (for an encrypted client also `state-cd`, `ip-usr`, `txn`, and `ret_period` when
/// sent), and opens the session, which checks the taxpayer's API access before
/// anything else is answered. Records the session's use when due.
pub async fn open_data_call(
    req: &HttpRequest,
    pool: &Pool,
    clock: &Clock,
    demo: bool,
    call: &mut CallRecord,
) -> Result<DataCall, ApiError> {
    let client = client(req, pool, demo).await?;
    call.identified(&client);
    call.username = header(req, "username").map(str::to_string);
    let encrypted = client.encrypted;
    let required = |name: &'static str| {
        header(req, name)
            .filter(|v| !v.trim().is_empty() && v.len() <= 128)
            .ok_or_else(|| {
                if encrypted {
                    ApiFailure::MissingParameter(name)
                } else {
                    ApiFailure::BadRequest(format!(
                        "The header {name} is missing, empty or too long."
                    ))
                }
            })
    };
    let state = if encrypted {
        Some(wire_headers(req)?)
    } else {
        None
    };
    let token = sha256_hex(required("auth-token")?);
    let username = required("username")?.trim().to_lowercase();
    let gstin = required("gstin")?.trim().to_uppercase();
    if state.is_some_and(|s| !gstin.starts_with(&s.0)) {
        return Err(ApiFailure::InvalidStateCode.into());
    }
    if encrypted {
        if let Some(period) = header(req, "ret_period") {
            if !crate::domain::gsp::is_return_period(period) {
                return Err(ApiFailure::MissingParameter("ret_period").into());
            }
        }
    }
    let now = clock.now();
    let open = db::run(pool, move |conn| {
        crate::gsp::open_session(conn, &client, &username, &gstin, &token, now)
    })
    .await??;
    if open.use_due() {
        let open = open.clone();
        db::write(pool, move |conn| crate::gsp::record_use(conn, &open, now)).await?;
    }
    Ok(DataCall { open, encrypted })
}

/// The answer of a data call: `{"status_cd":"1","data":...}` for a plain client; for
/// an encrypted one the real envelope, with `data` sealed under a fresh REK, `rek`
/// sealed under the session's SEK and `hmac` over the base64 JSON.
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
    let json = serde_json::to_vec(data)
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("answer JSON")))?;
    let sek = call.open.sek().ok_or_else(|| {
        AppError::Unexpected(anyhow::anyhow!("an encrypted client's session has no SEK"))
    })?;
    let sealed = crate::gsp::wire::envelope(&sek, &json);
    Ok(HttpResponse::Ok().json(schema::EncryptedAnswer {
        status_cd: "1".to_string(),
        data: sealed.data,
        rek: sealed.rek,
        hmac: sealed.hmac,
    }))
}

/// The simulator's RSA key pair, made (on the blocking pool) if there is none yet.
pub async fn server_key(pool: &Pool, clock: &Clock) -> Result<StoredKey, AppError> {
    if let Some(current) = db::run(pool, gsp_key::current).await? {
        return Ok(current);
    }
    let made = web::block(crate::gsp::make_key_pair)
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("blocking pool: {e}")))??;
    let now = clock.now();
    db::write(pool, move |conn| {
        crate::gsp::keep_key_pair(conn, &made, now)
    })
    .await
}

/// For an encrypted client's authenticate call: `state-cd` must be the state of the
/// taxpayer's GSTIN, as data calls compare it with the `gstin` header. Compared only
/// once the username is known to have API access on, so the answer says no more
/// about which usernames exist than AUTH4037 does.
pub async fn check_state_of(
    pool: &Pool,
    username: &str,
    state: StateCode,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    let username = username.trim().to_lowercase();
    let verdict = db::run(pool, move |conn| {
        let found = crate::db::models::taxpayer::find_by_username(conn, &username)?;
        let on = crate::gsp::access_until(conn, found.as_ref(), now)?.is_ok();
        diesel::QueryResult::Ok(match found {
            Some(t) if on && !t.gstin.starts_with(&state.0) => Err(ApiFailure::InvalidStateCode),
            _ => Ok(()),
        })
    })
    .await?;
    Ok(verdict?)
}

/// The GSP client named by the `clientid` and `client-secret` headers, with the
/// real system's codes: AUT4031 and AUT4032 for a missing header, AUT4033 for an
/// unknown (or revoked) client id, AUT4034 for a wrong secret. The demo clients,
/// whose secrets are printed in the README, and the trainer's GSP player answer only
/// in demo mode.
pub async fn client(req: &HttpRequest, pool: &Pool, demo: bool) -> Result<GspClient, ApiError> {
    let present = |name| header(req, name).filter(|v| !v.trim().is_empty());
    let id = present("clientid").ok_or(ApiFailure::MissingClientId)?;
    let secret = present("client-secret").ok_or(ApiFailure::MissingClientSecret)?;
    if id.len() > 128 || (!demo && crate::demo::is_demo_only_client_id(id)) {
        return Err(ApiFailure::InvalidClientId.into());
    }
    if secret.len() > 256 {
        return Err(ApiFailure::InvalidClientSecret.into());
    }
    let (id, secret_hash) = (id.to_string(), sha256_hex(secret));
    let found = db::run(pool, move |conn| gsp_client::find_by_client_id(conn, &id)).await?;
    match found {
        Some(c) if c.revoked_at.is_none() => {
            if constant_time_eq(&c.secret_hash, &secret_hash) {
                Ok(c)
            } else {
                Err(ApiFailure::InvalidClientSecret.into())
            }
        }
        _ => Err(ApiFailure::InvalidClientId.into()),
    }
}

/// The headers the real system wants on every call of an encrypted client:
/// `state-cd` (two digits), `ip-usr` and `txn`, each missing when absent or blank.
/// Plain clients may leave them out.
pub fn wire_headers(req: &HttpRequest) -> Result<StateCode, ApiFailure> {
    for name in ["ip-usr", "txn"] {
        header(req, name)
            .filter(|v| !v.trim().is_empty() && v.len() <= 128)
            .ok_or(ApiFailure::MissingParameter(name))?;
    }
    let state = header(req, "state-cd")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(ApiFailure::MissingParameter("state-cd"))?;
    if state.len() == 2 && state.bytes().all(|b| b.is_ascii_digit()) {
        Ok(StateCode(state.to_string()))
    } else {
        Err(ApiFailure::InvalidStateCode)
    }
}

/// The two-digit state code of a call's `state-cd` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCode(pub String);
