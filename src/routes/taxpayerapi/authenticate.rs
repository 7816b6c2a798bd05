//! `POST /taxpayerapi/v1.0/authenticate`: OTPREQUEST, AUTHTOKEN, REFRESHTOKEN, LOGOUT.

use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::Value;

use crate::auth::{constant_time_eq, random_hex, sha256_hex};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::models::gsp_client::GspClient;
use crate::db::models::gsp_session::{self, ENDED_BY_LOGOUT};
use crate::db::models::taxpayer::{self, Taxpayer};
use crate::db::models::{api_access, app_setting, demo_taxpayer, message, otp_request};
use crate::db::{self, Conn, Pool};
use crate::domain::access::AccessState;
use crate::domain::gsp::{self, ApiFailure};
use crate::domain::time::ist_datetime;
use crate::error::AppError;

use super::schema::{Ack, Action, AuthenticateRequest, ErrorBody, TokenAnswer};
use super::{client, log_call, ApiError, CallRecord};

/// Reads the JSON body field by field, so each mistake gets its own message.
pub fn parse_request(body: &[u8]) -> Result<AuthenticateRequest, ApiFailure> {
    let bad = |m: String| ApiFailure::BadRequest(m);
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad(format!("The body is not valid JSON: {e}.")))?;
    let object = value
        .as_object()
        .ok_or_else(|| bad("The body must be a JSON object.".to_string()))?;
    let text = |name: &str, max: usize| -> Result<Option<String>, ApiFailure> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.len() > max => Err(bad(format!(
                "The field {name} is longer than {max} characters."
            ))),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(format!("The field {name} must be a string."))),
        }
    };
    let required = |name: &str, max: usize| -> Result<String, ApiFailure> {
        text(name, max)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| bad(format!("The field {name} is missing or empty.")))
    };
    let action_text = required("action", 32)?;
    let action = Action::parse(&action_text).ok_or_else(|| {
        bad(format!(
            "Unknown action {action_text:?}: use OTPREQUEST, AUTHTOKEN, REFRESHTOKEN or LOGOUT."
        ))
    })?;
    let username = required("username", 64)?;
    let app_key = required("app_key", 1024)?;
    let (otp, auth_token) = match action {
        Action::OtpRequest => (None, None),
        Action::AuthToken => (Some(required("otp", 16)?), None),
        Action::RefreshToken | Action::Logout => (None, Some(required("auth_token", 128)?)),
    };
    Ok(AuthenticateRequest {
        action,
        username,
        app_key,
        otp,
        auth_token,
    })
}

/// The taxpayer and the end of their access period, or AUTH4037.
pub(super) fn access_until(
    conn: &mut Conn,
    taxpayer: Option<&Taxpayer>,
    now: DateTime<Utc>,
) -> Result<Result<DateTime<Utc>, ApiFailure>, AppError> {
    let Some(t) = taxpayer else {
        return Ok(Err(ApiFailure::AccessNotEnabled));
    };
    let stored = api_access::load(conn, t.id)?;
    Ok(match AccessState::at(stored.as_ref(), now) {
        AccessState::Enabled { until, .. } => Ok(until),
        _ => Err(ApiFailure::AccessNotEnabled),
    })
}

fn otp_hash(salt: &str, otp: &str) -> String {
    format!("{salt}${}", sha256_hex(&format!("{salt}{otp}")))
}

fn otp_matches(stored: &str, otp: &str) -> bool {
    stored
        .split_once('$')
        .is_some_and(|(salt, _)| constant_time_eq(stored, &otp_hash(salt, otp)))
}

/// What a successful action answers.
enum Answer {
    Ack,
    Token { token: String, expiry: i64 },
}

/// The configured caps a GSP client meets.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Live sessions per taxpayer per client.
    sessions: i64,
    /// OTPs asked per taxpayer per client within [`gsp::OTP_REQUEST_WINDOW`].
    otp_requests: u32,
    /// Demo mode: only then may training taxpayers use the sandbox OTP.
    demo: bool,
}

