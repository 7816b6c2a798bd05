//! The trainer's login: the trainer password, with the taxpayers' CSRF and lockout rules.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::csrf;
use crate::auth::password::{Hasher, MAX_PASSWORD_BYTES};
use crate::auth::session::TypedSession;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::models::security_event::{self, EventKind};
use crate::db::models::{login_throttle, Origin};
use crate::db::{self, Pool};
use crate::demo::TrainerCredential;
use crate::domain::time::ist_datetime;
use crate::error::AppError;
use crate::routes::form::Form;
use crate::routes::layout::Chrome;
use crate::routes::{render, see_other};

/// The lockout key of the trainer: `@` cannot be in a taxpayer's username.
const THROTTLE_KEY: &str = "@trainer";

#[derive(Template)]
#[template(path = "trainer/login.html")]
struct TrainerLoginPage {
    chrome: Chrome,
    error: Option<String>,
}

pub async fn show(session: TypedSession) -> Result<HttpResponse, AppError> {
    if session.trainer()?.is_some() {
        return Ok(see_other("/trainer"));
    }
    let page = TrainerLoginPage {
        chrome: Chrome::for_visitor(&session)?,
        error: None,
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainerLoginForm {
    csrf_token: Option<String>,
    password: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub async fn submit(
    form: Form<TrainerLoginForm>,
    session: TypedSession,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
    hasher: web::Data<Hasher>,
    trainer: web::Data<TrainerCredential>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let refuse = |status: StatusCode, message: String| -> Result<HttpResponse, AppError> {
        let page = TrainerLoginPage {
            chrome: Chrome::for_visitor(&session)?,
            error: Some(message),
        };
        render(status, &page)
    };
    if csrf::verify(&session, form.csrf_token.as_deref()).is_err() {
        return refuse(
            StatusCode::FORBIDDEN,
            "The login page had expired or was not sent from this portal. Please log in again."
                .to_string(),
        );
    }
    let password = form.into_inner().password.unwrap_or_default();
    let now = clock.security_now();
    let locked = db::run(&pool, move |conn| {
        Ok(login_throttle::locked_until(conn, THROTTLE_KEY, now)?)
    })
    .await?;
    if let Some(until) = locked {
        return refuse(
            StatusCode::FORBIDDEN,
            format!(
                "Too many failed logins: the trainer login is locked until {}.",
                ist_datetime(until)
            ),
        );
    }
    let right = password.len() <= MAX_PASSWORD_BYTES
        && hasher
            .verify_login(Some(trainer.hash.clone()), password)
            .await?;
    let (threshold, lock_for) = (settings.lockout_threshold, settings.lockout_duration);
    let event_origin = origin.clone();
    let lock = db::write(&pool, move |conn| {
        Ok(conn.immediate_transaction(|conn| {
            if right {
                login_throttle::clear(conn, THROTTLE_KEY)?;
                security_event::record(
                    conn,
                    now,
                    EventKind::LoginSucceeded,
                    None,
                    &event_origin,
                    Some("trainer"),
                )?;
                return diesel::QueryResult::Ok(None);
            }
            let lock =
                login_throttle::record_failure(conn, THROTTLE_KEY, now, threshold, lock_for)?;
            let kind = if lock.is_some() {
                EventKind::AccountLocked
            } else {
                EventKind::LoginFailed
            };
            security_event::record(conn, now, kind, None, &event_origin, Some("trainer"))?;
            Ok(lock)
        })?)
    })
    .await?;
    if !right {
        let message = match lock {
            Some(until) => format!(
                "Too many failed logins: the trainer login is locked until {}.",
                ist_datetime(until)
            ),
            None => "That is not the trainer password.".to_string(),
        };
        return refuse(StatusCode::UNAUTHORIZED, message);
    }
    session.log_in_trainer(now)?;
    tracing::info!(client = ?origin.client_ip, "trainer logged in");
    Ok(see_other("/trainer"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogoutForm {
    csrf_token: Option<String>,
}

pub async fn log_out(
    form: Form<LogoutForm>,
    session: TypedSession,
) -> Result<HttpResponse, AppError> {
    if session.trainer()?.is_none() {
        return Ok(see_other("/trainer/login"));
    }
    csrf::verify(&session, form.csrf_token.as_deref())?;
    session.log_out();
    Ok(see_other("/trainer/login"))
}
