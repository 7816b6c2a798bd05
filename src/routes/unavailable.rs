//! The items of the real portal that this training portal does not offer: each has a
//! page in the portal's look that says so, rather than a dead link.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::guard::CurrentTaxpayer;
use crate::error::AppError;
use crate::routes::layout::{unavailable_item, Chrome};
use crate::routes::render;

#[derive(Template)]
#[template(path = "unavailable.html")]
struct UnavailablePage {
    chrome: Chrome,
    title: &'static str,
    from_profile: bool,
}

pub async fn show(
    _current: CurrentTaxpayer,
    chrome: Chrome,
    item: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Some((found, from_profile)) = unavailable_item(&item) else {
        return Err(AppError::NotFound);
    };
    let page = UnavailablePage {
        chrome,
        title: found.label,
        from_profile,
    };
    render(StatusCode::OK, &page)
}
