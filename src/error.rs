//! The portal's one error type and how each kind is shown to a person.

use std::fmt;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::routes::layout::Chrome;

/// Everything a handler can fail with.
#[derive(thiserror::Error)]
pub enum AppError {
    /// No such page.
    #[error("page not found")]
    NotFound,
    /// The page needs a logged-in taxpayer; `next` is where to return after login.
    #[error("login required")]
    LoginRequired { next: Option<String>, expired: bool },
    /// The trainer console needs a trainer session.
    #[error("trainer login required")]
    TrainerLoginRequired,
    /// A POST without the session's anti-forgery token.
    #[error("the form's security token is missing or does not match")]
    Csrf,
    /// A request the portal cannot read, with the status that fits and a message for people.
    #[error("{message}")]
    Rejected { status: StatusCode, message: String },
    /// Anything else: a 500 whose details go to the log only.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AppError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::Rejected {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Unexpected(anyhow::Error::new(e).context("database query failed"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Unexpected(anyhow::Error::new(e).context("template rendering failed"))
    }
}

impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Unexpected(e) => write!(f, "{e:?}"),
            other => write!(f, "{other}"),
        }
    }
}

#[derive(Template)]
#[template(path = "error/page.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    title: &'static str,
    message: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::LoginRequired { .. } | AppError::TrainerLoginRequired => {
                StatusCode::SEE_OTHER
            }
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Rejected { status, .. } => *status,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (title, message) = match self {
            AppError::LoginRequired { next, expired } => {
                let mut location = String::from("/login");
                let mut query = Vec::new();
                if *expired {
                    query.push(("expired", "1"));
                }
                if let Some(next) = next {
                    query.push(("next", next.as_str()));
                }
                if !query.is_empty() {
                    location.push('?');
                    location.push_str(&serde_urlencoded::to_string(&query).unwrap_or_default());
                }
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish();
            }
            AppError::TrainerLoginRequired => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/trainer/login"))
                    .finish();
            }
            AppError::NotFound => (
                "Page not found",
                "The page you asked for does not exist on this portal. Check the address, or go back to the Dashboard.".to_string(),
            ),
            AppError::Csrf => (
                "Request refused",
                "This form was not sent from the page this portal gave you, or the page had expired, so nothing was changed. Go back, reload the page and try again.".to_string(),
            ),
            AppError::Rejected { message, .. } => ("Request not accepted", message.clone()),
            AppError::Unexpected(e) => {
                tracing::error!(error = ?e, "request failed");
                (
                    "Something went wrong",
                    "The portal could not complete your request. Nothing was changed by the failed step; please try again in a moment.".to_string(),
                )
            }
        };
        let page = ErrorPage {
            chrome: Chrome::anonymous(),
            status: status.as_u16(),
            title,
            message,
        };
        match page.render() {
            Ok(body) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(body),
            Err(e) => {
                tracing::error!(error = ?e, "error page could not be rendered");
                HttpResponse::build(status)
                    .content_type("text/plain; charset=utf-8")
                    .body(title)
            }
        }
    }
}
