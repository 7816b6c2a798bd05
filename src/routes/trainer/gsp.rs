//! The GSP player on the trainer console (demo mode only): for a chosen demo taxpayer
//! or trainee, one button per step plays the GSP software's side of the story (ask for
//! an OTP, trade it for a token, call the API, refresh, log out), so the room sees it
//! without a terminal.
//!
//! Each step is a real HTTP request to this portal's own taxpayer API, sent as the
//! player's own GSP client (`demo::PLAYER_CLIENT_ID`, plain protocol): it goes through
//! the same code, API call log, live feed and progress board as any GSP's call. The
//! player's client is one of the room's, so its calls are listed; and it alone may use
//! the sandbox OTP for trainees. Its secret is read from the database at each step,
//! so a portal sharing the database with others plays the same, and it is masked
//! wherever the request is shown. What the player holds between steps (the taxpayer,
//! the auth token, the last exchange) lives in the trainer's session.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::guard::CurrentTrainer;
use crate::auth::session::FlashKind;
use crate::clock::Clock;
use crate::db::models::demo_taxpayer::{self, TrainingTaxpayer};
use crate::db::models::{api_access, api_call, app_setting, message};
use crate::db::{self, Pool};
use crate::demo;
use crate::domain::access::AccessState;
use crate::domain::gsp::{otp_in_message, SANDBOX_OTP};
use crate::domain::time::{from_db, ist_datetime};
use crate::error::AppError;
use crate::gsp_request::{ApiReply, ApiRequest, Caller, PLAIN_APP_KEY};
use crate::net::Listening;
use crate::routes::form::{Form, NoFields};
use crate::routes::layout::Chrome;
use crate::routes::trainer::feed::{result_words, FeedLine};
use crate::routes::{render, see_other};

/// The player's page.
const PAGE: &str = "/trainer/gsp";
/// The page at its last exchange, where the browser goes after a step.
const PAGE_AT_EXCHANGE: &str = "/trainer/gsp#exchange";
/// How many of the newest API calls the page lists.
const RECENT_CALLS: i64 = 8;
/// Longest OTP the trade form sends on (a real one has six digits; a wrong one may
/// be typed on purpose, to show the refusal).
const MAX_OTP_LENGTH: usize = 16;

/// What the player holds between steps, kept in the trainer's session.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Player {
    /// The username of the taxpayer the GSP plays for.
    username: Option<String>,
    /// An OTP was let in since the taxpayer was chosen, and not yet traded.
    otp_sent: bool,
    token: Option<HeldToken>,
    last: Option<Exchange>,
}

/// The auth token the GSP holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct HeldToken {
    value: String,
    /// When it ends by the portal's clock, in Unix seconds.
    until: i64,
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

/// A step of the GSP story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    AskOtp,
    TradeOtp,
    Call,
    Refresh,
    LogOut,
}

impl Step {
    fn title(self) -> &'static str {
        match self {
            Step::AskOtp => "Ask for an OTP (OTPREQUEST)",
            Step::TradeOtp => "Trade the OTP for an auth token (AUTHTOKEN)",
            Step::Call => "Call the API with the token (profile)",
            Step::Refresh => "Refresh the token (REFRESHTOKEN)",
            Step::LogOut => "Log out (LOGOUT)",
        }
    }

    /// Why the step cannot be played yet, if it cannot.
    fn out_of_order(self, player: &Player) -> Option<&'static str> {
        match self {
            Step::AskOtp => None,
            Step::TradeOtp if !player.otp_sent => Some(
                "No OTP is waiting to be traded: press Ask for an OTP first, and trade it once the API has let that step in.",
            ),
            Step::Call | Step::Refresh | Step::LogOut if player.token.is_none() => Some(
                "The GSP holds no auth token yet: ask for an OTP and trade it for a token first.",
            ),
            _ => None,
        }
    }
}

/// A form of the player that could not be played, with its status and message.
struct Refusal {
    status: StatusCode,
    message: String,
}

