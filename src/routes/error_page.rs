//! The portal's HTML error pages, rendered where the request is at hand, so a
//! logged-in taxpayer's 404 or 403 shows their own header, menu and the demo banner.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, CONTENT_TYPE};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{web, HttpResponse, ResponseError};
use askama::Template;

use crate::db::{self, Pool};
use crate::error::AppError;
use crate::routes::layout::Chrome;

#[derive(Template)]
#[template(path = "error/page.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    title: &'static str,
    message: String,
}

/// Middleware: every error answer that came from an `AppError` becomes the portal's
/// error page. (API refusals are JSON and carry no `AppError`, so they pass as they are.)
pub fn handlers<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        let words = res
            .response()
            .error()
            .and_then(|e| e.as_error::<AppError>())
            .map(AppError::words);
        let Some((title, message)) = words else {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        };
        // With the database away, the header cannot be looked up either.
        let bare = res
            .response()
            .error()
            .and_then(|e| e.as_error::<AppError>())
            .is_some_and(|e| matches!(e, AppError::DatabaseAway(_)));
        Ok(ErrorHandlerResponse::Future(Box::pin(async move {
            let status = res.status();
            let (req, res) = res.into_parts();
            let chrome = if bare {
                Ok(Chrome::bare())
            } else {
                Chrome::of(&req).await
            };
            let page = match chrome {
                Ok(chrome) => ErrorPage {
                    chrome,
                    status: status.as_u16(),
                    title,
                    message,
                }
                .render()
                .map_err(|e| tracing::error!(error = ?e, "error page could not be rendered"))
                .ok(),
                Err(e) => {
                    tracing::error!(error = ?e, "the error page's header could not be built");
                    None
                }
            };
            let Some(page) = page else {
                return Ok(ServiceResponse::new(req, res).map_into_left_body());
            };
            let mut res = res.set_body(BoxBody::new(page));
            res.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            Ok(ServiceResponse::new(req, res).map_into_right_body())
        })))
    })
}

/// Middleware around the session layer. actix-session answers a bare 500 when it
/// cannot load or keep a session, and hides why; when the database does not answer
/// either, the answer becomes the portal's 503 page instead, the one a handler gives
/// when the database is away.
pub async fn session_failures(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let pool = req.app_data::<web::Data<Pool>>().cloned();
    let failure = match next.call(req).await {
        Ok(res) => return Ok(res),
        Err(e) => e,
    };
    let answers = match &pool {
        Some(pool) => db::answers(pool).await,
        None => true,
    };
    if answers {
        return Err(failure);
    }
    Err(Unreachable(AppError::DatabaseAway(failure.to_string())).into())
}

/// The 503 of a database that is away, as a whole page made without it.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
struct Unreachable(AppError);

impl ResponseError for Unreachable {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self.0.error_response();
        let (title, message) = self.0.words();
        let page = ErrorPage {
            chrome: Chrome::bare(),
            status: self.0.status_code().as_u16(),
            title,
            message,
        }
        .render();
        if let Ok(page) = page {
            res = res.set_body(BoxBody::new(page));
            res.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
        }
        res
    }
}
