//! Change Password, from the user menu and the Quick Links. A new password ends every
//! other session of the taxpayer.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::CurrentTaxpayer;
use crate::auth::login::{Attempt, Credential, Gate, Purpose};
use crate::auth::password::{fingerprint, Hasher};
use crate::auth::session::FlashKind;
use crate::clock::Clock;
use crate::db::models::login_throttle::ThrottleKey;
use crate::db::models::security_event::{self, EventKind, EventTime};
use crate::db::models::{session as session_rows, taxpayer};
use crate::db::{self, Pool};
use crate::domain::password_rule;
use crate::error::AppError;
use crate::routes::form::Form;
use crate::routes::layout::{summary, Chrome, SummaryItem};
use crate::routes::login::{locked_message_on, BUSY};
use crate::routes::{render, see_other};

/// Messages next to the form's fields.
#[derive(Default)]
struct FieldErrors {
    current: Option<String>,
    new: Option<String>,
    confirm: Option<String>,
}

impl FieldErrors {
    fn any(&self) -> bool {
        self.current.is_some() || self.new.is_some() || self.confirm.is_some()
    }
}

#[derive(Template)]
#[template(path = "profile/change_password.html")]
struct ChangePasswordPage {
    chrome: Chrome,
    errors: FieldErrors,
}

impl ChangePasswordPage {
    fn error_summary(&self) -> Vec<SummaryItem> {
        summary([
            ("current-password", self.errors.current.as_deref()),
            ("new-password", self.errors.new.as_deref()),
            ("confirm-password", self.errors.confirm.as_deref()),
        ])
    }
}

pub async fn show(_current: CurrentTaxpayer, chrome: Chrome) -> Result<HttpResponse, AppError> {
    let page = ChangePasswordPage {
        chrome,
        errors: FieldErrors::default(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordForm {
    current_password: Option<String>,
    new_password: Option<String>,
    confirm_password: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub async fn submit(
    current: CurrentTaxpayer,
    chrome: Chrome,
    form: Form<ChangePasswordForm>,
    gate: Gate,
    pool: web::Data<Pool>,
    hasher: web::Data<Hasher>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let origin = gate.origin.clone();
    let form = form.into_inner();
    let old = form.current_password.unwrap_or_default();
    let new = form.new_password.unwrap_or_default();
    let confirm = form.confirm_password.unwrap_or_default();

    let mut errors = FieldErrors::default();
    if old.is_empty() {
        errors.current = Some("Enter your current password.".into());
    }
    if new.is_empty() {
        errors.new = Some("Enter a new password.".into());
    } else if let Err(e) = password_rule::check(&new) {
        errors.new = Some(e.to_string());
    } else if new == old {
        errors.new = Some("The new password must differ from the current one.".into());
    }
    if confirm.is_empty() && !new.is_empty() {
        errors.confirm = Some("Type the new password again.".into());
    } else if confirm != new {
        errors.confirm = Some("The two new passwords do not match.".into());
    }
    let now = clock.security_now();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    // Every error is reported at once, the current password's too: it is checked
    // whenever one was typed, like a login (the same lock, count and security
    // events), so this form is no way round the lockout.
    if !old.is_empty() {
        let credential = Credential {
            key: ThrottleKey::Taxpayer(current.taxpayer.username.clone()),
            stored_hash: Some(current.taxpayer.password_hash.clone()),
            taxpayer: Some(current.taxpayer.id),
            purpose: Purpose::PasswordCheck,
        };
        match gate.attempt(credential, old, |_| Ok(())).await? {
            Attempt::Right => {}
            Attempt::Wrong { locked_until: None } => {
                errors.current = Some("The current password is not correct.".into());
            }
            Attempt::Wrong {
                locked_until: Some(until),
            }
            | Attempt::Locked { until } => {
                errors.current = Some(locked_message_on(until, &clock));
                status = StatusCode::FORBIDDEN;
            }
            Attempt::Busy => {
                errors.current = Some(BUSY.into());
                status = StatusCode::TOO_MANY_REQUESTS;
            }
        }
    }
    if errors.any() {
        let page = ChangePasswordPage { chrome, errors };
        return render(status, &page);
    }

    let hash = hasher.hash(new).await?;
    let credential = fingerprint(&hash);
    let id = current.taxpayer.id;
    let at = EventTime::at(now, &clock);
    let ended = db::write(&pool, move |conn| {
        crate::db::atomic(conn, |conn| {
            taxpayer::update_password_hash(conn, id, &hash)?;
            let ended = session_rows::delete_for_taxpayer(conn, id)?;
            let detail = format!("{} other session(s) ended", ended.saturating_sub(1));
            security_event::record(
                conn,
                at,
                EventKind::PasswordChanged,
                Some(id),
                &origin,
                Some(&detail),
            )?;
            diesel::QueryResult::Ok(ended)
        })
    })
    .await?;
    // Every session row of the taxpayer is gone, this one included; renewing saves
    // this session's state under a fresh key, so only this browser stays logged in.
    current.session.renew();
    current.session.set_credential(&credential)?;
    tracing::info!(
        taxpayer_id = id.0,
        other_sessions_ended = ended.saturating_sub(1),
        "password changed"
    );
    current.session.set_flash(
        FlashKind::Success,
        "Your password has been changed. Any other session of yours has been logged out.",
    )?;
    Ok(see_other("/profile"))
}
