//! Cross-site request forgery: every POST form carries a token that only a page of
//! this portal, shown to this browser, can know. A logged-in session has its own
//! synchronizer token; before login the token is bound to the visitor cookie
//! (`auth::visitor`). Either is compared in constant time. The form extractor
//! (`routes::form::Form`) checks it before any field is read, so no handler can
//! forget it.

use actix_web::HttpRequest;

use crate::auth::constant_time_eq;
use crate::auth::session::TypedSession;
use crate::auth::visitor::Visitor;
use crate::error::AppError;

/// The hidden field's name in every form.
pub const FIELD: &str = "csrf_token";

/// Accepts the request only if `sent` is this browser's token: the session's, or the
/// visitor cookie's.
pub fn verify(req: &HttpRequest, sent: Option<&str>) -> Result<(), AppError> {
    let Some(sent) = sent else {
        return Err(AppError::Csrf);
    };
    let session = TypedSession::of(req);
    if let Some(expected) = session.stored_csrf_token()? {
        if !expected.is_empty() && constant_time_eq(&expected, sent) {
            return Ok(());
        }
    }
    Visitor::of(req)?.verify(Some(sent))
}
