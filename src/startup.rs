//! Builds the portal: database, cookie key, middleware and routes, bound to a
//! listener whose port tests can learn.

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_session::SessionMiddleware;
use actix_web::body::MessageBody;
use actix_web::cookie::{time::Duration as CookieDuration, Key, SameSite};
use actix_web::dev::{Server, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Condition, DefaultHeaders, Next};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::address_limit::SharedCount;
use crate::auth::password::{self, Hasher};
use crate::auth::session_store::DbSessionStore;
use crate::auth::visitor::{self, CookieKey};
use crate::auth::TrainerCredential;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::models::app_setting;
use crate::db::{self, Pool};
use crate::demo;
use crate::error::AppError;
use crate::net::Listening;
use crate::routes::form::FORM_LIMIT;
use crate::routes::Wiring;
use crate::services::gsp::budget::CallBudgets;
use crate::services::gsp::keys::Decrypter;
use crate::services::gsp::CallLog;
use crate::state::{AppState, Portal};
use crate::{housekeeping, routes, telemetry};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// A built portal, listening but not yet serving until `run_until_stopped`.
pub struct Application {
    port: u16,
    server: Server,
    pool: Pool,
    hasher: Hasher,
    decrypter: Decrypter,
    trainer_password: Option<SecretString>,
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
        hasher.warm_up().await.map_err(anyhow::Error::new)?;
        let trainer = if settings.demo {
            Some(prepare_demo(&settings, &pool, &clock, &hasher).await?)
        } else {
            None
        };
        let trainer_password = trainer.as_ref().map(|t| t.password.clone());
        housekeeping::start(pool.clone(), clock.clone());
        let decrypter = Decrypter::below_cores();
        let server = serve(
            listener,
            pool.clone(),
            clock,
            settings,
            key,
            CpuThreads {
                hasher: hasher.clone(),
                decrypter: decrypter.clone(),
            },
            trainer,
        )?;
        Ok(Application {
            port,
            server,
            pool,
            hasher,
            decrypter,
            trainer_password,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The trainer console's password, in demo mode.
    pub fn trainer_password(&self) -> Option<&str> {
        self.trainer_password.as_ref().map(|p| p.expose_secret())
    }

    /// The password hasher, whose figures tests and benchmarks read.
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// The threads that open app keys with the simulator's RSA key, whose queue
    /// tests fill.
    pub fn decrypter(&self) -> &Decrypter {
        &self.decrypter
    }

    /// A handle to stop the server (gracefully, or not) from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped through its handle.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Serves until SIGTERM or Ctrl-C (SIGINT); either lets the requests in flight
    /// finish before returning. (actix-web's own handling treats Ctrl-C as a forced
    /// stop that drops them, so it is switched off.) `signals` are installed by the
    /// caller before it announces the address, so no early signal is missed.
    pub async fn run_until_signalled(self, signals: ShutdownSignals) -> std::io::Result<()> {
        let handle = self.server.handle();
        actix_web::rt::spawn(async move {
            let name = signals.recv().await;
            tracing::info!(signal = name, "stopping: finishing requests in flight");
            handle.stop(true).await;
        });
        self.server.await
    }
}

/// Demo mode at start: the time machine's saved offset, the demo data (what is
/// missing of it), and the trainer's credential.
async fn prepare_demo(
    settings: &Settings,
    pool: &Pool,
    clock: &Clock,
    hasher: &Hasher,
) -> anyhow::Result<TrainerCredential> {
    let mut conn = pool.get().context("could not take a database connection")?;
    clock.set_demo_offset(demo::saved_offset(&mut conn)?);
    demo::seed(&mut conn, clock).context("could not seed the demo data")?;
    // Portals that share a PostgreSQL database share one trainer login; one that
    // makes up a password of its own replaces the others' (README, "Running several
    // instances").
    if settings.trainer_password.is_none() && settings.database.is_postgres() {
        tracing::warn!(
            "no --trainer-password: this portal makes a new one, and other portals on the database will not know it; give them all the same password"
        );
    }
    let password = settings
        .trainer_password
        .clone()
        .unwrap_or_else(|| demo::new_trainer_password().into());
    // The hash is kept, so trainer sessions (tied to it) outlive a restart with the
    // same password and end when the password changes. Portals starting together on
    // one database must end up with the same hash: the check and the store are one
    // unit in the writers' turn, and the second finds the first's hash right.
    let right = |hash: &Option<String>| match hash {
        Some(hash) => password::verify(hash, password.expose_secret()),
        None => Ok(false),
    };
    let fresh = if right(&app_setting::get(&mut conn, TRAINER_HASH)?)? {
        None
    } else {
        Some(
            hasher
                .hash(password.expose_secret().to_string())
                .await
                .map_err(anyhow::Error::new)?,
        )
    };
    let hash = db::atomic(&mut conn, |conn| {
        let kept = app_setting::get(conn, TRAINER_HASH)?;
        match (kept, &fresh) {
            (Some(kept), _) if right(&Some(kept.clone()))? => Ok(kept),
            (_, Some(fresh)) => {
                app_setting::set(conn, TRAINER_HASH, fresh)?;
                Ok(fresh.clone())
            }
            (_, None) => Err(anyhow::anyhow!(
                "the trainer password's hash changed while starting"
            )),
        }
    })?;
    Ok(TrainerCredential { password, hash })
}

/// The threads of slow CPU work the routes use.
struct CpuThreads {
    hasher: Hasher,
    decrypter: Decrypter,
}

/// Where the trainer password's hash is kept.
const TRAINER_HASH: &str = "trainer_password_hash";

/// SIGTERM and SIGINT, caught from the moment `install` returns.
pub struct ShutdownSignals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    /// Takes over SIGTERM and SIGINT; needs a running runtime.
    pub fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(ShutdownSignals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for either and names the one that came.
    async fn recv(mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}

/// The key that encrypts the session cookie: from the settings, or generated once and
/// kept in the database so sessions survive a restart.
fn cookie_key(settings: &Settings, pool: &Pool) -> anyhow::Result<Key> {
    let secret_hex = match &settings.session_secret {
        Some(secret) => secret.expose_secret().to_string(),
        None => {
            let mut conn = pool.get().context("could not take a database connection")?;
            app_setting::get_or_insert_with(&mut conn, "session_cookie_key", || {
                crate::auth::random_hex(64)
            })
            .context("could not read or store the session cookie key")?
        }
    };
    let bytes = hex::decode(secret_hex.trim())
        .context("the session secret must be written in hexadecimal")?;
    Key::try_from(bytes.as_slice()).map_err(|_| {
        anyhow::anyhow!("the session secret must be at least 64 bytes (128 hex digits)")
    })
}

/// The header of every answer: what the browser may load and show, and that nothing
/// is cached.
fn security_headers(settings: &Settings) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"));
    if settings.secure_cookies {
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    }
}

/// Each request's reads share one read transaction until the request waits (see
/// [`db::sharing_reads`]).
async fn share_reads(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    db::sharing_reads(next.call(req)).await
}

/// Sessions in the database, behind a cookie that is HttpOnly and SameSite=Strict
/// (and Secure with `__Host-` over https), idle-timed by the store.
fn session_middleware(
    settings: &Settings,
    cookie_name: &str,
    store: DbSessionStore,
    key: Key,
) -> SessionMiddleware<DbSessionStore> {
    let idle = CookieDuration::seconds(settings.idle_timeout.num_seconds());
    SessionMiddleware::builder(store, key)
        .cookie_name(cookie_name.to_string())
        .cookie_secure(settings.secure_cookies)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Strict)
        .cookie_path("/".to_string())
        .session_lifecycle(
            BrowserSession::default()
                .state_ttl(idle)
                .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
        )
        .build()
}

fn serve(
    listener: TcpListener,
    pool: Pool,
    clock: Arc<Clock>,
    settings: Settings,
    key: Key,
    threads: CpuThreads,
    trainer: Option<TrainerCredential>,
) -> anyhow::Result<Server> {
    let store = DbSessionStore::new(
        pool.clone(),
        clock.clone(),
        CookieDuration::seconds(settings.idle_timeout.num_seconds()),
    );
    let trainer = trainer.map(Arc::new);
    let wiring = Arc::new(Wiring {
        settings: settings.clone(),
        // Counted in the database, so the limit holds across portals.
        login_attempts: SharedCount::new(pool.clone(), clock.clone()),
        trainer: trainer.clone().map(web::Data::from),
    });
    let request_timeout = settings.request_timeout;
    let max_connections = settings.max_connections_per_worker;
    let state = AppState(Arc::new(Portal {
        budgets: Arc::new(CallBudgets::new(
            settings.api_calls_per_minute_per_address,
            settings.api_calls_per_minute_per_client,
        )),
        call_log: Arc::new(CallLog::new(settings.gsp_calls_listed_per_minute)),
        cookie_key: CookieKey(key.clone()),
        listening: Listening(listener.local_addr()?),
        settings: settings.clone(),
        pool: pool.clone(),
        clock: clock.clone(),
        hasher: threads.hasher.clone(),
        decrypter: threads.decrypter.clone(),
        trainer,
    }));
    let call_log = web::Data::from(state.call_log.clone());
    CallLog::start_flushing(call_log.clone(), pool.clone());
    let pool = web::Data::new(pool);
    let clock = web::Data::from(clock);
    let hasher = web::Data::new(threads.hasher);
    let decrypter = web::Data::new(threads.decrypter);
    let budgets = web::Data::from(state.budgets.clone());
    let cookie_key = web::Data::new(CookieKey(key.clone()));
    let settings = web::Data::new(settings);
    let listening = web::Data::new(state.listening);
    let server = HttpServer::new(move || {
        let app = App::new()
            .wrap(from_fn(visitor::set_cookies))
            .wrap(security_headers(&settings))
            .wrap(from_fn(routes::deadline::body_deadline))
            .wrap(from_fn(telemetry::log_request))
            .wrap(from_fn(share_reads))
            .app_data(state.clone())
            .app_data(pool.clone())
            .app_data(clock.clone())
            .app_data(hasher.clone())
            .app_data(decrypter.clone())
            .app_data(budgets.clone())
            .app_data(settings.clone())
            .app_data(cookie_key.clone())
            .app_data(call_log.clone())
            .app_data(listening.clone())
            .app_data(web::PayloadConfig::new(FORM_LIMIT))
            .app_data(web::QueryConfig::default().error_handler(|err, _req| {
                AppError::bad_request(format!(
                    "The address has parameters this page cannot read: {err}."
                ))
                .into()
            }))
            .app_data(
                web::PathConfig::default().error_handler(|_err, _req| AppError::NotFound.into()),
            );
        // Two scopes, each with its own session cookie, so a trainer and a taxpayer
        // can be logged in side by side in one browser and log out apart. Error pages
        // are rendered inside the session, so their header can show who is logged in.
        let app = if wiring.trainer.is_some() {
            app.service(
                web::scope(routes::TRAINER_SCOPE)
                    .configure(|cfg| routes::configure_trainer(cfg, &wiring))
                    .default_service(web::to(routes::not_found))
                    .wrap(Condition::new(
                        settings.demo,
                        from_fn(routes::demo_clock::follow_saved_offset),
                    ))
                    .wrap(routes::error_page::handlers())
                    .wrap(session_middleware(
                        &settings,
                        settings.trainer_cookie_name(),
                        store.clone(),
                        key.clone(),
                    ))
                    .wrap(from_fn(routes::error_page::session_failures)),
            )
        } else {
            app
        };
        app.service(
            web::scope("")
                .configure(|cfg| routes::configure(cfg, &wiring))
                .default_service(web::to(routes::not_found))
                .wrap(Condition::new(
                    settings.demo,
                    from_fn(routes::demo_clock::follow_saved_offset),
                ))
                .wrap(routes::error_page::handlers())
                .wrap(session_middleware(
                    &settings,
                    settings.cookie_name(),
                    store.clone(),
                    key.clone(),
                ))
                .wrap(from_fn(routes::error_page::session_failures)),
        )
    })
    // Slow clients: the head must arrive within the timeout (the body deadline is
    // the middleware above), idle keep-alive connections close, and each worker
    // holds a bounded number of connections.
    .client_request_timeout(request_timeout)
    .keep_alive(std::time::Duration::from_secs(15))
    .max_connections(max_connections)
    .listen(listener)?
    .disable_signals()
    .run();
    Ok(server)
}
