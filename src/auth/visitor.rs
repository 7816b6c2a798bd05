//! A browser before login: the anti-forgery token of the login forms and the captcha
//! last shown to it, kept in cookies so that nobody who has not logged in makes the
//! portal store anything (a session row per anonymous page view would let anyone
//! fill the database).
//!
//! The token is a signed double-submit: the visitor cookie holds a random nonce and
//! the form carries HMAC-SHA256(key, nonce). A forged cross-site form cannot know the
//! nonce, and the cookie is HttpOnly and SameSite=Strict. The captcha cookie is
//! encrypted and authenticated with the cookie key (actix's private cookies), so its
//! answer cannot be read by the browser; each captcha has a nonce that is spent in
//! the database at the first try, so it can be tried once whatever the concurrency.

use std::future::{ready, Ready};

use actix_web::body::MessageBody;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, CookieJar, Key, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::{constant_time_eq, random_hex};
use crate::config::Settings;
use crate::error::AppError;

/// How long a captcha image may be answered.
pub const CAPTCHA_VALIDITY: TimeDelta = TimeDelta::minutes(10);

/// The cookie key, shared with the session middleware; app data of the portal.
#[derive(Clone)]
pub struct CookieKey(pub Key);

/// A captcha as shown: its once-only nonce, its characters and when it was drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownCaptcha {
    pub nonce: String,
    pub text: String,
    pub drawn_at: DateTime<Utc>,
}

/// The visitor nonce made during this request, for a browser that had none.
#[derive(Clone)]
struct MintedNonce(String);

/// Cookies to add to the response of this request.
#[derive(Default, Clone)]
struct PendingCookies(Vec<Cookie<'static>>);

/// The visitor's browser, as the login forms see it.
pub struct Visitor {
    nonce: String,
    key: Key,
    req: HttpRequest,
    captcha_cookie: &'static str,
    secure: bool,
}

fn nonce_shaped(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

fn base_cookie(secure: bool, name: &'static str, value: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(name, value);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_path("/");
    cookie.set_secure(secure);
    cookie
}

fn stash(req: &HttpRequest, cookie: Cookie<'static>) {
    let mut ext = req.extensions_mut();
    match ext.get_mut::<PendingCookies>() {
        Some(pending) => pending.0.push(cookie),
        None => {
            ext.insert(PendingCookies(vec![cookie]));
        }
    }
}

impl Visitor {
    /// The anti-forgery token for the login forms shown to this browser.
    pub fn csrf_token(&self) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.key.signing())
            .expect("HMAC takes a key of any length");
        mac.update(b"login-form:");
        mac.update(self.nonce.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Accepts a login form only if it carries this browser's token.
    pub fn verify(&self, sent: Option<&str>) -> Result<(), AppError> {
        match sent {
            Some(sent) if constant_time_eq(&self.csrf_token(), sent) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }

    /// Remembers `text` as the captcha just drawn for this browser.
    pub fn set_captcha(&self, text: &str, now: DateTime<Utc>) {
        let value = format!("{}|{}|{}", random_hex(16), text, now.timestamp());
        let mut jar = CookieJar::new();
        let mut cookie = base_cookie(self.secure, self.captcha_cookie, value);
        cookie.set_max_age(CookieDuration::seconds(CAPTCHA_VALIDITY.num_seconds()));
        jar.private_mut(&self.key).add(cookie);
        if let Some(sealed) = jar.get(self.captcha_cookie) {
            stash(&self.req, sealed.clone());
        }
    }

    /// The captcha last drawn for this browser, if its cookie is genuine.
    pub fn captcha(&self) -> Option<ShownCaptcha> {
        let sealed = self.req.cookie(self.captcha_cookie)?;
        let mut jar = CookieJar::new();
        jar.add_original(sealed);
        let opened = jar.private(&self.key).get(self.captcha_cookie)?;
        let mut parts = opened.value().splitn(3, '|');
        let (nonce, text, at) = (parts.next()?, parts.next()?, parts.next()?);
        Some(ShownCaptcha {
            nonce: nonce.to_string(),
            text: text.to_string(),
            drawn_at: DateTime::from_timestamp(at.parse().ok()?, 0)?,
        })
    }
}

impl Visitor {
    /// The visitor of `req`; a browser without a visitor cookie gets a new one.
    pub fn of(req: &HttpRequest) -> Result<Self, AppError> {
        {
            let settings = req
                .app_data::<web::Data<Settings>>()
                .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("settings are missing")))?;
            let key = req
                .app_data::<web::Data<CookieKey>>()
                .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("cookie key is missing")))?;
            let name = settings.visitor_cookie_name();
            let minted = req.extensions().get::<MintedNonce>().map(|m| m.0.clone());
            let nonce = match (minted, req.cookie(name)) {
                (Some(nonce), _) => nonce,
                (None, Some(c)) if nonce_shaped(c.value()) => c.value().to_string(),
                (None, _) => {
                    // Kept for the rest of the request, so every form on the answer
                    // carries the token of the one cookie it sets.
                    let nonce = random_hex(32);
                    req.extensions_mut().insert(MintedNonce(nonce.clone()));
                    stash(
                        req,
                        base_cookie(settings.secure_cookies, name, nonce.clone()),
                    );
                    nonce
                }
            };
            Ok(Visitor {
                nonce,
                key: key.0.clone(),
                req: req.clone(),
                captcha_cookie: settings.captcha_cookie_name(),
                secure: settings.secure_cookies,
            })
        }
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Visitor::of(req))
    }
}

/// Middleware: adds the cookies a `Visitor` asked for to the response.
pub async fn set_cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let pending = res.request().extensions().get::<PendingCookies>().cloned();
    for cookie in pending.map(|p| p.0).unwrap_or_default() {
        res.response_mut().add_cookie(&cookie)?;
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_64_hex_digits() {
        assert!(nonce_shaped(&random_hex(32)));
        assert!(!nonce_shaped("short"));
        assert!(!nonce_shaped(&"z".repeat(64)));
    }
}
