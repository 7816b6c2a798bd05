//! The session as the portal uses it. Handlers go through `TypedSession`, never through
//! raw keys.

use std::future::{ready, Ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::db::models::taxpayer::TaxpayerId;
use crate::error::AppError;

/// The session entry naming the logged-in taxpayer; the store reads it too.
pub const TAXPAYER_KEY: &str = "taxpayer_id";
const AUTHENTICATED_AT_KEY: &str = "authenticated_at";
const TRAINER_KEY: &str = "trainer_since";
/// A random value of the trainer's session that the console's Log in as tickets are
/// bound to (the ticket keeps its hash): only this browser can spend them.
const TRAINER_NONCE_KEY: &str = "trainer_nonce";
/// A fingerprint of the password hash the session was made with: a session made
/// with an older password is dead (see `auth::password::fingerprint`).
const CREDENTIAL_KEY: &str = "credential";
/// Set, instead of a login, on the sessions the trainer's Reset ended.
const ENDED_BY_KEY: &str = "ended_by";
const BY_RESET: &str = "reset";

/// The stored state of a session the trainer's Reset ended: no login, and a mark so
/// the taxpayer is told why (see [`TypedSession::ended_by_reset`]).
pub fn state_ended_by_reset() -> String {
    let value = serde_json::to_string(BY_RESET).unwrap_or_default();
    serde_json::to_string(&std::collections::HashMap::from([(ENDED_BY_KEY, value)]))
        .unwrap_or_default()
}
const CSRF_KEY: &str = "csrf_token";
const FLASH_KEY: &str = "flash";
/// The trainer's GSP player: the taxpayer it plays for, its auth token, its last
/// exchange (see `routes::trainer::gsp`).
const GSP_PLAYER_KEY: &str = "gsp_player";

/// The Log in as nonce of a trainer session's stored state, read outside the trainer's
/// routes (see `auth::guard::TrainerBrowser`): none unless it is a trainer's session.
pub fn trainer_nonce_in(state: &std::collections::HashMap<String, String>) -> Option<String> {
    state.get(TRAINER_KEY)?;
    serde_json::from_str(state.get(TRAINER_NONCE_KEY)?).ok()
}

/// A one-time notice shown on the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlashKind {
    Success,
    Info,
}

impl FlashKind {
    /// The CSS class and ARIA role family of the notice.
    pub fn css(&self) -> &'static str {
        match self {
            FlashKind::Success => "success",
            FlashKind::Info => "info",
        }
    }
}

/// The portal's view of the actix session.
#[derive(Clone)]
pub struct TypedSession(Session);

fn unexpected(e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!(
        "session state could not be read or written: {e}"
    ))
}

impl TypedSession {
    /// The logged-in taxpayer and the moment of login, if any.
    pub fn login(&self) -> Result<Option<(TaxpayerId, DateTime<Utc>)>, AppError> {
        let id: Option<i32> = self.0.get(TAXPAYER_KEY).map_err(unexpected)?;
        let at: Option<i64> = self.0.get(AUTHENTICATED_AT_KEY).map_err(unexpected)?;
        Ok(
            match (id, at.and_then(|s| DateTime::from_timestamp(s, 0))) {
                (Some(id), Some(at)) => Some((TaxpayerId(id), at)),
                _ => None,
            },
        )
    }

    /// Logs `taxpayer` in under a new session key (the old key stops working), with a
    /// new anti-forgery token; `credential` is the fingerprint of the password hash
    /// the login was checked against.
    pub fn log_in(
        &self,
        taxpayer: TaxpayerId,
        now: DateTime<Utc>,
        credential: &str,
    ) -> Result<(), AppError> {
        self.0.renew();
        self.0.remove(FLASH_KEY);
        self.0
            .insert(TAXPAYER_KEY, taxpayer.0)
            .map_err(unexpected)?;
        self.0
            .insert(AUTHENTICATED_AT_KEY, now.timestamp())
            .map_err(unexpected)?;
        self.set_credential(credential)?;
        self.0
            .insert(CSRF_KEY, crate::auth::random_hex(32))
            .map_err(unexpected)
    }

    /// The fingerprint of the password this session was made with.
    pub fn credential(&self) -> Result<Option<String>, AppError> {
        self.0.get(CREDENTIAL_KEY).map_err(unexpected)
    }

    /// Ties the session to a new password (after this browser changed it).
    pub fn set_credential(&self, credential: &str) -> Result<(), AppError> {
        self.0
            .insert(CREDENTIAL_KEY, credential)
            .map_err(unexpected)
    }

