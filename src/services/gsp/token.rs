//! Auth tokens after the first: REFRESHTOKEN trades a live token for a new one (and,
//! for an encrypted client, a new session key), LOGOUT ends the token's session.

use chrono::{DateTime, Utc};
use diesel::QueryResult;

use crate::auth::{random_hex, sha256_hex};
use crate::db::models::gsp_session::{self, WireKeys, ENDED_BY_LOGOUT};
use crate::db::Conn;
use crate::domain::gsp::{self, ApiFailure};
use crate::gsp::wire::{self, Key};

use super::authenticate::{Answer, Facts};
use super::Verdict;

/// A fresh session key for a session whose app key is `app_key`: what the session
/// keeps, and the SEK sealed under the app key for the answer.
pub(super) struct NewSek {
    stored: String,
    app_key_hash: String,
    pub(super) sealed: String,
}

impl NewSek {
    pub(super) fn for_app_key(app_key: &Key) -> NewSek {
        let sek = wire::random_key();
        NewSek {
            stored: wire::b64(&sek),
            app_key_hash: app_key_hash(app_key),
            sealed: wire::seal(app_key, &sek),
        }
    }

    pub(super) fn keys(&self) -> WireKeys<'_> {
        WireKeys {
            sek: &self.stored,
            app_key_hash: &self.app_key_hash,
        }
    }
}

fn app_key_hash(app_key: &Key) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(app_key))
}

/// A session key as the session keeps it (base64 of 32 bytes).
pub(super) fn stored_key(text: &str) -> Option<Key> {
    wire::unb64(text)
        .ok()
        .and_then(|k| Key::try_from(k.as_slice()).ok())
}

/// REFRESHTOKEN: a new token for the live session of `token`, within the access
/// period `access`. An encrypted client's new app key comes sealed under the SEK it
/// holds now (`sealed_app_key`).
pub(super) fn refresh(
    conn: &mut Conn,
    facts: &Facts<'_>,
    token: &str,
    sealed_app_key: Option<&str>,
    access: Verdict<DateTime<Utc>>,
) -> QueryResult<Verdict<Answer>> {
    let (client, now) = (facts.client, facts.now);
    let session = gsp_session::find_by_token(conn, client.id, &sha256_hex(token))?
        .filter(|s| facts.taxpayer.is_some_and(|t| t.id.0 == s.taxpayer_id));
    let Some(session) = session else {
        return Ok(Err(ApiFailure::NoSession));
    };
    let until = match access {
        Ok(until) => until,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if session.ended_at.is_some() {
        return Ok(Err(ApiFailure::NoSession));
    }
    if session.expires_at.and_utc() <= now {
        return Ok(Err(ApiFailure::SessionExpired));
    }
    // One sealed under an older SEK (or anything else) does not open.
    let new_sek = match (session.sek.as_deref().and_then(stored_key), sealed_app_key) {
        (None, None) => None,
        (Some(sek), Some(sealed)) => match wire::open_key(&sek, sealed) {
            Ok(app_key) => Some(NewSek::for_app_key(&app_key)),
            Err(_) => return Ok(Err(ApiFailure::InvalidAppKey)),
        },
        _ => return Ok(Err(ApiFailure::InvalidAppKey)),
    };
    let new_token = random_hex(32);
    let expires_at = gsp::token_expiry(now, until);
    let keys = new_sek.as_ref().map(NewSek::keys);
    gsp_session::rotate(
        conn,
        session.id,
        &sha256_hex(&new_token),
        now,
        expires_at,
        keys,
    )?;
    Ok(Ok(Answer::token(new_token, now, expires_at, new_sek)))
}

/// LOGOUT: ends the live session of `token`. An encrypted client must send the
/// session's own app key (`app_key`, opened with the RSA key).
pub(super) fn log_out(
    conn: &mut Conn,
    facts: &Facts<'_>,
    token: &str,
    app_key: Option<&Key>,
) -> QueryResult<Verdict<Answer>> {
    let session = gsp_session::find_by_token(conn, facts.client.id, &sha256_hex(token))?
        .filter(|s| facts.taxpayer.is_some_and(|t| t.id.0 == s.taxpayer_id))
        .filter(|s| s.ended_at.is_none());
    let Some(session) = session else {
        return Ok(Err(ApiFailure::NoSession));
    };
    let pair_matches = match (session.app_key_hash.as_deref(), app_key) {
        (None, None) => true,
        (Some(stored), Some(key)) => crate::auth::constant_time_eq(stored, &app_key_hash(key)),
        _ => false,
    };
    if !pair_matches {
        return Ok(Err(ApiFailure::InvalidAppKey));
    }
    gsp_session::end(conn, session.id, facts.now, ENDED_BY_LOGOUT)?;
    Ok(Ok(Answer::Ack))
}
