//! The items of the real portal that this training portal does not offer: each has a
//! page in the portal's look that says so, rather than a dead link.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::guard::CurrentTaxpayer;
use crate::error::AppError;
use crate::routes::layout::{unavailable_item, Chrome, Menu};
use crate::routes::render;

#[derive(Template)]
#[template(path = "unavailable.html")]
struct UnavailablePage {
    chrome: Chrome,
    title: &'static str,
    /// The breadcrumb's step between Dashboard and this page, if any.
    parent: Option<(&'static str, &'static str)>,
    back: &'static str,
}

pub async fn show(
    current: Option<CurrentTaxpayer>,
    chrome: Chrome,
    item: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Some((found, menu)) = unavailable_item(&item) else {
        return Err(AppError::NotFound);
    };
    // The login page's links are for visitors; the menus' items need a login.
    if menu != Menu::Login && current.is_none() {
        return Err(AppError::LoginRequired {
            next: Some(found.href.to_string()),
            ended: crate::error::Ended::Unsaid,
        });
    }
    let (parent, back) = match menu {
        Menu::QuickLinks => (Some(("My Profile", "/profile")), "/profile"),
        Menu::Nav => (None, "/dashboard"),
        Menu::Login => (Some(("Login", "/login")), "/login"),
    };
    let page = UnavailablePage {
        chrome,
        title: found.label,
        parent,
        back,
    };
    render(StatusCode::OK, &page)
}
