//! "Log in as" on the trainer console (demo mode only): the trainer opens a demo
//! taxpayer's screens in a new tab without typing the password.
//!
//! The trainer's session and the taxpayer's are separate cookies, each read by its
//! own part of the portal, so the console cannot write the taxpayer's session itself.
//! It makes a one-time ticket instead (only its hash is stored, good for a minute)
//! and sends the new tab to `/login/as/{ticket}`, which trades it for a taxpayer
//! session under the taxpayer's cookie. The console's session is left as it was.
//! The ticket is bound to the trainer's session (the hash of a nonce kept in it), so
//! only the trainer's own browser can spend it, and the trainer's logout ends it.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use crate::auth::guard::{CurrentTrainer, TrainerBrowser};
use crate::auth::password::{fingerprint, Hasher};
use crate::auth::session::TypedSession;
use crate::auth::{constant_time_eq, random_hex, sha256_hex};
use crate::clock::Clock;
use crate::db::models::login_throttle::{self, ThrottleKey};
use crate::db::models::security_event::{self, EventKind, EventTime, BY_TRAINER};
use crate::db::models::{demo_taxpayer, login_ticket, taxpayer, Origin};
use crate::db::{self, Pool};
use crate::demo::{self, DemoLogin, DEMO_PASSWORD};
use crate::domain::time::ist_datetime;
use crate::error::AppError;
use crate::routes::form::Form;
use crate::routes::see_other;

/// How long a ticket may wait for its tab.
const TICKET_LIFETIME: TimeDelta = TimeDelta::seconds(60);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginAsForm {
    username: Option<String>,
}

/// Why no ticket was made.
enum NoTicket {
    NotDemo,
    Locked(DateTime<Utc>),
}

/// Makes a ticket for a demo taxpayer and sends the (new) tab to trade it. A locked
/// account is refused: Log in as does not pass a lock (Unlock does, on purpose).
pub async fn start(
    trainer: CurrentTrainer,
    form: Form<LoginAsForm>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let username = form.into_inner().username.unwrap_or_default();
    let ticket = random_hex(32);
    let hash = sha256_hex(&ticket);
    let binding = sha256_hex(&trainer.session.trainer_nonce()?);
    let now = clock.security_now();
    let at = EventTime::at(now, &clock);
    let name = username.trim().to_lowercase();
    let made = db::write(&pool, move |conn| {
        crate::db::atomic(conn, |conn| {
            let Some(found) = taxpayer::find_by_username(conn, &name)? else {
                return Ok(Err(NoTicket::NotDemo));
            };
            if demo_taxpayer::kind_of(conn, found.id)?.as_deref() != Some(demo_taxpayer::DEMO) {
                return Ok(Err(NoTicket::NotDemo));
            }
            let key = ThrottleKey::Taxpayer(found.username.clone());
            if let Some(until) = login_throttle::locked_until(conn, &key, now)? {
                return Ok(Err(NoTicket::Locked(until)));
            }
            login_ticket::insert(conn, &hash, found.id, &binding, now, now + TICKET_LIFETIME)?;
            let detail = format!("{BY_TRAINER}: Log in as {}", found.username);
            let kind = EventKind::TrainerLoggedInAs;
            security_event::record(conn, at, kind, Some(found.id), &origin, Some(&detail))?;
            diesel::QueryResult::Ok(Ok(()))
        })
    })
    .await?;
    match made {
        Ok(()) => {}
        Err(NoTicket::NotDemo) => {
            return Err(AppError::bad_request(format!(
                "\"{}\" is not a demo taxpayer: Log in as works for the demo accounts listed on the console only.",
                username.trim()
            )))
        }
        Err(NoTicket::Locked(until)) => {
            return Err(AppError::Rejected {
                status: StatusCode::CONFLICT,
                message: format!(
                    "{} is locked after failed logins until {}, so Log in as does not open it. Unlock it under Trainees and controls first if the class should get in.",
                    username.trim(),
                    ist_datetime(until)
                ),
            })
        }
    }
    tracing::info!(username = %username.trim(), "trainer opened a demo taxpayer's session");
    Ok(see_other(&format!("/login/as/{ticket}")))
}

/// What a ticket brought.
enum Arrival {
    /// No such ticket, or it expired (or its taxpayer is gone).
    Unknown,
    /// Made by a trainer session this browser does not hold: spent, no login.
    WrongBrowser,
    In(Box<crate::db::models::taxpayer::Taxpayer>),
}

