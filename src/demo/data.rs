//! The demo data: one fictitious taxpayer for each case a trainer needs and a GSP
//! client; seeding what is missing, and the reset that puts it all back.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use diesel::prelude::*;

use crate::admin::{self, AddTaxpayerError, ClientCredentials, TaxpayerInput};
use crate::auth::session::state_ended_by_reset;
use crate::auth::{constant_time_eq, password, random_hex, sha256_hex};
use crate::clock::Clock;
use crate::db::models::api_access;
use crate::db::models::login_throttle::{self, ThrottleKey};
use crate::db::models::security_event::EventTime;
use crate::db::models::{
    api_call, app_setting, demo_taxpayer, gsp_client, session, taxpayer, Origin,
};
use crate::db::schema::taxpayers;
use crate::db::{Conn, Run};
use crate::domain::access::AccessChoice;
use crate::domain::duration::AccessDuration;

/// The password every demo taxpayer is seeded with.
pub const DEMO_PASSWORD: &str = "Demo@2026";
/// The GSP client of the demo data. Its secret is fictitious and printed at start.
pub const DEMO_GSP_CLIENT_NAME: &str = "Demo GSP (Sahaj Returns)";
pub const DEMO_GSP_CLIENT_ID: &str = "gsp-demo-client";
pub const DEMO_GSP_CLIENT_SECRET: &str = "demo-gsp-secret-for-training-only";
/// The demo data's second GSP client, which speaks the encrypted wire protocol (the
/// first speaks the plain one, for curl).
pub const DEMO_ENCRYPTED_CLIENT_NAME: &str = "Demo GSP, encrypted (Sahaj Returns Pro)";
pub const DEMO_ENCRYPTED_CLIENT_ID: &str = "gsp-demo-encrypted";
pub const DEMO_ENCRYPTED_CLIENT_SECRET: &str = "demo-gsp-encrypted-secret-for-training-only";

/// The demo data's GSP clients, whose secrets are public (printed at start, on the
/// console and in the README).
pub const PUBLIC_CLIENT_IDS: [&str; 2] = [DEMO_GSP_CLIENT_ID, DEMO_ENCRYPTED_CLIENT_ID];

/// The GSP client of the trainer's GSP player on the console. Its secret is made at
/// random when the demo data is seeded and kept in the database (`app_settings`),
/// never shown: on no page, in no log, not by the command line. It lives in the
/// database rather than in one process's memory so that every portal on a shared
/// database can play (each reads it there), and a restart or a Reset of the demo
/// data does not strand it. The database already holds the cookie key and the RSA
/// private key, so it adds nothing an attacker of the database lacks.
pub const PLAYER_CLIENT_ID: &str = "trainer-gsp-player";
pub const PLAYER_CLIENT_NAME: &str = "Trainer's GSP player";

/// Whether `client_id` is one of the demo data's GSP clients whose secrets are public.
/// Their calls are anyone's: the trainer's feed and board count them, nothing more.
pub fn is_public_client_id(client_id: &str) -> bool {
    PUBLIC_CLIENT_IDS.contains(&client_id)
}

/// Whether `client_id` answers only in demo mode: the public demo clients, and the
/// trainer's GSP player, whose sandbox privileges belong to a classroom.
pub fn is_demo_only_client_id(client_id: &str) -> bool {
    is_public_client_id(client_id) || client_id == PLAYER_CLIENT_ID
}

/// What a demo taxpayer shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// API access on for 30 days.
    Enabled30Days,
    /// API access on, with the period ending 30 minutes after seeding.
    EndingSoon,
    /// API access switched off (it was on before).
    Disabled,
    /// API access never switched on.
    NeverEnabled,
    /// Locked after repeated failed logins.
    Locked,
}

/// A demo taxpayer.
pub struct DemoTaxpayer {
    pub case: Case,
    pub username: &'static str,
    pub gstin: &'static str,
    pub legal_name: &'static str,
    /// A realistic, fictitious business name, as a learner would see on the portal.
    pub trade_name: &'static str,
    /// The case in words, for the trainer console and the start-up listing only.
    pub case_text: &'static str,
    pub constitution: &'static str,
    pub mobile: &'static str,
}

