//! The portal's one error type and how each kind is shown to a person.

use std::fmt;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

/// Everything a handler can fail with.
#[derive(thiserror::Error)]
pub enum AppError {
    /// No such page.
    #[error("page not found")]
    NotFound,
    /// The page needs a logged-in taxpayer; `next` is where to return after login,
    /// `ended` why the browser's session is gone.
    #[error("login required")]
    LoginRequired { next: Option<String>, ended: Ended },
    /// The trainer console needs a trainer session.
    #[error("trainer login required")]
    TrainerLoginRequired,
    /// A POST without the session's anti-forgery token.
    #[error("the form's security token is missing or does not match")]
    Csrf,
    /// A request the portal cannot read, with the status that fits and a message for people.
    #[error("{message}")]
    Rejected { status: StatusCode, message: String },
    /// The database cannot be reached (a server that is away or restarting): a 503
    /// that asks to try again soon. The details go to the log only.
    #[error("the database cannot be reached: {0}")]
    DatabaseAway(String),
    /// Anything else: a 500 whose details go to the log only.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a browser that had a session no longer has one, as the login page tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It never had one, or it ended in a way that needs no word (a new password).
    Unsaid,
    /// The idle timeout or the absolute lifetime.
    TimedOut,
    /// The trainer put the demo data back.
    ByReset,
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
        if connection_lost(&e) {
            return AppError::DatabaseAway(e.to_string());
        }
        AppError::Unexpected(anyhow::Error::new(e).context("database query failed"))
    }
}

/// A pool that cannot lend a connection within its timeout: the database is away.
impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::DatabaseAway(e.to_string())
    }
}

/// Whether `e` says the connection to the database broke, rather than the statement
/// being wrong.
pub fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        e,
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        )
    )
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

impl AppError {
    /// The page title and the message a person reads; for the kinds that are not
    /// answered with a redirect.
    pub fn words(&self) -> (&'static str, String) {
        match self {
            AppError::NotFound => (
                "Page not found",
                "The page you asked for does not exist on this portal. Check the address, or go back to the Dashboard.".to_string(),
            ),
            AppError::Csrf => (
                "Request refused",
                "This form was not sent from the page this portal gave you, or the page had expired, so nothing was changed. Go back, reload the page and try again.".to_string(),
            ),
            AppError::Rejected { message, .. } => ("Request not accepted", message.clone()),
            AppError::LoginRequired { .. } | AppError::TrainerLoginRequired => {
                ("Please log in", "Please log in to continue.".to_string())
            }
            AppError::DatabaseAway(_) => (
                "Service unavailable",
                "The portal cannot reach its database just now. Nothing was changed; please try again in a minute.".to_string(),
            ),
            AppError::Unexpected(_) => (
                "Something went wrong",
                "The portal could not complete your request. Nothing was changed by the failed step; please try again in a moment.".to_string(),
            ),
        }
    }
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
            AppError::DatabaseAway(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Redirects for the login kinds; for the others a plain-text answer, which the
    /// error page middleware (`routes::error_page`, which has the request and so the
    /// session's header) turns into the portal's HTML page.
    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::LoginRequired { next, ended } => {
                let mut query = Vec::new();
                match ended {
                    Ended::TimedOut => query.push(("expired", "1")),
                    Ended::ByReset => query.push(("reset", "1")),
                    Ended::Unsaid => {}
                }
                if let Some(next) = next {
                    query.push(("next", next.as_str()));
                }
                let mut location = String::from("/login");
                if !query.is_empty() {
                    location.push('?');
                    location.push_str(&serde_urlencoded::to_string(&query).unwrap_or_default());
                }
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish()
            }
            AppError::TrainerLoginRequired => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/trainer/login"))
                .finish(),
            other => {
                let mut answer = HttpResponse::build(self.status_code());
                match other {
                    AppError::Unexpected(e) => tracing::error!(error = ?e, "request failed"),
                    AppError::DatabaseAway(why) => {
                        tracing::warn!(why, "the database cannot be reached");
                        answer.insert_header((header::RETRY_AFTER, "30"));
                    }
                    _ => {}
                }
                answer
                    .content_type("text/plain; charset=utf-8")
                    .body(other.words().1)
            }
        }
    }
}
