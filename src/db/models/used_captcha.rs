//! Captchas already tried: a captcha's nonce is spent at its first try.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::used_captchas;
use crate::db::{Conn, Run};

/// Spends `nonce`; false when it was spent already (by this request's twin, say).
/// One statement, so two concurrent tries cannot both spend it.
pub fn spend(conn: &mut Conn, nonce: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    crate::per_backend!(conn, |c| diesel::insert_into(used_captchas::table)
        .values((
            used_captchas::nonce.eq(nonce),
            used_captchas::used_at.eq(now.naive_utc()),
        ))
        .on_conflict_do_nothing()
        .execute(c))
    .map(|n| n == 1)
}

/// Forgets nonces spent before `before`: their captchas have expired anyway.
pub fn sweep(conn: &mut Conn, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(used_captchas::table.filter(used_captchas::used_at.lt(before.naive_utc())))
        .exec(conn)
}
