//! The portal's form extractor: it checks the anti-forgery token before it reads any
//! field (so a POST handler cannot forget it), and it is stricter than actix's: it
//! refuses text that is not UTF-8 instead of replacing it, and answers every
//! unreadable form with the portal's own message.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::auth::csrf;
use crate::error::AppError;

/// Largest form body accepted; the portal's forms are a few hundred bytes.
pub const FORM_LIMIT: usize = 16 * 1024;
/// Largest single field, decoded; no field of the portal needs more than 128 bytes.
pub const FIELD_LIMIT: usize = 1024;

/// A form with no fields but its anti-forgery token (Logout).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFields {}

/// A URL-encoded form body whose anti-forgery token was right, read into `T` (which
/// does not name the token field).
pub struct Form<T>(pub T);

impl<T> Form<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn rejected(status: StatusCode, message: impl Into<String>) -> AppError {
    AppError::Rejected {
        status,
        message: message.into(),
    }
}

/// Splits the anti-forgery token off `body`: the token (if sent once) and the rest.
fn split_token(body: &[u8]) -> Result<(Option<String>, Vec<u8>), AppError> {
    let mut token = None;
    let mut rest: Vec<&[u8]> = Vec::new();
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (key, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        if key == csrf::FIELD.as_bytes() {
            if token.is_some() {
                return Err(rejected(
                    StatusCode::BAD_REQUEST,
                    "The form could not be read: the field csrf_token was sent twice. Nothing was changed.",
                ));
            }
            let decoded: Vec<u8> = percent_encoding::percent_decode(value).collect();
            token = Some(String::from_utf8_lossy(&decoded).into_owned());
        } else {
            rest.push(pair);
        }
    }
    Ok((token, rest.join(&b'&')))
}

/// Reads `body` as a form into `T`, with the message a person gets when it cannot.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let parts = body
        .split(|&b| b == b'&')
        .flat_map(|pair| pair.split(|&b| b == b'='))
        .map(|part| percent_encoding::percent_decode(part).collect::<Vec<u8>>());
    for part in parts {
        if part.len() > FIELD_LIMIT {
            return Err(rejected(
                StatusCode::BAD_REQUEST,
                format!("A field of the form is longer than this portal accepts ({FIELD_LIMIT} bytes), so nothing was changed."),
            ));
        }
        if std::str::from_utf8(&part).is_err() {
            return Err(rejected(
                StatusCode::BAD_REQUEST,
                "The form is not valid UTF-8 text, so nothing was changed.",
            ));
        }
    }
    serde_urlencoded::from_bytes(body).map_err(|e| {
        rejected(
            StatusCode::BAD_REQUEST,
            format!("The form could not be read: {e}. Nothing was changed."),
        )
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_form = req.content_type() == "application/x-www-form-urlencoded";
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            if !is_form {
                return Err(rejected(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "Forms must be sent as application/x-www-form-urlencoded.",
                ));
            }
            let body = body.await.map_err(|e| {
                let too_large =
                    matches!(e.as_error::<PayloadError>(), Some(PayloadError::Overflow))
                        || e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE;
                let timed_out = e
                    .as_error::<PayloadError>()
                    .is_some_and(crate::routes::deadline::is_timeout);
                if timed_out {
                    rejected(
                        StatusCode::REQUEST_TIMEOUT,
                        "The form took too long to arrive, so nothing was changed. Please send it again.",
                    )
                } else if too_large {
                    rejected(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!(
                            "The form is larger than this portal accepts ({} KiB).",
                            FORM_LIMIT / 1024
                        ),
                    )
                } else {
                    rejected(StatusCode::BAD_REQUEST, "The form could not be read.")
                }
            })?;
            let (token, fields) = split_token(&body)?;
            csrf::verify(&req, token.as_deref())?;
            parse(&fields).map(Form)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        a: Option<String>,
    }

    #[test]
    fn reads_a_plain_form() {
        assert_eq!(
            parse::<Sample>(b"a=x%20y+z").unwrap(),
            Sample {
                a: Some("x y z".into())
            }
        );
    }

    #[test]
    fn refuses_bytes_that_are_not_utf8_raw_or_encoded() {
        assert!(parse::<Sample>(b"a=\xff").is_err());
        assert!(parse::<Sample>(b"a=%FF%FE").is_err());
        assert!(parse::<Sample>(b"%C0=x").is_err());
    }

    #[test]
    fn refuses_a_field_over_the_limit() {
        let long = format!("a={}", "x".repeat(FIELD_LIMIT + 1));
        assert!(parse::<Sample>(long.as_bytes()).is_err());
        let fits = format!("a={}", "x".repeat(FIELD_LIMIT));
        assert!(parse::<Sample>(fits.as_bytes()).is_ok());
    }

    #[test]
    fn refuses_duplicated_and_unknown_fields() {
        assert!(parse::<Sample>(b"a=1&a=2").is_err());
        assert!(parse::<Sample>(b"b=1").is_err());
    }
}
