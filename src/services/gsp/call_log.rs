//! What the API simulator keeps of the calls it answers, for the trainer's live feed
//! and progress board, within a fixed bound whatever the traffic.
//!
//! The feed and the board show what the room did: the calls of the trainer's GSP
//! player and of the GSP clients the operator registered (`gst-portal gsp-client
//! add`). Anyone may call as one of the demo clients, whose secrets are public, so
//! their calls are only counted; so are calls without valid client credentials. A
//! room client gets a row per call up to a number a minute
//! (`--gsp-calls-listed-per-minute`), and is counted beyond it, refused calls and
//! let-in calls alike. A flood therefore costs no write per call: the counts are kept
//! in memory and each portal adds them to the totals in the database (`counters`)
//! every [`FLUSH_EVERY`], so the trainer sees the counts of every portal.
//!
//! Each portal keeps its own minute per client, so k portals on one database take at
//! most k times the number a minute from one client. That is still a bound (the
//! operator starts the portals), and it keeps the decision free of a database round
//! trip per call; the log as a whole keeps its newest 10,000 rows
//! (`housekeeping::API_CALLS_KEPT`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::web;

use super::ApiError;
use crate::db::models::gsp_client::GspClient;
use crate::db::models::{api_call, counter};
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::state::Portal;

/// How often a portal adds what it counted to the shared totals.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// A count this portal adds to the total `name` in the database.
#[derive(Debug)]
struct Tally {
    name: &'static str,
    pending: AtomicU64,
}

impl Tally {
    const fn new(name: &'static str) -> Self {
        Tally {
            name,
            pending: AtomicU64::new(0),
        }
    }

    fn note(&self) {
        self.pending.fetch_add(1, Ordering::Relaxed);
    }

    /// The total of every portal: the database's, and what this one has not added yet.
    fn total(&self, conn: &mut crate::db::Conn) -> diesel::QueryResult<u64> {
        let stored = counter::get(conn, self.name)?;
        Ok(u64::try_from(stored).unwrap_or_default() + self.pending.load(Ordering::Relaxed))
    }

    /// Adds what this portal counted to the database's total.
    async fn flush(&self, pool: &Pool) -> Result<(), AppError> {
        let counted = self.pending.swap(0, Ordering::Relaxed);
        if counted == 0 {
            return Ok(());
        }
        let (name, by) = (self.name, i64::try_from(counted).unwrap_or(i64::MAX));
        let added = db::write(pool, move |conn| counter::add(conn, name, by)).await;
        if added.is_err() {
            // Kept for the next try.
            self.pending.fetch_add(counted, Ordering::Relaxed);
        }
        added
    }
}

/// Decides, call by call, whether a call gets a row in the API call log or is
/// counted, and keeps the counts. One per portal (application data).
#[derive(Debug)]
pub struct CallLog {
    per_minute: u32,
    started: Instant,
    /// Per room client id: the minute (since `started`) and the rows it got in it.
    /// Only clients that passed authentication get an entry, and only the operator
    /// registers those, so the map stays as small as the list of clients.
    listed: Mutex<HashMap<String, (u64, u32)>>,
    unidentified: Tally,
    other_clients: Tally,
    over_limit: Tally,
}

/// What the feed and the board leave out, counted over every portal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotShown {
    /// Calls refused for missing or wrong client credentials.
    pub unidentified: u64,
    /// Calls of the demo clients, whose secrets are public.
    pub other_clients: u64,
    /// Calls of the room's clients beyond `per_minute` a minute from one client.
    pub over_limit: u64,
    pub per_minute: u32,
}

impl NotShown {
    /// One sentence on the calls of the public clients and those beyond a room
    /// client's bound; `None` when there were none.
    pub fn line(&self) -> Option<String> {
        let calls = |n: u64| match n {
            1 => ("1 call".to_string(), "is"),
            n => (format!("{n} calls"), "are"),
        };
        let (other, other_verb) = calls(self.other_clients);
        let (over, over_verb) = calls(self.over_limit);
        let per_minute = self.per_minute;
        match (self.other_clients, self.over_limit) {
            (0, 0) => None,
            (_, 0) => Some(format!("{other} from other clients {other_verb} not shown.")),
            (0, _) => Some(format!(
                "{over} beyond {per_minute} a minute from one of the room's clients {over_verb} not shown."
            )),
            (_, _) => Some(format!(
                "{other} from other clients {other_verb} not shown, nor {over} beyond {per_minute} a minute from one of the room's clients."
            )),
        }
    }
}

impl CallLog {
    /// A log that gives each room client at most `per_minute` rows a minute.
    pub fn new(per_minute: u32) -> Self {
        CallLog {
            per_minute,
            started: Instant::now(),
            listed: Mutex::new(HashMap::new()),
            unidentified: Tally::new(counter::UNIDENTIFIED_CALLS),
            other_clients: Tally::new(counter::OTHER_CLIENT_CALLS),
            over_limit: Tally::new(counter::CALLS_OVER_LIMIT),
        }
    }

    /// Whether a call of the authenticated client `client_id` gets a row; if not, it
    /// is counted. The minute is this process's real time: the demo clock may jump.
    fn takes_row(&self, client_id: &str) -> bool {
        if crate::demo::is_public_client_id(client_id) {
            self.other_clients.note();
            return false;
        }
        let minute = self.started.elapsed().as_secs() / 60;
        let mut listed = self.listed.lock().unwrap_or_else(PoisonError::into_inner);
        let (at, rows) = listed.entry(client_id.to_string()).or_insert((minute, 0));
        if *at != minute {
            (*at, *rows) = (minute, 0);
        }
        if *rows < self.per_minute {
            *rows += 1;
            return true;
        }
        drop(listed);
        self.over_limit.note();
        false
    }

