//! `POST /taxpayerapi/v1.0/authenticate`: OTPREQUEST, AUTHTOKEN, REFRESHTOKEN, LOGOUT.

use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde_json::Value;

use crate::domain::gsp::ApiFailure;
use crate::services::gsp::authenticate::{self, Answer, Asked, Request};
use crate::services::gsp::ApiError;
use crate::state::AppState;

use super::logged;
use super::schema::{
    Ack, Action, AuthenticateRequest, ClientHeaders, ErrorBody, TokenAnswer, WireHeaders,
};

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
    state: AppState,
) -> Result<HttpResponse, ApiError> {
    logged(&state, "AUTHENTICATE", async |call| {
        let address = crate::net::client_limit_key(&req);
        let read = || read_body(&req, body);
        let answer = authenticate::answer(&state, &req, &address, read, call).await?;
        // Success is 200 for every action, as real client libraries expect.
        Ok(match answer {
            Answer::Ack => HttpResponse::Ok().json(Ack {
                status_cd: "1".to_string(),
            }),
            Answer::Token { token, expiry, sek } => HttpResponse::Ok().json(TokenAnswer {
                status_cd: "1".to_string(),
                auth_token: token,
                expiry,
                sek,
            }),
        })
    })
    .await
}

/// The body as the service wants it: sent as JSON, arrived in time and within the
/// limit, and readable field by field.
fn read_body(
    req: &HttpRequest,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<Request, ApiFailure> {
    if req.content_type() != "application/json" {
        return Err(ApiFailure::UnsupportedMediaType);
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
    Ok(parse_request(&body)?.into())
}

impl From<AuthenticateRequest> for Request {
    fn from(r: AuthenticateRequest) -> Request {
        let asked = match r.action {
            Action::OtpRequest => Asked::OtpRequest,
            Action::AuthToken => Asked::AuthToken {
                otp: r.otp.unwrap_or_default(),
            },
            Action::RefreshToken => Asked::RefreshToken {
                auth_token: r.auth_token.unwrap_or_default(),
            },
            Action::Logout => Asked::Logout {
                auth_token: r.auth_token.unwrap_or_default(),
            },
        };
        Request {
            asked,
            username: r.username,
            app_key: r.app_key,
        }
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
