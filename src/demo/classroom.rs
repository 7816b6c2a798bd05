//! Classroom mode: trainee taxpayers made in bulk by the trainer, their printed
//! passwords, the per-account controls, and the progress board built from what the
//! portal already stores.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::max;
use diesel::prelude::*;
use rand::Rng;

use crate::auth::password;
use crate::db::models::login_throttle::{self, ThrottleKey};
use crate::db::models::security_event::{EventKind, TrainerAct};
use crate::db::models::taxpayer::{self, NewTaxpayer, TaxpayerId};
use crate::db::models::{demo_taxpayer, session};
use crate::db::schema::{
    api_access, api_access_changes, api_calls, gsp_clients, gsp_sessions, messages, otp_requests,
    taxpayers, trainee_steps, trainees,
};
use crate::db::{Conn, Run};
use crate::demo::PUBLIC_CLIENT_IDS;
use crate::domain::gstin::{check_character, Gstin};
use crate::domain::password_rule;

/// Most trainees made at once.
pub const MAX_AT_ONCE: u32 = 200;
/// Most trainees in the portal at any time.
pub const MAX_TRAINEES: i64 = 1000;
/// The username prefix when the trainer gives none.
pub const DEFAULT_PREFIX: &str = "trainee";
/// How every demo account's username starts; no trainee's may.
pub const DEMO_START: &str = "demo";

