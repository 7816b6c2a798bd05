//! One password check, shared by every form that asks for a password: the taxpayer
//! login, the trainer login and Change Password's "current password".
//!
//! The attempt is reserved *before* argon2 runs, in the same transaction that reads
//! the lock: failures plus attempts being checked may not exceed the lockout
//! threshold, and an attempt beyond it waits until one is decided. So a burst of
//! concurrent guesses gets at most the threshold's number of passwords checked; the
//! rest find the account locked without any hashing. A success clears the count.
//!
//! The trainer's count is kept per client address, so failures elsewhere never lock
//! the trainer out at their own address; failures from all addresses together slow
//! every trainer attempt down instead (`domain::lockout`).

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::auth::password::{Hasher, MAX_PASSWORD_BYTES};
use crate::clock::Clock;
use crate::config::{LockPolicy, Settings};
use crate::db::models::login_throttle::{self, Reservation, ThrottleKey};
use crate::db::models::security_event::{self, EventKind, EventTime};
use crate::db::models::taxpayer::TaxpayerId;
use crate::db::models::Origin;
use crate::db::{self, Conn, Pool};
use crate::error::AppError;

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The password is right; the failure count is cleared.
    Right,
    /// The password is wrong; `locked_until` is set when this failure locked the account.
    Wrong { locked_until: Option<DateTime<Utc>> },
    /// The account was locked already: the password was not checked.
    Locked { until: DateTime<Utc> },
    /// So many attempts on the account were being checked that this one waited its
    /// turn in vain (see [`BUSY_WAIT`]): the password was not checked.
    Busy,
}

/// How long an attempt waits for its turn while the threshold's number of attempts
/// on the same account are being checked; real logins rarely wait at all.
pub const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// What is being checked.
pub struct Credential {
    /// Whose failures count.
    pub key: ThrottleKey,
    /// The stored argon2 hash; `None` for an unknown username, checked against a dummy
    /// hash so that it costs the same time.
    pub stored_hash: Option<String>,
    /// The taxpayer, for the security log.
    pub taxpayer: Option<TaxpayerId>,
    /// Which form asks.
    pub purpose: Purpose,
}

/// The forms that check a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    TaxpayerLogin,
    TrainerLogin,
    /// Change Password's "current password": a failure counts and is logged like a
    /// failed login; a success is not a login, so only the change itself is logged.
    PasswordCheck,
}

impl Purpose {
    fn detail(self) -> Option<&'static str> {
        match self {
            Purpose::TaxpayerLogin => None,
            Purpose::TrainerLogin => Some(security_event::BY_TRAINER),
            Purpose::PasswordCheck => Some("change password"),
        }
    }
}

/// Everything an attempt needs besides the password; an extractor, so a form that
/// checks a password takes it as it takes the form.
pub struct Gate {
    pool: web::Data<Pool>,
    hasher: web::Data<Hasher>,
    policy: LockPolicy,
    /// Read at security time: locks do not follow the trainer's time machine.
    clock: web::Data<Clock>,
    /// Where the attempt came from, for the security log.
    pub origin: Origin,
    /// The client's address as per-address limits count it.
    address_key: String,
}

impl FromRequest for Gate {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        fn data<T: 'static>(req: &HttpRequest) -> Result<web::Data<T>, AppError> {
            req.app_data::<web::Data<T>>().cloned().ok_or_else(|| {
                AppError::Unexpected(anyhow::anyhow!(
                    "{} is missing from the app data",
                    std::any::type_name::<T>()
                ))
            })
        }
        ready((|| {
            Ok(Gate {
                pool: data(req)?,
                hasher: data(req)?,
                policy: data::<Settings>(req)?.lockout,
                clock: data(req)?,
                origin: Origin::of(req),
                address_key: crate::net::client_limit_key(req),
            })
        })())
    }
}

impl Gate {
    /// The trainer login's failure count for this request's client address.
    pub fn trainer_key(&self) -> ThrottleKey {
        ThrottleKey::Trainer(self.address_key.clone())
    }

