//! The trainer console's overview of the demo taxpayers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::data::TAXPAYERS;
use crate::clock::Clock;
use crate::db::models::api_access;
use crate::db::models::login_throttle::{self, ThrottleKey};
use crate::db::models::taxpayer;
use crate::db::Conn;
use crate::domain::access::AccessState;

/// A demo taxpayer's state for the trainer's overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub username: String,
    pub case: &'static str,
    pub access: AccessState,
    pub locked_until: Option<DateTime<Utc>>,
}

/// Every demo taxpayer's API access state at `now`, and any lock at `security_now`.
pub fn overview(conn: &mut Conn, clock: &Clock) -> QueryResult<Vec<Overview>> {
    let mut rows = Vec::new();
    for t in &TAXPAYERS {
        let Some(found) = taxpayer::find_by_username(conn, t.username)? else {
            continue;
        };
        let stored = api_access::load(conn, found.id)?;
        rows.push(Overview {
            username: found.username,
            case: t.case_text,
            access: AccessState::at(stored.as_ref(), clock.now()),
            locked_until: login_throttle::locked_until(
                conn,
                &ThrottleKey::Taxpayer(t.username.to_string()),
                clock.security_now(),
            )?,
        });
    }
    Ok(rows)
}
