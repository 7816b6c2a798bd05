//! The time machine's offset, kept across restarts, and what moving it back does.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;

use crate::db::models::{api_access, app_setting, gsp_session, otp_request};
use crate::db::Conn;
use crate::domain::gsp;

const OFFSET_SETTING: &str = "demo_clock_offset_seconds";

/// The time machine's offset as saved, so a restart keeps it.
pub fn saved_offset(conn: &mut Conn) -> anyhow::Result<TimeDelta> {
    let seconds = app_setting::get(conn, OFFSET_SETTING)?
        .map(|v| v.parse::<i64>())
        .transpose()?
        .unwrap_or(0);
    Ok(TimeDelta::seconds(seconds))
}

/// Saves the time machine's offset.
pub fn save_offset(conn: &mut Conn, offset: TimeDelta) -> QueryResult<()> {
    app_setting::set(conn, OFFSET_SETTING, &offset.num_seconds().to_string())
}

/// After the time machine moved back to `now`: what was issued "in the future" is
/// brought back within reach of the new time. Access periods confirmed later than
/// `now` start at `now` with their chosen length; GSP sessions issued or refreshed
/// later end, and OTPs asked later are forgotten. (The history keeps its rows as
/// they were recorded.)
pub fn clock_moved_back(conn: &mut Conn, now: DateTime<Utc>) -> QueryResult<()> {
    crate::db::atomic(conn, |conn| {
        api_access::rebase_future_choices(conn, now)?;
        gsp_session::end_issued_after(conn, now, gsp::TOKEN_LIFETIME, gsp_session::ENDED_BY_CLOCK)?;
        otp_request::delete_made_after(conn, now).map(drop)
    })
}