    /// Waits as long as the trainer failures of every address ask for (see
    /// `domain::lockout::trainer_slowdown`).
    async fn trainer_slowdown(&self) -> Result<(), AppError> {
        let policy = self.policy;
        let now = self.clock.security_now();
        let failures = db::run(&self.pool, move |conn| {
            login_throttle::trainer_failures(conn, now, now - policy.duration, policy.threshold)
        })
        .await?;
        let delay = crate::domain::lockout::trainer_slowdown(failures, policy.threshold);
        if !delay.is_zero() {
            actix_web::rt::time::sleep(delay).await;
        }
        Ok(())
    }

    /// Checks `password` against `credential`. `on_success` runs in the transaction
    /// that clears the count, so a login's own bookkeeping commits with it.
    pub async fn attempt<F>(
        &self,
        credential: Credential,
        password: String,
        on_success: F,
    ) -> Result<Attempt, AppError>
    where
        F: FnOnce(&mut Conn) -> QueryResult<()> + Send + 'static,
    {
        let Credential {
            key,
            stored_hash,
            taxpayer,
            purpose,
        } = credential;
        let detail = match (purpose.detail(), stored_hash.is_none()) {
            (Some(form), _) => Some(form),
            (None, true) => Some("unknown username"),
            (None, false) => None,
        };
        let policy = self.policy;
        if let ThrottleKey::Trainer(_) = key {
            self.trainer_slowdown().await?;
        }
        let mut waited = std::time::Duration::ZERO;
        let mut pause = std::time::Duration::from_millis(20);
        let now = loop {
            let now = self.clock.security_now();
            let (origin, reserve_key) = (self.origin.clone(), key.clone());
            let at = EventTime::at(now, &self.clock);
            let reservation = db::write(&self.pool, move |conn| {
                crate::db::atomic(conn, |conn| {
                    let r = login_throttle::reserve(conn, &reserve_key, now, policy.threshold)?;
                    if let Reservation::Locked(_) = r {
                        let kind = EventKind::LoginRefusedLocked;
                        security_event::record(conn, at, kind, taxpayer, &origin, detail)?;
                    }
                    QueryResult::Ok(r)
                })
                .map_err(AppError::from)
            })
            .await?;
            match reservation {
                Reservation::Granted => break now,
                Reservation::Locked(until) => return Ok(Attempt::Locked { until }),
                Reservation::Busy if waited >= BUSY_WAIT => return Ok(Attempt::Busy),
                Reservation::Busy => {
                    actix_web::rt::time::sleep(pause).await;
                    waited += pause;
                    pause = (pause * 2).min(std::time::Duration::from_millis(200));
                }
            }
        };

        let right = password.len() <= MAX_PASSWORD_BYTES
            && self.hasher.verify_login(stored_hash, password).await?
            && taxpayer_or_trainer(&key, taxpayer);

        let origin = self.origin.clone();
        let at = EventTime::at(now, &self.clock);
        let locks = db::write(&self.pool, move |conn| {
            crate::db::atomic(conn, |conn| {
                let (threshold, lock_for) = (policy.threshold, policy.duration);
                let locks = login_throttle::resolve(conn, &key, now, right, threshold, lock_for)?;
                let kind = if right {
                    on_success(conn)?;
                    if purpose == Purpose::PasswordCheck {
                        return Ok(None);
                    }
                    EventKind::LoginSucceeded
                } else if locks.is_some() {
                    EventKind::AccountLocked
                } else {
                    EventKind::LoginFailed
                };
                security_event::record(conn, at, kind, taxpayer, &origin, detail)?;
                QueryResult::Ok(locks)
            })
            .map_err(AppError::from)
        })
        .await?;
        Ok(if right {
            Attempt::Right
        } else {
            Attempt::Wrong {
                locked_until: locks,
            }
        })
    }
}

/// A taxpayer attempt is only right for a known taxpayer (the dummy hash never
/// matches, but this says so rather than relying on it).
fn taxpayer_or_trainer(key: &ThrottleKey, taxpayer: Option<TaxpayerId>) -> bool {
    match key {
        ThrottleKey::Taxpayer(_) => taxpayer.is_some(),
        ThrottleKey::Trainer(_) => true,
    }
}
