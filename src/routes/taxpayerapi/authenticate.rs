//! `POST /taxpayerapi/v1.0/authenticate`: OTPREQUEST, AUTHTOKEN, REFRESHTOKEN, LOGOUT.

use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde_json::Value;

use crate::auth::random_hex;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{self, Pool};
use crate::domain::gsp::ApiFailure;
use crate::gsp::keys::{Decrypter, KeyJobError};
use crate::gsp::wire::{self, Key};
use crate::gsp::{self, Answer, Command, Limits};

use super::budget::CallBudgets;
use super::schema::{
    Ack, Action, AuthenticateRequest, ClientHeaders, ErrorBody, TokenAnswer, WireHeaders,
};
use super::{check_state_of, client, log_call, server_key, wire_headers, ApiError, CallRecord};

/// A JSON object's keys, read only to find one sent twice.
struct RepeatedKey(Option<String>);

impl<'de> serde::Deserialize<'de> for RepeatedKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = RepeatedKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RepeatedKey, A::Error> {
                let mut seen = std::collections::HashSet::new();
                let mut repeated = None;
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    if !seen.insert(key.clone()) && repeated.is_none() {
                        repeated = Some(key);
                    }
                }
                Ok(RepeatedKey(repeated))
            }
        }
        d.deserialize_map(Keys)
    }
}

/// Reads the JSON body field by field, so each mistake gets its own message.
pub fn parse_request(body: &[u8]) -> Result<AuthenticateRequest, ApiFailure> {
    let bad = |m: String| ApiFailure::BadRequest(m);
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad(format!("The body is not valid JSON: {e}.")))?;
    let object = value
        .as_object()
        .ok_or_else(|| bad("The body must be a JSON object.".to_string()))?;
    // serde_json keeps the last of a repeated key; which one counts must not be a
    // guess, so a body with one is refused, as the forms refuse a repeated field.
    if let Ok(RepeatedKey(Some(key))) = serde_json::from_slice(body) {
        return Err(bad(format!(
            "The field {key} is sent more than once; send each field once. Nothing was done."
        )));
    }
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
    // Very old clients spell it `appkey`.
    let app_key = match text("app_key", 1024)? {
        Some(key) => Some(key),
        None => text("appkey", 1024)?,
    }
    .filter(|s| !s.trim().is_empty())
    .ok_or_else(|| bad("The field app_key is missing or empty.".to_string()))?;
    let (otp, auth_token) = match action {
        Action::OtpRequest => (None, None),
        // 6 digits in plain mode; base64 of one AES block (24 characters) encrypted.
        Action::AuthToken => (Some(required("otp", 64)?), None),
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

/// Authenticates a GSP client's session for a taxpayer. Encrypted clients send
/// `app_key` sealed with the simulator's RSA key (for REFRESHTOKEN: with AES under
/// the current SEK) and `otp` sealed with AES under the app key, and get `sek` sealed
/// under the app key; plain clients send them as they are. The same body is
/// accepted under `/taxpayerapi/v0.2/authenticate`.
#[utoipa::path(
    post,
    path = "/taxpayerapi/v1.0/authenticate",
    tag = "authentication",
    request_body = AuthenticateRequest,
    params(ClientHeaders, WireHeaders),
    responses(
        (status = 200, description = "Success: OTPREQUEST and LOGOUT answer status_cd 1 alone, AUTHTOKEN and REFRESHTOKEN a new auth token", body = TokenAnswer),
        (status = 400, description = "The request cannot be read or repeats a field (SIM400), a header the encrypted protocol needs is missing or blank (GEN5001), state-cd is not two digits or, for a taxpayer whose access is on, not the first two of the taxpayer's GSTIN (AUTH4041)", body = ErrorBody),
        (status = 401, description = "Client credentials missing or wrong (AUT4031-AUT4034), app key not decryptable or not the session's (AUTH4036), wrong OTP (AUTH4034), expired token (AUTH4038), no session (OTP0011)", body = ErrorBody),
        (status = 403, description = "API access is not enabled or its period is over (AUTH4037)", body = ErrorBody),
        (status = 408, description = "The body did not arrive within the request timeout (SIM408)", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB (SIM413)", body = ErrorBody),
        (status = 415, description = "Body not sent as JSON (SIM415)", body = ErrorBody),
        (status = 429, description = "Too many live sessions with this client (AUTH403), too many OTPs asked within an hour (SIM429), or too many authenticate calls a minute from this network address (SIM4291) or with this client (SIM4292); the Retry-After header gives the seconds to wait", body = ErrorBody),
        (status = 503, description = "The simulator's app-key decryption is busy; nothing was done, try again after Retry-After seconds (SIM503)", body = ErrorBody),
    )
)]
pub async fn handle(
    req: HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
    budgets: web::Data<CallBudgets>,
    decrypter: web::Data<Decrypter>,
) -> Result<HttpResponse, ApiError> {
    let mut call = CallRecord {
        action: "AUTHENTICATE",
        ..CallRecord::default()
    };
    let work = Work {
        pool: &pool,
        clock: &clock,
        settings: &settings,
        budgets: &budgets,
        decrypter: &decrypter,
    };
    let result = answer(&req, body, &work, &mut call).await;
    match &result {
        // Shed for load: a row each would be the very cost the refusal spares (the
        // request log still has a line for each, with its status).
        Err(ApiError::Refused(f)) if f.retry_after().is_some() => {
            tracing::debug!(action = call.action, result = f.code(), "GSP API call shed");
        }
        _ => log_call(&req, &pool, &clock, call, &result).await,
    }
    result
}

