//! Steps 2-3 of the manual: My Profile with the Quick Links panel.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;

use crate::auth::guard::CurrentTaxpayer;
use crate::db::models::taxpayer::Taxpayer;
use crate::demo::classroom::ViewStep;
use crate::error::AppError;
use crate::routes::extract::StepLog;
use crate::routes::layout::{Chrome, MenuItem, QUICK_LINKS};
use crate::routes::render;

#[derive(Template)]
#[template(path = "profile/show.html")]
struct ProfilePage {
    chrome: Chrome,
    taxpayer: Taxpayer,
    registration_date: String,
    quick_links: &'static [MenuItem],
}

pub async fn show(
    current: CurrentTaxpayer,
    chrome: Chrome,
    steps: StepLog,
) -> Result<HttpResponse, AppError> {
    steps.saw(current.taxpayer.id, ViewStep::Profile).await;
    let page = ProfilePage {
        chrome,
        registration_date: current
            .taxpayer
            .registration_date
            .format("%d/%m/%Y")
            .to_string(),
        taxpayer: current.taxpayer,
        quick_links: &QUICK_LINKS,
    };
    render(StatusCode::OK, &page)
}