/// The demo taxpayers, one per case, with valid GSTINs.
pub const TAXPAYERS: [DemoTaxpayer; 5] = [
    DemoTaxpayer {
        case: Case::Enabled30Days,
        username: "demo.enabled",
        gstin: "27AAPFU0939F1ZV",
        legal_name: "Udaygiri Traders",
        trade_name: "Udaygiri Traders",
        case_text: "Access on for 30 days",
        constitution: "Partnership",
        mobile: "9800000001",
    },
    DemoTaxpayer {
        case: Case::EndingSoon,
        username: "demo.ending",
        gstin: "36AAGCN9336F1Z9",
        legal_name: "Nallamala Consultancy Services Private Limited",
        trade_name: "Nallamala Consulting",
        case_text: "Access ending in 30 minutes",
        constitution: "Private Limited Company",
        mobile: "9800000002",
    },
    DemoTaxpayer {
        case: Case::Disabled,
        username: "demo.disabled",
        gstin: "29AABCD1234E1Z4",
        legal_name: "Kaveri Exports Private Limited",
        trade_name: "Kaveri Exports",
        case_text: "Access switched off",
        constitution: "Private Limited Company",
        mobile: "9800000003",
    },
    DemoTaxpayer {
        case: Case::NeverEnabled,
        username: "demo.never",
        gstin: "07AAKFR5678M1ZC",
        legal_name: "Yamuna Foods",
        trade_name: "Yamuna Foods",
        case_text: "Access never enabled",
        constitution: "Partnership",
        mobile: "9800000004",
    },
    DemoTaxpayer {
        case: Case::Locked,
        username: "demo.locked",
        gstin: "24AALCG7788B1ZC",
        legal_name: "Sabarmati Crafts Private Limited",
        trade_name: "Sabarmati Crafts",
        case_text: "Locked after failed logins",
        constitution: "Private Limited Company",
        mobile: "9800000005",
    },
];

fn input(t: &DemoTaxpayer) -> TaxpayerInput {
    TaxpayerInput {
        username: t.username.to_string(),
        gstin: t.gstin.to_string(),
        legal_name: t.legal_name.to_string(),
        trade_name: Some(t.trade_name.to_string()),
        state: None,
        mobile: Some(t.mobile.to_string()),
        email: Some(format!("{}@example.in", t.username)),
        constitution: t.constitution.to_string(),
        taxpayer_type: "Regular".to_string(),
        registration_date: NaiveDate::from_ymd_opt(2019, 7, 1),
        password: DEMO_PASSWORD.to_string(),
    }
}

/// Puts a freshly added demo taxpayer into its case.
fn set_up_case(
    conn: &mut Conn,
    t: &DemoTaxpayer,
    id: taxpayer::TaxpayerId,
    clock: &Clock,
) -> Result<(), AddTaxpayerError> {
    let now = clock.now();
    let event_at = EventTime::now(clock);
    let origin = Origin {
        client_ip: None,
        user_agent: Some("demo data".to_string()),
    };
    let enable = |hours: &str| {
        AccessDuration::parse(hours)
            .map(AccessChoice::Enable)
            .map_err(|_| AddTaxpayerError::Other(anyhow::anyhow!("bad demo duration {hours}")))
    };
    match t.case {
        Case::Enabled30Days => {
            api_access::confirm(conn, id, enable("720")?, now, &origin, event_at)?;
        }
        Case::EndingSoon => {
            let at = now - TimeDelta::hours(5) - TimeDelta::minutes(30);
            api_access::confirm(conn, id, enable("6")?, at, &origin, event_at)?;
        }
        Case::Disabled => {
            let two_days_ago = now - TimeDelta::days(2);
            api_access::confirm(conn, id, enable("168")?, two_days_ago, &origin, event_at)?;
            api_access::confirm(
                conn,
                id,
                AccessChoice::Disable,
                now - TimeDelta::days(1),
                &origin,
                event_at,
            )?;
        }
        Case::NeverEnabled => {}
        Case::Locked => lock_demo_account(conn, t.username, clock)?,
    }
    Ok(())
}

/// How long the demo's locked account stays locked: long enough for a class, in real
/// time (the time machine does not move locks).
pub const DEMO_LOCK: TimeDelta = TimeDelta::hours(24);