/// Runs one action in one immediate transaction. Refusals that change state (a wrong
/// OTP try) are committed too, so they come back inside `Ok`.
fn run_action(
    conn: &mut Conn,
    request: &AuthenticateRequest,
    client: &GspClient,
    now: DateTime<Utc>,
    limits: Limits,
) -> Result<Result<Answer, ApiFailure>, AppError> {
    let username = request.username.trim().to_lowercase();
    conn.immediate_transaction(|conn| {
        let taxpayer = taxpayer::find_by_username(conn, &username)?;
        let t = taxpayer.as_ref();
        let access = access_until(conn, t, now)?;
        match (request.action, access) {
            (Action::OtpRequest, Ok(_)) => {
                otp_request_action(conn, t, client, now, limits.otp_requests)
            }
            (Action::AuthToken, Ok(until)) => {
                auth_token_action(conn, request, t, client, now, until, limits)
            }
            (Action::OtpRequest | Action::AuthToken, Err(refusal)) => Ok(Err(refusal)),
            (Action::RefreshToken, access) => refresh_action(conn, request, t, client, now, access),
            (Action::Logout, _) => logout_action(conn, request, t, client, now),
        }
    })
}

fn otp_request_action(
    conn: &mut Conn,
    taxpayer: Option<&Taxpayer>,
    client: &GspClient,
    now: DateTime<Utc>,
    per_hour: u32,
) -> Result<Result<Answer, ApiFailure>, AppError> {
    let Some(t) = taxpayer else {
        return Ok(Err(ApiFailure::AccessNotEnabled));
    };
    // Each OTP allows three guesses, so without a cap a client could go on asking and
    // guessing until one of a million codes comes up.
    let window = gsp::OTP_REQUEST_WINDOW;
    let (asked, earliest) = otp_request::asked_since(conn, t.id, client.id, now - window)?;
    if asked >= i64::from(per_hour) {
        let retry_at = earliest.map_or(now, |at| at.and_utc()) + window;
        return Ok(Err(ApiFailure::TooManyOtpRequests { per_hour, retry_at }));
    }
    let otp = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let valid_until = now + gsp::OTP_VALIDITY;
    otp_request::open(
        conn,
        t.id,
        client.id,
        &otp_hash(&random_hex(16), &otp),
        now,
        valid_until,
    )?;
    let text = format!(
        "{otp} is your OTP to let {} use the GST API for GSTIN {}. It is valid until {}. Do not share it with anyone you do not want to act for you.",
        client.name,
        t.gstin,
        ist_datetime(valid_until)
    );
    message::send(conn, t.id, now, &text)?;
    Ok(Ok(Answer::Ack))
}

fn auth_token_action(
    conn: &mut Conn,
    request: &AuthenticateRequest,
    taxpayer: Option<&Taxpayer>,
    client: &GspClient,
    now: DateTime<Utc>,
    access_until: DateTime<Utc>,
    limits: Limits,
) -> Result<Result<Answer, ApiFailure>, AppError> {
    let max_sessions = limits.sessions;
    let Some(t) = taxpayer else {
        return Ok(Err(ApiFailure::AccessNotEnabled));
    };
    let refuse = |why: &str| Ok(Err(ApiFailure::InvalidOtp(why.to_string())));
    let Some(pending) = otp_request::current(conn, t.id, client.id)? else {
        return refuse("no OTP is pending for this username; ask for one with OTPREQUEST.");
    };
    if pending.expires_at.and_utc() <= now {
        otp_request::close(conn, pending.id, now)?;
        return refuse("the OTP has expired; ask for a new one with OTPREQUEST.");
    }
    let otp = request.otp.as_deref().unwrap_or_default();
    // The sandbox OTP is for training taxpayers in a demo portal only: never for a
    // real taxpayer, never in a plain `serve`.
    let sandbox = limits.demo
        && otp == gsp::SANDBOX_OTP
        && app_setting::get(conn, app_setting::SANDBOX_OTP)?.as_deref() == Some("on")
        && demo_taxpayer::is_marked(conn, t.id)?;
    let right = gsp::is_otp_shaped(otp) && (otp_matches(&pending.otp_hash, otp) || sandbox);
    if !right {
        let tries = otp_request::record_wrong_try(conn, pending.id)?;
        if tries >= gsp::MAX_WRONG_OTP_TRIES {
            otp_request::close(conn, pending.id, now)?;
            return refuse("wrong OTP. It is now void after three wrong tries; ask for a new one.");
        }
        let left = gsp::MAX_WRONG_OTP_TRIES - tries;
        return refuse(&format!("wrong OTP; {left} more tries before it is void."));
    }
    let live = gsp_session::live_count(conn, t.id, client.id, now)?;
    if live >= max_sessions {
        return Ok(Err(ApiFailure::TooManySessions(max_sessions)));
    }
    otp_request::close(conn, pending.id, now)?;
    let token = random_hex(32);
    let expires_at = gsp::token_expiry(now, access_until);
    gsp_session::create(conn, t.id, client.id, &sha256_hex(&token), now, expires_at)?;
    Ok(Ok(Answer::Token {
        token,
        expiry: gsp::expiry_minutes(now, expires_at),
    }))
}

