//! Running totals that every portal on the database adds to.

use diesel::prelude::*;

use crate::db::schema::counters;
use crate::db::{Conn, Run};

/// GSP calls refused because their client credentials were missing or wrong.
pub const UNIDENTIFIED_CALLS: &str = "unidentified_gsp_calls";

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
