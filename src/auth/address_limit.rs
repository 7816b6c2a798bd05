//! The per-address limit on password forms, counted in the database
//! ([`login_rate`](crate::db::models::login_rate)) so that attempts spread over
//! several portals on one database are counted together. It plugs into
//! actix-extensible-rate-limit's middleware as its store.

use std::sync::Arc;

use actix_extensible_rate_limit::backend::{Backend, Decision, SimpleInput, SimpleOutput};
use actix_web::rt::time::Instant;
use chrono::TimeDelta;

use crate::clock::Clock;
use crate::db::models::login_rate;
use crate::db::{self, Pool};
use crate::error::AppError;

/// The store of attempt counts: the portal's database.
#[derive(Clone)]
pub struct SharedCount {
    pool: Pool,
    clock: Arc<Clock>,
}

impl SharedCount {
    pub fn new(pool: Pool, clock: Arc<Clock>) -> Self {
        SharedCount { pool, clock }
    }
}

impl Backend<SimpleInput> for SharedCount {
    type Output = SimpleOutput;
    type RollbackToken = ();
    type Error = AppError;

    async fn request(&self, input: SimpleInput) -> Result<(Decision, SimpleOutput, ()), AppError> {
        // Security time: the trainer's time machine must not reopen a closed window.
        let now = self.clock.security_now();
        let length = TimeDelta::from_std(input.interval)
            .map_err(|e| AppError::Unexpected(anyhow::Error::new(e)))?;
        let address = input.key;
        let window = db::write(&self.pool, move |conn| {
            login_rate::count_attempt(conn, &address, now, length)
        })
        .await?;
        let attempts = u64::try_from(window.attempts).unwrap_or(u64::MAX);
        let output = SimpleOutput {
            limit: input.max_requests,
            remaining: input.max_requests.saturating_sub(attempts),
            reset: Instant::now() + (window.resets_at - now).to_std().unwrap_or_default(),
        };
        Ok((
            Decision::from_allowed(attempts <= input.max_requests),
            output,
            (),
        ))
    }

    async fn rollback(&self, _token: ()) -> Result<(), AppError> {
        Ok(())
    }
}
