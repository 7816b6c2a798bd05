//! One-time passwords asked for by GSP clients.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::models::taxpayer::TaxpayerId;
use crate::db::schema::otp_requests;
use crate::db::{Conn, Run};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = otp_requests)]
pub struct OtpRequest {
    pub id: i32,
    pub otp_hash: String,
    pub expires_at: NaiveDateTime,
    pub wrong_tries: i32,
}

/// Opens a new OTP for `taxpayer` and `client`, closing any earlier open one.
pub fn open(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    client: i32,
    otp_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    close_all(conn, taxpayer, Some(client), now)?;
    diesel::insert_into(otp_requests::table)
        .values((
            otp_requests::taxpayer_id.eq(taxpayer.0),
            otp_requests::gsp_client_id.eq(client),
            otp_requests::otp_hash.eq(otp_hash),
            otp_requests::created_at.eq(now.naive_utc()),
            otp_requests::expires_at.eq(expires_at.naive_utc()),
        ))
        .exec(conn)
        .map(drop)
}

/// The open OTP of `taxpayer` for `client`, expired or not.
pub fn current(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    client: i32,
) -> QueryResult<Option<OtpRequest>> {
    crate::per_backend!(conn, |c| otp_requests::table
        .filter(otp_requests::taxpayer_id.eq(taxpayer.0))
        .filter(otp_requests::gsp_client_id.eq(client))
        .filter(otp_requests::closed_at.is_null())
        .order(otp_requests::id.desc())
        .select(OtpRequest::as_select())
        .limit(1)
        .get_result(c))
    .optional()
}

/// How many OTPs `client` has asked for `taxpayer` since `since`, and when the
/// earliest of them was asked for.
pub fn asked_since(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    client: i32,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    otp_requests::table
        .filter(otp_requests::taxpayer_id.eq(taxpayer.0))
        .filter(otp_requests::gsp_client_id.eq(client))
        .filter(otp_requests::created_at.gt(since.naive_utc()))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(otp_requests::created_at),
        ))
        .limit(1)
        .fetch_one(conn)
}

/// Counts a wrong try; returns the number of wrong tries so far.
pub fn record_wrong_try(conn: &mut Conn, id: i32) -> QueryResult<i32> {
    diesel::update(otp_requests::table.find(id))
        .set(otp_requests::wrong_tries.eq(otp_requests::wrong_tries + 1))
        .returning(otp_requests::wrong_tries)
        .fetch_one(conn)
}

pub fn close(conn: &mut Conn, id: i32, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(otp_requests::table.find(id))
        .set(otp_requests::closed_at.eq(now.naive_utc()))
        .exec(conn)
        .map(drop)
}

/// Closes the open OTPs of a taxpayer (for one client, or for all).
pub fn close_all(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    client: Option<i32>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let open = otp_requests::table
        .filter(otp_requests::taxpayer_id.eq(taxpayer.0))
        .filter(otp_requests::closed_at.is_null());
    match client {
        Some(c) => diesel::update(open.filter(otp_requests::gsp_client_id.eq(c)))
            .set(otp_requests::closed_at.eq(now.naive_utc()))
            .exec(conn),
        None => diesel::update(open)
            .set(otp_requests::closed_at.eq(now.naive_utc()))
            .exec(conn),
    }
}

/// Forgets OTP requests made after `now` (the demo clock moved back): they would
/// otherwise stay valid, and count against the hourly cap, far past real time.
pub fn delete_made_after(conn: &mut Conn, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(otp_requests::table.filter(otp_requests::created_at.gt(now.naive_utc())))
        .exec(conn)
}

/// Closes every open OTP of a GSP client (the client was revoked).
pub fn close_for_client(conn: &mut Conn, client: i32, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        otp_requests::table
            .filter(otp_requests::gsp_client_id.eq(client))
            .filter(otp_requests::closed_at.is_null()),
    )
    .set(otp_requests::closed_at.eq(now.naive_utc()))
    .exec(conn)
}