    /// Whether the trainer's Reset ended this session.
    pub fn ended_by_reset(&self) -> bool {
        self.0.get::<String>(ENDED_BY_KEY).ok().flatten().as_deref() == Some(BY_RESET)
    }

    /// True when the session holds nothing: no cookie, or one whose row has ended.
    pub fn is_empty(&self) -> bool {
        self.0.entries().is_empty()
    }

    /// When the trainer logged in, if this is a trainer's session.
    pub fn trainer(&self) -> Result<Option<DateTime<Utc>>, AppError> {
        let at: Option<i64> = self.0.get(TRAINER_KEY).map_err(unexpected)?;
        Ok(at.and_then(|s| DateTime::from_timestamp(s, 0)))
    }

    /// Makes this (the trainer's cookie's session) a trainer's session under a new key.
    /// `credential` fingerprints the trainer password's hash.
    pub fn log_in_trainer(&self, now: DateTime<Utc>, credential: &str) -> Result<(), AppError> {
        self.0.renew();
        self.0.remove(FLASH_KEY);
        self.0
            .insert(TRAINER_KEY, now.timestamp())
            .map_err(unexpected)?;
        self.0
            .insert(TRAINER_NONCE_KEY, crate::auth::random_hex(32))
            .map_err(unexpected)?;
        self.set_credential(credential)?;
        self.0
            .insert(CSRF_KEY, crate::auth::random_hex(32))
            .map_err(unexpected)
    }

    /// The trainer session's Log in as nonce, made on first use (for a session that
    /// began before there were nonces).
    pub fn trainer_nonce(&self) -> Result<String, AppError> {
        if let Some(nonce) = self
            .0
            .get::<String>(TRAINER_NONCE_KEY)
            .map_err(unexpected)?
        {
            return Ok(nonce);
        }
        let nonce = crate::auth::random_hex(32);
        self.0
            .insert(TRAINER_NONCE_KEY, &nonce)
            .map_err(unexpected)?;
        Ok(nonce)
    }

    /// The trainer session's nonce as it is, without making one.
    pub fn stored_trainer_nonce(&self) -> Result<Option<String>, AppError> {
        self.0.get::<String>(TRAINER_NONCE_KEY).map_err(unexpected)
    }

    /// Moves the session to a new key, keeping its state.
    pub fn renew(&self) {
        self.0.renew();
    }

    /// Ends the session: its row is deleted and the cookie removed.
    pub fn log_out(&self) {
        self.0.purge();
    }

    /// What the trainer's GSP player holds, if anything. A state this version cannot
    /// read (kept by an older one) counts as none: the player starts again.
    pub fn gsp_player<T: DeserializeOwned>(&self) -> Option<T> {
        self.0.get(GSP_PLAYER_KEY).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the GSP player's state could not be read; starting afresh");
            None
        })
    }

    /// Keeps what the trainer's GSP player holds now.
    pub fn set_gsp_player<T: Serialize>(&self, player: &T) -> Result<(), AppError> {
        self.0.insert(GSP_PLAYER_KEY, player).map_err(unexpected)
    }

    /// The anti-forgery token of this session, made on first use.
    pub fn csrf_token(&self) -> Result<String, AppError> {
        if let Some(token) = self.0.get::<String>(CSRF_KEY).map_err(unexpected)? {
            return Ok(token);
        }
        let token = crate::auth::random_hex(32);
        self.0.insert(CSRF_KEY, &token).map_err(unexpected)?;
        Ok(token)
    }

    /// The stored token, without making one.
    pub(crate) fn stored_csrf_token(&self) -> Result<Option<String>, AppError> {
        self.0.get::<String>(CSRF_KEY).map_err(unexpected)
    }

    pub fn set_flash(&self, kind: FlashKind, message: impl Into<String>) -> Result<(), AppError> {
        self.0
            .insert(
                FLASH_KEY,
                Flash {
                    kind,
                    message: message.into(),
                },
            )
            .map_err(unexpected)
    }

    /// The pending notice, removed so it shows once. (Removing marks the session
    /// changed, which costs a write, so it is done only when there is a notice.)
    pub fn take_flash(&self) -> Option<Flash> {
        if !self.0.contains_key(FLASH_KEY) {
            return None;
        }
        self.0.remove_as::<Flash>(FLASH_KEY).and_then(Result::ok)
    }
}

impl TypedSession {
    /// The session of `req`.
    pub fn of(req: &HttpRequest) -> Self {
        TypedSession(req.get_session())
    }
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(TypedSession::of(req)))
    }
}