/// Why trainees could not be made or changed; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ClassroomError {
    #[error("Give a number of trainees from 1 to {MAX_AT_ONCE}.")]
    Count,
    #[error("The prefix must be 2 to 20 lower-case letters, digits, dots or hyphens, starting with a letter.")]
    Prefix,
    #[error("A prefix may not start with \"{DEMO_START}\": the trainees would look like the demo accounts. Choose another, such as room.")]
    DemoPrefix,
    #[error("The prefix {prefix} is too close to the existing username {taken}: trainees named after it could be taken for that account. Choose another prefix.")]
    PrefixTaken { prefix: String, taken: String },
    #[error("The portal holds at most {MAX_TRAINEES} trainees and has {have}; {asked} more would pass that. Remove trainees with Reset first, or make fewer.")]
    Full { have: i64, asked: u32 },
    #[error("No trainee or demo taxpayer has the username {0}.")]
    Unknown(String),
    #[error("{0} is a demo taxpayer, not a trainee: Reset demo data puts the demo cases back.")]
    NotTrainee(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for ClassroomError {
    fn from(e: diesel::result::Error) -> Self {
        ClassroomError::Other(anyhow::Error::new(e).context("database query failed"))
    }
}

/// A trainee about to be added, with the password in clear (it goes on the sheet).
#[derive(Debug, Clone)]
pub struct PlannedTrainee {
    pub username: String,
    pub gstin: String,
    pub legal_name: String,
    pub trade_name: String,
    pub constitution: &'static str,
    pub mobile: String,
    pub password: String,
}

/// Checks the count and the prefix of a request for trainees (the prefix as the
/// console and the command line normalise it: trimmed, lower case). A prefix that
/// starts like the demo accounts is refused, so no trainee passes for one.
pub fn check_request(count: u32, prefix: &str) -> Result<(), ClassroomError> {
    if !(1..=MAX_AT_ONCE).contains(&count) {
        return Err(ClassroomError::Count);
    }
    let ok = (2..=20).contains(&prefix.len())
        && prefix.starts_with(|c: char| c.is_ascii_lowercase())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-".contains(&b));
    if !ok {
        return Err(ClassroomError::Prefix);
    }
    if prefix.to_ascii_lowercase().starts_with(DEMO_START) {
        return Err(ClassroomError::DemoPrefix);
    }
    Ok(())
}

/// An account that is not a trainee and whose username the trainees of `prefix`
/// would mimic: one that starts with the prefix (`asha` beside `asha.traders`, `room`
/// beside a real `room01`) or that the prefix starts with (`asha.traders01`).
/// Trainees of the prefix do not count, so a room can be made in several goes.
fn mimicked_username(conn: &mut Conn, prefix: &str) -> QueryResult<Option<String>> {
    let heads: Vec<&str> = (1..=prefix.len())
        .filter_map(|end| prefix.get(..end))
        .collect();
    let not_trainee =
        diesel::dsl::not(taxpayers::id.eq_any(trainees::table.select(trainees::taxpayer_id)));
    taxpayers::table
        .filter(not_trainee)
        .filter(
            taxpayers::username
                .like(format!("{prefix}%"))
                .or(taxpayers::username.eq_any(heads)),
        )
        .order(taxpayers::username.asc())
        .select(taxpayers::username)
        .limit(1)
        .fetch_all::<String>(conn)
        .map(|found| found.into_iter().next())
}

const PLACES: [&str; 24] = [
    "Godavari",
    "Narmada",
    "Tapti",
    "Krishna",
    "Mahanadi",
    "Chambal",
    "Sutlej",
    "Betwa",
    "Periyar",
    "Kosi",
    "Teesta",
    "Pennar",
    "Vaigai",
    "Indravati",
    "Aravalli",
    "Nilgiri",
    "Shivalik",
    "Satpura",
    "Vindhya",
    "Malabar",
    "Konkan",
    "Deccan",
    "Kanchan",
    "Sahyadri",
];
const TRADES: [&str; 20] = [
    "Traders",
    "Textiles",
    "Hardware",
    "Spices",
    "Agencies",
    "Enterprises",
    "Electricals",
    "Pharma Distributors",
    "Printers",
    "Steel Works",
    "Dairy Products",
    "Auto Parts",
    "Handlooms",
    "Logistics",
    "Packaging",
    "Stationers",
    "Agro Foods",
    "Ceramics",
    "Furnishings",
    "Tea Company",
];
/// (constitution, the PAN's fourth letter for it, legal-name suffix)
const CONSTITUTIONS: [(&str, u8, &str); 3] = [
    ("Proprietorship", b'P', ""),
    ("Partnership", b'F', ""),
    ("Private Limited Company", b'C', " Private Limited"),
];
/// State codes the sheet's GSTINs use (all known to `Gstin::state_name`).
const STATE_CODES: [&str; 10] = ["27", "29", "33", "24", "07", "09", "19", "36", "32", "08"];
const PASSWORD_WORDS: [&str; 16] = [
    "Mango", "Lotus", "Tiger", "River", "Cedar", "Pearl", "Maple", "Coral", "Amber", "Falcon",
    "Jasmine", "Orchid", "Banyan", "Peacock", "Monsoon", "Saffron",
];
const PASSWORD_SYMBOLS: [char; 4] = ['@', '#', '$', '*'];

/// A valid fictitious GSTIN for a taxpayer of `constitution`'s PAN letter.
pub fn invent_gstin(rng: &mut impl Rng, pan_letter: u8) -> String {
    let mut first: Vec<u8> = STATE_CODES[rng.random_range(0..STATE_CODES.len())]
        .bytes()
        .collect();
    // The PAN: three letters, the holder's kind, the name's initial, four digits, a letter.
    for _ in 0..3 {
        first.push(b'A' + rng.random_range(0..26u8));
    }
    first.push(pan_letter);
    first.push(b'A' + rng.random_range(0..26u8));
    for _ in 0..4 {
        first.push(b'0' + rng.random_range(0..10u8));
    }
    first.push(b'A' + rng.random_range(0..26u8));
    first.push(b'1');
    first.push(b'Z');
    first.push(check_character(&first));
    String::from_utf8_lossy(&first).into_owned()
}

/// A password that meets the portal's rule and reads out easily, such as `Lotus@4821`.
pub fn invent_password(rng: &mut impl Rng) -> String {
    format!(
        "{}{}{:04}",
        PASSWORD_WORDS[rng.random_range(0..PASSWORD_WORDS.len())],
        PASSWORD_SYMBOLS[rng.random_range(0..PASSWORD_SYMBOLS.len())],
        rng.random_range(0..10_000)
    )
}

/// Plans `count` trainees named `<prefix><number>`, numbered on from the ones that
/// exist, with fresh GSTINs. Fails when the room would pass [`MAX_TRAINEES`].
pub fn plan(
    conn: &mut Conn,
    count: u32,
    prefix: &str,
) -> Result<Vec<PlannedTrainee>, ClassroomError> {
    check_request(count, prefix)?;
    if let Some(taken) = mimicked_username(conn, prefix)? {
        return Err(ClassroomError::PrefixTaken {
            prefix: prefix.to_string(),
            taken,
        });
    }
    let have: i64 = trainees::table.count().fetch_one(conn)?;
    if have + i64::from(count) > MAX_TRAINEES {
        return Err(ClassroomError::Full { have, asked: count });
    }
    let taken: HashSet<String> = taxpayers::table
        .filter(taxpayers::username.like(format!("{prefix}%")))
        .select(taxpayers::username)
        .fetch_all::<String>(conn)?
        .into_iter()
        .collect();
    let mut rng = rand::rng();
    let mut planned = Vec::new();
    let mut gstins = HashSet::new();
    let mut number = 0u32;
    while planned.len() < count as usize {
        number += 1;
        let username = format!("{prefix}{number:02}");
        if taken.contains(&username) {
            continue;
        }
        let (constitution, pan_letter, suffix) =
            CONSTITUTIONS[rng.random_range(0..CONSTITUTIONS.len())];
        let gstin = loop {
            let candidate = invent_gstin(&mut rng, pan_letter);
            if !gstins.contains(&candidate) && !taxpayer::exists_with_gstin(conn, &candidate)? {
                break candidate;
            }
        };
        gstins.insert(gstin.clone());
        let place = PLACES[rng.random_range(0..PLACES.len())];
        let trade = TRADES[rng.random_range(0..TRADES.len())];
        let trade_name = format!("{place} {trade}");
        planned.push(PlannedTrainee {
            username,
            gstin,
            legal_name: format!("{trade_name}{suffix}"),
            trade_name,
            constitution,
            mobile: format!("9{:09}", rng.random_range(0..1_000_000_000u32)),
            password: invent_password(&mut rng),
        });
    }
    Ok(planned)
}

/// Hashes the passwords of `planned`, spread over the machine's cores (argon2 is slow
/// on purpose; done before the write so the write lock is held only for the inserts).
pub fn hash_passwords(planned: &[PlannedTrainee]) -> anyhow::Result<Vec<String>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = planned.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = planned
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|t| password::hash(&t.password))
                        .collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut hashes = Vec::with_capacity(planned.len());
        for handle in handles {
            let part = handle
                .join()
                .map_err(|_| anyhow::anyhow!("a password hashing thread failed"))??;
            hashes.extend(part);
        }
        Ok(hashes)
    })
}