fn refusal(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

/// The base address at which the portal reaches itself: the address it listens on,
/// with a wildcard address (0.0.0.0, [::]) replaced by loopback.
fn own_address(listening: &Listening) -> String {
    let bound = listening.0;
    let ip = match bound.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, bound.port()))
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

/// Reads what the page shows besides the player's own state.
async fn player_page(
    chrome: Chrome,
    pool: &Pool,
    clock: &Clock,
    player: Player,
    error: Option<String>,
) -> Result<PlayerPage, AppError> {
    let now = clock.now();
    let chosen_name = player.username.clone();
    let (client, everyone, chosen, newest, sandbox, calls) = db::run(pool, move |conn| {
        let client = demo::player_client(conn)?;
        let everyone = demo_taxpayer::training_taxpayers(conn)?;
        let chosen = everyone
            .iter()
            .find(|t| Some(&t.username) == chosen_name.as_ref())
            .cloned();
        let (access, newest) = match &chosen {
            Some(t) => (
                Some(AccessState::at(api_access::load(conn, t.id)?.as_ref(), now)),
                message::newest(conn, t.id)?,
            ),
            None => (None, None),
        };
        let sandbox = app_setting::get(conn, app_setting::SANDBOX_OTP)?;
        let calls = api_call::recent(conn, RECENT_CALLS)?;
        Ok::<_, AppError>((client, everyone, chosen.zip(access), newest, sandbox, calls))
    })
    .await?;
    let (demo_choices, trainee_choices) = everyone
        .into_iter()
        .map(|t| {
            let choice = Choice {
                label: format!("{}: {}", t.username, name_of(&t)),
                selected: player.username.as_ref() == Some(&t.username),
                username: t.username,
            };
            (t.kind == demo_taxpayer::DEMO, choice)
        })
        .partition::<Vec<_>, _>(|(demo, _)| *demo);
    let strip = |v: Vec<(bool, Choice)>| v.into_iter().map(|(_, c)| c).collect();
    Ok(PlayerPage {
        chrome,
        client_id: client.map(|c| c.client_id),
        demo_choices: strip(demo_choices),
        trainee_choices: strip(trainee_choices),
        chosen: chosen.map(|(t, access)| Chosen {
            name: name_of(&t),
            username: t.username,
            gstin: t.gstin,
            access: access.describe(),
            access_kind: access.kind(),
        }),
        otp_sent: player.otp_sent,
        token: player.token.as_ref().map(|t| {
            let until = DateTime::from_timestamp(t.until, 0).unwrap_or(now);
            let chars: Vec<char> = t.value.chars().collect();
            let short = if chars.len() > 12 {
                let head: String = chars[..6].iter().collect();
                let tail: String = chars[chars.len() - 4..].iter().collect();
                format!("{head}…{tail}")
            } else {
                t.value.clone()
            };
            TokenLine {
                short,
                until: ist_datetime(until),
                expired: until <= now,
            }
        }),
        messages_otp: newest.and_then(|m| {
            otp_in_message(&m.body).map(|otp| MessagesOtp {
                otp: otp.to_string(),
                sent_at: ist_datetime(from_db(m.sent_at)),
            })
        }),
        sandbox_otp: (sandbox.as_deref() == Some("on")).then_some(SANDBOX_OTP),
        last: player.last,
        calls: calls.into_iter().map(FeedLine::from).collect(),
        error,
    })
}

/// The player: the chooser, what the GSP holds, a button per step, the last exchange.
pub async fn show(
    trainer: CurrentTrainer,
    chrome: Chrome,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let player = trainer.session.gsp_player().unwrap_or_default();
    let page = player_page(chrome, &pool, &clock, player, None).await?;
    render(StatusCode::OK, &page)
}

