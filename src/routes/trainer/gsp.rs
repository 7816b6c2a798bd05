//! The GSP player on the trainer console (demo mode only): for a chosen demo taxpayer
//! or trainee, one button per step plays the GSP software's side of the story (ask for
//! an OTP, trade it for a token, call the API, refresh, log out), so the room sees it
//! without a terminal.
//!
//! Every button posts to [`press`], which reads which one it was from the path and
//! calls `services::player`; the story's rules are `domain::player`'s. What the player
//! holds between steps (the taxpayer, the auth token, the last exchange) lives in the
//! trainer's session; the player's client secret never does, and it is masked
//! wherever a request is shown.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::guard::CurrentTrainer;
use crate::auth::session::FlashKind;
use crate::db::models::demo_taxpayer::TrainingTaxpayer;
use crate::domain::player::{meaning, Player, Step};
use crate::domain::time::ist_datetime;
use crate::error::AppError;
use crate::gsp_request::ApiRequest;
use crate::routes::form::Form;
use crate::routes::layout::Chrome;
use crate::routes::trainer::feed::{result_words, FeedLine};
use crate::routes::{render, see_other};
use crate::services::player::{self, Played, Refusal, Scene};
use crate::state::AppState;

/// The player's page.
const PAGE: &str = "/trainer/gsp";
/// The page at its last exchange, where the browser goes after a step.
const PAGE_AT_EXCHANGE: &str = "/trainer/gsp#exchange";

/// What a button of the player asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Press {
    /// Choose the taxpayer the GSP plays for; the player starts again.
    Choose,
    /// Play a step of the story.
    Play(Step),
}

/// Where each button posts, one path per button; every one is answered by [`press`].
pub const PRESSES: [(&str, Press); 6] = [
    ("/trainer/gsp/choose", Press::Choose),
    ("/trainer/gsp/otp", Press::Play(Step::AskOtp)),
    ("/trainer/gsp/token", Press::Play(Step::TradeOtp)),
    ("/trainer/gsp/call", Press::Play(Step::Call)),
    ("/trainer/gsp/refresh", Press::Play(Step::Refresh)),
    ("/trainer/gsp/logout", Press::Play(Step::LogOut)),
];

/// What the session keeps for the player: what the GSP holds, and the last exchange
/// to show. Flattened, so the session's JSON reads as it did before the split.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Kept {
    #[serde(flatten)]
    player: Player,
    last: Option<Exchange>,
}

/// One step as the page shows it: the request sent (client secret masked), the
/// answer, and what it meant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    pub step: String,
    pub request: ApiRequest,
    /// "403 Forbidden"
    pub status: String,
    /// The answer's JSON, laid out.
    pub answer: String,
    pub let_in: bool,
    /// "let in", or "refused: access is off (AUTH4037)".
    pub verdict: String,
    /// One sentence on what it means for the story.
    pub meaning: String,
}

impl Exchange {
    /// The exchange of `played`, with the result in words.
    fn of(step: Step, played: &Played) -> Exchange {
        let reply = &played.reply;
        let code = reply.code();
        let let_in = reply.succeeded();
        let verdict = if let_in {
            result_words(code).to_string()
        } else {
            format!("{} ({code})", result_words(code))
        };
        Exchange {
            step: step.title().to_string(),
            request: played.request.clone(),
            status: reply.status.to_string(),
            answer: serde_json::to_string_pretty(&reply.json).unwrap_or_default(),
            let_in,
            verdict,
            meaning: meaning(step, reply, &played.username),
        }
    }

    /// The request as text: the request line, the headers, the JSON body.
    pub fn request_text(&self) -> String {
        let r = &self.request;
        let mut text = format!("{} {}\n", r.method.as_str(), r.path);
        for (name, value) in &r.headers {
            text.push_str(&format!("{name}: {value}\n"));
        }
        if let Some(body) = &r.body {
            text.push('\n');
            text.push_str(&serde_json::to_string_pretty(body).unwrap_or_default());
        }
        text
    }
}

/// A taxpayer of the chooser.
pub struct Choice {
    pub username: String,
    pub label: String,
    pub selected: bool,
}

