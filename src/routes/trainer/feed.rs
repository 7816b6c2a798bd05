//! The GSP calls as the room sees them: on the projector, the board and the player.

use crate::db::models::api_call::ApiCall;
use crate::domain::gsp::ApiFailure;
use crate::domain::time::{from_db, ist_datetime};

/// A GSP call of the projector's feed, with its result in words.
pub struct FeedLine {
    pub at: String,
    pub username: String,
    pub action: String,
    pub words: &'static str,
    pub code: String,
    pub let_in: bool,
}

impl From<ApiCall> for FeedLine {
    fn from(c: ApiCall) -> Self {
        FeedLine {
            at: ist_datetime(from_db(c.called_at)),
            username: c.username.unwrap_or_else(|| "-".to_string()),
            action: c.action,
            words: result_words(&c.result_code),
            let_in: c.result_code == "1",
            code: c.result_code,
        }
    }
}

/// What a result code of the API simulator means, for the room: `"1"` for a call
/// let in, else the code of its [`ApiFailure`].
pub fn result_words(code: &str) -> &'static str {
    if code == "1" {
        return "let in";
    }
    match ApiFailure::from_code(code) {
        Some(ApiFailure::AccessNotEnabled) => "refused: access is off",
        Some(ApiFailure::InvalidOtp(_)) => "refused: wrong OTP",
        Some(ApiFailure::SessionExpired) => "refused: session expired",
        Some(ApiFailure::InvalidSession) => "refused: invalid session",
        Some(ApiFailure::NoSession) => "refused: no session for that token",
        Some(ApiFailure::TooManySessions(_)) => "refused: too many sessions",
        Some(ApiFailure::Unauthorised) => "refused: GSTIN not this taxpayer's",
        Some(ApiFailure::TooManyOtpRequests { .. }) => "refused: too many OTP requests",
        Some(
            ApiFailure::MissingClientId
            | ApiFailure::MissingClientSecret
            | ApiFailure::InvalidClientId
            | ApiFailure::InvalidClientSecret,
        ) => "refused: wrong client credentials",
        Some(
            ApiFailure::BadRequest(_) | ApiFailure::UnsupportedMediaType | ApiFailure::TooLarge,
        ) => "refused: unreadable request",
        _ => "failed: the simulator's error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_put_in_words() {
        assert_eq!(result_words("1"), "let in");
        assert_eq!(result_words("AUTH4037"), "refused: access is off");
        assert_eq!(result_words("AUTH4034"), "refused: wrong OTP");
        assert_eq!(result_words("SIM413"), "refused: unreadable request");
        assert_eq!(result_words("SIM500"), "failed: the simulator's error");
    }
}
