//! The captcha image of the login form (only where the captcha is on).

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::auth::captcha;
use crate::auth::session::TypedSession;
use crate::error::AppError;

/// A new captcha for this session, as an image; each request draws a new one, which
/// is how the "refresh" link works.
pub async fn image(session: TypedSession) -> Result<HttpResponse, AppError> {
    let text = captcha::new_text();
    session.set_captcha(&text)?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(captcha::svg(&text)))
}
