//! The guard that pages use to require a logged-in taxpayer.

use std::future::Future;
use std::pin::Pin;

use crate::auth::password::fingerprint;
use crate::auth::session::{trainer_nonce_in, TypedSession};
use crate::auth::session_store::key_hash;
use crate::auth::visitor::CookieKey;
use crate::auth::TrainerCredential;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::models::session as session_rows;
use crate::db::models::taxpayer::{self, Taxpayer};
use crate::db::{self, Pool};
use crate::error::{AppError, Ended};
use actix_web::cookie::CookieJar;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

/// The taxpayer of a live session. Extracting it sends a browser without one to the
/// login page, which brings it back here afterwards.
pub struct CurrentTaxpayer {
    pub taxpayer: Taxpayer,
    pub session: TypedSession,
}

/// The trainer of a live trainer session (demo mode), read from the trainer's own
/// cookie; a browser without one is sent to the trainer's login. A taxpayer's session
/// is another cookie, which the trainer's routes never read.
pub struct CurrentTrainer {
    pub session: TypedSession,
}

impl FromRequest for CurrentTrainer {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = TypedSession::of(&req);
            let settings = app_data::<Settings>(&req)?;
            let clock = app_data::<Clock>(&req)?;
            if let Some(since) = session.trainer()? {
                let trainer = app_data::<TrainerCredential>(&req)?;
                let current = session.credential()? == Some(fingerprint(&trainer.hash));
                if current && clock.security_now() - since < settings.session_lifetime {
                    return Ok(CurrentTrainer { session });
                }
                // Timed out, or made with a trainer password that has since changed.
                session.log_out();
            }
            Err(AppError::TrainerLoginRequired)
        })
    }
}

/// The trainer session of this browser, read where the trainer's cookie is not
/// otherwise read (the taxpayer side's Log in as arrival): the nonce that binds Log in
/// as tickets to it, when the browser holds a live trainer session.
pub struct TrainerBrowser {
    pub nonce: Option<String>,
}

impl FromRequest for TrainerBrowser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let settings = app_data::<Settings>(&req)?;
            let Some(cookie) = req.cookie(settings.trainer_cookie_name()) else {
                return Ok(TrainerBrowser { nonce: None });
            };
            // The session middleware's cookie: the session key, encrypted and
            // authenticated with the cookie key.
            let key = app_data::<CookieKey>(&req)?;
            let mut jar = CookieJar::new();
            jar.add_original(cookie.into_owned());
            let Some(opened) = jar.private(&key.0).get(settings.trainer_cookie_name()) else {
                return Ok(TrainerBrowser { nonce: None });
            };
            let hash = key_hash(opened.value());
            let (pool, clock) = (app_data::<Pool>(&req)?, app_data::<Clock>(&req)?);
            let now = clock.security_now();
            let state = db::run(&pool, move |conn| {
                session_rows::load_state(conn, &hash, now)
            })
            .await?;
            let nonce = state
                .and_then(|(state, _)| serde_json::from_str(&state).ok())
                .and_then(|state| trainer_nonce_in(&state));
            Ok(TrainerBrowser { nonce })
        })
    }
}

fn app_data<T: 'static>(req: &HttpRequest) -> Result<web::Data<T>, AppError> {
    req.app_data::<web::Data<T>>().cloned().ok_or_else(|| {
        AppError::Unexpected(anyhow::anyhow!(
            "{} is missing from the app data",
            std::any::type_name::<T>()
        ))
    })
}

/// Who the session of a request belongs to, as checked once per request.
#[derive(Clone)]
pub enum Viewer {
    /// No login; `ended` says why, when the browser sent a cookie whose session has
    /// ended.
    Anonymous { ended: Ended },
    /// A logged-in taxpayer whose session is still good, with the number of their
    /// unread messages (read with them, for the page header).
    Taxpayer {
        taxpayer: Box<Taxpayer>,
        unread_messages: i64,
    },
}

/// The taxpayer of the request's session, if it is still good: within its absolute
/// lifetime and made with the taxpayer's current password. A session that is not is
/// ended here. The answer is kept in the request, so the guard and the page's header
/// ask the database once.
pub async fn viewer(req: &HttpRequest) -> Result<Viewer, AppError> {
    if let Some(known) = req.extensions().get::<Viewer>() {
        return Ok(known.clone());
    }
    let session = TypedSession::of(req);
    let settings = app_data::<Settings>(req)?;
    let clock = app_data::<Clock>(req)?;
    let pool = app_data::<Pool>(req)?;
    let had_cookie = req.cookie(settings.cookie_name()).is_some();
    let found = match session.login()? {
        // A cookie whose session is gone means the session timed out or ended.
        None => Viewer::Anonymous {
            ended: if session.ended_by_reset() {
                session.log_out();
                Ended::ByReset
            } else if had_cookie && session.is_empty() {
                Ended::TimedOut
            } else {
                Ended::Unsaid
            },
        },
        Some((_, at)) if clock.security_now() - at >= settings.session_lifetime => {
            session.log_out();
            Viewer::Anonymous {
                ended: Ended::TimedOut,
            }
        }
        Some((id, _)) => {
            let found = db::run(&pool, move |conn| taxpayer::find_with_unread(conn, id)).await?;
            // A session made with an older password is dead: the password has been
            // changed since (perhaps while this login was being checked).
            let credential = session.credential()?;
            match found.filter(|(t, _)| credential == Some(fingerprint(&t.password_hash))) {
                Some((taxpayer, unread_messages)) => Viewer::Taxpayer {
                    taxpayer: Box::new(taxpayer),
                    unread_messages,
                },
                None => {
                    session.log_out();
                    Viewer::Anonymous {
                        ended: Ended::Unsaid,
                    }
                }
            }
        }
    };
    req.extensions_mut().insert(found.clone());
    Ok(found)
}

impl FromRequest for CurrentTaxpayer {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match viewer(&req).await? {
                Viewer::Taxpayer { taxpayer, .. } => Ok(CurrentTaxpayer {
                    taxpayer: *taxpayer,
                    session: TypedSession::of(&req),
                }),
                Viewer::Anonymous { ended } => {
                    // Only a page can be returned to; a form post cannot be replayed.
                    let next = (req.method() == actix_web::http::Method::GET).then(|| {
                        req.uri()
                            .path_and_query()
                            .map_or_else(|| req.path().to_string(), |pq| pq.as_str().to_string())
                    });
                    Err(AppError::LoginRequired { next, ended })
                }
            }
        })
    }
}
