//! The trainer console: time machine, overview, live feed of GSP calls, reset.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::admin::ClientCredentials;
use crate::auth::guard::CurrentTrainer;
use crate::auth::password::Hasher;
use crate::auth::session::FlashKind;
use crate::clock::{describe_offset, Clock};
use crate::db::models::api_call;
use crate::db::models::security_event::{
    self, EventKind, EventTime, TrainerAct, TrainerEvent, BY_TRAINER,
};
use crate::db::models::Origin;
use crate::db::{self, Pool};
use crate::demo;
use crate::domain::time::{from_db, ist_datetime};
use crate::error::AppError;
use crate::net::Listening;
use crate::routes::form::Form;
use crate::routes::layout::Chrome;
use crate::routes::taxpayerapi::CallLog;
use crate::routes::trainer::classroom::{room_addresses, RoomAddresses};
use crate::routes::trainer::login_as::{demo_accounts, DemoAccountLine, SeededPasswords};
use crate::routes::{render, see_other};

/// The time machine's buttons: the form value, the label, and how far it moves.
const SHIFTS: [(&str, &str, i64); 5] = [
    ("1h", "+1 hour", 1),
    ("6h", "+6 hours", 6),
    ("1d", "+1 day", 24),
    ("7d", "+7 days", 168),
    ("30d", "+30 days", 720),
];
/// The time machine goes no further than this from real time.
const MAX_OFFSET_DAYS: i64 = 400;
/// How many GSP calls the feed shows.
const FEED_LENGTH: i64 = 30;
/// How many of the trainer's security events the console shows.
const TRAINER_EVENTS: i64 = 10;

/// A demo taxpayer's line of the overview.
#[derive(Serialize)]
pub struct TaxpayerLine {
    pub username: String,
    pub case: &'static str,
    pub access: String,
    pub kind: &'static str,
    pub lock: String,
}

/// A GSP call of the live feed.
#[derive(Serialize)]
pub struct CallLine {
    pub at: String,
    pub client: String,
    pub username: String,
    pub action: String,
    pub result: String,
}

/// What the console shows and its script refreshes.
#[derive(Serialize)]
pub struct Feed {
    pub clock: String,
    pub now: String,
    pub taxpayers: Vec<TaxpayerLine>,
    /// The calls of the room's GSP clients (the player's, and those the operator
    /// registered), within each one's bound a minute.
    pub calls: Vec<CallLine>,
    /// Calls refused for missing or wrong client credentials: counted, not listed.
    pub unidentified_calls: u64,
    /// Calls of the demo clients, whose secrets are public: counted, not listed.
    pub other_client_calls: u64,
    /// Calls of a room client beyond its bound a minute: counted, not listed.
    pub calls_over_limit: u64,
    /// The two counts above in a sentence; empty while both are zero.
    pub not_shown: String,
}

async fn feed_now(
    pool: &Pool,
    clock: &web::Data<Clock>,
    call_log: &CallLog,
) -> Result<Feed, AppError> {
    let clock = clock.clone();
    db::run(pool, move |conn| {
        let now = clock.now();
        let not_shown = call_log.not_shown(conn)?;
        let taxpayers = demo::overview(conn, &clock)?
            .into_iter()
            .map(|o| {
                let (access, kind) = (o.access.describe(), o.access.kind());
                TaxpayerLine {
                    username: o.username,
                    case: o.case,
                    access,
                    kind,
                    lock: o.locked_until.map_or_else(
                        || "-".to_string(),
                        |t| format!("Locked until {}", ist_datetime(t)),
                    ),
                }
            })
            .collect();
        let calls = api_call::recent(conn, FEED_LENGTH)?
            .into_iter()
            .map(|c| CallLine {
                at: ist_datetime(from_db(c.called_at)),
                client: c.client_name,
                username: c.username.unwrap_or_else(|| "-".to_string()),
                action: c.action,
                result: c.result_code,
            })
            .collect();
        diesel::QueryResult::Ok(Feed {
            clock: describe_offset(clock.demo_offset()),
            now: ist_datetime(now),
            taxpayers,
            calls,
            unidentified_calls: not_shown.unidentified,
            other_client_calls: not_shown.other_clients,
            calls_over_limit: not_shown.over_limit,
            not_shown: not_shown.line().unwrap_or_default(),
        })
    })
    .await
}

/// One of the trainer's security events, in words.
pub struct EventLine {
    /// Real time, in IST.
    pub at: String,
    /// The demo clock's time then, when the time machine had moved it.
    pub demo_at: Option<String>,
    pub what: &'static str,
    /// What exactly, as recorded (without the "trainer" who).
    pub detail: String,
    pub address: String,
}

impl From<TrainerEvent> for EventLine {
    fn from(e: TrainerEvent) -> Self {
        let detail = e.event.detail.unwrap_or_default();
        let detail = match detail.strip_prefix(BY_TRAINER) {
            Some(rest) => rest.trim_start_matches(':').trim().to_string(),
            None => detail,
        };
        let detail = match (detail.is_empty(), e.username) {
            (true, Some(username)) => username,
            _ => detail,
        };
        EventLine {
            at: ist_datetime(from_db(e.event.occurred_at)),
            demo_at: e.event.demo_time.map(|t| ist_datetime(from_db(t))),
            what: EventKind::words(&e.event.kind),
            detail,
            address: e.event.client_ip.unwrap_or_else(|| "-".to_string()),
        }
    }
}

/// A time machine button.
pub struct ShiftButton {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "trainer/console.html")]
struct ConsolePage {
    chrome: Chrome,
    addresses: RoomAddresses,
    accounts: Vec<DemoAccountLine>,
    gsp_clients: Vec<ClientCredentials>,
    feed: Feed,
    shifts: Vec<ShiftButton>,
    events: Vec<EventLine>,
}

