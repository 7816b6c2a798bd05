//! Values generated once and kept in the database.

use diesel::prelude::*;

use crate::db::schema::app_settings;
use crate::db::{Conn, Run};

/// The setting that makes the API simulator accept the sandbox OTP: "on" or "off".
pub const SANDBOX_OTP: &str = "sandbox_otp";
/// The client secret of the trainer's GSP player (demo mode), made at seeding and
/// read only by the player (`demo::player_client`).
pub const GSP_PLAYER_SECRET: &str = "gsp_player_secret";

/// The stored value of `name`, if any.
pub fn get(conn: &mut Conn, name: &str) -> QueryResult<Option<String>> {
    app_settings::table
        .find(name)
        .select(app_settings::value)
        .fetch_one(conn)
        .optional()
}

/// Stores `value` under `name`, replacing what was there.
pub fn set(conn: &mut Conn, name: &str, value: &str) -> QueryResult<()> {
    crate::per_backend!(conn, |c| diesel::insert_into(app_settings::table)
        .values((app_settings::name.eq(name), app_settings::value.eq(value)))
        .on_conflict(app_settings::name)
        .do_update()
        .set(app_settings::value.eq(value))
        .execute(c))
    .map(drop)
}

/// Returns the stored value of `name`, or stores `make()` under it and returns that.
/// Runs in an immediate transaction, so two processes starting at once agree.
pub fn get_or_insert_with(
    conn: &mut Conn,
    name: &str,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    crate::db::atomic(conn, |conn| {
        let existing = app_settings::table
            .find(name)
            .select(app_settings::value)
            .fetch_one::<String>(conn)
            .optional()?;
        if let Some(value) = existing {
            return Ok(value);
        }
        let value = make();
        diesel::insert_into(app_settings::table)
            .values((app_settings::name.eq(name), app_settings::value.eq(&value)))
            .exec(conn)?;
        Ok(value)
    })
}
