//! The GSP calls as the room sees them: on the projector, the board and the player.

use crate::db::models::api_call::ApiCall;
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

/// What a result code of the API simulator means, for the room.
pub fn result_words(code: &str) -> &'static str {
    match code {
        "1" => "let in",
        "AUTH4037" => "refused: access is off",
        "AUTH4034" => "refused: wrong OTP",
        "AUTH4038" => "refused: session expired",
        "AUTH4033" => "refused: invalid session",
        "OTP0011" => "refused: no session for that token",
        "AUTH403" => "refused: too many sessions",
        "RET11402" => "refused: GSTIN not this taxpayer's",
        "SIM429" => "refused: too many OTP requests",
        "SIM401" => "refused: wrong client credentials",
        "SIM400" | "SIM415" | "SIM413" => "refused: unreadable request",
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
    }
}
