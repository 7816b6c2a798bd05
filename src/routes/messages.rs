//! Messages: the texts the taxpayer has received, such as OTPs for GSP software.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::guard::CurrentTaxpayer;
use crate::clock::Clock;
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
    /// Not seen on this page before.
    pub new: bool,
}

#[derive(Template)]
#[template(path = "messages/show.html")]
struct MessagesPage {
    chrome: Chrome,
    messages: Vec<MessageRow>,
    new_count: usize,
}

pub async fn show(
    current: CurrentTaxpayer,
    chrome: Chrome,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, AppError> {
    let id = current.taxpayer.id;
    let rows = db::run(&pool, move |conn| message::recent(conn, id, SHOWN)).await?;
    // Seeing the page reads what it shows: they are marked new this once, and the
    // menu's count drops to what arrived since.
    if let Some(newest) = rows.iter().find(|m| m.read_at.is_none()).map(|m| m.id) {
        let now = clock.now();
        db::write(&pool, move |conn| message::mark_read(conn, id, newest, now)).await?;
    }
    let messages: Vec<MessageRow> = rows
        .into_iter()
        .map(|m| MessageRow {
            sent_at: ist_datetime(from_db(m.sent_at)),
            body: m.body,
            new: m.read_at.is_none(),
        })
        .collect();
    let page = MessagesPage {
        // The header was drawn before the page marked the messages as read.
        chrome: chrome.with_unread_messages(0),
        new_count: messages.iter().filter(|m| m.new).count(),
        messages,
    };
    render(StatusCode::OK, &page)
}
