//! API sessions of GSP clients: the auth tokens they hold for a taxpayer.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::models::taxpayer::TaxpayerId;
use crate::db::schema::{gsp_clients, gsp_sessions};
use crate::db::{Conn, Run};

/// Why a session ended.
pub const ENDED_BY_LOGOUT: &str = "logout";
pub const ENDED_BY_NO: &str = "api_access_disabled";
pub const ENDED_BY_REVOKE: &str = "client_revoked";
pub const ENDED_BY_CLOCK: &str = "demo_clock_moved_back";
pub const ENDED_BY_KEY_ROTATION: &str = "server_key_rotated";

/// What a session of an encrypted client keeps: its session key (base64) and a
/// SHA-256 of its app key.
#[derive(Debug, Clone, Copy)]
pub struct WireKeys<'a> {
    pub sek: &'a str,
    pub app_key_hash: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = gsp_sessions)]
pub struct GspSession {
    pub id: i32,
    pub taxpayer_id: i32,
    pub gsp_client_id: i32,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
    pub sek: Option<String>,
    pub app_key_hash: Option<String>,
}

pub fn create(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    client: i32,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    wire: Option<WireKeys>,
) -> QueryResult<()> {
    diesel::insert_into(gsp_sessions::table)
        .values((
            gsp_sessions::taxpayer_id.eq(taxpayer.0),
            gsp_sessions::gsp_client_id.eq(client),
            gsp_sessions::token_hash.eq(token_hash),
            gsp_sessions::created_at.eq(now.naive_utc()),
            gsp_sessions::last_used_at.eq(now.naive_utc()),
            gsp_sessions::expires_at.eq(expires_at.naive_utc()),
            gsp_sessions::sek.eq(wire.map(|w| w.sek)),
            gsp_sessions::app_key_hash.eq(wire.map(|w| w.app_key_hash)),
        ))
        .exec(conn)
        .map(drop)
}

/// The session holding the token with this hash, for this client, ended or not.
pub fn find_by_token(
    conn: &mut Conn,
    client: i32,
    token_hash: &str,
) -> QueryResult<Option<GspSession>> {
    crate::per_backend!(conn, |c| gsp_sessions::table
        .filter(gsp_sessions::token_hash.eq(token_hash))
        .filter(gsp_sessions::gsp_client_id.eq(client))
        .select(GspSession::as_select())
        .get_result(c))
    .optional()
}

/// Live (not ended, not expired) sessions of a taxpayer with one client.
pub fn live_count(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    client: i32,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    gsp_sessions::table
        .filter(gsp_sessions::taxpayer_id.eq(taxpayer.0))
        .filter(gsp_sessions::gsp_client_id.eq(client))
        .filter(gsp_sessions::ended_at.is_null())
        .filter(gsp_sessions::expires_at.gt(now.naive_utc()))
        .count()
        .fetch_one(conn)
}

/// Gives a session a new token and expiry (a refresh); the old token stops working.
pub fn rotate(
    conn: &mut Conn,
    id: i32,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    wire: Option<WireKeys>,
) -> QueryResult<()> {
    diesel::update(gsp_sessions::table.find(id))
        .set((
            gsp_sessions::token_hash.eq(token_hash),
            gsp_sessions::last_used_at.eq(now.naive_utc()),
            gsp_sessions::expires_at.eq(expires_at.naive_utc()),
            gsp_sessions::sek.eq(wire.map(|w| w.sek)),
            gsp_sessions::app_key_hash.eq(wire.map(|w| w.app_key_hash)),
        ))
        .exec(conn)
        .map(drop)
}

/// Records a use of a session at `now`, unless one was recorded after
/// `stale_before` (another call may have recorded it meanwhile).
pub fn touch(
    conn: &mut Conn,
    id: i32,
    now: DateTime<Utc>,
    stale_before: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(
        gsp_sessions::table
            .find(id)
            .filter(gsp_sessions::last_used_at.lt(stale_before.naive_utc())),
    )
    .set(gsp_sessions::last_used_at.eq(now.naive_utc()))
    .exec(conn)
    .map(drop)
}

pub fn end(conn: &mut Conn, id: i32, now: DateTime<Utc>, reason: &str) -> QueryResult<()> {
    diesel::update(
        gsp_sessions::table
            .find(id)
            .filter(gsp_sessions::ended_at.is_null()),
    )
    .set((
        gsp_sessions::ended_at.eq(now.naive_utc()),
        gsp_sessions::end_reason.eq(reason),
    ))
    .exec(conn)
    .map(drop)
}