#[allow(clippy::too_many_arguments)]
pub async fn show(
    _trainer: CurrentTrainer,
    chrome: Chrome,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    call_log: web::Data<CallLog>,
    listening: web::Data<Listening>,
    hasher: web::Data<Hasher>,
    seeded: web::Data<SeededPasswords>,
) -> Result<HttpResponse, AppError> {
    let gsp_clients = db::run(&pool, |conn| {
        let plain = demo::gsp_client(conn)?;
        let encrypted = demo::encrypted_gsp_client(conn)?;
        Ok::<_, AppError>(plain.into_iter().chain(encrypted).collect())
    })
    .await?;
    let events = db::run(&pool, |conn| {
        security_event::recent_of_trainer(conn, TRAINER_EVENTS)
    })
    .await?;
    let page = ConsolePage {
        chrome,
        addresses: room_addresses(listening.0),
        accounts: demo_accounts(&pool, &hasher, &seeded).await?,
        gsp_clients,
        feed: feed_now(&pool, &clock, &call_log).await?,
        shifts: SHIFTS
            .iter()
            .map(|&(value, label, _)| ShiftButton { value, label })
            .collect(),
        events: events.into_iter().map(EventLine::from).collect(),
    };
    render(StatusCode::OK, &page)
}

/// The overview and the feed as JSON, for the console's script.
pub async fn feed(
    _trainer: CurrentTrainer,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    call_log: web::Data<CallLog>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(feed_now(&pool, &clock, &call_log).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockForm {
    shift: Option<String>,
}

pub async fn move_clock(
    trainer: CurrentTrainer,
    form: Form<ClockForm>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let shift = form.shift.as_deref().unwrap_or_default();
    let offset = if shift == "real" {
        TimeDelta::zero()
    } else {
        let hours = SHIFTS
            .iter()
            .find(|(value, _, _)| *value == shift)
            .map(|&(_, _, hours)| hours)
            .ok_or_else(|| AppError::bad_request("Choose one of the time machine's buttons."))?;
        let moved = clock.demo_offset() + TimeDelta::hours(hours);
        if moved > TimeDelta::days(MAX_OFFSET_DAYS) {
            return Err(AppError::bad_request(format!(
                "The demo clock goes at most {MAX_OFFSET_DAYS} days ahead; go back to real time first."
            )));
        }
        moved
    };
    let back = offset < clock.demo_offset();
    let real = clock.security_now();
    let now_after = real + offset;
    let act = TrainerAct {
        at: EventTime {
            real,
            demo: Some(now_after),
        },
        origin,
    };
    db::write(&pool, move |conn| {
        crate::db::atomic(conn, |conn| {
            demo::save_offset(conn, offset)?;
            if back {
                demo::clock_moved_back(conn, now_after)?;
            }
            let what = format!("moved the demo clock to {}", describe_offset(offset));
            act.record(conn, EventKind::TrainerMovedClock, None, &what)
        })
    })
    .await?;
    clock.set_demo_offset(offset);
    tracing::info!(offset = %describe_offset(offset), "demo clock moved");
    trainer.session.set_flash(
        FlashKind::Success,
        format!(
            "Demo clock: {}. Every page, expiry, OTP and GSP token now follows it.",
            describe_offset(offset)
        ),
    )?;
    Ok(see_other("/trainer"))
}

#[derive(Template)]
#[template(path = "trainer/reset.html")]
struct ResetPage {
    chrome: Chrome,
    error: Option<&'static str>,
}

pub async fn confirm_reset(
    _trainer: CurrentTrainer,
    chrome: Chrome,
) -> Result<HttpResponse, AppError> {
    let page = ResetPage {
        chrome,
        error: None,
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetForm {
    confirm: Option<String>,
    /// "yes" to remove the trainees too; they stay otherwise.
    trainees: Option<String>,
}

pub async fn reset(
    trainer: CurrentTrainer,
    chrome: Chrome,
    form: Form<ResetForm>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    call_log: web::Data<CallLog>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    if form.confirm.as_deref() != Some("yes") {
        let page = ResetPage {
            chrome,
            error: Some("Tick the box to confirm that the demo data should be put back."),
        };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let with_trainees = form.trainees.as_deref() == Some("yes");
    let clock_for_reset = clock.clone();
    let removed = db::write(&pool, move |conn| {
        crate::db::atomic(conn, |conn| {
            demo::save_offset(conn, TimeDelta::zero())?;
            clock_for_reset.set_demo_offset(TimeDelta::zero());
            demo::clock_moved_back(conn, clock_for_reset.now())?;
            let removed = if with_trainees {
                demo::classroom::remove_all(conn)?
            } else {
                0
            };
            demo::reset(conn, &clock_for_reset).map_err(|e| AppError::Unexpected(e.into()))?;
            call_log.clear_left_out(conn)?;
            let what = if with_trainees {
                format!("reset the demo data and removed {removed} trainee(s)")
            } else {
                "reset the demo data, keeping the trainees".to_string()
            };
            let act = TrainerAct {
                at: EventTime::now(&clock_for_reset),
                origin,
            };
            act.record(conn, EventKind::TrainerResetDemo, None, &what)?;
            Ok::<_, AppError>(removed)
        })
    })
    .await?;
    tracing::info!(trainees_removed = removed, "demo data reset");
    let trainees = if with_trainees {
        format!(" {removed} trainee(s) were removed.")
    } else {
        " Trainees were kept.".to_string()
    };
    trainer.session.set_flash(
        FlashKind::Success,
        format!("The demo data is back as it was seeded, and the demo clock is back to real time.{trainees}"),
    )?;
    Ok(see_other("/trainer"))
}
