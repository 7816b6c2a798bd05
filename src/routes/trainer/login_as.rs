//! "Log in as" on the trainer console (demo mode only): the trainer opens a demo
//! taxpayer's screens in a new tab without typing the password.
//!
//! The trainer's session and the taxpayer's are separate cookies, each read by its
//! own part of the portal, so the console cannot write the taxpayer's session itself.
//! It makes a one-time ticket instead (only its hash is stored, good for a minute)
//! and sends the new tab to `/login/as/{ticket}`, which trades it for a taxpayer
//! session under the taxpayer's cookie. The console's session is left as it was.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::TimeDelta;
use serde::Deserialize;

use crate::auth::guard::CurrentTrainer;
use crate::auth::password::{fingerprint, Hasher};
use crate::auth::session::TypedSession;
use crate::auth::{random_hex, sha256_hex};
use crate::clock::Clock;
use crate::db::models::{demo_taxpayer, login_ticket, taxpayer};
use crate::db::{self, Pool};
use crate::demo::{self, DemoLogin, DEMO_PASSWORD};
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

/// Makes a ticket for a demo taxpayer and sends the (new) tab to trade it.
pub async fn start(
    _trainer: CurrentTrainer,
    form: Form<LoginAsForm>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let username = form.into_inner().username.unwrap_or_default();
    let ticket = random_hex(32);
    let hash = sha256_hex(&ticket);
    let now = clock.security_now();
    let name = username.clone();
    let made = db::write(&pool, move |conn| {
        let Some(found) = taxpayer::find_by_username(conn, name.trim())? else {
            return Ok(false);
        };
        if demo_taxpayer::kind_of(conn, found.id)?.as_deref() != Some(demo_taxpayer::DEMO) {
            return Ok(false);
        }
        login_ticket::insert(conn, &hash, found.id, now, now + TICKET_LIFETIME)?;
        diesel::QueryResult::Ok(true)
    })
    .await?;
    if !made {
        return Err(AppError::bad_request(format!(
            "\"{}\" is not a demo taxpayer: Log in as works for the demo accounts listed on the console only.",
            username.trim()
        )));
    }
    tracing::info!(username = %username.trim(), "trainer opened a demo taxpayer's session");
    Ok(see_other(&format!("/login/as/{ticket}")))
}

/// Trades a ticket for a taxpayer session in this browser's taxpayer cookie.
pub async fn arrive(
    ticket: web::Path<String>,
    session: TypedSession,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let hash = sha256_hex(&ticket.into_inner());
    let now = clock.security_now();
    let shown_now = clock.now();
    let found = db::write(&pool, move |conn| {
        let Some(id) = login_ticket::spend(conn, &hash, now)? else {
            return Ok(None);
        };
        taxpayer::record_login_success(conn, id, shown_now)?;
        taxpayer::find(conn, id)
    })
    .await?;
    let Some(taxpayer) = found else {
        return Err(AppError::Rejected {
            status: StatusCode::GONE,
            message: "This Log in as link has been used or is more than a minute old. Use the Log in as button on the trainer console again.".to_string(),
        });
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
