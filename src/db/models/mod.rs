//! One module per table: its read and write models and the queries on it.
//!
//! Lookups by a unique key end in `get_result`, not `first`: `first` adds `LIMIT ?`,
//! and SQLite (3.53, as bundled) re-prepares a statement whose LIMIT is a bound
//! parameter every time it is bound again, which cost more than half of a page
//! view's CPU under load (see issue 17's note). Where a LIMIT is needed, it stays.

pub mod api_access;
pub mod api_call;
pub mod app_setting;
pub mod counter;
pub mod demo_taxpayer;
pub mod gsp_client;
pub mod gsp_key;
pub mod gsp_session;
pub mod login_rate;
pub mod login_throttle;
pub mod login_ticket;
pub mod message;
pub mod otp_request;
pub mod security_event;
pub mod session;
pub mod taxpayer;
pub mod used_captcha;

/// Where a request came from, as the history and the security log record it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}
