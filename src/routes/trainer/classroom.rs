//! Classroom mode on the trainer console: making trainees, the printable sheet with
//! the address and its QR code, the progress board and its projector view, and the
//! per-account controls (unlock, reset a trainee, a new password).

use std::net::{IpAddr, SocketAddr};

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::guard::CurrentTrainer;
use crate::auth::password::Hasher;
use crate::auth::session::FlashKind;
use crate::clock::Clock;
use crate::db::models::api_call;
use crate::db::models::security_event::{EventTime, TrainerAct};
use crate::db::models::Origin;
use crate::db::{self, Pool};
use crate::demo::classroom::{self, ClassroomError, Progress, SheetCard};
use crate::domain::duration::AccessDuration;
use crate::domain::time::ist_datetime;
use crate::error::AppError;
use crate::net::Listening;
use crate::routes::form::Form;
use crate::routes::layout::Chrome;
use crate::routes::taxpayerapi::CallLog;
use crate::routes::trainer::feed::FeedLine;
use crate::routes::{render, see_other};

/// Where trainees can reach the portal.
pub struct RoomAddresses {
    /// Addresses to open, such as `http://192.168.1.20:8080/`; the first goes on the sheet.
    pub urls: Vec<String>,
    /// The portal listens on a loopback address only: other machines cannot reach it.
    pub loopback_only: bool,
}

fn url_of(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("http://{v4}:{port}/"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}/"),
    }
}

/// The addresses of `bound`: the machine's non-loopback addresses when it listens on
/// all of them, IPv4 first.
pub fn room_addresses(bound: SocketAddr) -> RoomAddresses {
    let port = bound.port();
    let ip = bound.ip();
    if ip.is_loopback() {
        return RoomAddresses {
            urls: vec![url_of(ip, port)],
            loopback_only: true,
        };
    }
    if !ip.is_unspecified() {
        return RoomAddresses {
            urls: vec![url_of(ip, port)],
            loopback_only: false,
        };
    }
    let mut ips: Vec<IpAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.ip())
        .filter(|ip| !ip.is_loopback())
        // IPv6 link-local addresses need a zone to be opened; they are no use on a sheet.
        .filter(|ip| !matches!(ip, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80))
        // A portal bound to 0.0.0.0 does not listen on IPv6.
        .filter(|addr| ip.is_ipv6() || addr.is_ipv4())
        .collect();
    ips.sort_by_key(|ip| (ip.is_ipv6(), *ip));
    ips.dedup();
    if ips.is_empty() {
        return RoomAddresses {
            urls: vec![url_of(IpAddr::from([127, 0, 0, 1]), port)],
            loopback_only: true,
        };
    }
    RoomAddresses {
        urls: ips.into_iter().map(|ip| url_of(ip, port)).collect(),
        loopback_only: false,
    }
}

fn addresses(listening: &Listening) -> RoomAddresses {
    room_addresses(listening.0)
}

fn classroom_error(e: ClassroomError) -> AppError {
    let status = match e {
        ClassroomError::Count | ClassroomError::Prefix | ClassroomError::DemoPrefix => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ClassroomError::Full { .. }
        | ClassroomError::NotTrainee(_)
        | ClassroomError::PrefixTaken { .. } => StatusCode::CONFLICT,
        ClassroomError::Unknown(_) => StatusCode::NOT_FOUND,
        ClassroomError::Other(e) => return AppError::Unexpected(e),
    };
    AppError::Rejected {
        status,
        message: e.to_string(),
    }
}

/// A trainee's line on the classroom page, with the controls' state.
pub struct AccountLine {
    pub username: String,
    pub trade_name: String,
    pub locked: Option<String>,
}

#[derive(Template)]
#[template(path = "trainer/classroom.html")]
struct ClassroomPage {
    chrome: Chrome,
    addresses: RoomAddresses,
    trainees: Vec<AccountLine>,
    max_at_once: u32,
    max_trainees: i64,
    error: Option<String>,
    count_value: String,
    prefix_value: String,
}