/// Stores planned trainees with their hashed passwords in one transaction, marked as
/// training data, with the security event of `act`. The room's limit is checked
/// again inside it.
pub fn store(
    conn: &mut Conn,
    planned: &[PlannedTrainee],
    hashes: &[String],
    now: DateTime<Utc>,
    act: &TrainerAct,
) -> Result<Vec<TaxpayerId>, ClassroomError> {
    crate::db::atomic(conn, |conn| {
        let have: i64 = trainees::table.count().fetch_one(conn)?;
        let asked = u32::try_from(planned.len()).unwrap_or(u32::MAX);
        if have + i64::from(asked) > MAX_TRAINEES {
            return Err(ClassroomError::Full { have, asked });
        }
        let mut ids = Vec::with_capacity(planned.len());
        for (t, hash) in planned.iter().zip(hashes) {
            let gstin = Gstin::parse(&t.gstin)
                .map_err(|e| anyhow::anyhow!("an invented GSTIN is invalid: {e}"))?;
            password_rule::check(&t.password)
                .map_err(|e| anyhow::anyhow!("an invented password breaks the rule: {e}"))?;
            let id = taxpayer::insert(
                conn,
                &NewTaxpayer {
                    username: &t.username,
                    gstin: gstin.as_str(),
                    legal_name: &t.legal_name,
                    trade_name: Some(&t.trade_name),
                    registration_date: NaiveDate::from_ymd_opt(2021, 4, 1)
                        .unwrap_or_else(|| now.date_naive()),
                    constitution: t.constitution,
                    taxpayer_type: "Regular",
                    state_name: gstin.state_name(),
                    gstin_status: "Active",
                    mobile: Some(&t.mobile),
                    email: None,
                    password_hash: hash,
                    created_at: now.naive_utc(),
                },
            )?;
            demo_taxpayer::mark(conn, id, demo_taxpayer::TRAINEE)?;
            diesel::insert_into(trainees::table)
                .values((
                    trainees::taxpayer_id.eq(id.0),
                    trainees::sheet_password.eq(&t.password),
                    trainees::sheet_credential.eq(password::fingerprint(hash)),
                    trainees::created_at.eq(now.naive_utc()),
                ))
                .exec(conn)?;
            ids.push(id);
        }
        if let (Some(first), Some(last)) = (planned.first(), planned.last()) {
            let what = format!(
                "added {} trainee(s), {} to {}",
                planned.len(),
                first.username,
                last.username
            );
            act.record(conn, EventKind::TrainerAddedTrainees, None, &what)?;
        }
        Ok(ids)
    })
}