    /// What the feed and the board leave out, over every portal.
    pub fn not_shown(&self, conn: &mut crate::db::Conn) -> diesel::QueryResult<NotShown> {
        Ok(NotShown {
            unidentified: self.unidentified.total(conn)?,
            other_clients: self.other_clients.total(conn)?,
            over_limit: self.over_limit.total(conn)?,
            per_minute: self.per_minute,
        })
    }

    /// Starts the counts of calls the feed leaves out again from zero, with the feed
    /// (Reset demo data). Calls counted in the last [`FLUSH_EVERY`] before it that a
    /// portal was still adding may arrive after it: the counts are for the trainer's
    /// eyes, and one lock round per call would cost more than they are worth.
    pub fn clear_left_out(&self, conn: &mut crate::db::Conn) -> diesel::QueryResult<()> {
        for tally in [&self.other_clients, &self.over_limit] {
            tally.pending.store(0, Ordering::Relaxed);
            counter::clear(conn, tally.name)?;
        }
        Ok(())
    }

    /// Adds what this portal counted to the database's totals.
    pub async fn flush(&self, pool: &Pool) -> Result<(), AppError> {
        for tally in [&self.unidentified, &self.other_clients, &self.over_limit] {
            tally.flush(pool).await?;
        }
        Ok(())
    }

    /// Flushes every [`FLUSH_EVERY`], for as long as the runtime runs.
    pub fn start_flushing(log: web::Data<CallLog>, pool: Pool) {
        actix_web::rt::spawn(async move {
            let mut ticks = actix_web::rt::time::interval(FLUSH_EVERY);
            loop {
                ticks.tick().await;
                if let Err(e) = log.flush(&pool).await {
                    tracing::warn!(error = ?e, "could not add to the counts of GSP calls");
                }
            }
        });
    }
}

/// What the trainer's live feed records of a call.
#[derive(Debug, Default)]
pub struct CallRecord {
    /// The registered client whose `clientid` and `client-secret` matched; `None`
    /// while the credentials are missing or wrong.
    pub client: Option<Caller>,
    pub username: Option<String>,
    pub action: &'static str,
}

/// The client of an identified call: its id (which decides whether the call gets a
/// row) and the name the feed shows.
#[derive(Debug)]
pub struct Caller {
    pub client_id: String,
    pub name: String,
}

impl CallRecord {
    /// The call's credentials matched `client`.
    pub fn identified(&mut self, client: &GspClient) {
        self.client = Some(Caller {
            client_id: client.client_id.clone(),
            name: client.name.clone(),
        });
    }
}

/// Logs a call and its result (`Ok` for a call let in) as the portal's [`CallLog`]
/// decides: a row in the API call log for a room client within its bound, else a
/// count. A failure to log is reported but does not change the answer.
pub async fn log_call<T>(portal: &Portal, call: CallRecord, result: &Result<T, ApiError>) {
    let code = match result {
        Ok(_) => "1",
        Err(e) => e.code(),
    };
    let now = portal.clock.now();
    let log = &portal.call_log;
    let Some(Caller {
        client_id,
        name: client,
    }) = call.client
    else {
        log.unidentified.note();
        tracing::info!(
            action = call.action,
            result = code,
            "GSP API call without valid client credentials"
        );
        return;
    };
    tracing::info!(client = %client, action = call.action, result = code, "GSP API call");
    if !log.takes_row(&client_id) {
        return;
    }
    let username: Option<String> = call.username.map(|u| u.chars().take(64).collect());
    let logged = db::write(&portal.pool, move |conn| {
        api_call::record(conn, now, &client, username.as_deref(), call.action, code)
    })
    .await;
    if let Err(e) = logged {
        tracing::error!(error = ?e, "could not log an API call");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_client_gets_rows_up_to_its_bound_and_the_public_clients_none() {
        let log = CallLog::new(3);
        let rows = (0..5).filter(|_| log.takes_row("gsp-room")).count();
        assert_eq!(rows, 3);
        assert_eq!(log.over_limit.pending.load(Ordering::Relaxed), 2);
        // Another room client has a bound of its own.
        assert!(log.takes_row("gsp-other-room"));
        for id in crate::demo::PUBLIC_CLIENT_IDS {
            assert!(!log.takes_row(id));
        }
        assert_eq!(log.other_clients.pending.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn the_line_says_what_is_left_out() {
        let n = |other, over| NotShown {
            other_clients: other,
            over_limit: over,
            per_minute: 60,
            ..NotShown::default()
        };
        assert_eq!(n(0, 0).line(), None);
        assert_eq!(
            n(1, 0).line().as_deref(),
            Some("1 call from other clients is not shown.")
        );
        assert_eq!(
            n(312, 0).line().as_deref(),
            Some("312 calls from other clients are not shown.")
        );
        assert_eq!(
            n(0, 4).line().as_deref(),
            Some("4 calls beyond 60 a minute from one of the room's clients are not shown.")
        );
        assert_eq!(
            n(2, 1).line().as_deref(),
            Some("2 calls from other clients are not shown, nor 1 call beyond 60 a minute from one of the room's clients.")
        );
    }
}