/// Locks `username` the way failed logins do, for [`DEMO_LOCK`].
fn lock_demo_account(conn: &mut Conn, username: &str, clock: &Clock) -> QueryResult<()> {
    let now = clock.security_now();
    let key = ThrottleKey::Taxpayer(username.to_string());
    login_throttle::lock(conn, &key, now, now + DEMO_LOCK)
}

/// Adds what is missing of the demo data (taxpayers in their cases, marked as
/// training data, the GSP clients and the player's client), and turns the sandbox
/// OTP on unless an operator has set it. Returns how many taxpayers were added. One
/// unit in the writers' turn, so portals starting together on one database seed it
/// once.
pub fn seed(conn: &mut Conn, clock: &Clock) -> Result<usize, AddTaxpayerError> {
    crate::db::atomic(conn, |conn| seed_missing(conn, clock))
}

fn seed_missing(conn: &mut Conn, clock: &Clock) -> Result<usize, AddTaxpayerError> {
    let clients = [
        (
            DEMO_GSP_CLIENT_NAME,
            DEMO_GSP_CLIENT_ID,
            DEMO_GSP_CLIENT_SECRET,
            false,
        ),
        (
            DEMO_ENCRYPTED_CLIENT_NAME,
            DEMO_ENCRYPTED_CLIENT_ID,
            DEMO_ENCRYPTED_CLIENT_SECRET,
            true,
        ),
    ];
    for (name, id, secret, encrypted) in clients {
        if gsp_client::find_by_client_id(conn, id)?.is_none() {
            let demo = ClientCredentials {
                client_id: id.to_string(),
                client_secret: secret.to_string(),
            };
            admin::insert_gsp_client(conn, name, &demo, encrypted, clock.now())?;
        }
    }
    player_client_ready(conn, clock.now())?;
    // Seeding never overrides an operator's `sandbox-otp off`.
    app_setting::get_or_insert_with(conn, app_setting::SANDBOX_OTP, || "on".to_string())?;
    let mut added = 0;
    for t in &TAXPAYERS {
        if taxpayer::find_by_username(conn, t.username)?.is_some() {
            // The locked account is locked again at each start once its lock ran out.
            let key = ThrottleKey::Taxpayer(t.username.to_string());
            let unlocked =
                login_throttle::locked_until(conn, &key, clock.security_now())?.is_none();
            if t.case == Case::Locked && unlocked {
                lock_demo_account(conn, t.username, clock)?;
            }
            continue;
        }
        let id = admin::add_taxpayer(conn, &input(t), clock.now())?;
        demo_taxpayer::mark(conn, id, demo_taxpayer::DEMO)?;
        set_up_case(conn, t, id, clock)?;
        added += 1;
    }
    Ok(added)
}

/// Gives the trainer's GSP player a client with a fresh secret unless it has a usable
/// one: present, not revoked, and matching the kept secret. A revoked player client
/// comes back with a new secret, so a revocation still ends what the old one held.
fn player_client_ready(conn: &mut Conn, now: DateTime<Utc>) -> Result<(), AddTaxpayerError> {
    let kept = app_setting::get(conn, app_setting::GSP_PLAYER_SECRET)?;
    let row = gsp_client::find_by_client_id(conn, PLAYER_CLIENT_ID)?;
    if let (Some(c), Some(secret)) = (&row, &kept) {
        if c.revoked_at.is_none() && constant_time_eq(&c.secret_hash, &sha256_hex(secret)) {
            return Ok(());
        }
    }
    let secret = random_hex(32);
    if row.is_some() {
        gsp_client::renew_secret(conn, PLAYER_CLIENT_ID, &sha256_hex(&secret))?;
    } else {
        let player = ClientCredentials {
            client_id: PLAYER_CLIENT_ID.to_string(),
            client_secret: secret.clone(),
        };
        admin::insert_gsp_client(conn, PLAYER_CLIENT_NAME, &player, false, now)?;
    }
    app_setting::set(conn, app_setting::GSP_PLAYER_SECRET, &secret)?;
    Ok(())
}

