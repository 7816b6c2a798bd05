//! The per-address limit on login attempts: one fixed window per client address,
//! kept in the database so that every portal on it counts the same attempts.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use crate::db::schema::login_rate;
use crate::db::{Conn, Run};

/// An address's window after counting one more attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Attempts in this window, the one just counted included.
    pub attempts: i32,
    /// When the window ends and the count starts again.
    pub resets_at: DateTime<Utc>,
}

/// Counts one attempt from `address` at `now`. A window lasts `length` from its
/// first attempt. Read and update run as one unit inside the writers' turn, so
/// attempts that arrive together at several portals are all counted.
pub fn count_attempt(
    conn: &mut Conn,
    address: &str,
    now: DateTime<Utc>,
    length: TimeDelta,
) -> QueryResult<Window> {
    crate::db::atomic(conn, |conn| {
        let now = now.naive_utc();
        let current: Option<(NaiveDateTime, i32)> = login_rate::table
            .find(address)
            .select((login_rate::window_start, login_rate::attempts))
            .fetch_one(conn)
            .optional()?;
        let (start, attempts) = match current {
            Some((start, attempts)) if now < start + length => (start, attempts + 1),
            _ => (now, 1),
        };
        crate::per_backend!(conn, |c| diesel::insert_into(login_rate::table)
            .values((
                login_rate::address.eq(address),
                login_rate::window_start.eq(start),
                login_rate::attempts.eq(attempts),
            ))
            .on_conflict(login_rate::address)
            .do_update()
            .set((
                login_rate::window_start.eq(start),
                login_rate::attempts.eq(attempts),
            ))
            .execute(c))?;
        Ok(Window {
            attempts,
            resets_at: (start + length).and_utc(),
        })
    })
}

/// Forgets windows that began before `before`: they have ended.
pub fn sweep(conn: &mut Conn, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(login_rate::table.filter(login_rate::window_start.lt(before.naive_utc())))
        .exec(conn)
}
