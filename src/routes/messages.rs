//! Messages: the texts the taxpayer has received, such as OTPs for GSP software.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::guard::CurrentTaxpayer;
use crate::db::models::message;
use crate::db::{self, Pool};
use crate::domain::time::{from_db, ist_datetime};
use crate::error::AppError;
use crate::routes::layout::Chrome;
use crate::routes::render;

/// How many messages the page lists.
const SHOWN: i64 = 50;

pub struct MessageRow {
    pub sent_at: String,
    pub body: String,
}

#[derive(Template)]
#[template(path = "messages/show.html")]
struct MessagesPage {
    chrome: Chrome,
    messages: Vec<MessageRow>,
}

pub async fn show(
    current: CurrentTaxpayer,
    chrome: Chrome,
    pool: web::Data<Pool>,
) -> Result<HttpResponse, AppError> {
    let id = current.taxpayer.id;
    let rows = db::run(&pool, move |conn| message::recent(conn, id, SHOWN)).await?;
    let page = MessagesPage {
        chrome,
        messages: rows
            .into_iter()
            .map(|m| MessageRow {
                sent_at: ist_datetime(from_db(m.sent_at)),
                body: m.body,
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}
