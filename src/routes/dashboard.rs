//! Step 2 of the manual: the Dashboard after login.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::guard::CurrentTaxpayer;
use crate::clock::Clock;
use crate::db::models::api_access;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::routes::layout::Chrome;
use crate::routes::profile::api_access::StatusView;
use crate::routes::render;

#[derive(Template)]
#[template(path = "dashboard/show.html")]
struct DashboardPage {
    chrome: Chrome,
    legal_name: String,
    trade_name: Option<String>,
    gstin: String,
    access: StatusView,
}

pub async fn show(
    current: CurrentTaxpayer,
    chrome: Chrome,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let id = current.taxpayer.id;
    let stored = db::run(&pool, move |conn| api_access::load(conn, id)).await?;
    let t = &current.taxpayer;
    let page = DashboardPage {
        chrome,
        legal_name: t.legal_name.clone(),
        trade_name: t.trade_name.clone(),
        gstin: t.gstin.clone(),
        access: StatusView::of(stored.as_ref(), clock.now()),
    };
    render(StatusCode::OK, &page)
}