/// The page again, with `refused`'s message and status; nothing was sent or kept.
async fn refuse(
    trainer: &CurrentTrainer,
    chrome: Chrome,
    pool: &Pool,
    clock: &Clock,
    refused: Refusal,
) -> Result<HttpResponse, AppError> {
    let player = trainer.session.gsp_player().unwrap_or_default();
    let page = player_page(chrome, pool, clock, player, Some(refused.message)).await?;
    render(refused.status, &page)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChooseForm {
    username: Option<String>,
}

/// Chooses the taxpayer the GSP plays for; the player starts again.
pub async fn choose(
    trainer: CurrentTrainer,
    chrome: Chrome,
    form: Form<ChooseForm>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let username = form
        .into_inner()
        .username
        .map(|u| u.trim().to_lowercase())
        .unwrap_or_default();
    if username.is_empty() {
        let refused = refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a taxpayer from the list.",
        );
        return refuse(&trainer, chrome, &pool, &clock, refused).await;
    }
    let name = username.clone();
    let found = db::run(&pool, move |conn| {
        demo_taxpayer::training_taxpayer(conn, &name)
    })
    .await?;
    let Some(found) = found else {
        let refused = refusal(
            StatusCode::NOT_FOUND,
            format!("No demo taxpayer or trainee has the username {username}: the GSP player plays for the training data only."),
        );
        return refuse(&trainer, chrome, &pool, &clock, refused).await;
    };
    let before: Player = trainer.session.gsp_player().unwrap_or_default();
    let dropped = match (before.username, before.token) {
        (Some(previous), Some(_)) => format!(" The token held for {previous} was put down without a log out: that GSP session ends by itself when its time is up."),
        _ => String::new(),
    };
    let player = Player {
        username: Some(found.username.clone()),
        ..Player::default()
    };
    trainer.session.set_gsp_player(&player)?;
    trainer.session.set_flash(
        FlashKind::Success,
        format!(
            "The GSP now plays for {} (GSTIN {}). Ask for an OTP to begin.{dropped}",
            found.username, found.gstin
        ),
    )?;
    Ok(see_other(PAGE))
}

