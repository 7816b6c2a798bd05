//! actix-session's `SessionStore` over the `sessions` table.
//!
//! The cookie carries a random 256-bit key; the table keeps only its SHA-256, so a
//! copy of the database does not hand out live sessions. Expiry follows the portal's
//! clock, and a row that has expired is treated as absent.
//!
//! The idle timeout moves on when a session is loaded, not after the answer: the
//! read that loads the state also says how stale its expiry is, so a request costs one
//! read and, at most once a minute per session, one write.

use std::collections::HashMap;
use std::sync::Arc;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::{DateTime, TimeDelta, Utc};

use crate::auth::session::TAXPAYER_KEY;
use crate::auth::{random_hex, sha256_hex};
use crate::clock::Clock;
use crate::db::models::session::{self as rows, NewSession};
use crate::db::{self, Pool};

/// Sessions kept in the portal's own database.
#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    clock: Arc<Clock>,
    /// The idle timeout, the session middleware's state TTL.
    idle: CookieDuration,
}

impl DbSessionStore {
    pub fn new(pool: Pool, clock: Arc<Clock>, idle: CookieDuration) -> Self {
        DbSessionStore { pool, clock, idle }
    }
}

/// The SHA-256 of a session key, as stored.
pub fn key_hash(key: &str) -> String {
    sha256_hex(key)
}

fn expiry(now: DateTime<Utc>, ttl: &CookieDuration) -> DateTime<Utc> {
    now + TimeDelta::seconds(ttl.whole_seconds())
}

/// How stale a session's expiry may get before a request moves it on: a minute, or
/// a quarter of the idle timeout when that is shorter. Skipping the write on most
/// requests saves a synced commit each and keeps page views off the write lock; the
/// idle timeout is then exact to within this much.
fn extension_slack(ttl: &CookieDuration) -> TimeDelta {
    (TimeDelta::seconds(ttl.whole_seconds()) / 4).min(TimeDelta::seconds(60))
}

/// The taxpayer a session belongs to, so all of a taxpayer's sessions can be ended.
fn taxpayer_of(state: &HashMap<String, String>) -> Option<i32> {
    state.get(TAXPAYER_KEY).and_then(|v| v.parse().ok())
}

fn encode(state: &HashMap<String, String>) -> anyhow::Result<String> {
    Ok(serde_json::to_string(state)?)
}

impl SessionStore for DbSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let hash = key_hash(session_key.as_ref());
        let now = self.clock.security_now();
        let probe = hash.clone();
        let found = db::run(&self.pool, move |conn| rows::load_state(conn, &probe, now))
            .await
            .map_err(|e| LoadError::Other(anyhow::Error::new(e)))?;
        let Some((state, expires_at)) = found else {
            return Ok(None);
        };
        // Activity keeps the session: its expiry moves on once it is a little stale.
        let extended = expiry(now, &self.idle);
        let stale_before = extended - extension_slack(&self.idle);
        if expires_at < stale_before.naive_utc() {
            db::write(&self.pool, move |conn| {
                rows::extend(conn, &hash, now, stale_before, extended)
            })
            .await
            .map_err(|e| LoadError::Other(anyhow::Error::new(e)))?;
        }
        serde_json::from_str(&state)
            .map(Some)
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    async fn save(
        &self,
        session_state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        let state = encode(&session_state).map_err(SaveError::Serialization)?;
        let taxpayer = taxpayer_of(&session_state);
        let key = random_hex(32);
        let hash = key_hash(&key);
        let now = self.clock.security_now();
        let expires_at = expiry(now, ttl);
        db::write(&self.pool, move |conn| {
            rows::insert(
                conn,
                &NewSession {
                    key_hash: &hash,
                    taxpayer_id: taxpayer,
                    state: &state,
                    created_at: now.naive_utc(),
                    expires_at: expires_at.naive_utc(),
                },
            )
        })
        .await
        .map_err(|e| SaveError::Other(anyhow::Error::new(e)))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let state = encode(&session_state).map_err(UpdateError::Serialization)?;
        let taxpayer = taxpayer_of(&session_state);
        let hash = key_hash(session_key.as_ref());
        let now = self.clock.security_now();
        let expires_at = expiry(now, ttl);
        let updated = db::write(&self.pool, move |conn| {
            rows::update_state(conn, &hash, &state, taxpayer, now, expires_at)
        })
        .await
        .map_err(|e| UpdateError::Other(anyhow::Error::new(e)))?;
        if updated == 0 {
            // The row was ended meanwhile (logout elsewhere, a password change, expiry).
            // Its state is dropped rather than saved under a new key: reviving it would
            // undo the ending. The next request with this key finds no session.
            tracing::info!("a session ended while a request on it was running");
        }
        Ok(session_key)
    }

    /// Nothing to do: `load` has moved the expiry on already.
    async fn update_ttl(
        &self,
        _session_key: &SessionKey,
        _ttl: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let hash = key_hash(session_key.as_ref());
        db::write(&self.pool, move |conn| rows::delete(conn, &hash))
            .await
            .map_err(anyhow::Error::new)
    }
}
