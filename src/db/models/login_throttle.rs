//! Failed-login counting and account locks, keyed by the username as typed.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use crate::db::schema::login_throttle;
use crate::db::Conn;

/// How long a failure count is kept once no failure adds to it and no lock runs.
pub const FORGET_AFTER: TimeDelta = TimeDelta::days(1);

/// The end of the lock on `username`, if it is locked at `now`.
pub fn locked_until(
    conn: &mut Conn,
    username: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    let until: Option<Option<NaiveDateTime>> = login_throttle::table
        .find(username)
        .select(login_throttle::locked_until)
        .first(conn)
        .optional()?;
    Ok(until
        .flatten()
        .map(|t| t.and_utc())
        .filter(|&until| until > now))
}

/// Counts one more failure in a row and locks the username once `threshold` is
/// reached. Returns the end of the lock when this failure set one. Two statements:
/// run it inside an immediate transaction.
pub fn record_failure(
    conn: &mut Conn,
    username: &str,
    now: DateTime<Utc>,
    threshold: u32,
    lock_for: TimeDelta,
) -> QueryResult<Option<DateTime<Utc>>> {
    {
        let failures: i32 = diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::username.eq(username),
                login_throttle::failures.eq(1),
                login_throttle::last_failure_at.eq(now.naive_utc()),
            ))
            .on_conflict(login_throttle::username)
            .do_update()
            .set((
                login_throttle::failures.eq(login_throttle::failures + 1),
                login_throttle::last_failure_at.eq(now.naive_utc()),
            ))
            .returning(login_throttle::failures)
            .get_result(conn)?;
        if i64::from(failures) < i64::from(threshold) {
            return Ok(None);
        }
        let until = now + lock_for;
        diesel::update(login_throttle::table.find(username))
            .set((
                login_throttle::failures.eq(0),
                login_throttle::locked_until.eq(Some(until.naive_utc())),
            ))
            .execute(conn)?;
        Ok(Some(until))
    }
}

/// Forgets the failures of `username` after a good login.
pub fn clear(conn: &mut Conn, username: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(username))
        .execute(conn)
        .map(drop)
}

/// Forgets failures that are older than `forget_after` and hold no running lock, so
/// rows left by mistyped or made-up usernames do not pile up. Returns how many went.
pub fn sweep(conn: &mut Conn, now: DateTime<Utc>, forget_after: TimeDelta) -> QueryResult<usize> {
    let now_naive = now.naive_utc();
    diesel::delete(
        login_throttle::table
            .filter(login_throttle::last_failure_at.lt((now - forget_after).naive_utc()))
            .filter(
                login_throttle::locked_until
                    .is_null()
                    .or(login_throttle::locked_until.le(now_naive)),
            ),
    )
    .execute(conn)
}