/// Plans, hashes and stores `count` trainees in one go (the command line's way).
pub fn add(
    conn: &mut Conn,
    count: u32,
    prefix: &str,
    now: DateTime<Utc>,
    act: &TrainerAct,
) -> Result<Vec<PlannedTrainee>, ClassroomError> {
    let planned = plan(conn, count, prefix)?;
    let hashes = hash_passwords(&planned)?;
    store(conn, &planned, &hashes, now, act)?;
    Ok(planned)
}

/// A trainee as the printed sheet shows them.
#[derive(Debug, Clone)]
pub struct SheetCard {
    pub username: String,
    pub trade_name: String,
    pub gstin: String,
    /// The printed password, or `None` once the password has changed since.
    pub password: Option<String>,
}

/// username, trade name, GSTIN, printed password, its credential, current hash.
type SheetRow = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
);

/// Every trainee, by username, with the printed password while it is still theirs.
pub fn sheet(conn: &mut Conn) -> QueryResult<Vec<SheetCard>> {
    let rows: Vec<SheetRow> = trainees::table
        .inner_join(taxpayers::table)
        .order(taxpayers::username.asc())
        .select((
            taxpayers::username,
            taxpayers::trade_name,
            taxpayers::gstin,
            trainees::sheet_password,
            trainees::sheet_credential,
            taxpayers::password_hash,
        ))
        .fetch_all(conn)?;
    Ok(rows
        .into_iter()
        .map(|(username, trade_name, gstin, printed, credential, hash)| {
            let current = credential.as_deref() == Some(password::fingerprint(&hash).as_str());
            SheetCard {
                username,
                trade_name: trade_name.unwrap_or_default(),
                gstin,
                password: printed.filter(|_| current),
            }
        })
        .collect())
}

/// A step of the manual that only a page view shows, recorded in `trainee_steps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewStep {
    Profile,
    ApiAccess,
}

impl ViewStep {
    fn stored(self) -> &'static str {
        match self {
            ViewStep::Profile => "profile",
            ViewStep::ApiAccess => "api_access",
        }
    }
}

/// Whether `taxpayer` is a trainee who has not been seen at `step` yet: a read, so
/// that later views of the page cost no write. (What was recorded is in the
/// database alone, so every portal on it and every reset agree.)
pub fn step_unrecorded(conn: &mut Conn, taxpayer: TaxpayerId, step: ViewStep) -> QueryResult<bool> {
    let trainee = trainees::table.find(taxpayer.0);
    let seen = trainee_steps::table
        .filter(trainee_steps::taxpayer_id.eq(taxpayer.0))
        .filter(trainee_steps::step.eq(step.stored()));
    diesel::select(diesel::dsl::exists(trainee).and(diesel::dsl::not(diesel::dsl::exists(seen))))
        .fetch_one(conn)
}

/// Stores that `taxpayer` reached `step` at `now`, if the taxpayer is a trainee and
/// had not reached it before.
pub fn record_view(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    step: ViewStep,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    crate::db::atomic(conn, |conn| {
        let trainee: bool = diesel::select(diesel::dsl::exists(trainees::table.find(taxpayer.0)))
            .fetch_one(conn)?;
        if trainee {
            crate::per_backend!(conn, |c| diesel::insert_into(trainee_steps::table)
                .values((
                    trainee_steps::taxpayer_id.eq(taxpayer.0),
                    trainee_steps::step.eq(step.stored()),
                    trainee_steps::seen_at.eq(now.naive_utc()),
                ))
                .on_conflict_do_nothing()
                .execute(c))?;
        }
        Ok(())
    })
}