/// The chosen taxpayer, as the page shows it.
pub struct Chosen {
    pub username: String,
    pub gstin: String,
    pub name: String,
    pub access: String,
    pub access_kind: &'static str,
}

/// The auth token, as the page shows it.
pub struct TokenLine {
    /// The token's first and last characters.
    pub short: String,
    pub until: String,
    pub expired: bool,
}

/// The newest OTP in the chosen taxpayer's Messages.
pub struct MessagesOtp {
    pub otp: String,
    pub sent_at: String,
}

#[derive(Template)]
#[template(path = "trainer/gsp.html")]
struct PlayerPage {
    chrome: Chrome,
    /// The player's GSP client id; `None` once it is revoked.
    client_id: Option<String>,
    demo_choices: Vec<Choice>,
    trainee_choices: Vec<Choice>,
    chosen: Option<Chosen>,
    otp_sent: bool,
    token: Option<TokenLine>,
    messages_otp: Option<MessagesOtp>,
    sandbox_otp: Option<&'static str>,
    last: Option<Exchange>,
    calls: Vec<FeedLine>,
    error: Option<String>,
}

fn name_of(t: &TrainingTaxpayer) -> String {
    t.trade_name.clone().unwrap_or_else(|| t.legal_name.clone())
}

impl PlayerPage {
    /// The page for `kept` over `scene` at `now`, with `error` above it.
    fn new(
        chrome: Chrome,
        scene: Scene,
        kept: Kept,
        now: DateTime<Utc>,
        error: Option<String>,
    ) -> PlayerPage {
        let chosen_name = kept.player.username.as_ref();
        let choices = |list: Vec<TrainingTaxpayer>| {
            list.into_iter()
                .map(|t| Choice {
                    label: format!("{}: {}", t.username, name_of(&t)),
                    selected: chosen_name == Some(&t.username),
                    username: t.username,
                })
                .collect()
        };
        PlayerPage {
            client_id: scene.client_id,
            demo_choices: choices(scene.demo),
            trainee_choices: choices(scene.trainees),
            chosen: scene.chosen.map(|(t, access)| Chosen {
                name: name_of(&t),
                username: t.username,
                gstin: t.gstin,
                access: access.describe(),
                access_kind: access.kind(),
            }),
            otp_sent: kept.player.otp_sent,
            token: kept.player.token.as_ref().map(|t| TokenLine {
                short: t.short(),
                until: ist_datetime(t.until(now)),
                expired: t.until(now) <= now,
            }),
            messages_otp: scene.messages_otp.map(|(otp, sent_at)| MessagesOtp {
                otp,
                sent_at: ist_datetime(sent_at),
            }),
            sandbox_otp: scene.sandbox_otp,
            last: kept.last,
            calls: scene.calls.into_iter().map(FeedLine::from).collect(),
            chrome,
            error,
        }
    }
}

/// Renders the page for what the session keeps, with `status` and `error`.
async fn page(
    trainer: &CurrentTrainer,
    chrome: Chrome,
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let kept: Kept = trainer.session.gsp_player().unwrap_or_default();
    let now = state.clock.now();
    let scene = player::scene(&state.pool, kept.player.username.clone(), now).await?;
    render(status, &PlayerPage::new(chrome, scene, kept, now, error))
}

/// The player: the chooser, what the GSP holds, a button per step, the last exchange.
pub async fn show(
    trainer: CurrentTrainer,
    chrome: Chrome,
    state: AppState,
) -> Result<HttpResponse, AppError> {
    page(&trainer, chrome, &state, StatusCode::OK, None).await
}

/// The fields of the player's forms: Choose sends a username, the trade step an
/// OTP, the other steps nothing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PressForm {
    username: Option<String>,
    otp: Option<String>,
}

impl PressForm {
    /// Refuses a field the pressed button's form does not have, as the form
    /// extractor refuses an unknown one: in the same words, before anything is done.
    fn check(&self, press: Press) -> Result<(), AppError> {
        let stray = match press {
            Press::Choose => self.otp.as_ref().map(|_| ("otp", "expected `username`")),
            Press::Play(Step::TradeOtp) => self
                .username
                .as_ref()
                .map(|_| ("username", "expected `otp`")),
            Press::Play(_) => match (&self.username, &self.otp) {
                (Some(_), _) => Some(("username", "there are no fields")),
                (None, Some(_)) => Some(("otp", "there are no fields")),
                (None, None) => None,
            },
        };
        match stray {
            Some((field, expected)) => Err(AppError::Rejected {
                status: StatusCode::BAD_REQUEST,
                message: format!("The form could not be read: unknown field `{field}`, {expected}. Nothing was changed."),
            }),
            None => Ok(()),
        }
    }
}

