//! What every data call (profile, returns) does before it answers: the client's
//! credentials, the headers, and the session its token opens, which checks the
//! taxpayer's API access before anything else is answered.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::QueryResult;

use crate::auth::sha256_hex;
use crate::db::models::gsp_client::GspClient;
use crate::db::models::gsp_session;
use crate::db::models::taxpayer::{self, Taxpayer};
use crate::db::{self, Conn};
use crate::domain::gsp::ApiFailure;
use crate::gsp::wire::{self, Key};
use crate::state::Portal;

use super::token::stored_key;
use super::{access_until, client, ApiError, CallRecord, Headers, Verdict};

/// How stale a GSP session's "last used" time may get before a call records it
/// again. Recording it on every call would make every data call a synced write;
/// the taxpayer's list shows it to the minute anyway.
pub const LAST_USED_SLACK: TimeDelta = TimeDelta::minutes(1);

/// A protected call that the session it names may make.
#[derive(Debug, Clone)]
pub struct OpenSession {
    pub taxpayer: Taxpayer,
    session: i32,
    /// The session's "last used" is older than [`LAST_USED_SLACK`].
    use_due: bool,
    sek: Option<Key>,
}

impl OpenSession {
    /// Whether [`record_use`] has anything to write.
    pub fn use_due(&self) -> bool {
        self.use_due
    }

    /// The session key of an encrypted client's session.
    pub fn sek(&self) -> Option<Key> {
        self.sek
    }
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
pub async fn open(
    portal: &Portal,
    headers: &dyn Headers,
    call: &mut CallRecord,
) -> Result<DataCall, ApiError> {
    let client = client::authenticate(portal, headers).await?;
    call.identified(&client);
    call.username = headers.header("username").map(str::to_string);
    let encrypted = client.encrypted;
    let required = |name: &'static str| {
        headers
            .header(name)
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
        Some(wire::wire_headers(|name| headers.header(name))?)
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
        if let Some(period) = headers.header("ret_period") {
            if !crate::domain::gsp::is_return_period(period) {
                return Err(ApiFailure::MissingParameter("ret_period").into());
            }
        }
    }
    let now = portal.clock.now();
    let open = db::run(&portal.pool, move |conn| {
        open_session(conn, &client, &username, &gstin, &token, now)
    })
    .await??;
    if open.use_due() {
        let open = open.clone();
        db::write(&portal.pool, move |conn| record_use(conn, &open, now)).await?;
    }
    Ok(DataCall { open, encrypted })
}

/// A protected call: the taxpayer whose GSTIN is asked for, if `token_hash` opens a
/// live session of `client` for `username` and access is on. Only reads, for
/// [`crate::db::run`]: a "No" that committed first is seen, and one that commits
/// after finds the call already answered, as if it had come first. (On SQLite the
/// reads share one snapshot; on PostgreSQL each has its own, and a "No" landing
/// between them is seen by the access check or finds the session ended: the call is
/// refused either way.) Record the use with [`record_use`] when it is due.
fn open_session(
    conn: &mut Conn,
    client: &GspClient,
    username: &str,
    gstin: &str,
    token_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Verdict<OpenSession>> {
    let Some(t) = taxpayer::find_by_username(conn, username)? else {
        return Ok(Err(ApiFailure::InvalidSession));
    };
    let session = gsp_session::find_by_token(conn, client.id, token_hash)?
        .filter(|s| s.taxpayer_id == t.id.0);
    let Some(session) = session else {
        return Ok(Err(ApiFailure::InvalidSession));
    };
    if let Err(refusal) = access_until(conn, Some(&t), now)? {
        return Ok(Err(refusal));
    }
    if session.ended_at.is_some() {
        return Ok(Err(ApiFailure::InvalidSession));
    }
    if session.expires_at.and_utc() <= now {
        return Ok(Err(ApiFailure::SessionExpired));
    }
    if t.gstin != gstin {
        return Ok(Err(ApiFailure::Unauthorised));
    }
    Ok(Ok(OpenSession {
        taxpayer: t,
        session: session.id,
        use_due: session.last_used_at.and_utc() < now - LAST_USED_SLACK,
        sek: session.sek.as_deref().and_then(stored_key),
    }))
}

/// Records the use of an open session, at most once a [`LAST_USED_SLACK`].
fn record_use(conn: &mut Conn, open: &OpenSession, now: DateTime<Utc>) -> QueryResult<()> {
    gsp_session::touch(conn, open.session, now, now - LAST_USED_SLACK)
}
