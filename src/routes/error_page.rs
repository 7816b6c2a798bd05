//! The portal's HTML error pages, rendered where the request is at hand, so a
//! logged-in taxpayer's 404 or 403 shows their own header, menu and the demo banner.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderValue, CONTENT_TYPE};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use askama::Template;

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
        Ok(ErrorHandlerResponse::Future(Box::pin(async move {
            let status = res.status();
            let (req, res) = res.into_parts();
            let page = match Chrome::of(&req).await {
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
