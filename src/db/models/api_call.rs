//! The log of calls to the API simulator, shown live on the trainer's console.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::api_calls;
use crate::db::{Conn, Run};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_calls)]
pub struct ApiCall {
    pub id: i32,
    pub called_at: NaiveDateTime,
    pub client_name: String,
    pub username: Option<String>,
    pub action: String,
    pub result_code: String,
}

pub fn record(
    conn: &mut Conn,
    at: DateTime<Utc>,
    client_name: &str,
    username: Option<&str>,
    action: &str,
    result_code: &str,
) -> QueryResult<()> {
    diesel::insert_into(api_calls::table)
        .values((
            api_calls::called_at.eq(at.naive_utc()),
            api_calls::client_name.eq(client_name),
            api_calls::username.eq(username),
            api_calls::action.eq(action),
            api_calls::result_code.eq(result_code),
        ))
        .exec(conn)
        .map(drop)
}

/// The newest `limit` calls, newest first.
pub fn recent(conn: &mut Conn, limit: i64) -> QueryResult<Vec<ApiCall>> {
    crate::per_backend!(conn, |c| api_calls::table
        .order(api_calls::id.desc())
        .limit(limit)
        .select(ApiCall::as_select())
        .load(c))
}

pub fn clear(conn: &mut Conn) -> QueryResult<usize> {
    diesel::delete(api_calls::table).exec(conn)
}

/// Keeps only the newest `keep` calls, so the log has a fixed bound whatever the
/// traffic. Returns how many went.
pub fn trim(conn: &mut Conn, keep: i64) -> QueryResult<usize> {
    let cutoff: Option<i32> = api_calls::table
        .order(api_calls::id.desc())
        .offset(keep)
        .select(api_calls::id)
        .limit(1)
        .fetch_one(conn)
        .optional()?;
    match cutoff {
        Some(id) => diesel::delete(api_calls::table.filter(api_calls::id.le(id))).exec(conn),
        None => Ok(0),
    }
}
