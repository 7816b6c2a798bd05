//! The current API access choice of each taxpayer and the history of its changes.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::models::gsp_session::{self, ENDED_BY_NO};
use crate::db::models::otp_request;
use crate::db::models::security_event::{self, EventKind, EventTime};
use crate::db::models::taxpayer::TaxpayerId;
use crate::db::models::Origin;
use crate::db::schema::{api_access, api_access_changes};
use crate::db::{Conn, Run};
use crate::domain::access::{AccessChoice, StoredAccess};
use crate::domain::duration::AccessDuration;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = api_access)]
struct AccessRow {
    enabled: bool,
    duration_hours: Option<i32>,
    expires_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

impl AccessRow {
    fn into_domain(self) -> StoredAccess {
        StoredAccess {
            enabled: self.enabled,
            // The table's CHECK keeps other values out; a row that still had one
            // would read as "no duration", which the state treats as not enabled.
            duration: self
                .duration_hours
                .and_then(|h| AccessDuration::from_hours(h).ok()),
            expires_at: self.expires_at.map(|t| t.and_utc()),
            changed_at: self.updated_at.and_utc(),
        }
    }
}

/// One row of the history, as the page lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_access_changes)]
pub struct AccessChange {
    pub id: i32,
    pub changed_at: NaiveDateTime,
    pub enabled: bool,
    pub duration_hours: Option<i32>,
    pub expires_at: Option<NaiveDateTime>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// GSP sessions this change ended (a "No" revokes every live token).
    pub sessions_ended: i32,
}

pub fn load(conn: &mut Conn, taxpayer: TaxpayerId) -> QueryResult<Option<StoredAccess>> {
    crate::per_backend!(conn, |c| api_access::table
        .find(taxpayer.0)
        .select(AccessRow::as_select())
        .get_result(c))
    .optional()
    .map(|row| row.map(AccessRow::into_domain))
}

/// Stores a confirmed choice and appends it to the history and the security log, in
/// one transaction. A "No" also ends every GSP session and pending OTP of the taxpayer
/// in that transaction, so GSP software is shut out by the time the page answers.
/// Returns what is stored and how many live GSP sessions were ended. `now` is
/// business time (the access period follows the demo clock); the security event
/// keeps `event_at`.
pub fn confirm(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    choice: AccessChoice,
    now: DateTime<Utc>,
    origin: &Origin,
    event_at: EventTime,
) -> QueryResult<(StoredAccess, usize)> {
    let stored = choice.apply(now);
    let hours = stored.duration.map(AccessDuration::hours);
    let expires = stored.expires_at.map(|t| t.naive_utc());
    crate::db::atomic(conn, |conn| {
        let ended = if stored.enabled {
            0
        } else {
            otp_request::close_all(conn, taxpayer, None, now)?;
            gsp_session::end_all(conn, taxpayer, now, ENDED_BY_NO)?
        };
        crate::per_backend!(conn, |c| diesel::insert_into(api_access::table)
            .values((
                api_access::taxpayer_id.eq(taxpayer.0),
                api_access::enabled.eq(stored.enabled),
                api_access::duration_hours.eq(hours),
                api_access::expires_at.eq(expires),
                api_access::updated_at.eq(now.naive_utc()),
            ))
            .on_conflict(api_access::taxpayer_id)
            .do_update()
            .set((
                api_access::enabled.eq(stored.enabled),
                api_access::duration_hours.eq(hours),
                api_access::expires_at.eq(expires),
                api_access::updated_at.eq(now.naive_utc()),
            ))
            .execute(c))?;
        diesel::insert_into(api_access_changes::table)
            .values((
                api_access_changes::taxpayer_id.eq(taxpayer.0),
                api_access_changes::changed_at.eq(now.naive_utc()),
                api_access_changes::enabled.eq(stored.enabled),
                api_access_changes::duration_hours.eq(hours),
                api_access_changes::expires_at.eq(expires),
                api_access_changes::client_ip.eq(origin.client_ip.as_deref()),
                api_access_changes::user_agent.eq(origin.user_agent.as_deref()),
                api_access_changes::sessions_ended.eq(i32::try_from(ended).unwrap_or(i32::MAX)),
            ))
            .exec(conn)?;
        let detail = match stored.expires_at {
            Some(until) => format!("enabled until {}", until.to_rfc3339()),
            None => format!("disabled; {ended} GSP session(s) ended"),
        };
        security_event::record(
            conn,
            event_at,
            EventKind::ApiAccessChanged,
            Some(taxpayer),
            origin,
            Some(&detail),
        )?;
        Ok((stored.clone(), ended))
    })
}

/// The newest `limit` changes, newest first.
pub fn recent_changes(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    limit: i64,
) -> QueryResult<Vec<AccessChange>> {
    // `as_select()` names the backend in the query's type, so each arm builds its own.
    macro_rules! newest_first {
        () => {
            api_access_changes::table
                .filter(api_access_changes::taxpayer_id.eq(taxpayer.0))
                .order(api_access_changes::id.desc())
                .select(AccessChange::as_select())
        };
    }
    match conn {
        // No `.limit(limit)` on SQLite: a bound LIMIT makes it prepare the statement
        // anew at each use (see `models`). The index on (taxpayer_id, id) yields the
        // rows newest first without a sort, so the iterator stops stepping after
        // `limit` rows.
        Conn::Sqlite(c) => {
            // Diesel's own method, on the backend's connection (see `db::Run`).
            #[allow(clippy::disallowed_methods)]
            let rows = newest_first!()
                .load_iter::<AccessChange, diesel::connection::DefaultLoadingMode>(c)?;
            rows.take(usize::try_from(limit).unwrap_or(0)).collect()
        }
        // PostgreSQL sends every row of a result at once: the server must stop.
        #[cfg(feature = "postgres")]
        #[allow(clippy::disallowed_methods)]
        Conn::Postgres(c) => newest_first!().limit(limit).load(c),
    }
}

/// After the demo clock moved back to `now`: a choice confirmed "in the future" is
/// treated as confirmed now, so its period keeps its length but starts now instead of
/// reaching far past real time. Returns how many choices moved.
pub fn rebase_future_choices(conn: &mut Conn, now: DateTime<Utc>) -> QueryResult<usize> {
    let future: Vec<(i32, Option<i32>)> = api_access::table
        .filter(api_access::updated_at.gt(now.naive_utc()))
        .select((api_access::taxpayer_id, api_access::duration_hours))
        .fetch_all(conn)?;
    for (taxpayer, hours) in &future {
        let expires = hours.map(|h| (now + chrono::TimeDelta::hours(h.into())).naive_utc());
        diesel::update(api_access::table.find(taxpayer))
            .set((
                api_access::updated_at.eq(now.naive_utc()),
                api_access::expires_at.eq(expires),
            ))
            .exec(conn)?;
    }
    Ok(future.len())
}
