//! Running totals that every portal on the database adds to.

use diesel::prelude::*;

use crate::db::schema::counters;
use crate::db::{Conn, Run};

/// GSP calls refused because their client credentials were missing or wrong.
pub const UNIDENTIFIED_CALLS: &str = "unidentified_gsp_calls";
/// Calls of the public demo GSP clients, which the trainer's feed and board do not list.
pub const OTHER_CLIENT_CALLS: &str = "other_client_gsp_calls";
/// Calls of the room's GSP clients beyond what the call log takes from one client in
/// a minute.
pub const CALLS_OVER_LIMIT: &str = "gsp_calls_over_limit";

/// Adds `by` to the total `name` (which starts at zero).
pub fn add(conn: &mut Conn, name: &str, by: i64) -> QueryResult<()> {
    crate::per_backend!(conn, |c| diesel::insert_into(counters::table)
        .values((counters::name.eq(name), counters::value.eq(by)))
        .on_conflict(counters::name)
        .do_update()
        .set(counters::value.eq(counters::value + by))
        .execute(c))
    .map(drop)
}

/// The total `name`; zero when nothing was ever added.
pub fn get(conn: &mut Conn, name: &str) -> QueryResult<i64> {
    counters::table
        .find(name)
        .select(counters::value)
        .fetch_one(conn)
        .optional()
        .map(Option::unwrap_or_default)
}

/// Sets the total `name` back to zero.
pub fn clear(conn: &mut Conn, name: &str) -> QueryResult<()> {
    diesel::delete(counters::table.find(name))
        .exec(conn)
        .map(drop)
}
