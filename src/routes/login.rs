//! Step 1 of the manual: the login page and its form.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::captcha;
use crate::auth::login::{Attempt, Credential, Gate, Purpose};
use crate::auth::password::fingerprint;
use crate::auth::session::TypedSession;
use crate::auth::visitor::{Visitor, CAPTCHA_VALIDITY};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::models::login_throttle::{self, ThrottleKey};
use crate::db::models::{taxpayer, used_captcha};
use crate::db::{self, Pool};
use crate::domain::time::ist_datetime;
use crate::error::AppError;
use crate::routes::form::Form;
use crate::routes::layout::{summary, Chrome, SummaryItem};
use crate::routes::{render, see_other};

/// When a login form's token did not match.
pub const STALE_FORM: &str =
    "The login page had expired or was not sent from this portal. Please log in again.";

/// When too many logins to one account are being checked at once.
pub const BUSY: &str =
    "Several logins to this account are being checked at this moment. Please try again in a minute.";

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
    fn error_summary(&self) -> Vec<SummaryItem> {
        summary([
            ("username", self.username_error),
            ("password", self.password_error),
            ("captcha", self.captcha_error),
        ])
    }

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
    reset: Option<String>,
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
    chrome: Chrome,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    if session.login()?.is_some() {
        return Ok(see_other("/dashboard"));
    }
    let mut page = LoginPage::new(chrome, safe_next(query.next.as_deref()), settings.captcha);
    page.notice = if query.reset.is_some() {
        Some("The trainer reset the demo; log in again.")
    } else if query.expired.is_some() {
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
    username: Option<String>,
    password: Option<String>,
    next: Option<String>,
    captcha: Option<String>,
    /// "Show another image" pressed without JavaScript: the same form again, with the
    /// username kept and a new captcha.
    another_image: Option<String>,
}

/// Whether the captcha typed in `form` answers the one last shown to this browser.
/// Its nonce is spent in the database first, so each image gets exactly one try even
/// when several requests carry the same cookie at once.
async fn captcha_answered(
    visitor: &Visitor,
    typed: &str,
    pool: &Pool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, AppError> {
    let Some(shown) = visitor.captcha() else {
        return Ok(false);
    };
    if now - shown.drawn_at > CAPTCHA_VALIDITY {
        return Ok(false);
    }
    let nonce = shown.nonce.clone();
    let first_try = db::write(pool, move |conn| used_captcha::spend(conn, &nonce, now)).await?;
    Ok(first_try && captcha::matches(&shown.text, typed))
}

#[allow(clippy::too_many_arguments)]
pub async fn submit(
    form: Result<Form<LoginForm>, AppError>,
    session: TypedSession,
    visitor: Visitor,
    chrome: Chrome,
    gate: Gate,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let origin = gate.origin.clone();
    let form = match form {
        Ok(form) => form.into_inner(),
        // The usual cause is a login page left open in another browser, or cookies
        // cleared: show the form again with a fresh token instead of a bare error page.
        Err(AppError::Csrf) => {
            let mut page = LoginPage::new(chrome, None, settings.captcha);
            page.error = Some(STALE_FORM.to_string());
            return render(StatusCode::FORBIDDEN, &page);
        }
        Err(other) => return Err(other),
    };
    let next = safe_next(form.next.as_deref());
    let username = form.username.as_deref().unwrap_or("").trim().to_lowercase();
    let password = form.password.unwrap_or_default();
    let mut page = LoginPage::new(chrome, next.clone(), settings.captcha);
    page.username = username.clone();
    if form.another_image.is_some() && settings.captcha {
        page.notice = Some("Here is another image. Type the characters you see in it.");
        return render(StatusCode::OK, &page);
    }

    // Locks, sessions and the security log run on security time, which the trainer's
    // time machine does not move; the login time shown to the taxpayer is business time.
    let now = clock.security_now();
    let shown_now = clock.now();
    if settings.captcha {
        let typed = form.captcha.as_deref().unwrap_or_default();
        if !captcha_answered(&visitor, typed, &pool, now).await? {
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
    if username.chars().count() > MAX_USERNAME_CHARS {
        page.error = Some(INVALID_CREDENTIALS.to_string());
        return render(StatusCode::UNAUTHORIZED, &page);
    }

    let lookup = username.clone();
    let found = db::run(&pool, move |conn| taxpayer::find_by_username(conn, &lookup)).await?;
    let credential = Credential {
        key: ThrottleKey::Taxpayer(username),
        stored_hash: found.as_ref().map(|t| t.password_hash.clone()),
        taxpayer: found.as_ref().map(|t| t.id),
        purpose: Purpose::TaxpayerLogin,
    };
    let id = found.as_ref().map(|t| t.id);
    let attempt = gate
        .attempt(credential, password, move |conn| {
            let Some(id) = id else { return Ok(()) };
            taxpayer::record_login_success(conn, id, shown_now)?;
            // Logins are a fitting, rare moment to sweep failure counts nobody has
            // added to for a day (sessions are swept on a schedule as well).
            login_throttle::sweep(conn, now, login_throttle::FORGET_AFTER).map(drop)
        })
        .await?;
    let taxpayer = match (attempt, found) {
        (Attempt::Right, Some(t)) => t,
        (Attempt::Locked { until }, _) => {
            tracing::info!(client = ?origin.client_ip, "login refused: username locked");
            page.error = Some(locked_message_on(until, &clock));
            return render(StatusCode::FORBIDDEN, &page);
        }
        (Attempt::Wrong { locked_until }, _) => {
            tracing::info!(client = ?origin.client_ip, locked = locked_until.is_some(), "login failed");
            page.error = Some(locked_until.map_or_else(
                || INVALID_CREDENTIALS.to_string(),
                |u| locked_message_on(u, &clock),
            ));
            return render(StatusCode::UNAUTHORIZED, &page);
        }
        (Attempt::Busy, _) => {
            page.error = Some(BUSY.to_string());
            return render(StatusCode::TOO_MANY_REQUESTS, &page);
        }
        (Attempt::Right, None) => {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "a login was right for a taxpayer that was not found"
            )))
        }
    };
    session.log_in(taxpayer.id, now, &fingerprint(&taxpayer.password_hash))?;
    tracing::info!(taxpayer_id = taxpayer.id.0, client = ?origin.client_ip, "login succeeded");
    Ok(see_other(next.as_deref().unwrap_or("/dashboard")))
}

pub fn locked_message(until: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "Too many failed logins: this account is locked until {}. Please try again after that.",
        ist_datetime(until)
    )
}

/// The lock message as a demo portal shows it while its clock is moved.
pub fn locked_message_on(until: chrono::DateTime<chrono::Utc>, clock: &Clock) -> String {
    with_lock_clock_note(locked_message(until), clock)
}

/// `message` about a lock, with a note while the demo clock is moved: a lock follows
/// real time, which the time machine does not move, so the message says so rather
/// than contradict the portal time in the banner.
pub fn with_lock_clock_note(message: String, clock: &Clock) -> String {
    if clock.demo_offset().is_zero() {
        message
    } else {
        format!("{message} (Locks follow real time, which the demo clock does not move.)")
    }
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
