//! GSP/ASP client software registered with the API simulator.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::models::{gsp_session, otp_request};
use crate::db::schema::gsp_clients;
use crate::db::{Conn, Run};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = gsp_clients)]
pub struct GspClient {
    pub id: i32,
    pub client_id: String,
    pub secret_hash: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    /// Speaks the encrypted wire protocol (else the plain one, for curl and trainers).
    pub encrypted: bool,
}

pub fn insert(
    conn: &mut Conn,
    client_id: &str,
    secret_hash: &str,
    name: &str,
    encrypted: bool,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    diesel::insert_into(gsp_clients::table)
        .values((
            gsp_clients::client_id.eq(client_id),
            gsp_clients::secret_hash.eq(secret_hash),
            gsp_clients::name.eq(name),
            gsp_clients::encrypted.eq(encrypted),
            gsp_clients::created_at.eq(now.naive_utc()),
        ))
        .returning(gsp_clients::id)
        .fetch_one(conn)
}

pub fn find_by_client_id(conn: &mut Conn, client_id: &str) -> QueryResult<Option<GspClient>> {
    crate::per_backend!(conn, |c| gsp_clients::table
        .filter(gsp_clients::client_id.eq(client_id))
        .select(GspClient::as_select())
        .get_result(c))
    .optional()
}

/// Gives the client `client_id` a new secret (its SHA-256) and makes it active again
/// if it was revoked. Returns whether such a client exists.
pub fn renew_secret(conn: &mut Conn, client_id: &str, secret_hash: &str) -> QueryResult<bool> {
    diesel::update(gsp_clients::table.filter(gsp_clients::client_id.eq(client_id)))
        .set((
            gsp_clients::secret_hash.eq(secret_hash),
            gsp_clients::revoked_at.eq(None::<NaiveDateTime>),
        ))
        .exec(conn)
        .map(|n| n > 0)
}

pub fn all(conn: &mut Conn) -> QueryResult<Vec<GspClient>> {
    crate::per_backend!(conn, |c| gsp_clients::table
        .order(gsp_clients::id.asc())
        .select(GspClient::as_select())
        .load(c))
}

/// Revokes a client and, in the same transaction, ends its GSP sessions and open
/// OTPs, so nothing it held stays usable or listed. Returns the number of sessions
/// ended, or `None` when no active client has that id.
pub fn revoke(conn: &mut Conn, client_id: &str, now: DateTime<Utc>) -> QueryResult<Option<usize>> {
    crate::db::atomic(conn, |conn| {
        let id: Option<i32> = diesel::update(
            gsp_clients::table
                .filter(gsp_clients::client_id.eq(client_id))
                .filter(gsp_clients::revoked_at.is_null()),
        )
        .set(gsp_clients::revoked_at.eq(now.naive_utc()))
        .returning(gsp_clients::id)
        .fetch_one(conn)
        .optional()?;
        let Some(id) = id else { return Ok(None) };
        otp_request::close_for_client(conn, id, now)?;
        gsp_session::end_for_client(conn, id, now, gsp_session::ENDED_BY_REVOKE).map(Some)
    })
}
