//! The trainer's GSP player as a state machine, with no I/O: what the GSP holds
//! between steps, which steps may be played from there, what request each step sends,
//! and what the GSP holds after the API has answered. The service sends the requests;
//! the console's page only shows what this decides.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::gsp::ApiFailure;
use crate::gsp_request::{ApiReply, ApiRequest, Caller, PLAIN_APP_KEY};

/// Longest OTP the player sends on (a real one has six digits; a wrong one may be
/// typed on purpose, to show the refusal).
pub const MAX_OTP_LENGTH: usize = 16;

/// A step of the GSP story, in the order the story plays them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// OTPREQUEST: the portal texts an OTP to the taxpayer.
    AskOtp,
    /// AUTHTOKEN: the OTP for an auth token.
    TradeOtp,
    /// The protected profile call with the token.
    Call,
    /// REFRESHTOKEN: a new token without a new OTP.
    Refresh,
    /// LOGOUT: the token's session ends.
    LogOut,
}

impl Step {
    /// Every step, in the story's order.
    pub const ALL: [Step; 5] = [
        Step::AskOtp,
        Step::TradeOtp,
        Step::Call,
        Step::Refresh,
        Step::LogOut,
    ];

    /// The step as the page and the log name it.
    pub fn title(self) -> &'static str {
        match self {
            Step::AskOtp => "Ask for an OTP (OTPREQUEST)",
            Step::TradeOtp => "Trade the OTP for an auth token (AUTHTOKEN)",
            Step::Call => "Call the API with the token (profile)",
            Step::Refresh => "Refresh the token (REFRESHTOKEN)",
            Step::LogOut => "Log out (LOGOUT)",
        }
    }
}

/// The auth token the GSP holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldToken {
    pub value: String,
    /// When it ends by the portal's clock, in Unix seconds.
    pub until: i64,
}

impl HeldToken {
    /// The token as the page shows it: its first and last characters, so the room
    /// sees that it changes without the whole of it on the projector.
    pub fn short(&self) -> String {
        let chars: Vec<char> = self.value.chars().collect();
        if chars.len() <= 12 {
            return self.value.clone();
        }
        let head: String = chars[..6].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    }

    /// When the token ends; a time out of range counts as `now` (ended).
    pub fn until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        DateTime::from_timestamp(self.until, 0).unwrap_or(now)
    }
}

/// What the GSP holds between steps: kept in the trainer's session, so its field
/// names are those of the session's JSON.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Player {
    /// The username of the taxpayer the GSP plays for.
    pub username: Option<String>,
    /// An OTP was let in since the taxpayer was chosen, and not yet traded.
    pub otp_sent: bool,
    pub token: Option<HeldToken>,
}

impl Player {
    /// The player for a newly chosen taxpayer: nothing held yet.
    pub fn for_taxpayer(username: &str) -> Player {
        Player {
            username: Some(username.to_string()),
            ..Player::default()
        }
    }

    /// Why `step` cannot be played from here, if it cannot.
    pub fn out_of_order(&self, step: Step) -> Option<&'static str> {
        match step {
            Step::AskOtp => None,
            Step::TradeOtp if !self.otp_sent => Some(
                "No OTP is waiting to be traded: press Ask for an OTP first, and trade it once the API has let that step in.",
            ),
            Step::Call | Step::Refresh | Step::LogOut if self.token.is_none() => Some(
                "The GSP holds no auth token yet: ask for an OTP and trade it for a token first.",
            ),
            _ => None,
        }
    }

    /// The request `step` sends as `caller` for the taxpayer with `gstin`; `otp` is
    /// what the trade step offers.
    pub fn request(&self, step: Step, caller: Caller<'_>, gstin: &str, otp: &str) -> ApiRequest {
        let user = self.username.as_deref().unwrap_or_default();
        let token = self.token.as_ref().map_or("", |t| t.value.as_str());
        match step {
            Step::AskOtp => ApiRequest::otp_request(caller, user, PLAIN_APP_KEY),
            Step::TradeOtp => ApiRequest::auth_token(caller, user, PLAIN_APP_KEY, otp),
            Step::Call => ApiRequest::profile(caller, user, gstin, token),
            Step::Refresh => ApiRequest::refresh_token(caller, user, PLAIN_APP_KEY, token),
            Step::LogOut => ApiRequest::logout(caller, user, PLAIN_APP_KEY, token),
        }
    }

    /// What the GSP holds once the API has answered `step` with `reply` at `now`: an
    /// OTP waiting, a token, or nothing.
    pub fn after(mut self, step: Step, reply: &ApiReply, now: DateTime<Utc>) -> Player {
        let new_token = || {
            let minutes = reply.json["expiry"].as_i64().unwrap_or(0);
            reply.text("auth_token").map(|value| HeldToken {
                value: value.to_string(),
                until: (now + TimeDelta::minutes(minutes)).timestamp(),
            })
        };
        match (step, reply.succeeded()) {
            (Step::AskOtp, true) => self.otp_sent = true,
            (Step::TradeOtp, true) => {
                self.otp_sent = false;
                self.token = new_token();
            }
            (Step::Refresh, true) => self.token = new_token().or(self.token.take()),
            // A session the API no longer knows is gone either way.
            (Step::LogOut, true) => self.token = None,
            (Step::LogOut, false) if failure(reply) == Some(ApiFailure::NoSession) => {
                self.token = None
            }
            _ => {}
        }
        self
    }
}

