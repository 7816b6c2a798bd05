//! Text messages to taxpayers, such as OTPs, shown on the Messages page.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::models::taxpayer::TaxpayerId;
use crate::db::schema::messages;
use crate::db::{Conn, Run};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = messages)]
pub struct Message {
    pub id: i32,
    pub sent_at: NaiveDateTime,
    pub body: String,
    /// When the taxpayer first saw it on the Messages page.
    pub read_at: Option<NaiveDateTime>,
}

pub fn send(conn: &mut Conn, to: TaxpayerId, at: DateTime<Utc>, body: &str) -> QueryResult<()> {
    diesel::insert_into(messages::table)
        .values((
            messages::taxpayer_id.eq(to.0),
            messages::sent_at.eq(at.naive_utc()),
            messages::body.eq(body),
        ))
        .exec(conn)
        .map(drop)
}

/// The newest `limit` messages of a taxpayer, newest first.
pub fn recent(conn: &mut Conn, of: TaxpayerId, limit: i64) -> QueryResult<Vec<Message>> {
    crate::per_backend!(conn, |c| messages::table
        .filter(messages::taxpayer_id.eq(of.0))
        .order(messages::id.desc())
        .limit(limit)
        .select(Message::as_select())
        .load(c))
}

/// The newest message of a taxpayer, if any.
pub fn newest(conn: &mut Conn, of: TaxpayerId) -> QueryResult<Option<Message>> {
    crate::per_backend!(conn, |c| messages::table
        .filter(messages::taxpayer_id.eq(of.0))
        .order(messages::id.desc())
        .select(Message::as_select())
        .limit(1)
        .get_result(c))
    .optional()
}

/// Marks the taxpayer's messages up to `up_to` (an id the page showed) as seen at `at`.
pub fn mark_read(
    conn: &mut Conn,
    of: TaxpayerId,
    up_to: i32,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        messages::table
            .filter(messages::taxpayer_id.eq(of.0))
            .filter(messages::id.le(up_to))
            .filter(messages::read_at.is_null()),
    )
    .set(messages::read_at.eq(at.naive_utc()))
    .exec(conn)
}
