//! The GSP API simulator as a service: OTPs, auth tokens and the access check that
//! every call passes, the key pair, and what is kept of the calls. HTTP (headers,
//! bodies, status codes) stays in `routes::taxpayerapi`; the wire codec is
//! `gsp::wire`; the pure rules (token lifetimes, OTP shape and hashing, the error
//! codes) are in `domain::gsp`.
//!
//! - [`client`]: which GSP client calls, from its credentials.
//! - [`authenticate`]: one authenticate call, from budgets to its transaction;
//!   [`otp`] asks for and trades OTPs, [`token`] refreshes and logs out.
//! - [`data`]: what every data call does first (the session and the access check).
//! - [`keys`]: the simulator's RSA key pair and the threads that use it.
//! - [`budget`], [`call_log`]: the per-process bounds on calls and on their log.

pub mod authenticate;
pub mod budget;
pub mod call_log;
pub mod client;
pub mod data;
pub mod keys;
pub mod otp;
pub mod token;

use chrono::{DateTime, Utc};
use diesel::QueryResult;

use crate::db::models::api_access;
use crate::db::models::taxpayer::Taxpayer;
use crate::db::Conn;
use crate::domain::access::AccessState;
use crate::domain::gsp::ApiFailure;
use crate::error::AppError;

pub use call_log::{CallLog, CallRecord};

/// What a call decided: its answer, or the API's refusal.
///
/// A refusal is not a fault, and it is often something that must be kept: a wrong
/// OTP counts as a try, an expired OTP is closed. So the service runs each call in
/// one transaction whose result is `QueryResult<Verdict<T>>`: a refusal comes back
/// inside `Ok` and is committed with what it changed, while only a database fault
/// (the outer `Err`) rolls the transaction back.
pub type Verdict<T> = Result<T, ApiFailure>;

/// What an API call fails with: a refusal in the API's own terms, or a fault. The
/// routes turn it into the API's error body.
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

impl ApiError {
    /// The result code the call log keeps: the refusal's code, or SIM500.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Refused(f) => f.code(),
            ApiError::Fault(_) => "SIM500",
        }
    }
}

/// The headers of an API call as sent, by name: the service reads them in the
/// API's order without knowing HTTP.
pub trait Headers {
    /// The text of the header `name`, if present and readable.
    fn header(&self, name: &str) -> Option<&str>;
}

/// The configured caps a GSP client meets.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Live sessions per taxpayer per client.
    pub sessions: i64,
    /// OTPs asked per taxpayer per client within
    /// [`crate::domain::gsp::OTP_REQUEST_WINDOW`].
    pub otp_requests: u32,
    /// Demo mode: only then may training taxpayers use the sandbox OTP (see
    /// `otp::sandbox_otp_allowed` for which, from which clients).
    pub demo: bool,
}

/// The end of the taxpayer's access period, or AUTH4037 (also for an unknown
/// username, so the answer says nothing about which usernames exist).
pub fn access_until(
    conn: &mut Conn,
    taxpayer: Option<&Taxpayer>,
    now: DateTime<Utc>,
) -> QueryResult<Verdict<DateTime<Utc>>> {
    let Some(t) = taxpayer else {
        return Ok(Err(ApiFailure::AccessNotEnabled));
    };
    let stored = api_access::load(conn, t.id)?;
    Ok(match AccessState::at(stored.as_ref(), now) {
        AccessState::Enabled { until, .. } => Ok(until),
        _ => Err(ApiFailure::AccessNotEnabled),
    })
}
