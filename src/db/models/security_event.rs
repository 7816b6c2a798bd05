//! The security event log: who did what security-relevant thing, when, from where.

use chrono::Utc;
use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;

use crate::db::models::taxpayer::TaxpayerId;
use crate::db::models::Origin;
use crate::db::schema::security_events;
use crate::db::{Conn, Run};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    LoginSucceeded,
    LoginFailed,
    AccountLocked,
    LoginRefusedLocked,
    Logout,
    PasswordChanged,
    ApiAccessChanged,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::LoginSucceeded => "login_succeeded",
            EventKind::LoginFailed => "login_failed",
            EventKind::AccountLocked => "account_locked",
            EventKind::LoginRefusedLocked => "login_refused_locked",
            EventKind::Logout => "logout",
            EventKind::PasswordChanged => "password_changed",
            EventKind::ApiAccessChanged => "api_access_changed",
        }
    }
}

/// A row of the log, as read back.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = security_events)]
pub struct SecurityEvent {
    pub id: i32,
    pub occurred_at: NaiveDateTime,
    pub kind: String,
    pub taxpayer_id: Option<i32>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
}

/// Appends an event. `detail` is free text chosen by the caller, never a secret.
pub fn record(
    conn: &mut Conn,
    at: DateTime<Utc>,
    kind: EventKind,
    taxpayer: Option<TaxpayerId>,
    origin: &Origin,
    detail: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(security_events::table)
        .values((
            security_events::occurred_at.eq(at.naive_utc()),
            security_events::kind.eq(kind.as_str()),
            security_events::taxpayer_id.eq(taxpayer.map(|t| t.0)),
            security_events::client_ip.eq(origin.client_ip.as_deref()),
            security_events::user_agent.eq(origin.user_agent.as_deref()),
            security_events::detail.eq(detail),
        ))
        .exec(conn)
        .map(drop)
}

/// All events, oldest first.
pub fn all(conn: &mut Conn) -> QueryResult<Vec<SecurityEvent>> {
    crate::per_backend!(conn, |c| security_events::table
        .order(security_events::id.asc())
        .select(SecurityEvent::as_select())
        .load(c))
}