/// One trainee's line of the progress board: when each step happened, if it did.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub username: String,
    pub trade_name: String,
    pub logged_in: Option<DateTime<Utc>>,
    pub profile: Option<DateTime<Utc>>,
    pub api_access: Option<DateTime<Utc>>,
    /// The last Yes, with the duration chosen in hours.
    pub confirmed_yes: Option<(DateTime<Utc>, Option<i32>)>,
    pub confirmed_no: Option<DateTime<Utc>>,
    pub otp_asked: Option<DateTime<Utc>>,
    pub token_issued: Option<DateTime<Utc>>,
    pub refused_auth4037: Option<DateTime<Utc>>,
    /// The end of a running login lock.
    pub locked_until: Option<DateTime<Utc>>,
}

/// The board: every trainee against the manual's steps, in a fixed number of queries
/// whatever the size of the room. Logins, confirmations, OTPs, tokens and refusals
/// come from the tables their actions write anyway (OTPs, tokens and refusals of the
/// room's GSP clients only); only the two page views come from `trainee_steps`.
pub fn board(conn: &mut Conn, now: DateTime<Utc>) -> QueryResult<Vec<Progress>> {
    let people: Vec<(i32, String, Option<String>, Option<chrono::NaiveDateTime>)> = trainees::table
        .inner_join(taxpayers::table)
        .order(taxpayers::username.asc())
        .select((
            taxpayers::id,
            taxpayers::username,
            taxpayers::trade_name,
            taxpayers::last_login_at,
        ))
        .fetch_all(conn)?;
    let room = trainees::table.select(trainees::taxpayer_id);
    let views: Vec<(i32, String, chrono::NaiveDateTime)> = trainee_steps::table
        .select((
            trainee_steps::taxpayer_id,
            trainee_steps::step,
            trainee_steps::seen_at,
        ))
        .fetch_all(conn)?;
    let changes: Vec<(i32, bool, Option<i32>, chrono::NaiveDateTime)> = api_access_changes::table
        .filter(api_access_changes::taxpayer_id.eq_any(room))
        .order(api_access_changes::id.asc())
        .select((
            api_access_changes::taxpayer_id,
            api_access_changes::enabled,
            api_access_changes::duration_hours,
            api_access_changes::changed_at,
        ))
        .fetch_all(conn)?;
    // The GSP columns show what the room's clients did (the trainer's player and the
    // clients the operator registered), not the demo clients, whose secrets are public.
    let room_clients = || {
        gsp_clients::table
            .filter(gsp_clients::client_id.ne_all(PUBLIC_CLIENT_IDS))
            .select(gsp_clients::id)
    };
    let otps: Vec<(i32, Option<chrono::NaiveDateTime>)> = otp_requests::table
        .filter(otp_requests::taxpayer_id.eq_any(room))
        .filter(otp_requests::gsp_client_id.eq_any(room_clients()))
        .group_by(otp_requests::taxpayer_id)
        .select((otp_requests::taxpayer_id, max(otp_requests::created_at)))
        .fetch_all(conn)?;
    let tokens: Vec<(i32, Option<chrono::NaiveDateTime>)> = gsp_sessions::table
        .filter(gsp_sessions::taxpayer_id.eq_any(room))
        .filter(gsp_sessions::gsp_client_id.eq_any(room_clients()))
        .group_by(gsp_sessions::taxpayer_id)
        .select((gsp_sessions::taxpayer_id, max(gsp_sessions::created_at)))
        .fetch_all(conn)?;
    let usernames: Vec<&str> = people.iter().map(|p| p.1.as_str()).collect();
    // The call log holds the room's calls only (`routes::taxpayerapi::call_log`).
    let refusals: Vec<(Option<String>, Option<chrono::NaiveDateTime>)> = api_calls::table
        .filter(api_calls::result_code.eq("AUTH4037"))
        .filter(api_calls::username.eq_any(&usernames))
        .group_by(api_calls::username)
        .select((api_calls::username, max(api_calls::called_at)))
        .fetch_all(conn)?;
    let locks = login_throttle::locked_taxpayers(conn, &usernames, now)?;

    let at = |t: chrono::NaiveDateTime| t.and_utc();
    let mut by_id: HashMap<i32, Progress> = HashMap::new();
    for (id, username, trade_name, last_login) in &people {
        by_id.insert(
            *id,
            Progress {
                username: username.clone(),
                trade_name: trade_name.clone().unwrap_or_default(),
                logged_in: last_login.map(at),
                locked_until: locks.get(username).copied(),
                ..Progress::default()
            },
        );
    }
    for (id, step, seen) in views {
        if let Some(p) = by_id.get_mut(&id) {
            match step.as_str() {
                "profile" => p.profile = Some(at(seen)),
                "api_access" => p.api_access = Some(at(seen)),
                _ => {}
            }
        }
    }
    for (id, enabled, hours, changed) in changes {
        if let Some(p) = by_id.get_mut(&id) {
            if enabled {
                p.confirmed_yes = Some((at(changed), hours));
            } else {
                p.confirmed_no = Some(at(changed));
            }
        }
    }
    for (id, when) in otps {
        if let Some(p) = by_id.get_mut(&id) {
            p.otp_asked = when.map(at);
        }
    }
    for (id, when) in tokens {
        if let Some(p) = by_id.get_mut(&id) {
            p.token_issued = when.map(at);
        }
    }
    let ids_by_name: HashMap<&str, i32> = people.iter().map(|p| (p.1.as_str(), p.0)).collect();
    for (username, when) in refusals {
        let id = username.as_deref().and_then(|u| ids_by_name.get(u));
        if let Some(p) = id.and_then(|id| by_id.get_mut(id)) {
            p.refused_auth4037 = when.map(at);
        }
    }
    Ok(people.iter().filter_map(|p| by_id.remove(&p.0)).collect())
}

