//! The trainer's GSP player (demo mode only): choosing the taxpayer the GSP plays
//! for, and playing one step of the story as a real HTTP request to this portal's own
//! taxpayer API. The rules of the story (which step may follow which, what each
//! sends, what the GSP keeps) are `domain::player`'s; this module reads what they
//! need from the database and sends the request.
//!
//! The player calls as its own GSP client (`demo::PLAYER_CLIENT_ID`, plain protocol),
//! so its calls go through the same code, API call log, live feed and progress board
//! as any GSP's. Its secret is read from the database at each step, so a portal
//! sharing the database with others plays the same.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};

use crate::admin::ClientCredentials;
use crate::db::models::api_call::ApiCall;
use crate::db::models::demo_taxpayer::{self, TrainingTaxpayer};
use crate::db::models::{api_access, api_call, app_setting, message};
use crate::db::{self, Pool};
use crate::demo;
use crate::domain::access::AccessState;
use crate::domain::gsp::{otp_in_message, SANDBOX_OTP};
use crate::domain::player::{otp_is_sendable, Player, Step};
use crate::domain::time::from_db;
use crate::error::AppError;
use crate::gsp_request::{ApiReply, ApiRequest, Caller};
use crate::net::Listening;
use crate::state::Portal;

/// How many of the newest API calls the player's page lists.
const RECENT_CALLS: i64 = 8;
/// How long the player waits for its own portal to answer a step.
const STEP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A form of the player that could not be played, with its status and message:
/// nothing was sent or kept, and the page says why.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

fn refusal<T>(status: StatusCode, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        status,
        message: message.into(),
    })
}

/// What the player's page shows besides what the player holds.
pub struct Scene {
    /// The player's GSP client id; `None` once it is revoked.
    pub client_id: Option<String>,
    /// The demo taxpayers, then the trainees, by username.
    pub demo: Vec<TrainingTaxpayer>,
    pub trainees: Vec<TrainingTaxpayer>,
    /// The chosen taxpayer and its API access now.
    pub chosen: Option<(TrainingTaxpayer, AccessState)>,
    /// The newest OTP in the chosen taxpayer's Messages, and when it was sent.
    pub messages_otp: Option<(String, DateTime<Utc>)>,
    /// The sandbox OTP, while the sandbox setting is on.
    pub sandbox_otp: Option<&'static str>,
    /// The newest API calls, newest first.
    pub calls: Vec<ApiCall>,
}

/// Reads what the page shows for a player playing for `chosen` at `now`.
pub async fn scene(
    pool: &Pool,
    chosen: Option<String>,
    now: DateTime<Utc>,
) -> Result<Scene, AppError> {
    db::run(pool, move |conn| {
        let client = demo::player_client(conn)?;
        let everyone = demo_taxpayer::training_taxpayers(conn)?;
        let chosen = everyone
            .iter()
            .find(|t| Some(&t.username) == chosen.as_ref())
            .cloned();
        let (chosen, newest) = match chosen {
            Some(t) => {
                let access = AccessState::at(api_access::load(conn, t.id)?.as_ref(), now);
                let newest = message::newest(conn, t.id)?;
                (Some((t, access)), newest)
            }
            None => (None, None),
        };
        let sandbox = app_setting::get(conn, app_setting::SANDBOX_OTP)?;
        let (demo, trainees) = everyone
            .into_iter()
            .partition(|t| t.kind == demo_taxpayer::DEMO);
        Ok::<_, AppError>(Scene {
            client_id: client.map(|c| c.client_id),
            demo,
            trainees,
            chosen,
            messages_otp: newest.and_then(|m| {
                otp_in_message(&m.body).map(|otp| (otp.to_string(), from_db(m.sent_at)))
            }),
            sandbox_otp: (sandbox.as_deref() == Some("on")).then_some(SANDBOX_OTP),
            calls: api_call::recent(conn, RECENT_CALLS)?,
        })
    })
    .await
}

/// The player starts again for a newly chosen taxpayer.
pub struct Chosen {
    pub player: Player,
    /// What the trainer is told: who the GSP plays for now, and what was put down.
    pub notice: String,
}

