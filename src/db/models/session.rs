//! Rows of the server-side session store. Keys are never stored, only their hashes.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::models::taxpayer::TaxpayerId;
use crate::db::schema::sessions;
use crate::db::{Conn, Run};

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub key_hash: &'a str,
    pub taxpayer_id: Option<i32>,
    pub state: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// The state of a live session and when it expires, or `None` if there is none or it
/// has expired.
pub fn load_state(
    conn: &mut Conn,
    key_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<(String, NaiveDateTime)>> {
    sessions::table
        .find(key_hash)
        .filter(sessions::expires_at.gt(now.naive_utc()))
        .select((sessions::state, sessions::expires_at))
        .fetch_one(conn)
        .optional()
}

pub fn insert(conn: &mut Conn, new: &NewSession<'_>) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(new)
        .exec(conn)
        .map(drop)
}

/// Replaces the state of a live session; returns how many rows changed (0 or 1).
pub fn update_state(
    conn: &mut Conn,
    key_hash: &str,
    state: &str,
    taxpayer_id: Option<i32>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(key_hash)
            .filter(sessions::expires_at.gt(now.naive_utc())),
    )
    .set((
        sessions::state.eq(state),
        sessions::taxpayer_id.eq(taxpayer_id),
        sessions::expires_at.eq(expires_at.naive_utc()),
    ))
    .exec(conn)
}

/// Moves a live session's expiry to `expires_at`, if it is earlier than
/// `stale_before` (another request may have moved it meanwhile).
pub fn extend(
    conn: &mut Conn,
    key_hash: &str,
    now: DateTime<Utc>,
    stale_before: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(key_hash)
            .filter(sessions::expires_at.gt(now.naive_utc()))
            .filter(sessions::expires_at.lt(stale_before.naive_utc())),
    )
    .set(sessions::expires_at.eq(expires_at.naive_utc()))
    .exec(conn)
    .map(drop)
}

pub fn delete(conn: &mut Conn, key_hash: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(key_hash))
        .exec(conn)
        .map(drop)
}

/// Ends every session of a taxpayer; returns how many there were.
pub fn delete_for_taxpayer(conn: &mut Conn, taxpayer: TaxpayerId) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::taxpayer_id.eq(taxpayer.0))).exec(conn)
}

/// Replaces the state of every session of `taxpayers` with `state` and detaches them
/// from the taxpayers (which are about to be deleted); returns how many there were.
pub fn replace_state_of(conn: &mut Conn, taxpayers: &[i32], state: &str) -> QueryResult<usize> {
    diesel::update(sessions::table.filter(sessions::taxpayer_id.eq_any(taxpayers)))
        .set((
            sessions::state.eq(state),
            sessions::taxpayer_id.eq(None::<i32>),
        ))
        .exec(conn)
}

/// Removes sessions that expired before `now`.
pub fn delete_expired(conn: &mut Conn, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now.naive_utc()))).exec(conn)
}

/// How many live sessions a taxpayer has.
pub fn count_for_taxpayer(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::taxpayer_id.eq(taxpayer.0))
        .filter(sessions::expires_at.gt(now.naive_utc()))
        .count()
        .fetch_one(conn)
}