async fn classroom_page(
    chrome: Chrome,
    pool: &Pool,
    clock: &Clock,
    listening: &Listening,
    error: Option<(String, String, String)>,
) -> Result<ClassroomPage, AppError> {
    let now = clock.security_now();
    let progress = db::run(pool, move |conn| classroom::board(conn, now)).await?;
    let (error, count_value, prefix_value) = match error {
        Some((message, count, prefix)) => (Some(message), count, prefix),
        None => (
            None,
            "30".to_string(),
            classroom::DEFAULT_PREFIX.to_string(),
        ),
    };
    Ok(ClassroomPage {
        chrome,
        addresses: addresses(listening),
        trainees: progress
            .into_iter()
            .map(|p| AccountLine {
                username: p.username,
                trade_name: p.trade_name,
                locked: p.locked_until.map(ist_datetime),
            })
            .collect(),
        max_at_once: classroom::MAX_AT_ONCE,
        max_trainees: classroom::MAX_TRAINEES,
        error,
        count_value,
        prefix_value,
    })
}

/// The classroom page: addresses, the form that makes trainees, every trainee with
/// their controls.
pub async fn show(
    _trainer: CurrentTrainer,
    chrome: Chrome,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    listening: web::Data<Listening>,
) -> Result<HttpResponse, AppError> {
    let page = classroom_page(chrome, &pool, &clock, &listening, None).await?;
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddForm {
    count: Option<String>,
    prefix: Option<String>,
}

/// Makes the trainees asked for; the form comes back with the message when it cannot.
pub async fn add(
    trainer: CurrentTrainer,
    chrome: Chrome,
    form: Form<AddForm>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    listening: web::Data<Listening>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let count_text = form.count.unwrap_or_default().trim().to_string();
    let prefix = form
        .prefix
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| classroom::DEFAULT_PREFIX.to_string());
    let count = count_text.parse::<u32>().map_err(|_| ClassroomError::Count);
    let planned = match count.and_then(|n| classroom::check_request(n, &prefix).map(|()| n)) {
        Ok(n) => {
            let for_plan = prefix.clone();
            db::run(&pool, move |conn| {
                Ok::<_, AppError>(classroom::plan(conn, n, &for_plan))
            })
            .await?
        }
        Err(e) => Err(e),
    };
    let planned = match planned {
        Ok(planned) => planned,
        Err(ClassroomError::Other(e)) => return Err(AppError::Unexpected(e)),
        Err(e) => {
            let status = classroom_error_status(&e);
            let page = classroom_page(
                chrome,
                &pool,
                &clock,
                &listening,
                Some((e.to_string(), count_text, prefix)),
            )
            .await?;
            return render(status, &page);
        }
    };
    let to_hash = planned.clone();
    let hashes = web::block(move || classroom::hash_passwords(&to_hash))
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("password hashing stopped: {e}")))??;
    let now = clock.now();
    let made = planned.len();
    let act = TrainerAct {
        at: EventTime::now(&clock),
        origin,
    };
    db::write(&pool, move |conn| {
        classroom::store(conn, &planned, &hashes, now, &act).map_err(classroom_error)
    })
    .await?;
    tracing::info!(count = made, "trainees added");
    trainer.session.set_flash(
        FlashKind::Success,
        format!("{made} trainee(s) added. Print the sheet and hand out the cards."),
    )?;
    Ok(see_other("/trainer/classroom"))
}

