//! Step 1 of the manual: the login page and its form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::password::{Hasher, MAX_PASSWORD_BYTES};
use crate::auth::session::TypedSession;
use crate::auth::{captcha, csrf};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::models::security_event::{self, EventKind};
use crate::db::models::{login_throttle, session as session_rows, taxpayer, Origin};
use crate::db::{self, Pool};
use crate::domain::time::ist_datetime;
use crate::error::AppError;
use crate::routes::form::Form;
use crate::routes::layout::Chrome;
use crate::routes::{render, see_other};

/// The one message for a wrong username and a wrong password alike.
pub const INVALID_CREDENTIALS: &str = "Invalid Username or Password. Please try again.";
const MAX_USERNAME_CHARS: usize = 64;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    next: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
    username_error: Option<&'static str>,
    password_error: Option<&'static str>,
    /// Whether the form has a captcha, and what is wrong with the typed one.
    captcha: bool,
    captcha_error: Option<&'static str>,
}

impl LoginPage {
    fn new(chrome: Chrome, next: Option<String>, captcha: bool) -> Self {
        LoginPage {
            chrome,
            username: String::new(),
            next,
            notice: None,
            error: None,
            username_error: None,
            password_error: None,
            captcha,
            captcha_error: None,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    bye: Option<String>,
}

/// A path on this portal to return to after login; anything else (another host, a
/// scheme, odd characters) is dropped.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?;
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 512
        && next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    let pointless = next == "/login" || next.starts_with("/login?") || next == "/logout";
    (local && !pointless).then(|| next.to_string())
}

pub async fn show(
    query: web::Query<LoginQuery>,
    session: TypedSession,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    if session.login()?.is_some() {
        return Ok(see_other("/dashboard"));
    }
    let mut page = LoginPage::new(
        Chrome::for_visitor(&session)?,
        safe_next(query.next.as_deref()),
        settings.captcha,
    );
    page.notice = if query.expired.is_some() {
        Some("Your session has timed out. Please log in again.")
    } else if query.bye.is_some() {
        Some("You have logged out.")
    } else if page.next.is_some() {
        Some("Please log in to continue.")
    } else {
        None
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginForm {
    csrf_token: Option<String>,
    username: Option<String>,
    password: Option<String>,
    next: Option<String>,
    captcha: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub async fn submit(
    form: Form<LoginForm>,
    session: TypedSession,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
    hasher: web::Data<Hasher>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let username = form.username.as_deref().unwrap_or("").trim().to_lowercase();
    let password = form.password.unwrap_or_default();

    if csrf::verify(&session, form.csrf_token.as_deref()).is_err() {
        // The usual cause is a login page left open past the idle timeout: show the
        // form again with a fresh token instead of a bare error page.
        let mut page = LoginPage::new(Chrome::for_visitor(&session)?, next, settings.captcha);
        page.username = username;
        page.error = Some(
            "The login page had expired or was not sent from this portal. Please log in again."
                .to_string(),
        );
        return render(StatusCode::FORBIDDEN, &page);
    }

    let mut page = LoginPage::new(
        Chrome::for_visitor(&session)?,
        next.clone(),
        settings.captcha,
    );
    page.username = username.clone();
    if settings.captcha {
        // Each image can be tried once: a wrong answer, or none, needs the new image
        // that the page shown again will load.
        let shown = session.take_captcha().unwrap_or_default();
        if !captcha::matches(&shown, form.captcha.as_deref().unwrap_or_default()) {
            page.captcha_error = Some(
                "The characters you typed do not match the image. Type the ones in the new image.",
            );
        }
    }
    if username.is_empty() {
        page.username_error = Some("Enter your username.");
    }
    if password.is_empty() {
        page.password_error = Some("Enter your password.");
    }
    if page.username_error.is_some()
        || page.password_error.is_some()
        || page.captcha_error.is_some()
    {
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    if username.chars().count() > MAX_USERNAME_CHARS || password.len() > MAX_PASSWORD_BYTES {
        page.error = Some(INVALID_CREDENTIALS.to_string());
        return render(StatusCode::UNAUTHORIZED, &page);
    }

    // Locks, sessions and the security log run on security time, which the trainer's
    // time machine does not move; the login time shown to the taxpayer is business time.
    let now = clock.security_now();
    let shown_now = clock.now();
    let lookup = username.clone();
    let (found, locked_until) = db::run(&pool, move |conn| {
        Ok((
            taxpayer::find_by_username(conn, &lookup)?,
            login_throttle::locked_until(conn, &lookup, now)?,
        ))
    })
    .await?;
    if let Some(until) = locked_until {
        let (who, event_origin) = (found.as_ref().map(|t| t.id), origin.clone());
        db::write(&pool, move |conn| {
            Ok(security_event::record(
                conn,
                now,
                EventKind::LoginRefusedLocked,
                who,
                &event_origin,
                None,
            )?)
        })
        .await?;
        tracing::info!(client = ?origin.client_ip, "login refused: username locked");
        page.error = Some(locked_message(until));
        return render(StatusCode::FORBIDDEN, &page);
    }

    let stored = found.as_ref().map(|t| t.password_hash.clone());
    let matches = hasher.verify_login(stored, password).await?;
    let taxpayer = match (&found, matches) {
        (Some(t), true) => t,
        _ => {
            let (threshold, lock_for) = (settings.lockout_threshold, settings.lockout_duration);
            let who = found.as_ref().map(|t| t.id);
            let event_origin = origin.clone();
            let locked = db::write(&pool, move |conn| {
                Ok(conn.immediate_transaction(|conn| {
                    let locked =
                        login_throttle::record_failure(conn, &username, now, threshold, lock_for)?;
                    let kind = match locked {
                        Some(_) => EventKind::AccountLocked,
                        None => EventKind::LoginFailed,
                    };
                    let detail = who.is_none().then_some("unknown username");
                    security_event::record(conn, now, kind, who, &event_origin, detail)?;
                    diesel::QueryResult::Ok(locked)
                })?)
            })
            .await?;
            tracing::info!(client = ?origin.client_ip, locked = locked.is_some(), "login failed");
            page.error = Some(match locked {
                Some(until) => locked_message(until),
                None => INVALID_CREDENTIALS.to_string(),
            });
            return render(StatusCode::UNAUTHORIZED, &page);
        }
    };

    let id = taxpayer.id;
    let event_origin = origin.clone();
    db::write(&pool, move |conn| {
        Ok(conn.immediate_transaction(|conn| {
            login_throttle::clear(conn, &username)?;
            taxpayer::record_login_success(conn, id, shown_now)?;
            // Logins are a fitting, rare moment to sweep sessions that ran out and
            // failure counts nobody has added to for a day.
            session_rows::delete_expired(conn, now)?;
            login_throttle::sweep(conn, now, login_throttle::FORGET_AFTER)?;
            security_event::record(
                conn,
                now,
                EventKind::LoginSucceeded,
                Some(id),
                &event_origin,
                None,
            )
        })?)
    })
    .await?;
    session.log_in(id, now)?;
    tracing::info!(taxpayer_id = id.0, client = ?origin.client_ip, "login succeeded");
    Ok(see_other(next.as_deref().unwrap_or("/dashboard")))
}

fn locked_message(until: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "Too many failed logins: this account is locked until {}. Please try again after that.",
        ist_datetime(until)
    )
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn keeps_local_paths() {
        assert_eq!(
            safe_next(Some("/profile/api-access")).as_deref(),
            Some("/profile/api-access")
        );
        assert_eq!(
            safe_next(Some("/profile?x=1")).as_deref(),
            Some("/profile?x=1")
        );
    }

    #[test]
    fn drops_anything_that_could_leave_the_portal() {
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "evil",
            "javascript:alert(1)",
            "/ spaced",
            "/login",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad}");
        }
        assert_eq!(safe_next(None), None);
    }
}
