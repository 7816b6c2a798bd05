//! Failed-login counting and account locks, keyed by account kind and name.
//!
//! An attempt is counted *before* its password is checked ([`reserve`]) and the
//! count is cleared by a success, so however many attempts arrive at once, no more
//! than the threshold are ever checked within one lock window.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use crate::db::schema::login_throttle;
use crate::db::{Conn, Run};

/// How long a failure count is kept once no failure adds to it and no lock runs.
pub const FORGET_AFTER: TimeDelta = TimeDelta::days(1);

/// Whose failures a row counts. The two kinds have separate key spaces, so nothing
/// typed into the taxpayer form can count against the trainer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThrottleKey {
    /// A taxpayer's username as typed (lower case), known or not: the lock message
    /// then cannot tell which usernames exist.
    Taxpayer(String),
    /// The trainer console's one password, tried from one client address (as
    /// `net::client_limit_key` names it): a lock holds for that address alone.
    Trainer(String),
}

/// The start of every trainer key.
const TRAINER_PREFIX: &str = "trainer:";

impl ThrottleKey {
    fn stored(&self) -> String {
        match self {
            ThrottleKey::Taxpayer(username) => format!("taxpayer:{username}"),
            ThrottleKey::Trainer(address) => format!("{TRAINER_PREFIX}{address}"),
        }
    }
}

/// What [`reserve`] decided about one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Locked until then: the password must not be checked.
    Locked(DateTime<Utc>),
    /// As many attempts as the threshold allows are failures or being checked now:
    /// this one must wait until one of them is decided.
    Busy,
    /// The attempt may be checked; it counts as pending until [`resolve`]d.
    Granted,
}

/// An attempt still pending after this long was lost (its process stopped between
/// reserving and resolving); it no longer counts.
pub const PENDING_GIVEN_UP_AFTER: TimeDelta = TimeDelta::minutes(1);

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
struct Row {
    failures: i32,
    locked_until: Option<NaiveDateTime>,
    pending: i32,
    pending_since: Option<NaiveDateTime>,
}

impl Row {
    fn live_pending(&self, now: DateTime<Utc>) -> i32 {
        let stale = self
            .pending_since
            .is_none_or(|at| at.and_utc() + PENDING_GIVEN_UP_AFTER < now);
        if stale {
            0
        } else {
            self.pending
        }
    }
}

fn row(conn: &mut Conn, key: &ThrottleKey) -> QueryResult<Option<Row>> {
    crate::per_backend!(conn, |c| login_throttle::table
        .find(key.stored())
        .select(Row::as_select())
        .get_result(c))
    .optional()
}

/// The end of the lock on `key`, if it is locked at `now`.
pub fn locked_until(
    conn: &mut Conn,
    key: &ThrottleKey,
    now: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    Ok(row(conn, key)?
        .and_then(|r| r.locked_until)
        .map(|t| t.and_utc())
        .filter(|&until| until > now))
}

/// Decides whether an attempt on `key` may have its password checked now: not while
/// locked, and not while failures plus attempts being checked already reach
/// `threshold`. A granted attempt counts as pending until [`resolve`]. Several
/// statements: run it inside an immediate transaction, so concurrent attempts are
/// counted one after the other.
pub fn reserve(
    conn: &mut Conn,
    key: &ThrottleKey,
    now: DateTime<Utc>,
    threshold: u32,
) -> QueryResult<Reservation> {
    let current = row(conn, key)?;
    if let Some(until) = current.as_ref().and_then(|r| r.locked_until) {
        if until.and_utc() > now {
            return Ok(Reservation::Locked(until.and_utc()));
        }
    }
    let (failures, pending) = current
        .as_ref()
        .map_or((0, 0), |r| (r.failures, r.live_pending(now)));
    if i64::from(failures) + i64::from(pending) >= i64::from(threshold) {
        return Ok(Reservation::Busy);
    }
    crate::per_backend!(conn, |c| diesel::insert_into(login_throttle::table)
        .values((
            login_throttle::throttle_key.eq(key.stored()),
            login_throttle::failures.eq(0),
            login_throttle::last_failure_at.eq(now.naive_utc()),
            login_throttle::pending.eq(1),
            login_throttle::pending_since.eq(Some(now.naive_utc())),
        ))
        .on_conflict(login_throttle::throttle_key)
        .do_update()
        .set((
            login_throttle::pending.eq(pending + 1),
            login_throttle::pending_since.eq(Some(now.naive_utc())),
        ))
        .execute(c))?;
    Ok(Reservation::Granted)
}