/// Trades a ticket for a taxpayer session in this browser's taxpayer cookie. Only
/// the browser whose trainer session made the ticket can: a ticket tried elsewhere
/// is spent without a login.
pub async fn arrive(
    ticket: web::Path<String>,
    session: TypedSession,
    trainer: TrainerBrowser,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let hash = sha256_hex(&ticket.into_inner());
    let holder = trainer.nonce.map(|nonce| sha256_hex(&nonce));
    let now = clock.security_now();
    let at = EventTime::at(now, &clock);
    let shown_now = clock.now();
    let found = db::write(&pool, move |conn| {
        crate::db::atomic(conn, |conn| {
            let Some((id, binding)) = login_ticket::spend(conn, &hash, now)? else {
                return Ok(Arrival::Unknown);
            };
            let Some(found) = taxpayer::find(conn, id)? else {
                return Ok(Arrival::Unknown);
            };
            let (kind, detail, arrival) = if holder.is_some_and(|h| constant_time_eq(&h, &binding))
            {
                taxpayer::record_login_success(conn, id, shown_now)?;
                let detail = format!("{BY_TRAINER}: Log in as {} (ticket spent)", found.username);
                (EventKind::LoginSucceeded, detail, Arrival::In(Box::new(found)))
            } else {
                let detail = format!(
                    "{BY_TRAINER}: Log in as ticket for {} tried in another browser (spent, no login)",
                    found.username
                );
                (EventKind::LoginFailed, detail, Arrival::WrongBrowser)
            };
            security_event::record(conn, at, kind, Some(id), &origin, Some(&detail))?;
            diesel::QueryResult::Ok(arrival)
        })
    })
    .await?;
    let taxpayer = match found {
        Arrival::In(taxpayer) => taxpayer,
        Arrival::WrongBrowser => {
            return Err(AppError::Rejected {
                status: StatusCode::FORBIDDEN,
                message: "This Log in as link opens only in the browser where the trainer console that made it is logged in; it cannot be used again. Use the Log in as button on the console there.".to_string(),
            })
        }
        Arrival::Unknown => {
            return Err(AppError::Rejected {
                status: StatusCode::GONE,
                message: "This Log in as link has been used or is more than a minute old. Use the Log in as button on the trainer console again.".to_string(),
            })
        }
    };
    session.log_in(taxpayer.id, now, &fingerprint(&taxpayer.password_hash))?;
    tracing::info!(
        taxpayer_id = taxpayer.id.0,
        "logged in from the trainer console"
    );
    Ok(see_other("/dashboard"))
}

/// A demo account as the console lists it: the seeded password while it still
/// opens the account.
pub struct DemoAccountLine {
    pub username: String,
    pub gstin: String,
    pub case: &'static str,
    pub password: Option<&'static str>,
}

/// Remembers, per stored hash, whether the seeded password opens it, so the console
/// costs one argon2 check per demo account and password, not one per page view.
/// (A memo of a pure function: nothing here needs to be shared between instances.)
#[derive(Default)]
pub struct SeededPasswords(Mutex<HashMap<String, bool>>);

impl SeededPasswords {
    /// The console's lines for `logins`.
    pub async fn lines(
        &self,
        hasher: &Hasher,
        logins: Vec<DemoLogin>,
    ) -> Result<Vec<DemoAccountLine>, AppError> {
        let mut lines = Vec::with_capacity(logins.len());
        for login in logins {
            let key = fingerprint(&login.password_hash);
            let known = self.0.lock().ok().and_then(|m| m.get(&key).copied());
            let seeded = match known {
                Some(seeded) => seeded,
                None => {
                    let seeded = hasher
                        .verify_login(Some(login.password_hash), DEMO_PASSWORD.to_string())
                        .await?;
                    if let Ok(mut memo) = self.0.lock() {
                        memo.insert(key, seeded);
                    }
                    seeded
                }
            };
            lines.push(DemoAccountLine {
                username: login.username,
                gstin: login.gstin,
                case: login.case,
                password: seeded.then_some(DEMO_PASSWORD),
            });
        }
        Ok(lines)
    }
}

/// The demo accounts for the console.
pub async fn demo_accounts(
    pool: &Pool,
    hasher: &Hasher,
    seeded: &SeededPasswords,
) -> Result<Vec<DemoAccountLine>, AppError> {
    let logins = db::run(pool, demo::logins).await?;
    seeded.lines(hasher, logins).await
}