fn refresh_action(
    conn: &mut Conn,
    request: &AuthenticateRequest,
    taxpayer: Option<&Taxpayer>,
    client: &GspClient,
    now: DateTime<Utc>,
    access: Result<DateTime<Utc>, ApiFailure>,
) -> Result<Result<Answer, ApiFailure>, AppError> {
    let token = request.auth_token.as_deref().unwrap_or_default();
    let session = gsp_session::find_by_token(conn, client.id, &sha256_hex(token))?
        .filter(|s| taxpayer.is_some_and(|t| t.id.0 == s.taxpayer_id));
    let Some(session) = session else {
        return Ok(Err(ApiFailure::NoSession));
    };
    let until = match access {
        Ok(until) => until,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if session.ended_at.is_some() {
        return Ok(Err(ApiFailure::NoSession));
    }
    if session.expires_at.and_utc() <= now {
        return Ok(Err(ApiFailure::SessionExpired));
    }
    let new_token = random_hex(32);
    let expires_at = gsp::token_expiry(now, until);
    gsp_session::rotate(conn, session.id, &sha256_hex(&new_token), now, expires_at)?;
    Ok(Ok(Answer::Token {
        token: new_token,
        expiry: gsp::expiry_minutes(now, expires_at),
    }))
}

fn logout_action(
    conn: &mut Conn,
    request: &AuthenticateRequest,
    taxpayer: Option<&Taxpayer>,
    client: &GspClient,
    now: DateTime<Utc>,
) -> Result<Result<Answer, ApiFailure>, AppError> {
    let token = request.auth_token.as_deref().unwrap_or_default();
    let session = gsp_session::find_by_token(conn, client.id, &sha256_hex(token))?
        .filter(|s| taxpayer.is_some_and(|t| t.id.0 == s.taxpayer_id))
        .filter(|s| s.ended_at.is_none());
    let Some(session) = session else {
        return Ok(Err(ApiFailure::NoSession));
    };
    gsp_session::end(conn, session.id, now, ENDED_BY_LOGOUT)?;
    Ok(Ok(Answer::Ack))
}

/// Authenticates a GSP client's session for a taxpayer.
#[utoipa::path(
    post,
    path = "/taxpayerapi/v1.0/authenticate",
    tag = "authentication",
    request_body = AuthenticateRequest,
    params(
        ("clientid" = String, Header, description = "The GSP client's id"),
        ("client-secret" = String, Header, description = "The GSP client's secret"),
    ),
    responses(
        (status = 200, description = "OTPREQUEST and LOGOUT succeeded", body = Ack),
        (status = 201, description = "AUTHTOKEN and REFRESHTOKEN: a new auth token", body = TokenAnswer),
        (status = 400, description = "The request cannot be read (SIM400)", body = ErrorBody),
        (status = 401, description = "Wrong client (SIM401), wrong OTP (AUTH4034), expired token (AUTH4038), no session (OTP0011)", body = ErrorBody),
        (status = 403, description = "API access is not enabled or its period is over (AUTH4037)", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB (SIM413)", body = ErrorBody),
        (status = 415, description = "Body not sent as JSON (SIM415)", body = ErrorBody),
        (status = 429, description = "Too many live sessions with this client (AUTH403), or too many OTPs asked within an hour (SIM429)", body = ErrorBody),
    )
)]
pub async fn handle(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let mut call = CallRecord {
        action: "AUTHENTICATE",
        ..CallRecord::default()
    };
    let result = answer(&req, body, &pool, &clock, &settings, &mut call).await;
    log_call(&req, &pool, &clock, call, &result).await;
    result
}

