//! One-time tickets of the trainer's "Log in as" (demo mode): the console makes one,
//! the new tab trades it for a taxpayer session. Only the ticket's hash is stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::models::taxpayer::TaxpayerId;
use crate::db::schema::login_tickets;
use crate::db::{Conn, Run};

/// Stores a ticket for `taxpayer`, good until `expires_at`. Tickets that have
/// expired are swept on the way.
pub fn insert(
    conn: &mut Conn,
    ticket_hash: &str,
    taxpayer: TaxpayerId,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(login_tickets::table.filter(login_tickets::expires_at.le(now.naive_utc())))
        .exec(conn)?;
    diesel::insert_into(login_tickets::table)
        .values((
            login_tickets::ticket_hash.eq(ticket_hash),
            login_tickets::taxpayer_id.eq(taxpayer.0),
            login_tickets::expires_at.eq(expires_at.naive_utc()),
        ))
        .exec(conn)
        .map(drop)
}

/// Spends the ticket: the taxpayer it was made for, if it exists and has not expired.
/// One statement, so a ticket is good for one login even when sent twice at once.
pub fn spend(
    conn: &mut Conn,
    ticket_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<TaxpayerId>> {
    diesel::delete(
        login_tickets::table
            .filter(login_tickets::ticket_hash.eq(ticket_hash))
            .filter(login_tickets::expires_at.gt(now.naive_utc())),
    )
    .returning(login_tickets::taxpayer_id)
    .fetch_one::<i32>(conn)
    .optional()
    .map(|id| id.map(TaxpayerId))
}