/// Chooses `username` (trimmed, lower case) for a player that held `before`: only
/// the training data (demo taxpayers and trainees) can be chosen.
pub async fn choose(
    pool: &Pool,
    before: &Player,
    username: String,
) -> Result<Result<Chosen, Refusal>, AppError> {
    if username.is_empty() {
        return Ok(refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a taxpayer from the list.",
        ));
    }
    let name = username.clone();
    let found = db::run(pool, move |conn| {
        demo_taxpayer::training_taxpayer(conn, &name)
    })
    .await?;
    let Some(found) = found else {
        return Ok(refusal(
            StatusCode::NOT_FOUND,
            format!("No demo taxpayer or trainee has the username {username}: the GSP player plays for the training data only."),
        ));
    };
    let dropped = match (&before.username, &before.token) {
        (Some(previous), Some(_)) => format!(" The token held for {previous} was put down without a log out: that GSP session ends by itself when its time is up."),
        _ => String::new(),
    };
    Ok(Ok(Chosen {
        player: Player::for_taxpayer(&found.username),
        notice: format!(
            "The GSP now plays for {} (GSTIN {}). Ask for an OTP to begin.{dropped}",
            found.username, found.gstin
        ),
    }))
}

/// One step played: what was sent (client secret masked), what came back, and what
/// the GSP holds now.
pub struct Played {
    pub player: Player,
    pub request: ApiRequest,
    pub reply: ApiReply,
    /// The taxpayer the step was played for.
    pub username: String,
}

/// Plays `step` for a player that holds `player` (`otp` is what the trade step
/// offers): checks that it can be played, sends its request to the portal's own
/// API, and keeps what came back.
pub async fn play(
    portal: &Portal,
    player: Player,
    step: Step,
    otp: &str,
) -> Result<Result<Played, Refusal>, AppError> {
    if step == Step::TradeOtp && !otp_is_sendable(otp) {
        return Ok(refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Give the OTP to trade: the one from the taxpayer's Messages, the sandbox OTP, or six digits typed in.",
        ));
    }
    let (client, taxpayer) = match ready(&portal.pool, &player, step).await? {
        Ok(ready) => ready,
        Err(refused) => return Ok(Err(refused)),
    };
    let caller = Caller {
        client_id: &client.client_id,
        client_secret: &client.client_secret,
    };
    let request = player.request(step, caller, &taxpayer.gstin, otp);
    let base = own_address(&portal.listening);
    let http = awc::Client::builder().timeout(STEP_TIMEOUT).finish();
    let reply = match request.send(&http, &base).await {
        Ok(reply) => reply,
        Err(e) => {
            tracing::error!(error = ?e, "the GSP player could not reach the portal's API");
            return Ok(refusal(
                StatusCode::BAD_GATEWAY,
                format!("The console could not reach the portal's own API at {base}, so nothing was sent: {e:#}."),
            ));
        }
    };
    tracing::info!(
        step = step.title(),
        username = taxpayer.username,
        result = reply.code(),
        "trainer played a GSP step"
    );
    Ok(Ok(Played {
        player: player.after(step, &reply, portal.clock.now()),
        request: request.masked(),
        reply,
        username: taxpayer.username,
    }))
}

/// The client to call as and the taxpayer to call for, when `step` can be played
/// now: the player's client is not revoked, a taxpayer is chosen and still training
/// data, and the step follows what the player holds.
async fn ready(
    pool: &Pool,
    player: &Player,
    step: Step,
) -> Result<Result<(ClientCredentials, TrainingTaxpayer), Refusal>, AppError> {
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
    Ok(match (client, &player.username, taxpayer) {
        (None, _, _) => refusal(
            StatusCode::CONFLICT,
            format!("The player's GSP client ({}) has been revoked, so the player has no client to call as. Reset demo data (or a restart) gives it a new secret.", demo::PLAYER_CLIENT_ID),
        ),
        (_, None, _) => refusal(
            StatusCode::CONFLICT,
            "Choose a taxpayer first: the GSP needs a username to ask for.",
        ),
        (_, Some(username), None) => refusal(
            StatusCode::CONFLICT,
            format!("{username} is no longer a demo taxpayer or trainee (a Reset may have removed it). Choose a taxpayer again."),
        ),
        (Some(client), Some(_), Some(taxpayer)) => match player.out_of_order(step) {
            Some(why) => refusal(StatusCode::CONFLICT, why),
            None => Ok((client, taxpayer)),
        },
    })
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
}
