//! The security event log: who did what security-relevant thing, when, from where.
//!
//! Events keep real time (the clock of locks and sessions), never the demo clock; when
//! the trainer's time machine has moved the demo clock, its time is kept beside.

use chrono::Utc;
use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;

use crate::clock::Clock;
use crate::db::models::taxpayer::TaxpayerId;
use crate::db::models::Origin;
use crate::db::schema::security_events;
use crate::db::{Conn, Run};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    LoginSucceeded,
    LoginFailed,
    AccountLocked,
    LoginRefusedLocked,
    Logout,
    PasswordChanged,
    ApiAccessChanged,
    /// The trainer made a Log in as ticket for a demo taxpayer.
    TrainerLoggedInAs,
    /// The trainer ended a taxpayer's login lock.
    TrainerUnlocked,
    /// The trainer put a trainee back to new.
    TrainerResetTrainee,
    /// The trainer gave a taxpayer a new password.
    TrainerNewPassword,
    /// The trainer (or the console's owner, on the command line) made trainees.
    TrainerAddedTrainees,
    /// The trainer moved the demo clock.
    TrainerMovedClock,
    /// The trainer put the demo data back as seeded.
    TrainerResetDemo,
    /// The console's owner ended the trainer login's locks (command line).
    TrainerLocksEnded,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::LoginSucceeded => "login_succeeded",
            EventKind::LoginFailed => "login_failed",
            EventKind::AccountLocked => "account_locked",
            EventKind::LoginRefusedLocked => "login_refused_locked",
            EventKind::Logout => "logout",
            EventKind::PasswordChanged => "password_changed",
            EventKind::ApiAccessChanged => "api_access_changed",
            EventKind::TrainerLoggedInAs => "trainer_logged_in_as",
            EventKind::TrainerUnlocked => "trainer_unlocked",
            EventKind::TrainerResetTrainee => "trainer_reset_trainee",
            EventKind::TrainerNewPassword => "trainer_new_password",
            EventKind::TrainerAddedTrainees => "trainer_added_trainees",
            EventKind::TrainerMovedClock => "trainer_moved_clock",
            EventKind::TrainerResetDemo => "trainer_reset_demo",
            EventKind::TrainerLocksEnded => "trainer_locks_ended",
        }
    }

    /// The event in a few words, for the trainer console.
    pub fn words(kind: &str) -> &'static str {
        match kind {
            "login_succeeded" => "Logged in",
            "login_failed" => "Wrong password",
            "account_locked" => "Locked after failed logins",
            "login_refused_locked" => "Login refused: locked",
            "logout" => "Logged out",
            "password_changed" => "Password changed",
            "api_access_changed" => "API access changed",
            "trainer_logged_in_as" => "Log in as",
            "trainer_unlocked" => "Unlocked",
            "trainer_reset_trainee" => "Reset trainee",
            "trainer_new_password" => "New password",
            "trainer_added_trainees" => "Added trainees",
            "trainer_moved_clock" => "Moved the demo clock",
            "trainer_reset_demo" => "Reset demo data",
            "trainer_locks_ended" => "Trainer locks ended",
            _ => "Other",
        }
    }
}

/// Who acted, in the `detail` of the trainer's events and logins.
pub const BY_TRAINER: &str = "trainer";

/// When an event happened: real time, and the demo clock's time when the time
/// machine has moved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTime {
    pub real: DateTime<Utc>,
    pub demo: Option<DateTime<Utc>>,
}

impl EventTime {
    /// Now, read from `clock`.
    pub fn now(clock: &Clock) -> Self {
        Self::at(clock.security_now(), clock)
    }

    /// At the real time `real`, with the demo time the time machine gives it.
    pub fn at(real: DateTime<Utc>, clock: &Clock) -> Self {
        let offset = clock.demo_offset();
        EventTime {
            real,
            demo: (!offset.is_zero()).then(|| real + offset),
        }
    }
}

/// A trainer's action as its event records it: when, and from where. (Who is the
/// trainer, the console's one account: the event's detail says so.)
#[derive(Debug, Clone)]
pub struct TrainerAct {
    pub at: EventTime,
    pub origin: Origin,
}

impl TrainerAct {
    /// Records `kind` on `taxpayer` (if the action concerned one), with `what` in words.
    pub fn record(
        &self,
        conn: &mut Conn,
        kind: EventKind,
        taxpayer: Option<TaxpayerId>,
        what: &str,
    ) -> QueryResult<()> {
        let detail = format!("{BY_TRAINER}: {what}");
        record(conn, self.at, kind, taxpayer, &self.origin, Some(&detail))
    }
}

/// A row of the log, as read back.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = security_events)]
pub struct SecurityEvent {
    pub id: i32,
    /// Real time, whatever the demo clock says.
    pub occurred_at: NaiveDateTime,
    pub kind: String,
    pub taxpayer_id: Option<i32>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
    /// The demo clock's time, when the time machine had moved it.
    pub demo_time: Option<NaiveDateTime>,
}

/// Appends an event. `detail` is free text chosen by the caller, never a secret.
pub fn record(
    conn: &mut Conn,
    at: EventTime,
    kind: EventKind,
    taxpayer: Option<TaxpayerId>,
    origin: &Origin,
    detail: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(security_events::table)
        .values((
            security_events::occurred_at.eq(at.real.naive_utc()),
            security_events::demo_time.eq(at.demo.map(|t| t.naive_utc())),
            security_events::kind.eq(kind.as_str()),
            security_events::taxpayer_id.eq(taxpayer.map(|t| t.0)),
            security_events::client_ip.eq(origin.client_ip.as_deref()),
            security_events::user_agent.eq(origin.user_agent.as_deref()),
            security_events::detail.eq(detail),
        ))
        .exec(conn)
        .map(drop)
}

/// All events, oldest first.
pub fn all(conn: &mut Conn) -> QueryResult<Vec<SecurityEvent>> {
    crate::per_backend!(conn, |c| security_events::table
        .order(security_events::id.asc())
        .select(SecurityEvent::as_select())
        .load(c))
}

/// A trainer's event with the username of the taxpayer it concerned, if any.
#[derive(Debug, Clone)]
pub struct TrainerEvent {
    pub event: SecurityEvent,
    pub username: Option<String>,
}

/// The newest `limit` events of the trainer, newest first: the trainer's actions and
/// the trainer login's own successes, failures and locks.
pub fn recent_of_trainer(conn: &mut Conn, limit: i64) -> QueryResult<Vec<TrainerEvent>> {
    use crate::db::schema::taxpayers;
    let rows: Vec<(SecurityEvent, Option<String>)> = crate::per_backend!(conn, |c| {
        security_events::table
            .left_join(taxpayers::table)
            .filter(
                security_events::detail
                    .eq(BY_TRAINER)
                    .or(security_events::detail.like(format!("{BY_TRAINER}:%"))),
            )
            .order(security_events::id.desc())
            .limit(limit)
            .select((SecurityEvent::as_select(), taxpayers::username.nullable()))
            .load(c)
    })?;
    Ok(rows
        .into_iter()
        .map(|(event, username)| TrainerEvent { event, username })
        .collect())
}
