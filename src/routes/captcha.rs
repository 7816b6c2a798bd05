//! The captcha image of the login form (only where the captcha is on).

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::auth::captcha;
use crate::auth::visitor::Visitor;
use crate::clock::Clock;
use crate::error::AppError;

/// A new captcha for this browser, as an image; each request draws a new one, which
/// is how the "refresh" link works. Its answer goes into an encrypted cookie, so
/// drawing one stores nothing on the server.
pub async fn image(visitor: Visitor, clock: web::Data<Clock>) -> Result<HttpResponse, AppError> {
    let text = captcha::new_text();
    visitor.set_captcha(&text, clock.security_now());
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(captcha::svg(&text)))
}