/// The taxpayer the trainer's controls may act on: a trainee or a demo taxpayer.
pub fn find_controllable(
    conn: &mut Conn,
    username: &str,
) -> Result<(TaxpayerId, bool), ClassroomError> {
    let found: Option<(i32, String)> = taxpayers::table
        .inner_join(crate::db::schema::demo_taxpayers::table)
        .filter(taxpayers::username.eq(username))
        .select((taxpayers::id, crate::db::schema::demo_taxpayers::kind))
        .fetch_one(conn)
        .optional()?;
    found
        .map(|(id, kind)| (TaxpayerId(id), kind == demo_taxpayer::TRAINEE))
        .ok_or_else(|| ClassroomError::Unknown(username.to_string()))
}

/// Ends the login lock of `username` (and forgets its failed logins), with the
/// security event of `act`. Returns whether it was locked.
pub fn unlock(
    conn: &mut Conn,
    username: &str,
    now: DateTime<Utc>,
    act: &TrainerAct,
) -> Result<bool, ClassroomError> {
    let (id, _) = find_controllable(conn, username)?;
    let key = ThrottleKey::Taxpayer(username.to_string());
    crate::db::atomic(conn, |conn| {
        let locked = login_throttle::locked_until(conn, &key, now)?.is_some();
        login_throttle::clear(conn, &key)?;
        let what = if locked {
            format!("unlocked {username}")
        } else {
            format!("cleared the failed logins of {username} (it was not locked)")
        };
        act.record(conn, EventKind::TrainerUnlocked, Some(id), &what)?;
        Ok(locked)
    })
}