/// Step 1: OTPREQUEST.
pub async fn ask_otp(
    trainer: CurrentTrainer,
    chrome: Chrome,
    _form: Form<NoFields>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    listening: web::Data<Listening>,
) -> Result<HttpResponse, AppError> {
    play(
        trainer,
        chrome,
        &pool,
        &clock,
        &listening,
        Step::AskOtp,
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtpForm {
    otp: Option<String>,
}

/// Step 2: AUTHTOKEN with the OTP sent (from Messages, the sandbox's, or typed).
pub async fn trade_otp(
    trainer: CurrentTrainer,
    chrome: Chrome,
    form: Form<OtpForm>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    listening: web::Data<Listening>,
) -> Result<HttpResponse, AppError> {
    let otp = form.into_inner().otp.unwrap_or_default().trim().to_string();
    if otp.is_empty() || otp.chars().count() > MAX_OTP_LENGTH {
        let refused = refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Give the OTP to trade: the one from the taxpayer's Messages, the sandbox OTP, or six digits typed in.",
        );
        return refuse(&trainer, chrome, &pool, &clock, refused).await;
    }
    play(
        trainer,
        chrome,
        &pool,
        &clock,
        &listening,
        Step::TradeOtp,
        Some(otp),
    )
    .await
}

/// Step 3: the profile call with the token.
pub async fn call(
    trainer: CurrentTrainer,
    chrome: Chrome,
    _form: Form<NoFields>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    listening: web::Data<Listening>,
) -> Result<HttpResponse, AppError> {
    play(trainer, chrome, &pool, &clock, &listening, Step::Call, None).await
}

/// Step 4: REFRESHTOKEN.
pub async fn refresh(
    trainer: CurrentTrainer,
    chrome: Chrome,
    _form: Form<NoFields>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    listening: web::Data<Listening>,
) -> Result<HttpResponse, AppError> {
    play(
        trainer,
        chrome,
        &pool,
        &clock,
        &listening,
        Step::Refresh,
        None,
    )
    .await
}

/// Step 5: LOGOUT.
pub async fn log_out(
    trainer: CurrentTrainer,
    chrome: Chrome,
    _form: Form<NoFields>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    listening: web::Data<Listening>,
) -> Result<HttpResponse, AppError> {
    play(
        trainer,
        chrome,
        &pool,
        &clock,
        &listening,
        Step::LogOut,
        None,
    )
    .await
}

/// Plays `step`: checks that it can be played, sends its request to the portal's own
/// API, keeps what came back, and sends the browser back to the page.
async fn play(
    trainer: CurrentTrainer,
    chrome: Chrome,
    pool: &Pool,
    clock: &Clock,
    listening: &Listening,
    step: Step,
    otp: Option<String>,
) -> Result<HttpResponse, AppError> {
    let mut player: Player = trainer.session.gsp_player().unwrap_or_default();
    let chosen = player.username.clone();
    let (client, taxpayer) = db::run(pool, move |conn| {
        let client = demo::player_client(conn)?;
        let taxpayer = match &chosen {
            Some(username) => demo_taxpayer::training_taxpayer(conn, username)?,
            None => None,
        };
        Ok::<_, AppError>((client, taxpayer))
    })
    .await?;
    let ready = match (client, &player.username, taxpayer) {
        (None, _, _) => Err(refusal(
            StatusCode::CONFLICT,
            format!("The player's GSP client ({}) has been revoked, so the player has no client to call as. Reset demo data (or a restart) gives it a new secret.", demo::PLAYER_CLIENT_ID),
        )),
        (_, None, _) => Err(refusal(
            StatusCode::CONFLICT,
            "Choose a taxpayer first: the GSP needs a username to ask for.",
        )),
        (_, Some(username), None) => Err(refusal(
            StatusCode::CONFLICT,
            format!("{username} is no longer a demo taxpayer or trainee (a Reset may have removed it). Choose a taxpayer again."),
        )),
        (Some(client), Some(_), Some(taxpayer)) => match step.out_of_order(&player) {
            Some(why) => Err(refusal(StatusCode::CONFLICT, why)),
            None => Ok((client, taxpayer)),
        },
    };
    let (client, taxpayer) = match ready {
        Ok(ready) => ready,
        Err(refused) => return refuse(&trainer, chrome, pool, clock, refused).await,
    };
    let caller = Caller {
        client_id: &client.client_id,
        client_secret: &client.client_secret,
    };
    let user = taxpayer.username.as_str();
    let token = player
        .token
        .as_ref()
        .map(|t| t.value.clone())
        .unwrap_or_default();
    let request = match step {
        Step::AskOtp => ApiRequest::otp_request(caller, user, PLAIN_APP_KEY),
        Step::TradeOtp => {
            ApiRequest::auth_token(caller, user, PLAIN_APP_KEY, otp.as_deref().unwrap_or(""))
        }
        Step::Call => ApiRequest::profile(caller, user, &taxpayer.gstin, &token),
        Step::Refresh => ApiRequest::refresh_token(caller, user, PLAIN_APP_KEY, &token),
        Step::LogOut => ApiRequest::logout(caller, user, PLAIN_APP_KEY, &token),
    };
    let base = own_address(listening);
    let http = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .finish();
    let reply = match request.send(&http, &base).await {
        Ok(reply) => reply,
        Err(e) => {
            tracing::error!(error = ?e, "the GSP player could not reach the portal's API");
            let refused = refusal(
                StatusCode::BAD_GATEWAY,
                format!("The console could not reach the portal's own API at {base}, so nothing was sent: {e:#}."),
            );
            return refuse(&trainer, chrome, pool, clock, refused).await;
        }
    };
    let now = clock.now();
    keep_outcome(&mut player, step, &reply, now);
    player.last = Some(exchange(step, &request, &reply, user));
    trainer.session.set_gsp_player(&player)?;
    tracing::info!(
        step = step.title(),
        username = user,
        result = reply.code(),
        "trainer played a GSP step"
    );
    Ok(see_other(PAGE_AT_EXCHANGE))
}

/// What the player keeps of an answer: an OTP waiting, a token, or none.
fn keep_outcome(player: &mut Player, step: Step, reply: &ApiReply, now: DateTime<Utc>) {
    let new_token = |reply: &ApiReply| {
        let minutes = reply.json["expiry"].as_i64().unwrap_or(0);
        reply.text("auth_token").map(|value| HeldToken {
            value: value.to_string(),
            until: (now + TimeDelta::minutes(minutes)).timestamp(),
        })
    };
    match (step, reply.succeeded()) {
        (Step::AskOtp, true) => player.otp_sent = true,
        (Step::TradeOtp, true) => {
            player.otp_sent = false;
            player.token = new_token(reply);
        }
        (Step::Refresh, true) => player.token = new_token(reply).or(player.token.take()),
        // A session the API no longer knows is gone either way.
        (Step::LogOut, true) => player.token = None,
        (Step::LogOut, false) if reply.code() == "OTP0011" => player.token = None,
        _ => {}
    }
}

/// The exchange as the page shows it, with the result in words.
fn exchange(step: Step, request: &ApiRequest, reply: &ApiReply, user: &str) -> Exchange {
    let code = reply.code();
    let let_in = reply.succeeded();
    let verdict = if let_in {
        result_words(code).to_string()
    } else {
        format!("{} ({code})", result_words(code))
    };
    let minutes = reply.json["expiry"].as_i64().unwrap_or(0);
    let meaning = match (let_in, step) {
        (true, Step::AskOtp) => format!("The portal texted an OTP to {user}'s Messages; the player offers it below for the next step."),
        (true, Step::TradeOtp) => format!("The GSP now holds an auth token for {user}, good for {minutes} minutes."),
        (true, Step::Call) => format!("The GSP read {user}'s profile with the token."),
        (true, Step::Refresh) => format!("The GSP has a new token for {minutes} minutes without asking {user} for a new OTP."),
        (true, Step::LogOut) => "The GSP session has ended: its token no longer opens anything.".to_string(),
        (false, _) if code == "AUTH4037" => format!("{user} has not switched API access on, or the period is over: My Profile > Manage API Access > Yes, a duration, Confirm."),
        (false, _) => reply.json["error"]["message"]
            .as_str()
            .unwrap_or("The API gave no reason.")
            .to_string(),
    };
    Exchange {
        step: step.title().to_string(),
        request: request.masked(),
        status: reply.status.to_string(),
        answer: serde_json::to_string_pretty(&reply.json).unwrap_or_default(),
        let_in,
        verdict,
        meaning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portal_calls_itself_on_loopback_when_it_listens_everywhere() {
        let at = |a: &str| own_address(&Listening(a.parse().unwrap()));
        assert_eq!(at("0.0.0.0:8080"), "http://127.0.0.1:8080");
        assert_eq!(at("[::]:8080"), "http://[::1]:8080");
        assert_eq!(at("192.168.1.20:8080"), "http://192.168.1.20:8080");
        assert_eq!(at("127.0.0.1:3000"), "http://127.0.0.1:3000");
    }

    #[test]
    fn steps_out_of_order_are_named() {
        let fresh = Player::default();
        assert!(Step::AskOtp.out_of_order(&fresh).is_none());
        assert!(Step::TradeOtp.out_of_order(&fresh).is_some());
        for step in [Step::Call, Step::Refresh, Step::LogOut] {
            assert!(step.out_of_order(&fresh).unwrap().contains("no auth token"));
        }
    }

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
        let reply = ApiReply {
            status: StatusCode::FORBIDDEN,
            json: serde_json::json!({"status_cd": "0", "error": {"error_cd": "AUTH4037", "message": "off"}}),
        };
        let e = exchange(Step::AskOtp, &request, &reply, "demo.never");
        assert_eq!(e.verdict, "refused: access is off (AUTH4037)");
        assert!(!e.let_in);
        assert!(e.meaning.contains("Manage API Access"));
        assert!(!e.request_text().contains("client-secret: s\n"));
    }
}
