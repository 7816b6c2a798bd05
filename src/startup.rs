//! Builds the portal: database, cookie key, middleware and routes, bound to a
//! listener whose port tests can learn.

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_session::SessionMiddleware;
use actix_web::cookie::{time::Duration as CookieDuration, Key, SameSite};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::auth::password::Hasher;
use crate::auth::session_store::DbSessionStore;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::models::app_setting;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::routes::form::FORM_LIMIT;
use crate::{routes, telemetry};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// A built portal, listening but not yet serving until `run_until_stopped`.
pub struct Application {
    port: u16,
    server: Server,
    pool: Pool,
}

impl Application {
    /// Opens and migrates the database, binds `settings.bind` and prepares the server.
    pub async fn build(settings: Settings, clock: Arc<Clock>) -> anyhow::Result<Self> {
        let pool = db::open(&settings.database)?;
        let key = cookie_key(&settings, &pool)?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("could not listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let hasher = Hasher::per_core();
        hasher
            .warm_up()
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let server = serve(listener, pool.clone(), clock, settings, key, hasher)?;
        Ok(Application { port, server, pool })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A handle to stop the server (gracefully, or not) from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped; SIGTERM and Ctrl-C let requests in flight finish first.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The key that encrypts the session cookie: from the settings, or generated once and
/// kept in the database so sessions survive a restart.
fn cookie_key(settings: &Settings, pool: &Pool) -> anyhow::Result<Key> {
    let hex = match &settings.session_secret {
        Some(secret) => secret.clone(),
        None => {
            let mut conn = pool.get().context("could not take a database connection")?;
            app_setting::get_or_insert_with(&mut conn, "session_cookie_key", || {
                crate::auth::random_hex(64)
            })
            .context("could not read or store the session cookie key")?
        }
    };
    let bytes =
        decode_hex(hex.trim()).context("the session secret must be written in hexadecimal")?;
    Key::try_from(bytes.as_slice()).map_err(|_| {
        anyhow::anyhow!("the session secret must be at least 64 bytes (128 hex digits)")
    })
}

fn decode_hex(text: &str) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(text.len() % 2 == 0, "odd number of hex digits");
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| anyhow::anyhow!("not a hex digit near position {i}"))
        })
        .collect()
}

fn serve(
    listener: TcpListener,
    pool: Pool,
    clock: Arc<Clock>,
    settings: Settings,
    key: Key,
    hasher: Hasher,
) -> anyhow::Result<Server> {
    let store = DbSessionStore::new(pool.clone(), clock.clone());
    let pool = web::Data::new(pool);
    let clock = web::Data::from(clock);
    let hasher = web::Data::new(hasher);
    let settings = web::Data::new(settings);
    let server = HttpServer::new(move || {
        let idle = CookieDuration::seconds(settings.idle_timeout.num_seconds());
        let session = SessionMiddleware::builder(store.clone(), key.clone())
            .cookie_name(settings.cookie_name().to_string())
            .cookie_secure(settings.secure_cookies)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Strict)
            .cookie_path("/".to_string())
            .session_lifecycle(
                BrowserSession::default()
                    .state_ttl(idle)
                    .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
            )
            .build();
        let mut headers = DefaultHeaders::new()
            .add(("Content-Security-Policy", CSP))
            .add(("X-Content-Type-Options", "nosniff"))
            .add(("X-Frame-Options", "DENY"))
            .add(("Referrer-Policy", "same-origin"))
            .add(("Cross-Origin-Opener-Policy", "same-origin"))
            .add(("Cache-Control", "no-store"));
        if settings.secure_cookies {
            headers = headers.add(("Strict-Transport-Security", "max-age=31536000"));
        }
        App::new()
            .wrap(session)
            .wrap(headers)
            .wrap(from_fn(telemetry::log_request))
            .app_data(pool.clone())
            .app_data(clock.clone())
            .app_data(hasher.clone())
            .app_data(settings.clone())
            .app_data(web::PayloadConfig::new(FORM_LIMIT))
            .app_data(web::QueryConfig::default().error_handler(|err, _req| {
                AppError::bad_request(format!(
                    "The address has parameters this page cannot read: {err}."
                ))
                .into()
            }))
            .app_data(
                web::PathConfig::default().error_handler(|_err, _req| AppError::NotFound.into()),
            )
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?
    .run();
    Ok(server)
}
