//! The portal's pages and forms, one module per page or per GET/POST pair.

pub mod assets;
pub mod dashboard;
pub mod form;
pub mod layout;
pub mod login;
pub mod logout;
pub mod profile;
pub mod unavailable;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::error::AppError;

/// Registers every route of the portal.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(login::show))
        .route("/login", web::post().to(login::submit))
        .route("/logout", web::post().to(logout::submit))
        .route("/dashboard", web::get().to(dashboard::show))
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

/// The client address as the history records it: the connection's peer, since
/// forwarding headers can be set by anyone.
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// The User-Agent header, cut to a sane length for the history.
pub fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(256).collect())
}