/// Records the outcome of a granted attempt. A right password clears the failures
/// and any lock; a wrong one counts, and locks `key` for `lock_for` when the count
/// reaches `threshold`. Returns the end of the lock this failure set, if it set one.
/// Run it inside an immediate transaction.
pub fn resolve(
    conn: &mut Conn,
    key: &ThrottleKey,
    now: DateTime<Utc>,
    right: bool,
    threshold: u32,
    lock_for: TimeDelta,
) -> QueryResult<Option<DateTime<Utc>>> {
    let current = row(conn, key)?;
    let pending = current
        .as_ref()
        .map_or(0, |r| (r.live_pending(now) - 1).max(0));
    if right && pending == 0 {
        // Nothing left to count: a good login leaves no row behind.
        return clear(conn, key).map(|()| None);
    }
    let (failures, locks, locked_until) = if right {
        (0, None, None)
    } else {
        let failures = current.as_ref().map_or(0, |r| r.failures) + 1;
        if i64::from(failures) >= i64::from(threshold) {
            let until = now + lock_for;
            (0, Some(until), Some(until.naive_utc()))
        } else {
            (failures, None, current.and_then(|r| r.locked_until))
        }
    };
    crate::per_backend!(conn, |c| diesel::insert_into(login_throttle::table)
        .values((
            login_throttle::throttle_key.eq(key.stored()),
            login_throttle::failures.eq(failures),
            login_throttle::locked_until.eq(locked_until),
            login_throttle::last_failure_at.eq(now.naive_utc()),
            login_throttle::pending.eq(pending),
        ))
        .on_conflict(login_throttle::throttle_key)
        .do_update()
        .set((
            login_throttle::failures.eq(failures),
            login_throttle::locked_until.eq(locked_until),
            login_throttle::last_failure_at.eq(now.naive_utc()),
            login_throttle::pending.eq(pending),
        ))
        .execute(c))?;
    Ok(locks)
}

/// Locks `key` until `until`, starting a fresh count.
pub fn lock(
    conn: &mut Conn,
    key: &ThrottleKey,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> QueryResult<()> {
    crate::per_backend!(conn, |c| diesel::insert_into(login_throttle::table)
        .values((
            login_throttle::throttle_key.eq(key.stored()),
            login_throttle::failures.eq(0),
            login_throttle::locked_until.eq(Some(until.naive_utc())),
            login_throttle::last_failure_at.eq(now.naive_utc()),
        ))
        .on_conflict(login_throttle::throttle_key)
        .do_update()
        .set((
            login_throttle::failures.eq(0),
            login_throttle::locked_until.eq(Some(until.naive_utc())),
            login_throttle::last_failure_at.eq(now.naive_utc()),
        ))
        .execute(c))
    .map(drop)
}

/// Forgets the failures and any lock of `key`: after a good login, or when a
/// trainer lifts a lock.
pub fn clear(conn: &mut Conn, key: &ThrottleKey) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(key.stored()))
        .exec(conn)
        .map(drop)
}

/// The running locks among `usernames`, by username (the classroom board).
pub fn locked_taxpayers(
    conn: &mut Conn,
    usernames: &[&str],
    now: DateTime<Utc>,
) -> QueryResult<std::collections::HashMap<String, DateTime<Utc>>> {
    let keys: Vec<String> = usernames
        .iter()
        .map(|u| ThrottleKey::Taxpayer((*u).to_string()).stored())
        .collect();
    let rows: Vec<(String, Option<NaiveDateTime>)> = login_throttle::table
        .filter(login_throttle::throttle_key.eq_any(keys))
        .filter(login_throttle::locked_until.gt(now.naive_utc()))
        .select((login_throttle::throttle_key, login_throttle::locked_until))
        .fetch_all(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(key, until)| {
            let name = key.strip_prefix("taxpayer:")?.to_string();
            Some((name, until?.and_utc()))
        })
        .collect())
}

/// Trainer failures from every address since `since`, a running lock counting as
/// `threshold` failures (the count starts again when a lock is set).
pub fn trainer_failures(
    conn: &mut Conn,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
    threshold: u32,
) -> QueryResult<i64> {
    let trainer = || login_throttle::throttle_key.like(format!("{TRAINER_PREFIX}%"));
    let failures: Option<i64> = login_throttle::table
        .filter(trainer())
        .filter(login_throttle::last_failure_at.ge(since.naive_utc()))
        .select(diesel::dsl::sum(login_throttle::failures))
        .fetch_one(conn)?;
    let locks: i64 = login_throttle::table
        .filter(trainer())
        .filter(login_throttle::locked_until.gt(now.naive_utc()))
        .count()
        .fetch_one(conn)?;
    Ok(failures.unwrap_or(0) + locks * i64::from(threshold))
}

/// Ends every lock of the trainer login and forgets its failures, from every
/// address. Returns how many locks were running. Run it inside a transaction.
pub fn end_trainer_locks(conn: &mut Conn, now: DateTime<Utc>) -> QueryResult<usize> {
    let trainer = || login_throttle::throttle_key.like(format!("{TRAINER_PREFIX}%"));
    let locks: i64 = login_throttle::table
        .filter(trainer())
        .filter(login_throttle::locked_until.gt(now.naive_utc()))
        .count()
        .fetch_one(conn)?;
    diesel::delete(login_throttle::table.filter(trainer())).exec(conn)?;
    Ok(usize::try_from(locks).unwrap_or(0))
}

/// Forgets the counts of several taxpayers at once (the demo reset).
pub fn clear_taxpayers(conn: &mut Conn, usernames: &[&str]) -> QueryResult<usize> {
    let keys: Vec<String> = usernames
        .iter()
        .map(|u| ThrottleKey::Taxpayer((*u).to_string()).stored())
        .collect();
    diesel::delete(login_throttle::table.filter(login_throttle::throttle_key.eq_any(keys)))
        .exec(conn)
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
    .exec(conn)
}