/// Ends every session of a taxpayer that has not ended yet; returns how many were live.
pub fn end_all(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    now: DateTime<Utc>,
    reason: &str,
) -> QueryResult<usize> {
    let live = diesel::update(
        gsp_sessions::table
            .filter(gsp_sessions::taxpayer_id.eq(taxpayer.0))
            .filter(gsp_sessions::ended_at.is_null())
            .filter(gsp_sessions::expires_at.gt(now.naive_utc())),
    )
    .set((
        gsp_sessions::ended_at.eq(now.naive_utc()),
        gsp_sessions::end_reason.eq(reason),
    ))
    .exec(conn)?;
    // Expired sessions are ended too, so nothing of the taxpayer stays open.
    diesel::update(
        gsp_sessions::table
            .filter(gsp_sessions::taxpayer_id.eq(taxpayer.0))
            .filter(gsp_sessions::ended_at.is_null()),
    )
    .set((
        gsp_sessions::ended_at.eq(now.naive_utc()),
        gsp_sessions::end_reason.eq(reason),
    ))
    .exec(conn)?;
    Ok(live)
}

/// Ends every open session of the encrypted clients (their keys came through the
/// retired RSA key); returns how many there were.
pub fn end_for_encrypted_clients(
    conn: &mut Conn,
    now: DateTime<Utc>,
    reason: &str,
) -> QueryResult<usize> {
    let encrypted = gsp_clients::table
        .filter(gsp_clients::encrypted.eq(true))
        .select(gsp_clients::id);
    diesel::update(
        gsp_sessions::table
            .filter(gsp_sessions::gsp_client_id.eq_any(encrypted))
            .filter(gsp_sessions::ended_at.is_null()),
    )
    .set((
        gsp_sessions::ended_at.eq(now.naive_utc()),
        gsp_sessions::end_reason.eq(reason),
    ))
    .exec(conn)
}

/// Ends every open session of a GSP client; returns how many there were.
pub fn end_for_client(
    conn: &mut Conn,
    client: i32,
    now: DateTime<Utc>,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(
        gsp_sessions::table
            .filter(gsp_sessions::gsp_client_id.eq(client))
            .filter(gsp_sessions::ended_at.is_null()),
    )
    .set((
        gsp_sessions::ended_at.eq(now.naive_utc()),
        gsp_sessions::end_reason.eq(reason),
    ))
    .exec(conn)
}

/// Ends the open sessions issued or refreshed after `now` (the demo clock moved
/// back): a token is never valid for longer than `lifetime` from now.
pub fn end_issued_after(
    conn: &mut Conn,
    now: DateTime<Utc>,
    lifetime: chrono::TimeDelta,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(
        gsp_sessions::table
            .filter(gsp_sessions::ended_at.is_null())
            .filter(
                gsp_sessions::created_at
                    .gt(now.naive_utc())
                    .or(gsp_sessions::last_used_at.gt(now.naive_utc()))
                    .or(gsp_sessions::expires_at.gt((now + lifetime).naive_utc())),
            ),
    )
    .set((
        gsp_sessions::ended_at.eq(now.naive_utc()),
        gsp_sessions::end_reason.eq(reason),
    ))
    .exec(conn)
}

/// A GSP client holding at least one live session for the taxpayer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationAccess {
    pub client_name: String,
    pub since: NaiveDateTime,
    pub last_used: NaiveDateTime,
    pub until: NaiveDateTime,
    pub sessions: usize,
}

/// The clients with live sessions for `taxpayer` at `now`, by name.
pub fn applications_with_access(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    now: DateTime<Utc>,
) -> QueryResult<Vec<ApplicationAccess>> {
    let rows: Vec<(String, NaiveDateTime, NaiveDateTime, NaiveDateTime)> = gsp_sessions::table
        .inner_join(gsp_clients::table)
        .filter(gsp_sessions::taxpayer_id.eq(taxpayer.0))
        .filter(gsp_sessions::ended_at.is_null())
        .filter(gsp_sessions::expires_at.gt(now.naive_utc()))
        .order((gsp_clients::name.asc(), gsp_sessions::id.asc()))
        .select((
            gsp_clients::name,
            gsp_sessions::created_at,
            gsp_sessions::last_used_at,
            gsp_sessions::expires_at,
        ))
        .fetch_all(conn)?;
    let mut apps: Vec<ApplicationAccess> = Vec::new();
    for (name, created, used, expires) in rows {
        match apps.last_mut() {
            Some(app) if app.client_name == name => {
                app.since = app.since.min(created);
                app.last_used = app.last_used.max(used);
                app.until = app.until.max(expires);
                app.sessions += 1;
            }
            _ => apps.push(ApplicationAccess {
                client_name: name,
                since: created,
                last_used: used,
                until: expires,
                sessions: 1,
            }),
        }
    }
    Ok(apps)
}
