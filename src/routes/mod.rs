//! The portal's pages and forms, one module per page or per GET/POST pair.

pub mod assets;
pub mod captcha;
pub mod dashboard;
pub mod deadline;
pub mod demo_clock;
pub mod error_page;
pub mod extract;
pub mod form;
pub mod help;
pub mod labels;
pub mod layout;
pub mod login;
pub mod logout;
pub mod messages;
pub mod profile;
pub mod qa;
pub mod taxpayerapi;
pub mod trainer;
pub mod unavailable;

use actix_extensible_rate_limit::backend::{
    SimpleInputFunctionBuilder, SimpleInputFuture, SimpleOutput,
};
use actix_extensible_rate_limit::RateLimiter;
use actix_web::dev::ServiceRequest;
use actix_web::http::{header, StatusCode};
use actix_web::{guard, web, HttpResponse, ResponseError};
use askama::Template;

use crate::auth::address_limit::SharedCount;
use crate::auth::TrainerCredential;
use crate::config::Settings;
use crate::error::AppError;

/// What the routes depend on beyond the app data: the shared counter of the
/// per-address login limit, and the trainer's credential where the console exists.
pub struct Wiring {
    pub settings: Settings,
    pub login_attempts: SharedCount,
    pub trainer: Option<web::Data<TrainerCredential>>,
}

/// One route of the portal.
struct Entry {
    path: &'static str,
    post: bool,
    /// Behind the per-address limit on password forms.
    limited: bool,
    route: actix_web::Route,
}

fn get(path: &'static str, route: actix_web::Route) -> Entry {
    Entry {
        path,
        post: false,
        limited: false,
        route,
    }
}

fn post(path: &'static str, route: actix_web::Route) -> Entry {
    Entry {
        path,
        post: true,
        limited: false,
        route,
    }
}

/// A POST of a form that checks a password.
fn limited(path: &'static str, route: actix_web::Route) -> Entry {
    Entry {
        limited: true,
        ..post(path, route)
    }
}

/// Every route of the portal, in one table. The trainer console and the captcha
/// exist only where they are on.
fn entries(demo: bool, captcha: bool) -> Vec<Entry> {
    use profile::{api_access, change_password};
    use taxpayerapi::{authenticate, docs};
    use trainer::{classroom, console, gsp, login as trainer_login, login_as};
    let mut all = vec![
        get("/", web::get().to(home)),
        get("/login", web::get().to(login::show)),
        limited("/login", web::post().to(login::submit)),
        post("/logout", web::post().to(logout::submit)),
        get("/dashboard", web::get().to(dashboard::show)),
        get("/messages", web::get().to(messages::show)),
        get("/help/api-access", web::get().to(help::api_access)),
        get("/help/test-cases", web::get().to(qa::page)),
        get("/help/test-cases.csv", web::get().to(qa::csv_file)),
        get("/help/test-cases.md", web::get().to(qa::markdown_file)),
        get("/help/test-cases.json", web::get().to(qa::json)),
        get("/profile", web::get().to(profile::view::show)),
        get("/profile/api-access", web::get().to(api_access::show)),
        post("/profile/api-access", web::post().to(api_access::confirm)),
        get(
            "/profile/change-password",
            web::get().to(change_password::show),
        ),
        limited(
            "/profile/change-password",
            web::post().to(change_password::submit),
        ),
        get("/taxpayerapi", web::get().to(docs::page)),
        get("/taxpayerapi/", web::get().to(docs::page)),
        get(
            "/taxpayerapi/openapi.json",
            web::get().to(docs::openapi_json),
        ),
        // The API's own POST authenticates the GSP client, not a browser session.
        get(
            "/taxpayerapi/public-key.pem",
            web::get().to(docs::public_key_pem),
        ),
        get(
            "/taxpayerapi/certificate.cer",
            web::get().to(docs::certificate),
        ),
        post(
            "/taxpayerapi/v1.0/authenticate",
            web::post().to(authenticate::handle),
        ),
        // Older clients use v0.2 with the same body.
        post(
            "/taxpayerapi/v0.2/authenticate",
            web::post().to(authenticate::handle),
        ),
        get(
            "/taxpayerapi/v1.0/profile",
            web::get().to(taxpayerapi::profile::handle),
        ),
        get(
            "/taxpayerapi/v1.0/returns",
            web::get().to(taxpayerapi::returns::handle),
        ),
        get("/unavailable/{item}", web::get().to(unavailable::show)),
        get("/static/{path:.*}", web::get().to(assets::serve)),
    ];
    if demo {
        all.extend([
            get("/trainer", web::get().to(console::show)),
            get("/trainer/login", web::get().to(trainer_login::show)),
            limited("/trainer/login", web::post().to(trainer_login::submit)),
            post("/trainer/logout", web::post().to(trainer_login::log_out)),
            post("/trainer/clock", web::post().to(console::move_clock)),
            get("/trainer/reset", web::get().to(console::confirm_reset)),
            post("/trainer/reset", web::post().to(console::reset)),
            get("/trainer/feed.json", web::get().to(console::feed)),
            post("/trainer/login-as", web::post().to(login_as::start)),
            get("/login/as/{ticket}", web::get().to(login_as::arrive)),
            get("/trainer/classroom", web::get().to(classroom::show)),
            post(
                "/trainer/classroom/trainees",
                web::post().to(classroom::add),
            ),
            get("/trainer/classroom/sheet", web::get().to(classroom::sheet)),
            get(
                "/trainer/classroom/address.svg",
                web::get().to(classroom::address_qr),
            ),
            get("/trainer/classroom/board", web::get().to(classroom::board)),
            get(
                "/trainer/classroom/projector",
                web::get().to(classroom::projector),
            ),
            post(
                "/trainer/classroom/unlock",
                web::post().to(classroom::unlock),
            ),
            post(
                "/trainer/classroom/reset-trainee",
                web::post().to(classroom::reset_trainee),
            ),
            post(
                "/trainer/classroom/password",
                web::post().to(classroom::new_password),
            ),
            get("/trainer/gsp", web::get().to(gsp::show)),
        ]);
        // The GSP player: one route for all its buttons, at one path per button.
        all.extend(gsp::PRESSES.map(|(path, _)| post(path, web::post().to(gsp::press))));
    }
    if captcha {
        all.push(get("/captcha", web::get().to(captcha::image)));
    }
    all
}

