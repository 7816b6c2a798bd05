//! Synchronizer-token protection against cross-site request forgery: every POST form
//! carries the session's token in a hidden field, compared in constant time.

use crate::auth::constant_time_eq;
use crate::auth::session::TypedSession;
use crate::error::AppError;

/// The hidden field's name in every form.
pub const FIELD: &str = "csrf_token";

/// Accepts the request only if `sent` equals the session's token.
pub fn verify(session: &TypedSession, sent: Option<&str>) -> Result<(), AppError> {
    let expected = session.stored_csrf_token()?;
    match (expected, sent) {
        (Some(expected), Some(sent))
            if !expected.is_empty() && constant_time_eq(&expected, sent) =>
        {
            Ok(())
        }
        _ => Err(AppError::Csrf),
    }
}
