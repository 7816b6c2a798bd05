//! Background sweeping of what runs out: expired sessions, failure counts nobody has
//! added to for a day, ended login-rate windows, spent captcha nonces, and API call
//! log rows beyond its bound.
//! Every step is an idempotent delete, so several portals on one database may sweep
//! at the same time.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::auth::visitor::CAPTCHA_VALIDITY;
use crate::clock::Clock;
use crate::db::models::{api_call, login_rate, login_throttle, session, used_captcha};
use crate::db::{self, Conn, Pool};

/// How often the sweep runs.
pub const INTERVAL: Duration = Duration::from_secs(300);
/// How many GSP calls the trainer's log keeps.
pub const API_CALLS_KEPT: i64 = 10_000;

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub sessions: usize,
    pub failure_counts: usize,
    pub login_windows: usize,
    pub captchas: usize,
    pub api_calls: usize,
}

/// One sweep at security time `now`, in one transaction.
pub fn sweep(conn: &mut Conn, now: DateTime<Utc>) -> diesel::QueryResult<Swept> {
    crate::db::atomic(conn, |conn| {
        Ok(Swept {
            sessions: session::delete_expired(conn, now)?,
            failure_counts: login_throttle::sweep(conn, now, login_throttle::FORGET_AFTER)?,
            // Windows last a minute; an hour leaves room for any configured length.
            login_windows: login_rate::sweep(conn, now - chrono::TimeDelta::hours(1))?,
            captchas: used_captcha::sweep(conn, now - CAPTCHA_VALIDITY)?,
            api_calls: api_call::trim(conn, API_CALLS_KEPT)?,
        })
    })
}

/// Sweeps now and then every [`INTERVAL`], for as long as the runtime runs.
pub fn start(pool: Pool, clock: Arc<Clock>) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(INTERVAL);
        loop {
            ticks.tick().await;
            let now = clock.security_now();
            match db::write(&pool, move |conn| sweep(conn, now)).await {
                Ok(swept) => tracing::debug!(?swept, "housekeeping sweep"),
                Err(e) => tracing::warn!(error = ?e, "housekeeping sweep failed"),
            }
        }
    });
}