async fn answer(
    req: &HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    pool: &Pool,
    clock: &Clock,
    settings: &Settings,
    call: &mut CallRecord,
) -> Result<HttpResponse, ApiError> {
    let client = client(req, pool, settings.demo).await?;
    call.client_name = Some(client.name.clone());
    if req.content_type() != "application/json" {
        return Err(ApiFailure::UnsupportedMediaType.into());
    }
    let body = body.map_err(|e| {
        if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiFailure::TooLarge
        } else {
            ApiFailure::BadRequest("The request body could not be read.".to_string())
        }
    })?;
    let request = parse_request(&body)?;
    call.action = request.action.name();
    call.username = Some(request.username.clone());
    let now = clock.now();
    let limits = Limits {
        sessions: settings.gsp_sessions_per_client,
        otp_requests: settings.otp_requests_per_hour,
        demo: settings.demo,
    };
    let outcome = db::write(pool, move |conn| {
        run_action(conn, &request, &client, now, limits)
    })
    .await?;
    match outcome? {
        Answer::Ack => Ok(HttpResponse::Ok().json(Ack {
            status_cd: "1".to_string(),
        })),
        Answer::Token { token, expiry } => Ok(HttpResponse::Created().json(TokenAnswer {
            status_cd: "1".to_string(),
            auth_token: token,
            expiry,
            sek: random_hex(32),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_action_with_its_fields() {
        let r = parse_request(br#"{"action":"OTPREQUEST","username":"a","app_key":"k"}"#).unwrap();
        assert_eq!(r.action, Action::OtpRequest);
        let r =
            parse_request(br#"{"action":"AUTHTOKEN","username":"a","app_key":"k","otp":"575757"}"#)
                .unwrap();
        assert_eq!(r.otp.as_deref(), Some("575757"));
        let r =
            parse_request(br#"{"action":"LOGOUT","username":"a","app_key":"k","auth_token":"t"}"#)
                .unwrap();
        assert_eq!(r.auth_token.as_deref(), Some("t"));
    }

    #[test]
    fn names_what_is_wrong() {
        let msg = |body: &[u8]| match parse_request(body) {
            Err(ApiFailure::BadRequest(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(msg(b"not json").starts_with("The body is not valid JSON"));
        assert_eq!(msg(b"[1]"), "The body must be a JSON object.");
        assert!(msg(br#"{"action":"FETCH","username":"a","app_key":"k"}"#)
            .starts_with("Unknown action \"FETCH\""));
        assert_eq!(
            msg(br#"{"action":"OTPREQUEST","app_key":"k"}"#),
            "The field username is missing or empty."
        );
        assert_eq!(
            msg(br#"{"action":"OTPREQUEST","username":5,"app_key":"k"}"#),
            "The field username must be a string."
        );
        assert_eq!(
            msg(br#"{"action":"AUTHTOKEN","username":"a","app_key":"k"}"#),
            "The field otp is missing or empty."
        );
        assert_eq!(
            msg(br#"{"action":"REFRESHTOKEN","username":"a","app_key":"k"}"#),
            "The field auth_token is missing or empty."
        );
    }

    #[test]
    fn otp_hashes_are_salted_and_checked() {
        let h = otp_hash("abcd", "123456");
        assert!(otp_matches(&h, "123456"));
        assert!(!otp_matches(&h, "123457"));
        assert_ne!(h, otp_hash("abce", "123456"));
        assert!(!otp_matches("garbage", "123456"));
    }
}
