//! Help on Manage API Access, linked from that page.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;
use crate::routes::layout::Chrome;
use crate::routes::render;

#[derive(Template)]
#[template(path = "help/api_access.html")]
struct HelpPage {
    chrome: Chrome,
}

pub async fn api_access(chrome: Chrome) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &HelpPage { chrome })
}