/// Every button of the player: chooses the taxpayer, or plays a step and sends the
/// browser back to the page at the exchange. A press that cannot be played shows
/// the page again with why; nothing was sent or kept.
pub async fn press(
    trainer: CurrentTrainer,
    chrome: Chrome,
    form: Form<PressForm>,
    state: AppState,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let pattern = req.match_pattern();
    let press = PRESSES
        .iter()
        .find(|(path, _)| pattern.as_deref() == Some(*path))
        .map(|(_, press)| *press)
        .ok_or(AppError::NotFound)?;
    let form = form.into_inner();
    form.check(press)?;
    let kept: Kept = trainer.session.gsp_player().unwrap_or_default();
    let done = match press {
        Press::Choose => {
            let username = form.username.unwrap_or_default().trim().to_lowercase();
            player::choose(&state.pool, &kept.player, username)
                .await?
                .map(|chosen| {
                    let kept = Kept {
                        player: chosen.player,
                        last: None,
                    };
                    (kept, Some(chosen.notice), PAGE)
                })
        }
        Press::Play(step) => {
            let otp = form.otp.unwrap_or_default().trim().to_string();
            player::play(&state, kept.player, step, &otp)
                .await?
                .map(|played| {
                    let last = Some(Exchange::of(step, &played));
                    let kept = Kept {
                        player: played.player,
                        last,
                    };
                    (kept, None, PAGE_AT_EXCHANGE)
                })
        }
    };
    match done {
        Ok((kept, notice, to)) => {
            trainer.session.set_gsp_player(&kept)?;
            if let Some(notice) = notice {
                trainer.session.set_flash(FlashKind::Success, notice)?;
            }
            Ok(see_other(to))
        }
        Err(Refusal { status, message }) => {
            page(&trainer, chrome, &state, status, Some(message)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gsp_request::{ApiReply, Caller, PLAIN_APP_KEY};

    #[test]
    fn a_refusal_is_put_in_words_with_its_code() {
        let request = ApiRequest::otp_request(
            Caller {
                client_id: "c",
                client_secret: "s",
            },
            "demo.never",
            PLAIN_APP_KEY,
        );
        let played = Played {
            player: Player::for_taxpayer("demo.never"),
            request: request.masked(),
            reply: ApiReply {
                status: StatusCode::FORBIDDEN,
                json: serde_json::json!({"status_cd": "0", "error": {"error_cd": "AUTH4037", "message": "off"}}),
            },
            username: "demo.never".to_string(),
        };
        let e = Exchange::of(Step::AskOtp, &played);
        assert_eq!(e.verdict, "refused: access is off (AUTH4037)");
        assert!(!e.let_in);
        assert!(e.meaning.contains("Manage API Access"));
        assert!(!e.request_text().contains("client-secret: s\n"));
    }

    #[test]
    fn every_button_has_a_path_of_its_own_and_every_step_a_button() {
        let mut paths: Vec<&str> = PRESSES.iter().map(|(path, _)| *path).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), PRESSES.len());
        for step in Step::ALL {
            assert!(PRESSES.iter().any(|(_, p)| *p == Press::Play(step)));
        }
    }

    #[test]
    fn a_field_of_another_buttons_form_is_refused() {
        let form = |username: Option<&str>, otp: Option<&str>| PressForm {
            username: username.map(str::to_string),
            otp: otp.map(str::to_string),
        };
        assert!(form(Some("asha"), None).check(Press::Choose).is_ok());
        assert!(form(None, Some("1")).check(Press::Choose).is_err());
        assert!(form(None, Some("1"))
            .check(Press::Play(Step::TradeOtp))
            .is_ok());
        assert!(form(None, None).check(Press::Play(Step::Call)).is_ok());
        assert!(form(None, Some("1"))
            .check(Press::Play(Step::Call))
            .is_err());
    }
}
