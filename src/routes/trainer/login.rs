//! The trainer's login: the trainer password, with the taxpayers' CSRF and lockout rules.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::login::{Attempt, Credential, Gate, Purpose};
use crate::auth::password::fingerprint;
use crate::auth::session::TypedSession;
use crate::auth::{sha256_hex, TrainerCredential};
use crate::clock::Clock;
use crate::db::models::security_event::{self, EventKind, EventTime, BY_TRAINER};
use crate::db::models::{login_ticket, Origin};
use crate::db::{self, Pool};
use crate::domain::time::ist_datetime;
use crate::error::AppError;
use crate::routes::form::{Form, NoFields};
use crate::routes::layout::Chrome;
use crate::routes::login::{with_lock_clock_note, BUSY, STALE_FORM};
use crate::routes::{render, see_other};

#[derive(Template)]
#[template(path = "trainer/login.html")]
struct TrainerLoginPage {
    chrome: Chrome,
    error: Option<String>,
}

pub async fn show(session: TypedSession, chrome: Chrome) -> Result<HttpResponse, AppError> {
    if session.trainer()?.is_some() {
        return Ok(see_other("/trainer"));
    }
    let page = TrainerLoginPage {
        chrome,
        error: None,
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainerLoginForm {
    password: Option<String>,
}

fn locked(until: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "Too many failed logins: the trainer login is locked for your network address until {}. Other addresses are not locked; the console's owner can end the lock with gst-portal trainer unlock.",
        ist_datetime(until)
    )
}

#[allow(clippy::too_many_arguments)]
pub async fn submit(
    form: Result<Form<TrainerLoginForm>, AppError>,
    session: TypedSession,
    chrome: Chrome,
    gate: Gate,
    clock: web::Data<Clock>,
    trainer: web::Data<TrainerCredential>,
) -> Result<HttpResponse, AppError> {
    let refuse = |status: StatusCode, message: String| -> Result<HttpResponse, AppError> {
        let page = TrainerLoginPage {
            chrome,
            error: Some(message),
        };
        render(status, &page)
    };
    let form = match form {
        Ok(form) => form.into_inner(),
        Err(AppError::Csrf) => return refuse(StatusCode::FORBIDDEN, STALE_FORM.to_string()),
        Err(other) => return Err(other),
    };
    let password = form.password.unwrap_or_default();
    let now = clock.security_now();
    let credential = Credential {
        key: gate.trainer_key(),
        stored_hash: Some(trainer.hash.clone()),
        taxpayer: None,
        purpose: Purpose::TrainerLogin,
    };
    let lock_message = |until| with_lock_clock_note(locked(until), &clock);
    match gate.attempt(credential, password, |_| Ok(())).await? {
        Attempt::Right => {}
        Attempt::Locked { until } => return refuse(StatusCode::FORBIDDEN, lock_message(until)),
        Attempt::Busy => return refuse(StatusCode::TOO_MANY_REQUESTS, BUSY.to_string()),
        Attempt::Wrong { locked_until } => {
            let message = locked_until.map_or_else(
                || "That is not the trainer password.".to_string(),
                lock_message,
            );
            return refuse(StatusCode::UNAUTHORIZED, message);
        }
    }
    session.log_in_trainer(now, &fingerprint(&trainer.hash))?;
    tracing::info!(client = ?gate.origin.client_ip, "trainer logged in");
    Ok(see_other("/trainer"))
}

/// Ends the trainer's session and the Log in as tickets it made and nobody spent.
pub async fn log_out(
    form: Result<Form<NoFields>, AppError>,
    session: TypedSession,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    if session.trainer()?.is_none() {
        return Ok(see_other("/trainer/login"));
    }
    form?;
    let binding = session.stored_trainer_nonce()?.map(|n| sha256_hex(&n));
    session.log_out();
    let at = EventTime::now(&clock);
    let ended = db::write(&pool, move |conn| {
        crate::db::atomic(conn, |conn| {
            let ended = match &binding {
                Some(binding) => login_ticket::delete_bound(conn, binding)?,
                None => 0,
            };
            let kind = EventKind::Logout;
            security_event::record(conn, at, kind, None, &origin, Some(BY_TRAINER))?;
            diesel::QueryResult::Ok(ended)
        })
    })
    .await?;
    tracing::info!(unspent_tickets_ended = ended, "trainer logged out");
    Ok(see_other("/trainer/login"))
}
