//! The API's documentation: an OpenAPI 3 document generated from the handlers and
//! types, and a page for people with the flow and curl examples.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use utoipa::OpenApi;

use super::schema::{
    Ack, Action, AuthenticateRequest, EncryptedAnswer, ErrorBody, ErrorDetail, FiledReturn,
    Profile, ProfileAnswer, ReturnTrack, TokenAnswer,
};
use super::{authenticate, profile, returns};
use crate::error::AppError;
use crate::routes::layout::Chrome;
use crate::routes::render;
use crate::services::gsp::keys;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "GST taxpayer API simulator",
        description = "Authentication of GSP/ASP software for a taxpayer, as the GST system's taxpayer API does it, honouring the taxpayer's choice on Manage API Access. Each GSP client is registered for one of two protocols. Encrypted (the real wire protocol): app_key is 32 random bytes sealed with RSA PKCS#1 v1.5 under the simulator's public key (/taxpayerapi/public-key.pem or /taxpayerapi/certificate.cer), otp and the answer's sek are AES-256-ECB with PKCS#7 under the app key, REFRESHTOKEN's app_key is a new app key under the current SEK, and data answers come as {status_cd, data, rek, hmac} (EncryptedAnswer); the headers state-cd, ip-usr and txn are required. Plain (for curl and training): app_key and otp are sent as they are and data answers as {status_cd, data}. Success is HTTP 200 with status_cd \"1\" for both."
    ),
    paths(authenticate::handle, profile::handle, returns::handle),
    components(schemas(AuthenticateRequest, Action, Ack, TokenAnswer, ErrorBody, ErrorDetail, Profile, ProfileAnswer, EncryptedAnswer, ReturnTrack, FiledReturn)),
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
    state: AppState,
) -> Result<HttpResponse, AppError> {
    let settings = &state.settings;
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

/// The simulator's public key as a PEM `PUBLIC KEY`, for GSP clients that load
/// GSTN's key in that form.
pub async fn public_key_pem(state: AppState) -> Result<HttpResponse, AppError> {
    let Some(pem) = keys::public_pem(&state).await? else {
        return Err(AppError::Rejected {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "The simulator is busy; please download the key again in a second."
                .to_string(),
        });
    };
    Ok(download(
        "application/x-pem-file",
        "gst-simulator-public-key.pem",
        pem,
    ))
}

/// The simulator's self-signed X.509 certificate (PEM text, as GSTN's `.cer`
/// files are read by client libraries).
pub async fn certificate(state: AppState) -> Result<HttpResponse, AppError> {
    let stored = keys::server_key(&state).await?;
    Ok(download(
        "application/pkix-cert",
        "gst-simulator.cer",
        stored.certificate_pem,
    ))
}

fn download(content_type: &str, file_name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body)
}
