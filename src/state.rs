//! The application state: everything a handler may need beyond the request, in one
//! value that handlers take as one extractor (as crates.io's `AppState`).

use std::future::{ready, Ready};
use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::auth::password::Hasher;
use crate::auth::visitor::CookieKey;
use crate::auth::TrainerCredential;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Pool;
use crate::error::AppError;
use crate::net::Listening;
use crate::services::gsp::budget::CallBudgets;
use crate::services::gsp::keys::Decrypter;
use crate::services::gsp::CallLog;

/// What a running portal shares between its requests.
pub struct Portal {
    pub settings: Settings,
    pub pool: Pool,
    pub clock: Arc<Clock>,
    /// The argon2 threads; every password hash and check of the web side runs there.
    pub hasher: Hasher,
    /// The threads that open app keys with the simulator's RSA key.
    pub decrypter: Decrypter,
    /// The per-address and per-client budgets of Authenticate calls.
    pub budgets: Arc<CallBudgets>,
    /// The GSP calls on their way to the trainer's feed.
    pub call_log: Arc<CallLog>,
    /// The key of the session cookies.
    pub cookie_key: CookieKey,
    /// The address the portal listens on.
    pub listening: Listening,
    /// The trainer console's credential (demo mode only).
    pub trainer: Option<Arc<TrainerCredential>>,
}

/// The shared [`Portal`], cheap to clone; a handler takes it as a parameter.
#[derive(Clone)]
pub struct AppState(pub Arc<Portal>);

impl AppState {
    /// The state of the portal that serves `req`. Every portal registers one, so a
    /// missing state is a wiring fault, reported as an unexpected error.
    pub fn of(req: &HttpRequest) -> Result<AppState, AppError> {
        req.app_data::<AppState>().cloned().ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!("the application state is not registered"))
        })
    }

    /// The trainer's credential; only the demo's routes ask, and only demo portals
    /// have one.
    pub fn trainer(&self) -> Result<&TrainerCredential, AppError> {
        self.trainer.as_deref().ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!("this portal has no trainer console"))
        })
    }
}

impl Deref for AppState {
    type Target = Portal;

    fn deref(&self) -> &Portal {
        &self.0
    }
}

impl FromRequest for AppState {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(AppState::of(req))
    }
}
