//! `POST /taxpayerapi/v1.0/authenticate`: OTPREQUEST, AUTHTOKEN, REFRESHTOKEN, LOGOUT.

use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde_json::Value;

use crate::auth::random_hex;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{self, Pool};
use crate::domain::gsp::ApiFailure;
use crate::gsp::{self, Answer, Command, Limits};

use super::schema::{Ack, Action, AuthenticateRequest, ClientHeaders, ErrorBody, TokenAnswer};
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

/// Authenticates a GSP client's session for a taxpayer.
#[utoipa::path(
    post,
    path = "/taxpayerapi/v1.0/authenticate",
    tag = "authentication",
    request_body = AuthenticateRequest,
    params(ClientHeaders),
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
    let command = match request.action {
        Action::OtpRequest => Command::RequestOtp,
        Action::AuthToken => Command::TradeOtp {
            otp: request.otp.unwrap_or_default(),
        },
        Action::RefreshToken => Command::Refresh {
            token: request.auth_token.unwrap_or_default(),
        },
        Action::Logout => Command::LogOut {
            token: request.auth_token.unwrap_or_default(),
        },
    };
    let username = request.username;
    let outcome = db::write(pool, move |conn| {
        gsp::authenticate(conn, &client, &username, &command, now, limits)
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
}
