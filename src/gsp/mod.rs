//! The GSP API simulator as a service: OTPs, auth tokens and the access check that
//! every call passes, over the database. HTTP (headers, bodies, status codes) stays
//! in `routes::taxpayerapi`; the pure rules (token lifetimes, OTP shape and hashing)
//! are in `domain::gsp`.

pub mod keys;
pub mod wire;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use rand::Rng;

use crate::auth::{random_hex, sha256_hex};
use crate::db::models::gsp_client::GspClient;
use crate::db::models::gsp_key::{self, StoredKey};
use crate::db::models::gsp_session::{self, WireKeys, ENDED_BY_KEY_ROTATION, ENDED_BY_LOGOUT};
use crate::db::models::taxpayer::{self, Taxpayer};
use crate::db::models::{api_access, app_setting, demo_taxpayer, message, otp_request};
use crate::db::Conn;
use crate::domain::access::AccessState;
use crate::domain::gsp::{self, ApiFailure};
use wire::{Key, KeyPair};

/// What a call decided: its answer, or the API's refusal.
///
/// A refusal is not a fault, and it is often something that must be kept: a wrong
/// OTP counts as a try, an expired OTP is closed. So the service runs each call in
/// one transaction whose result is `QueryResult<Verdict<T>>`: a refusal comes back
/// inside `Ok` and is committed with what it changed, while only a database fault
/// (the outer `Err`) rolls the transaction back.
pub type Verdict<T> = Result<T, ApiFailure>;

/// What the authenticate call is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// OTPREQUEST: text an OTP to the taxpayer.
    RequestOtp,
    /// AUTHTOKEN: trade the OTP for an auth token. `app_key`: the app key an
    /// encrypted client sent (already opened with the RSA key); `None` for a plain one.
    TradeOtp { otp: String, app_key: Option<Key> },
    /// REFRESHTOKEN: a new token for a live one. `sealed_app_key`: for an encrypted
    /// client, the new app key as sent, sealed under the session's current SEK.
    Refresh {
        token: String,
        sealed_app_key: Option<String>,
    },
    /// LOGOUT: end the session of the token. `app_key`: for an encrypted client, the
    /// app key as sent (opened with the RSA key), which must be the session's.
    LogOut { token: String, app_key: Option<Key> },
}

/// What a successful authenticate call answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Ack,
    /// A new token; `sek` is the new session key sealed under the app key, for an
    /// encrypted client.
    Token {
        token: String,
        expiry: i64,
        sek: Option<String>,
    },
}

/// A fresh session key for a session whose app key is `app_key`: what the session
/// keeps, and the SEK sealed under the app key for the answer.
struct NewSek {
    stored: String,
    app_key_hash: String,
    sealed: String,
}

impl NewSek {
    fn for_app_key(app_key: &Key) -> NewSek {
        let sek = wire::random_key();
        NewSek {
            stored: wire::b64(&sek),
            app_key_hash: app_key_hash(app_key),
            sealed: wire::seal(app_key, &sek),
        }
    }

