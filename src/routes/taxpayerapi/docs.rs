//! The API's documentation: an OpenAPI 3 document generated from the handlers and
//! types, and a page for people with the flow and curl examples.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use utoipa::OpenApi;

use super::schema::{
    Ack, Action, AuthenticateRequest, ErrorBody, ErrorDetail, Profile, ProfileAnswer, TokenAnswer,
};
use super::{authenticate, profile};
use crate::config::Settings;
use crate::error::AppError;
use crate::routes::layout::Chrome;
use crate::routes::render;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "GST taxpayer API simulator",
        description = "Authentication of GSP/ASP software for a taxpayer, as the GST system's taxpayer API does it, honouring the taxpayer's choice on Manage API Access. Plain mode: app_key and OTP are not encrypted."
    ),
    paths(authenticate::handle, profile::handle),
    components(schemas(AuthenticateRequest, Action, Ack, TokenAnswer, ErrorBody, ErrorDetail, Profile, ProfileAnswer)),
    tags(
        (name = "authentication", description = "OTPREQUEST, AUTHTOKEN, REFRESHTOKEN, LOGOUT"),
        (name = "taxpayer", description = "Calls that need a live auth token")
    )
)]
pub struct ApiDoc;

pub async fn openapi_json() -> Result<HttpResponse, AppError> {
    let json = ApiDoc::openapi()
        .to_pretty_json()
        .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("OpenAPI document")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json))
}

#[derive(Template)]
#[template(path = "taxpayerapi/docs.html")]
struct DocsPage {
    chrome: Chrome,
    base: String,
}

/// The page's curl examples name the host the browser used; a forwarded host or
/// scheme counts only from a trusted proxy, so nobody can make the page show another.
pub async fn page(
    req: HttpRequest,
    chrome: Chrome,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, AppError> {
    let (peer, headers) = (req.peer_addr().map(|a| a.ip()), req.headers());
    let proxies = &settings.trusted_proxies;
    let host = proxies
        .public_host(peer, headers)
        .unwrap_or_else(|| settings.bind.clone());
    let page = DocsPage {
        chrome,
        base: format!("{}://{host}", proxies.public_scheme(peer, headers)),
    };
    render(StatusCode::OK, &page)
}
