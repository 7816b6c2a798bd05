//! The portal's pages and forms, one module per page or per GET/POST pair.

pub mod assets;
pub mod banner;
pub mod captcha;
pub mod dashboard;
pub mod form;
pub mod help;
pub mod layout;
pub mod login;
pub mod logout;
pub mod messages;
pub mod profile;
pub mod taxpayerapi;
pub mod trainer;
pub mod unavailable;

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;

use crate::db::models::Origin;
use crate::error::AppError;

/// Registers every route of the portal but POST /login, which `startup` registers behind
/// the per-address rate limit.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(login::show))
        .route("/logout", web::post().to(logout::submit))
        .route("/dashboard", web::get().to(dashboard::show))
        .route("/messages", web::get().to(messages::show))
        .route("/help/api-access", web::get().to(help::api_access))
        .configure(taxpayerapi::configure)
        .configure(profile::configure)
        .route("/unavailable/{item}", web::get().to(unavailable::show))
        .route("/static/{path:.*}", web::get().to(assets::serve));
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

/// The origin of a request: the connection's peer address (not a forwarding header,
/// which anyone can set) and the User-Agent cut to a sane length.
impl FromRequest for Origin {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(Origin {
            client_ip: req.peer_addr().map(|a| a.ip().to_string()),
            user_agent: req
                .headers()
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(256).collect()),
        }))
    }
}