/// The API's refusal in `reply`, when it is one the simulator names.
fn failure(reply: &ApiReply) -> Option<ApiFailure> {
    ApiFailure::from_code(reply.code())
}

/// Whether `otp` may be sent on: given, and not longer than any OTP could be.
pub fn otp_is_sendable(otp: &str) -> bool {
    !otp.is_empty() && otp.chars().count() <= MAX_OTP_LENGTH
}

/// One sentence on what the API's answer to `step` means for the story of `user`.
pub fn meaning(step: Step, reply: &ApiReply, user: &str) -> String {
    let minutes = reply.json["expiry"].as_i64().unwrap_or(0);
    match (reply.succeeded(), step) {
        (true, Step::AskOtp) => format!("The portal texted an OTP to {user}'s Messages; the player offers it below for the next step."),
        (true, Step::TradeOtp) => format!("The GSP now holds an auth token for {user}, good for {minutes} minutes."),
        (true, Step::Call) => format!("The GSP read {user}'s profile with the token."),
        (true, Step::Refresh) => format!("The GSP has a new token for {minutes} minutes without asking {user} for a new OTP."),
        (true, Step::LogOut) => "The GSP session has ended: its token no longer opens anything.".to_string(),
        (false, _) if failure(reply) == Some(ApiFailure::AccessNotEnabled) => format!("{user} has not switched API access on, or the period is over: My Profile > Manage API Access > Yes, a duration, Confirm."),
        (false, _) => reply.json["error"]["message"]
            .as_str()
            .unwrap_or("The API gave no reason.")
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use serde_json::json;

    const CALLER: Caller<'static> = Caller {
        client_id: "c",
        client_secret: "s",
    };

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap()
    }

    fn let_in(json: serde_json::Value) -> ApiReply {
        let mut json = json;
        json["status_cd"] = "1".into();
        ApiReply {
            status: StatusCode::OK,
            json,
        }
    }

    fn refused(code: &str) -> ApiReply {
        ApiReply {
            status: StatusCode::FORBIDDEN,
            json: json!({"status_cd": "0", "error": {"error_cd": code, "message": "no"}}),
        }
    }

    fn holding(token: &str) -> Player {
        Player {
            token: Some(HeldToken {
                value: token.to_string(),
                until: now().timestamp() + 60,
            }),
            ..Player::for_taxpayer("asha")
        }
    }

    #[test]
    fn a_fresh_player_may_only_ask_for_an_otp() {
        let fresh = Player::for_taxpayer("asha");
        assert!(fresh.out_of_order(Step::AskOtp).is_none());
        assert!(fresh
            .out_of_order(Step::TradeOtp)
            .unwrap()
            .contains("No OTP is waiting"));
        for step in [Step::Call, Step::Refresh, Step::LogOut] {
            assert!(fresh.out_of_order(step).unwrap().contains("no auth token"));
        }
    }

    #[test]
    fn an_otp_let_in_may_be_traded_and_trading_it_gives_a_token() {
        let asked = Player::for_taxpayer("asha").after(Step::AskOtp, &let_in(json!({})), now());
        assert!(asked.otp_sent);
        assert!(asked.out_of_order(Step::TradeOtp).is_none());
        let answer = let_in(json!({"auth_token": "tok-1", "expiry": 360}));
        let traded = asked.after(Step::TradeOtp, &answer, now());
        assert!(!traded.otp_sent, "an OTP is traded once");
        let token = traded.token.clone().unwrap();
        assert_eq!(token.value, "tok-1");
        assert_eq!(token.until(now()), now() + TimeDelta::hours(6));
        for step in [Step::Call, Step::Refresh, Step::LogOut] {
            assert!(traded.out_of_order(step).is_none());
        }
    }

    #[test]
    fn a_refused_step_leaves_the_player_as_it_was() {
        let fresh = Player::for_taxpayer("asha");
        let after = fresh
            .clone()
            .after(Step::AskOtp, &refused("AUTH4037"), now());
        assert_eq!(after, fresh);
        let held = holding("tok-1");
        for step in [Step::Call, Step::Refresh] {
            let after = held.clone().after(step, &refused("AUTH4038"), now());
            assert_eq!(after, held);
        }
    }

    #[test]
    fn a_refresh_replaces_the_token_and_keeps_it_when_the_answer_has_none() {
        let answer = let_in(json!({"auth_token": "tok-2", "expiry": 30}));
        let refreshed = holding("tok-1").after(Step::Refresh, &answer, now());
        assert_eq!(refreshed.token.unwrap().value, "tok-2");
        let kept = holding("tok-1").after(Step::Refresh, &let_in(json!({})), now());
        assert_eq!(kept.token.unwrap().value, "tok-1");
    }

    #[test]
    fn a_log_out_drops_the_token_also_when_the_api_no_longer_knows_the_session() {
        let out = holding("tok-1").after(Step::LogOut, &let_in(json!({})), now());
        assert!(out.token.is_none());
        let gone = holding("tok-1").after(Step::LogOut, &refused("OTP0011"), now());
        assert!(gone.token.is_none());
        let expired = holding("tok-1").after(Step::LogOut, &refused("AUTH4038"), now());
        assert!(expired.token.is_some());
    }

    #[test]
    fn each_step_sends_its_own_request_with_what_the_player_holds() {
        let player = holding("tok-1");
        let action = |step| {
            let r = player.request(step, CALLER, "33AAFPS4321K1ZQ", "575757");
            r.body.map(|b| b["action"].as_str().unwrap().to_string())
        };
        assert_eq!(action(Step::AskOtp).as_deref(), Some("OTPREQUEST"));
        assert_eq!(action(Step::TradeOtp).as_deref(), Some("AUTHTOKEN"));
        assert_eq!(action(Step::Refresh).as_deref(), Some("REFRESHTOKEN"));
        assert_eq!(action(Step::LogOut).as_deref(), Some("LOGOUT"));
        assert_eq!(action(Step::Call), None);
        let trade = player.request(Step::TradeOtp, CALLER, "", "575757");
        assert_eq!(trade.body.unwrap()["otp"], "575757");
        let call = player.request(Step::Call, CALLER, "33AAFPS4321K1ZQ", "");
        assert!(call
            .headers
            .contains(&("auth-token".into(), "tok-1".into())));
        assert!(call
            .headers
            .contains(&("gstin".into(), "33AAFPS4321K1ZQ".into())));
        assert!(call.headers.contains(&("username".into(), "asha".into())));
    }

    #[test]
    fn an_otp_is_sent_on_only_when_given_and_not_too_long() {
        assert!(otp_is_sendable("575757"));
        assert!(otp_is_sendable(&"9".repeat(MAX_OTP_LENGTH)));
        assert!(!otp_is_sendable(""));
        assert!(!otp_is_sendable(&"9".repeat(MAX_OTP_LENGTH + 1)));
    }

    #[test]
    fn access_off_is_explained_and_other_refusals_give_the_apis_reason() {
        let off = meaning(Step::AskOtp, &refused("AUTH4037"), "demo.never");
        assert!(off.contains("Manage API Access"), "{off}");
        assert_eq!(meaning(Step::Call, &refused("AUTH4033"), "asha"), "no");
        let token = let_in(json!({"auth_token": "t", "expiry": 45}));
        assert!(meaning(Step::TradeOtp, &token, "asha").contains("good for 45 minutes"));
    }

    #[test]
    fn a_long_token_is_shown_by_its_ends_only() {
        let long = HeldToken {
            value: "abcdef0123456789wxyz".to_string(),
            until: 0,
        };
        assert_eq!(long.short(), "abcdef…wxyz");
        let brief = HeldToken {
            value: "abc".to_string(),
            until: 0,
        };
        assert_eq!(brief.short(), "abc");
    }
}