/// Puts a trainee back to new: API access never switched on, no history, no GSP
/// tokens, OTPs, messages or recorded steps, no login lock, and their own sessions
/// ended. Nobody else's session is touched. The security event of `act` is written
/// with it.
pub fn reset_trainee(
    conn: &mut Conn,
    username: &str,
    act: &TrainerAct,
) -> Result<TaxpayerId, ClassroomError> {
    let (id, trainee) = find_controllable(conn, username)?;
    if !trainee {
        return Err(ClassroomError::NotTrainee(username.to_string()));
    }
    crate::db::atomic(conn, |conn| {
        diesel::delete(api_access::table.find(id.0)).exec(conn)?;
        diesel::delete(api_access_changes::table.filter(api_access_changes::taxpayer_id.eq(id.0)))
            .exec(conn)?;
        diesel::delete(otp_requests::table.filter(otp_requests::taxpayer_id.eq(id.0)))
            .exec(conn)?;
        diesel::delete(gsp_sessions::table.filter(gsp_sessions::taxpayer_id.eq(id.0)))
            .exec(conn)?;
        diesel::delete(messages::table.filter(messages::taxpayer_id.eq(id.0))).exec(conn)?;
        diesel::delete(trainee_steps::table.filter(trainee_steps::taxpayer_id.eq(id.0)))
            .exec(conn)?;
        diesel::delete(api_calls::table.filter(api_calls::username.eq(username))).exec(conn)?;
        diesel::update(taxpayers::table.find(id.0))
            .set((
                taxpayers::last_login_at.eq(None::<chrono::NaiveDateTime>),
                taxpayers::previous_login_at.eq(None::<chrono::NaiveDateTime>),
            ))
            .exec(conn)?;
        login_throttle::clear(conn, &ThrottleKey::Taxpayer(username.to_string()))?;
        session::delete_for_taxpayer(conn, id)?;
        let what = format!("reset {username} to new");
        act.record(conn, EventKind::TrainerResetTrainee, Some(id), &what)?;
        Ok(id)
    })
}

/// Gives `taxpayer` a new password hash. Sessions made with the old password end at
/// their next request (their credential no longer matches); no other taxpayer's
/// session is touched. The printed password no longer shows on the sheet. The
/// security event of `act` names `username`.
pub fn set_password(
    conn: &mut Conn,
    taxpayer: TaxpayerId,
    username: &str,
    hash: &str,
    act: &TrainerAct,
) -> QueryResult<()> {
    crate::db::atomic(conn, |conn| {
        taxpayer::update_password_hash(conn, taxpayer, hash)?;
        session::delete_for_taxpayer(conn, taxpayer)?;
        let what = format!("gave {username} a new password");
        act.record(conn, EventKind::TrainerNewPassword, Some(taxpayer), &what)
    })
}

/// Removes every trainee with everything of theirs (Reset, when the trainer ticks it).
pub fn remove_all(conn: &mut Conn) -> QueryResult<usize> {
    let usernames: Vec<String> = trainees::table
        .inner_join(taxpayers::table)
        .select(taxpayers::username)
        .fetch_all(conn)?;
    let names: Vec<&str> = usernames.iter().map(String::as_str).collect();
    login_throttle::clear_taxpayers(conn, &names)?;
    diesel::delete(
        taxpayers::table
            .filter(taxpayers::id.eq_any(trainees::table.select(trainees::taxpayer_id))),
    )
    .exec(conn)
}

/// How many trainees the portal holds.
pub fn count(conn: &mut Conn) -> QueryResult<i64> {
    trainees::table.count().fetch_one(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_gstins_and_passwords_are_valid() {
        let mut rng = rand::rng();
        for _ in 0..500 {
            for (_, letter, _) in CONSTITUTIONS {
                let g = invent_gstin(&mut rng, letter);
                assert!(Gstin::parse(&g).is_ok(), "{g}");
            }
            let p = invent_password(&mut rng);
            assert!(password_rule::check(&p).is_ok(), "{p}");
        }
    }

    #[test]
    fn requests_out_of_bounds_are_refused() {
        assert!(matches!(
            check_request(0, "trainee"),
            Err(ClassroomError::Count)
        ));
        assert!(matches!(
            check_request(201, "trainee"),
            Err(ClassroomError::Count)
        ));
        assert!(check_request(200, "trainee").is_ok());
        for bad in [
            "t",
            "Trainee",
            "9room",
            "room name",
            "a/b",
            "x".repeat(21).as_str(),
        ] {
            assert!(
                matches!(check_request(1, bad), Err(ClassroomError::Prefix)),
                "{bad}"
            );
        }
    }

    #[test]
    fn prefixes_that_start_like_a_demo_account_are_refused() {
        for bad in ["demo", "demo.enabled", "demonstration", "demo-room"] {
            assert!(
                matches!(check_request(1, bad), Err(ClassroomError::DemoPrefix)),
                "{bad}"
            );
        }
        assert!(check_request(1, "room.demo").is_ok());
    }
}
