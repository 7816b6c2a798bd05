//! One-time tickets of the trainer's "Log in as" (demo mode): the console makes one,
//! the new tab trades it for a taxpayer session. Only the ticket's hash is stored,
//! with the hash of the trainer session's nonce it is bound to.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::models::taxpayer::TaxpayerId;
use crate::db::schema::login_tickets;
use crate::db::{Conn, Run};

/// Stores a ticket for `taxpayer`, good until `expires_at` and only in the browser of
/// the trainer session whose nonce hashes to `trainer_binding`. Tickets that have
/// expired are swept on the way.
pub fn insert(
    conn: &mut Conn,
    ticket_hash: &str,
    taxpayer: TaxpayerId,
    trainer_binding: &str,
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
            login_tickets::trainer_binding.eq(trainer_binding),
        ))
        .exec(conn)
        .map(drop)
}

/// Spends the ticket: the taxpayer it was made for and the binding it carries, if it
/// exists and has not expired. One statement, so a ticket is good for one try even
/// when sent twice at once; a ticket tried in the wrong browser is spent too.
pub fn spend(
    conn: &mut Conn,
    ticket_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<(TaxpayerId, String)>> {
    diesel::delete(
        login_tickets::table
            .filter(login_tickets::ticket_hash.eq(ticket_hash))
            .filter(login_tickets::expires_at.gt(now.naive_utc())),
    )
    .returning((login_tickets::taxpayer_id, login_tickets::trainer_binding))
    .fetch_one::<(i32, String)>(conn)
    .optional()
    .map(|found| found.map(|(id, binding)| (TaxpayerId(id), binding)))
}

/// Ends the unspent tickets of one trainer session (at its logout). Returns how many.
pub fn delete_bound(conn: &mut Conn, trainer_binding: &str) -> QueryResult<usize> {
    diesel::delete(login_tickets::table.filter(login_tickets::trainer_binding.eq(trainer_binding)))
        .exec(conn)
}