/// What an authenticate call works with.
struct Work<'a> {
    pool: &'a Pool,
    clock: &'a Clock,
    settings: &'a Settings,
    budgets: &'a CallBudgets,
    decrypter: &'a Decrypter,
}

async fn answer(
    req: &HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
    work: &Work<'_>,
    call: &mut CallRecord,
) -> Result<HttpResponse, ApiError> {
    let Work {
        pool,
        clock,
        settings,
        ..
    } = *work;
    // The budgets first: a refusal costs no read of the body, no RSA, no write.
    work.budgets
        .take_for_address(&crate::net::client_limit_key(req))?;
    let client = client(req, pool, settings.demo).await?;
    work.budgets.take_for_client(&client.client_id)?;
    call.identified(&client);
    let state = if client.encrypted {
        Some(wire_headers(req)?)
    } else {
        None
    };
    if req.content_type() != "application/json" {
        return Err(ApiFailure::UnsupportedMediaType.into());
    }
    let body = body.map_err(|e| {
        let timed_out = e
            .as_error::<PayloadError>()
            .is_some_and(crate::routes::deadline::is_timeout);
        if timed_out {
            ApiFailure::BodyTimedOut
        } else if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiFailure::TooLarge
        } else {
            ApiFailure::BadRequest("The request body could not be read.".to_string())
        }
    })?;
    let request = parse_request(&body)?;
    call.action = request.action.name();
    call.username = Some(request.username.clone());
    let now = clock.now();
    if let Some(state) = state {
        check_state_of(pool, &request.username, state, now).await?;
    }
    let limits = Limits {
        sessions: settings.gsp_sessions_per_client,
        otp_requests: settings.otp_requests_per_hour,
        demo: settings.demo,
    };
    let command = if client.encrypted {
        encrypted_command(
            work,
            request.action,
            request.app_key,
            request.otp,
            request.auth_token,
        )
        .await?
    } else {
        match request.action {
            Action::OtpRequest => Command::RequestOtp,
            Action::AuthToken => Command::TradeOtp {
                otp: request.otp.unwrap_or_default(),
                app_key: None,
            },
            Action::RefreshToken => Command::Refresh {
                token: request.auth_token.unwrap_or_default(),
                sealed_app_key: None,
            },
            Action::Logout => Command::LogOut {
                token: request.auth_token.unwrap_or_default(),
                app_key: None,
            },
        }
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
        // Success is 200 for every action, as real client libraries expect.
        Answer::Token { token, expiry, sek } => Ok(HttpResponse::Ok().json(TokenAnswer {
            status_cd: "1".to_string(),
            auth_token: token,
            expiry,
            sek: sek.unwrap_or_else(|| random_hex(32)),
        })),
    }
}

/// The command of an encrypted client's request: its app key opened with the
/// simulator's RSA key (for REFRESHTOKEN the service opens it with the session's
/// SEK) and its OTP opened with the app key.
async fn encrypted_command(
    work: &Work<'_>,
    action: Action,
    sealed_app_key: String,
    otp: Option<String>,
    auth_token: Option<String>,
) -> Result<Command, ApiError> {
    let token = auth_token.unwrap_or_default();
    Ok(match action {
        Action::RefreshToken => Command::Refresh {
            token,
            sealed_app_key: Some(sealed_app_key),
        },
        Action::OtpRequest => {
            open_app_key(work, sealed_app_key).await?;
            Command::RequestOtp
        }
        // An OTP that does not open is simply wrong: it counts as a try.
        Action::AuthToken => {
            let app_key = open_app_key(work, sealed_app_key).await?;
            Command::TradeOtp {
                otp: otp
                    .and_then(|sealed| wire::open(&app_key, &sealed).ok())
                    .and_then(|plain| String::from_utf8(plain).ok())
                    .unwrap_or_default(),
                app_key: Some(app_key),
            }
        }
        Action::Logout => Command::LogOut {
            token,
            app_key: Some(open_app_key(work, sealed_app_key).await?),
        },
    })
}

/// Opens an app key sealed with the simulator's public key, on the decrypting
/// threads: AUTH4036 if it does not open, SIM503 when their queue is full.
async fn open_app_key(work: &Work<'_>, sealed: String) -> Result<Key, ApiError> {
    let stored = server_key(work.pool, work.clock).await?;
    match work.decrypter.open_app_key(stored, sealed).await {
        Ok(opened) => Ok(opened.map_err(|_| ApiFailure::InvalidAppKey)?),
        Err(KeyJobError::Busy(_)) => Err(ApiFailure::Busy.into()),
        Err(KeyJobError::Fault(e)) => Err(ApiError::Fault(e)),
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
        // Very old clients name the app key `appkey`.
        let r = parse_request(br#"{"action":"OTPREQUEST","username":"a","appkey":"old"}"#).unwrap();
        assert_eq!(r.app_key, "old");
        // An encrypted OTP is 24 characters of base64.
        let sealed = r#"{"action":"AUTHTOKEN","username":"a","app_key":"k","otp":"oT1ITcg5+TjYEN2cbCc7BQ=="}"#;
        assert_eq!(
            parse_request(sealed.as_bytes()).unwrap().otp.as_deref(),
            Some("oT1ITcg5+TjYEN2cbCc7BQ==")
        );
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
            msg(br#"{"action":"OTPREQUEST","username":"a"}"#),
            "The field app_key is missing or empty."
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