/// The paths that take a POST from a browser form (every one needs the form's
/// anti-forgery token), as the router has them; for tests.
pub fn form_post_paths(settings: &Settings) -> Vec<&'static str> {
    entries(settings.demo, settings.captcha)
        .into_iter()
        .filter(|e| e.post && !e.path.starts_with("/taxpayerapi/"))
        .map(|e| e.path)
        .collect()
}

/// Where the trainer's routes live: a scope of its own, with its own session cookie.
pub const TRAINER_SCOPE: &str = "/trainer";

/// Registers every route of the portal outside the trainer's scope. The forms that
/// check a password (both logins and Change Password) sit behind one per-address
/// limit, sharing one count with the trainer's login.
pub fn configure(cfg: &mut web::ServiceConfig, wiring: &Wiring) {
    let portal = entries(wiring.trainer.is_some(), wiring.settings.captcha)
        .into_iter()
        .filter(|e| !in_trainer_scope(e.path));
    register(cfg, wiring, portal, "");
}

/// Registers the trainer's routes, relative to [`TRAINER_SCOPE`] (demo mode only).
pub fn configure_trainer(cfg: &mut web::ServiceConfig, wiring: &Wiring) {
    if let Some(trainer) = &wiring.trainer {
        cfg.app_data(trainer.clone());
    }
    cfg.app_data(web::Data::new(trainer::login_as::SeededPasswords::default()));
    let console = entries(wiring.trainer.is_some(), wiring.settings.captcha)
        .into_iter()
        .filter(|e| in_trainer_scope(e.path));
    register(cfg, wiring, console, TRAINER_SCOPE);
}

fn in_trainer_scope(path: &str) -> bool {
    path.strip_prefix(TRAINER_SCOPE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn register(
    cfg: &mut web::ServiceConfig,
    wiring: &Wiring,
    entries: impl Iterator<Item = Entry>,
    scope: &str,
) {
    for entry in entries {
        let path = entry.path.strip_prefix(scope).unwrap_or(entry.path);
        if entry.limited {
            // A POST guard, so that GETs of the same path reach their own route.
            cfg.service(
                web::resource(path)
                    .guard(guard::Post())
                    .wrap(login_limit(&wiring.login_attempts, &wiring.settings))
                    .route(entry.route),
            );
        } else {
            cfg.route(path, entry.route);
        }
    }
}

/// The per-address limit on password forms, counted in `backend`.
fn login_limit(
    backend: &SharedCount,
    settings: &Settings,
) -> RateLimiter<SharedCount, SimpleOutput, impl Fn(&ServiceRequest) -> SimpleInputFuture> {
    let per_address = SimpleInputFunctionBuilder::new(
        std::time::Duration::from_secs(60),
        settings.login_attempts_per_minute,
    )
    .custom_fn(|req| Ok(crate::net::client_limit_key(req.request())))
    .build();
    RateLimiter::builder(backend.clone(), per_address)
        .add_headers()
        .request_denied_response(|_| {
            AppError::Rejected {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: "Too many login attempts have come from your network address. Wait a minute, then try again.".to_string(),
            }
            .error_response()
        })
        .build()
}

/// Renders `page` as an HTML response with `status`.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Result<HttpResponse, AppError> {
    let body = page.render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// A 303 redirect, the answer to a successful form post.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

async fn home() -> HttpResponse {
    see_other("/dashboard")
}

/// The answer for every path no route matches.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