/// Puts the demo data back as seeded: the demo taxpayers are removed with everything
/// of theirs (access, history, sessions, GSP tokens, messages), the API call log is
/// cleared and the demo data seeded again. Other taxpayers are left alone.
pub fn reset(conn: &mut Conn, clock: &Clock) -> Result<(), AddTaxpayerError> {
    let usernames: Vec<&str> = TAXPAYERS.iter().map(|t| t.username).collect();
    crate::db::atomic(conn, |conn| {
        // Their sessions stay, marked, so each taxpayer is told the trainer reset the
        // demo instead of being told the session timed out.
        let ids: Vec<i32> = taxpayers::table
            .filter(taxpayers::username.eq_any(&usernames))
            .select(taxpayers::id)
            .fetch_all(conn)?;
        session::replace_state_of(conn, &ids, &state_ended_by_reset())?;
        diesel::delete(taxpayers::table.filter(taxpayers::username.eq_any(&usernames)))
            .exec(conn)?;
        login_throttle::clear_taxpayers(conn, &usernames)?;
        api_call::clear(conn)?;
        diesel::QueryResult::Ok(())
    })?;
    seed(conn, clock).map(drop)
}

/// A demo account as printed at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub gstin: String,
    pub case: &'static str,
    /// The seeded password, or `None` if it has been changed since.
    pub password: Option<&'static str>,
}

/// A demo account present in the database, with its stored password hash (whether
/// the seeded password still opens it is for the caller to check, off the database).
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub gstin: String,
    pub case: &'static str,
    pub password_hash: String,
}

/// The demo accounts present in the database, in the seeding order.
pub fn logins(conn: &mut Conn) -> QueryResult<Vec<DemoLogin>> {
    let mut found = Vec::new();
    for t in &TAXPAYERS {
        if let Some(row) = taxpayer::find_by_username(conn, t.username)? {
            found.push(DemoLogin {
                username: row.username,
                gstin: row.gstin,
                case: t.case_text,
                password_hash: row.password_hash,
            });
        }
    }
    Ok(found)
}

/// The demo accounts present in the database, for the start-up banner.
pub fn accounts(conn: &mut Conn) -> anyhow::Result<Vec<DemoAccount>> {
    logins(conn)?
        .into_iter()
        .map(|l| {
            let unchanged = password::verify(&l.password_hash, DEMO_PASSWORD)?;
            Ok(DemoAccount {
                username: l.username,
                gstin: l.gstin,
                case: l.case,
                password: unchanged.then_some(DEMO_PASSWORD),
            })
        })
        .collect()
}

/// The demo plain GSP client's credentials, if it is registered and not revoked.
pub fn gsp_client(conn: &mut Conn) -> anyhow::Result<Option<ClientCredentials>> {
    demo_client(conn, DEMO_GSP_CLIENT_ID, DEMO_GSP_CLIENT_SECRET)
}

/// The demo encrypted GSP client's credentials, if it is registered and not revoked.
pub fn encrypted_gsp_client(conn: &mut Conn) -> anyhow::Result<Option<ClientCredentials>> {
    demo_client(conn, DEMO_ENCRYPTED_CLIENT_ID, DEMO_ENCRYPTED_CLIENT_SECRET)
}

/// The credentials the trainer's GSP player calls with, if its client is registered
/// and not revoked. For the player only: never to be shown.
pub fn player_client(conn: &mut Conn) -> QueryResult<Option<ClientCredentials>> {
    let active = gsp_client::find_by_client_id(conn, PLAYER_CLIENT_ID)?
        .is_some_and(|c| c.revoked_at.is_none());
    if !active {
        return Ok(None);
    }
    Ok(
        app_setting::get(conn, app_setting::GSP_PLAYER_SECRET)?.map(|secret| ClientCredentials {
            client_id: PLAYER_CLIENT_ID.to_string(),
            client_secret: secret,
        }),
    )
}

fn demo_client(
    conn: &mut Conn,
    id: &str,
    secret: &str,
) -> anyhow::Result<Option<ClientCredentials>> {
    Ok(gsp_client::find_by_client_id(conn, id)?
        .filter(|c| c.revoked_at.is_none())
        .map(|_| ClientCredentials {
            client_id: id.to_string(),
            client_secret: secret.to_string(),
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gstin::Gstin;
    use crate::domain::password_rule;

    #[test]
    fn demo_data_is_valid() {
        for t in &TAXPAYERS {
            assert!(Gstin::parse(t.gstin).is_ok(), "{}", t.gstin);
            assert!(admin::normalise_username(t.username).is_ok());
        }
        assert!(password_rule::check(DEMO_PASSWORD).is_ok());
    }
}