fn classroom_error_status(e: &ClassroomError) -> StatusCode {
    match e {
        ClassroomError::Full { .. } | ClassroomError::PrefixTaken { .. } => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

#[derive(Template)]
#[template(path = "trainer/sheet.html")]
struct SheetPage {
    address: String,
    loopback_only: bool,
    cards: Vec<SheetCard>,
}

/// The printable sheet: one card per trainee with username, password and address.
pub async fn sheet(
    _trainer: CurrentTrainer,
    pool: web::Data<Pool>,
    listening: web::Data<Listening>,
) -> Result<HttpResponse, AppError> {
    let cards = db::run(&pool, classroom::sheet).await?;
    let addresses = addresses(&listening);
    let page = SheetPage {
        address: format!("{}login", addresses.urls[0]),
        loopback_only: addresses.loopback_only,
        cards,
    };
    let mut response = render(StatusCode::OK, &page)?;
    // The sheet carries passwords: no copy in any cache.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// The QR code of the sheet's address, as SVG made here (nothing from outside).
pub async fn address_qr(
    _trainer: CurrentTrainer,
    listening: web::Data<Listening>,
) -> Result<HttpResponse, AppError> {
    let address = format!("{}login", addresses(&listening).urls[0]);
    let code = qrcode::QrCode::new(address.as_bytes())
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("no QR code for {address}: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(160, 160)
        .build();
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(svg))
}

/// A cell of the board: when the step happened, in words.
pub struct Cell {
    pub done: bool,
    pub text: String,
}

fn cell(at: Option<DateTime<Utc>>) -> Cell {
    match at {
        Some(t) => Cell {
            done: true,
            text: ist_datetime(t),
        },
        None => Cell {
            done: false,
            text: "Not yet".to_string(),
        },
    }
}

/// A trainee's row of the board.
pub struct BoardRow {
    pub username: String,
    pub trade_name: String,
    pub cells: Vec<Cell>,
    pub locked: Option<String>,
}

/// The board's columns, in the order of the manual and then the GSP story.
pub const STEPS: [&str; 8] = [
    "Logged in",
    "Opened My Profile",
    "Opened Manage API Access",
    "Confirmed Yes",
    "Confirmed No",
    "GSP asked for an OTP",
    "GSP got a token",
    "GSP refused (AUTH4037)",
];

fn board_row(p: Progress) -> BoardRow {
    let yes = match p.confirmed_yes {
        Some((at, hours)) => {
            let duration = hours
                .and_then(|h| AccessDuration::from_hours(h).ok())
                .map_or_else(|| "?".to_string(), |d| d.label().to_string());
            Cell {
                done: true,
                text: format!("{duration}, {}", ist_datetime(at)),
            }
        }
        None => cell(None),
    };
    BoardRow {
        username: p.username,
        trade_name: p.trade_name,
        cells: vec![
            cell(p.logged_in),
            cell(p.profile),
            cell(p.api_access),
            yes,
            cell(p.confirmed_no),
            cell(p.otp_asked),
            cell(p.token_issued),
            cell(p.refused_auth4037),
        ],
        locked: p.locked_until.map(ist_datetime),
    }
}

/// How many trainees have done each step.
pub struct StepTotal {
    pub step: &'static str,
    pub done: usize,
}

/// The board's rows, and the line on the GSP calls it leaves out (if any).
async fn board_rows(
    pool: &Pool,
    clock: &Clock,
    call_log: &CallLog,
) -> Result<(Vec<BoardRow>, Option<String>), AppError> {
    let now = clock.security_now();
    let (progress, not_shown) = db::run(pool, move |conn| {
        Ok::<_, diesel::result::Error>((classroom::board(conn, now)?, call_log.not_shown(conn)?))
    })
    .await?;
    Ok((
        progress.into_iter().map(board_row).collect(),
        not_shown.line(),
    ))
}

fn totals(rows: &[BoardRow]) -> Vec<StepTotal> {
    STEPS
        .iter()
        .enumerate()
        .map(|(i, step)| StepTotal {
            step,
            done: rows.iter().filter(|r| r.cells[i].done).count(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "trainer/board.html")]
struct BoardPage {
    chrome: Chrome,
    steps: [&'static str; 8],
    rows: Vec<BoardRow>,
    totals: Vec<StepTotal>,
    /// How many GSP calls of other clients (and beyond a room client's bound) the
    /// GSP columns leave out.
    not_shown: Option<String>,
    refreshed: String,
}

/// The progress board: every trainee against the manual's steps.
pub async fn board(
    _trainer: CurrentTrainer,
    chrome: Chrome,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    call_log: web::Data<CallLog>,
) -> Result<HttpResponse, AppError> {
    let (rows, not_shown) = board_rows(&pool, &clock, &call_log).await?;
    let page = BoardPage {
        chrome,
        steps: STEPS,
        totals: totals(&rows),
        rows,
        not_shown,
        refreshed: ist_datetime(clock.now()),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "trainer/projector.html")]
struct ProjectorPage {
    steps: [&'static str; 8],
    rows: Vec<BoardRow>,
    totals: Vec<StepTotal>,
    calls: Vec<FeedLine>,
    not_shown: Option<String>,
    refreshed: String,
}

/// How many GSP calls the projector shows.
const PROJECTOR_CALLS: i64 = 12;

/// The board and the live GSP feed in large type, for a projector.
pub async fn projector(
    _trainer: CurrentTrainer,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    call_log: web::Data<CallLog>,
) -> Result<HttpResponse, AppError> {
    let (rows, not_shown) = board_rows(&pool, &clock, &call_log).await?;
    let calls = db::run(&pool, |conn| api_call::recent(conn, PROJECTOR_CALLS)).await?;
    let page = ProjectorPage {
        steps: STEPS,
        totals: totals(&rows),
        rows,
        calls: calls.into_iter().map(FeedLine::from).collect(),
        not_shown,
        refreshed: ist_datetime(clock.now()),
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountForm {
    username: Option<String>,
}

fn username_of(form: AccountForm) -> Result<String, AppError> {
    form.username
        .map(|u| u.trim().to_lowercase())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| AppError::bad_request("Say which account: the username is missing."))
}

/// Ends the login lock of a trainee or demo taxpayer.
pub async fn unlock(
    trainer: CurrentTrainer,
    form: Form<AccountForm>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let username = username_of(form.into_inner())?;
    let now = clock.security_now();
    let act = TrainerAct {
        at: EventTime::at(now, &clock),
        origin,
    };
    let name = username.clone();
    let was_locked = db::write(&pool, move |conn| {
        classroom::unlock(conn, &name, now, &act).map_err(classroom_error)
    })
    .await?;
    tracing::info!(%username, "trainer unlocked an account");
    let message = if was_locked {
        format!("{username} is unlocked and can log in again.")
    } else {
        format!("{username} was not locked; its count of failed logins is cleared.")
    };
    trainer.session.set_flash(FlashKind::Success, message)?;
    Ok(see_other("/trainer/classroom"))
}

/// Puts one trainee back to new; nobody else is touched.
pub async fn reset_trainee(
    trainer: CurrentTrainer,
    form: Form<AccountForm>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let username = username_of(form.into_inner())?;
    let act = TrainerAct {
        at: EventTime::now(&clock),
        origin,
    };
    let name = username.clone();
    db::write(&pool, move |conn| {
        classroom::reset_trainee(conn, &name, &act).map_err(classroom_error)
    })
    .await?;
    tracing::info!(%username, "trainer reset a trainee");
    trainer.session.set_flash(
        FlashKind::Success,
        format!("{username} is back to new: API access never switched on, no history, no GSP tokens, no lock. Their own sessions ended; nobody else's did."),
    )?;
    Ok(see_other("/trainer/classroom"))
}

#[derive(Template)]
#[template(path = "trainer/new_password.html")]
struct NewPasswordPage {
    chrome: Chrome,
    username: String,
    password: String,
}

/// Gives a trainee or demo taxpayer a new password, shown once on the answer.
pub async fn new_password(
    _trainer: CurrentTrainer,
    chrome: Chrome,
    form: Form<AccountForm>,
    pool: web::Data<Pool>,
    hasher: web::Data<Hasher>,
    clock: web::Data<Clock>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let username = username_of(form.into_inner())?;
    let name = username.clone();
    let (id, _) = db::run(&pool, move |conn| {
        classroom::find_controllable(conn, &name).map_err(classroom_error)
    })
    .await?;
    let fresh = classroom::invent_password(&mut rand::rng());
    let hash = hasher.hash(fresh.clone()).await?;
    let act = TrainerAct {
        at: EventTime::now(&clock),
        origin,
    };
    let name = username.clone();
    db::write(&pool, move |conn| {
        classroom::set_password(conn, id, &name, &hash, &act)
    })
    .await?;
    tracing::info!(%username, "trainer set a new password");
    let page = NewPasswordPage {
        chrome,
        username,
        password: fresh,
    };
    let mut response = render(StatusCode::OK, &page)?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_portal_says_it_cannot_be_reached() {
        let a = room_addresses("127.0.0.1:8080".parse().unwrap());
        assert!(a.loopback_only);
        assert_eq!(a.urls, ["http://127.0.0.1:8080/"]);
    }

    #[test]
    fn a_portal_on_one_address_shows_that_address() {
        let a = room_addresses("192.168.1.20:8080".parse().unwrap());
        assert!(!a.loopback_only);
        assert_eq!(a.urls, ["http://192.168.1.20:8080/"]);
    }

    #[test]
    fn a_portal_on_every_address_shows_no_loopback() {
        let a = room_addresses("0.0.0.0:8080".parse().unwrap());
        assert!(
            a.urls.iter().all(|u| !u.contains("127.0.0.1")),
            "{:?}",
            a.urls
        );
        assert!(a.urls.iter().all(|u| u.ends_with(":8080/")));
    }
}
