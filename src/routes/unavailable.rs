//! The items of the real portal that this training portal does not offer: each has a
//! page in the portal's look that says so, rather than a dead link.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::guard::CurrentTaxpayer;
use crate::error::AppError;
use crate::routes::layout::Chrome;
use crate::routes::render;

/// The path's last part and the item's name; the first seven are Quick Links of
/// My Profile, the rest items of the navigation bar.
const ITEMS: [(&str, &str); 12] = [
    ("amendment-history", "History of Amendment"),
    ("dsc", "Register / Update DSC"),
    ("stak", "Activate/ Deactivate STAK"),
    ("aadhaar-status", "Aadhaar Authentication Status"),
    ("registration-certificate", "My Registration Certificate"),
    ("core-business-activity", "Core Business Activity Status"),
    ("bank-account-status", "Bank Account Status"),
    ("services", "Services"),
    ("gst-law", "GST Law"),
    ("downloads", "Downloads"),
    ("search-taxpayer", "Search Taxpayer"),
    ("help", "Help and Taxpayer Facilities"),
];

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
    let Some(&(slug, title)) = ITEMS.iter().find(|(slug, _)| *slug == item.as_str()) else {
        return Err(AppError::NotFound);
    };
    let page = UnavailablePage {
        chrome: chrome,
        title,
        from_profile: ITEMS[..7].iter().any(|(s, _)| *s == slug),
    };
    render(StatusCode::OK, &page)
}