    fn keys(&self) -> WireKeys<'_> {
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

/// The configured caps a GSP client meets.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Live sessions per taxpayer per client.
    pub sessions: i64,
    /// OTPs asked per taxpayer per client within [`gsp::OTP_REQUEST_WINDOW`].
    pub otp_requests: u32,
    /// Demo mode: only then may training taxpayers use the sandbox OTP (see
    /// `sandbox_otp_allowed` for which, from which clients).
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

/// Runs one authenticate call for `username` in one immediate transaction.
pub fn authenticate(
    conn: &mut Conn,
    client: &GspClient,
    username: &str,
    command: &Command,
    now: DateTime<Utc>,
    limits: Limits,
) -> QueryResult<Verdict<Answer>> {
    let username = username.trim().to_lowercase();
    crate::db::atomic(conn, |conn| {
        let taxpayer = taxpayer::find_by_username(conn, &username)?;
        let t = taxpayer.as_ref();
        let access = access_until(conn, t, now)?;
        match (command, access) {
            (Command::RequestOtp, Ok(_)) => request_otp(conn, t, client, now, limits.otp_requests),
            (Command::TradeOtp { otp, app_key }, Ok(until)) => {
                let new_sek = app_key.as_ref().map(NewSek::for_app_key);
                trade_otp(conn, otp, t, client, now, until, limits, new_sek)
            }
            (Command::RequestOtp | Command::TradeOtp { .. }, Err(refusal)) => Ok(Err(refusal)),
            (
                Command::Refresh {
                    token,
                    sealed_app_key,
                },
                access,
            ) => refresh(
                conn,
                token,
                sealed_app_key.as_deref(),
                t,
                client,
                now,
                access,
            ),
            (Command::LogOut { token, app_key }, _) => {
                log_out(conn, token, app_key.as_ref(), t, client, now)
            }
        }
    })
}

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

/// A protected call: the taxpayer whose GSTIN is asked for, if `token_hash` opens a
/// live session of `client` for `username` and access is on. Only reads, for
/// [`crate::db::run`]: a "No" that committed first is seen, and one that commits
/// after finds the call already answered, as if it had come first. (On SQLite the
/// reads share one snapshot; on PostgreSQL each has its own, and a "No" landing
/// between them is seen by the access check or finds the session ended: the call is
/// refused either way.) Record the use with [`record_use`] when it is due.
pub fn open_session(
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

/// Records the use of an open session, at most once a [`LAST_USED_SLACK`].
pub fn record_use(conn: &mut Conn, open: &OpenSession, now: DateTime<Utc>) -> QueryResult<()> {
    gsp_session::touch(conn, open.session, now, now - LAST_USED_SLACK)
}

fn request_otp(
    conn: &mut Conn,
    taxpayer: Option<&Taxpayer>,
    client: &GspClient,
    now: DateTime<Utc>,
    per_hour: u32,
) -> QueryResult<Verdict<Answer>> {
    let Some(t) = taxpayer else {
        return Ok(Err(ApiFailure::AccessNotEnabled));
    };
    // Each OTP allows three guesses, so without a cap a client could go on asking and
    // guessing until one of a million codes comes up.
    let window = gsp::OTP_REQUEST_WINDOW;
    let (asked, earliest) = otp_request::asked_since(conn, t.id, client.id, now - window)?;
    if asked >= i64::from(per_hour) {
        let retry_at = earliest.map_or(now, |at| at.and_utc()) + window;
        return Ok(Err(ApiFailure::TooManyOtpRequests { per_hour, retry_at }));
    }
    let otp = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let valid_until = now + gsp::OTP_VALIDITY;
    otp_request::open(
        conn,
        t.id,
        client.id,
        &gsp::otp_hash(&random_hex(16), &otp),
        now,
        valid_until,
    )?;
    let text = gsp::otp_message(&otp, &client.name, &t.gstin, valid_until);
    message::send(conn, t.id, now, &text)?;
    Ok(Ok(Answer::Ack))
}

#[allow(clippy::too_many_arguments)] // one call's facts, each of a different kind
fn trade_otp(
    conn: &mut Conn,
    otp: &str,
    taxpayer: Option<&Taxpayer>,
    client: &GspClient,
    now: DateTime<Utc>,
    access_until: DateTime<Utc>,
    limits: Limits,
    new_sek: Option<NewSek>,
) -> QueryResult<Verdict<Answer>> {
    let max_sessions = limits.sessions;
    let Some(t) = taxpayer else {
        return Ok(Err(ApiFailure::AccessNotEnabled));
    };
    let refuse = |why: &str| Ok(Err(ApiFailure::InvalidOtp(why.to_string())));
    let Some(pending) = otp_request::current(conn, t.id, client.id)? else {
        return refuse("no OTP is pending for this username; ask for one with OTPREQUEST.");
    };
    if pending.expires_at.and_utc() <= now {
        otp_request::close(conn, pending.id, now)?;
        return refuse("the OTP has expired; ask for a new one with OTPREQUEST.");
    }
    let sandbox = otp == gsp::SANDBOX_OTP && sandbox_otp_allowed(conn, t, client, limits)?;
    let right = gsp::is_otp_shaped(otp) && (gsp::otp_matches(&pending.otp_hash, otp) || sandbox);
    if !right {
        let tries = otp_request::record_wrong_try(conn, pending.id)?;
        if tries >= gsp::MAX_WRONG_OTP_TRIES {
            otp_request::close(conn, pending.id, now)?;
            return refuse("wrong OTP. It is now void after three wrong tries; ask for a new one.");
        }
        let left = gsp::MAX_WRONG_OTP_TRIES - tries;
        return refuse(&format!("wrong OTP; {left} more tries before it is void."));
    }
    let live = gsp_session::live_count(conn, t.id, client.id, now)?;
    if live >= max_sessions {
        return Ok(Err(ApiFailure::TooManySessions(max_sessions)));
    }
    otp_request::close(conn, pending.id, now)?;
    let token = random_hex(32);
    let expires_at = gsp::token_expiry(now, access_until);
    let keys = new_sek.as_ref().map(NewSek::keys);
    gsp_session::create(
        conn,
        t.id,
        client.id,
        &sha256_hex(&token),
        now,
        expires_at,
        keys,
    )?;
    Ok(Ok(Answer::Token {
        token,
        expiry: gsp::expiry_minutes(now, expires_at),
        sek: new_sek.map(|k| k.sealed),
    }))
}

/// Whether the sandbox OTP may stand in for `taxpayer`'s OTP on a call of `client`.
/// Only in a demo portal while `sandbox-otp` is on, and never for a real taxpayer. A
/// demo case takes it from any client: its data is public anyway. A trainee takes it
/// only from the trainer's GSP player, whose secret never leaves the server: the demo
/// clients' secrets are public, so through them anyone could take a trainee's token;
/// any other client needs the OTP from the trainee's Messages, as on the real system.
fn sandbox_otp_allowed(
    conn: &mut Conn,
    taxpayer: &Taxpayer,
    client: &GspClient,
    limits: Limits,
) -> QueryResult<bool> {
    if !limits.demo || app_setting::get(conn, app_setting::SANDBOX_OTP)?.as_deref() != Some("on") {
        return Ok(false);
    }
    Ok(
        match demo_taxpayer::kind_of(conn, taxpayer.id)?.as_deref() {
            Some(demo_taxpayer::DEMO) => true,
            Some(demo_taxpayer::TRAINEE) => client.client_id == crate::demo::PLAYER_CLIENT_ID,
            _ => false,
        },
    )
}

fn refresh(
    conn: &mut Conn,
    token: &str,
    sealed_app_key: Option<&str>,
    taxpayer: Option<&Taxpayer>,
    client: &GspClient,
    now: DateTime<Utc>,
    access: Result<DateTime<Utc>, ApiFailure>,
) -> QueryResult<Verdict<Answer>> {
    let session = gsp_session::find_by_token(conn, client.id, &sha256_hex(token))?
        .filter(|s| taxpayer.is_some_and(|t| t.id.0 == s.taxpayer_id));
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
    // An encrypted client's new app key comes sealed under the SEK it holds now; one
    // sealed under an older SEK (or anything else) does not open.
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
    Ok(Ok(Answer::Token {
        token: new_token,
        expiry: gsp::expiry_minutes(now, expires_at),
        sek: new_sek.map(|k| k.sealed),
    }))
}

fn log_out(
    conn: &mut Conn,
    token: &str,
    app_key: Option<&Key>,
    taxpayer: Option<&Taxpayer>,
    client: &GspClient,
    now: DateTime<Utc>,
) -> QueryResult<Verdict<Answer>> {
    let session = gsp_session::find_by_token(conn, client.id, &sha256_hex(token))?
        .filter(|s| taxpayer.is_some_and(|t| t.id.0 == s.taxpayer_id))
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
    gsp_session::end(conn, session.id, now, ENDED_BY_LOGOUT)?;
    Ok(Ok(Answer::Ack))
}

/// A session key as the session keeps it (base64 of 32 bytes).
fn stored_key(text: &str) -> Option<Key> {
    wire::unb64(text)
        .ok()
        .and_then(|k| Key::try_from(k.as_slice()).ok())
}

/// A new RSA key pair with its certificate, as PEM texts: (private key, certificate).
/// Slow; run it outside any transaction, on the blocking pool.
pub fn make_key_pair() -> anyhow::Result<(String, String)> {
    let pair = KeyPair::generate().context("generating the GSP RSA key")?;
    let private = pair.private_pem().context("encoding the GSP RSA key")?;
    let certificate = pair
        .certificate_pem()
        .context("making the GSP certificate")?;
    Ok((private, certificate))
}

/// Keeps `made` (from [`make_key_pair`]) as the key pair unless one exists already
/// (another request made one meanwhile); returns the pair in use.
pub fn keep_key_pair(
    conn: &mut Conn,
    made: &(String, String),
    now: DateTime<Utc>,
) -> QueryResult<StoredKey> {
    crate::db::atomic(conn, |conn| {
        if let Some(current) = gsp_key::current(conn)? {
            return Ok(current);
        }
        gsp_key::install(conn, &made.0, &made.1, now)?;
        gsp_key::current(conn)?.ok_or(diesel::result::Error::NotFound)
    })
}

/// Replaces the key pair with `made` and ends every open session of the encrypted
/// clients, whose app keys came through the old key; returns how many ended.
pub fn rotate_key_pair(
    conn: &mut Conn,
    made: &(String, String),
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    crate::db::atomic(conn, |conn| {
        gsp_key::install(conn, &made.0, &made.1, now)?;
        gsp_session::end_for_encrypted_clients(conn, now, ENDED_BY_KEY_ROTATION)
    })
}

/// The key pair in use, made now if there is none yet.
pub fn key_pair(conn: &mut Conn, now: DateTime<Utc>) -> anyhow::Result<StoredKey> {
    if let Some(current) = gsp_key::current(conn)? {
        return Ok(current);
    }
    let made = make_key_pair()?;
    Ok(keep_key_pair(conn, &made, now)?)
}

/// The public half of a stored pair as a PEM `PUBLIC KEY`.
pub fn public_key_pem(stored: &StoredKey) -> anyhow::Result<String> {
    let pair = KeyPair::from_pem(&stored.private_key_pem).context("reading the GSP RSA key")?;
    pair.public_pem().context("encoding the GSP public key")
}
