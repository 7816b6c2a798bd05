//! The machine's limits that `bench/load.sh` sets the portal's figures against, measured
//! without the web server in the way:
//!
//! - storage: Confirms committed one after another on one connection, with the
//!   portal's schema, pragmas (WAL, `synchronous = FULL`) and statements (the access
//!   row, its history row and the security event in one immediate transaction, then
//!   the session's new state), as fast as the disk syncs them;
//! - argon2: the time of one password check with the portal's parameters, and from it
//!   the logins per second the cores allow.
//!
//! `cargo run --release --example limits -- storage [seconds]` and `-- argon2` print
//! `name value` lines. They are apart so that the bench can time argon2 right next to
//! its login run: this machine's speed drifts by a fifth from one minute to the next.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use gst_portal::auth::password;
use gst_portal::db;
use gst_portal::db::models::security_event::EventTime;
use gst_portal::db::models::session::{self, NewSession};
use gst_portal::db::models::taxpayer::{self, NewTaxpayer};
use gst_portal::db::models::{api_access, Origin};
use gst_portal::domain::access::AccessChoice;
use gst_portal::domain::duration::AccessDuration;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_default();
    let seconds: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()
        .context("the second argument is the seconds to run")?
        .unwrap_or(5);
    match what.as_str() {
        "storage" => storage(seconds),
        "argon2" => argon2(),
        _ => anyhow::bail!("say which limit: `storage [seconds]` or `argon2`"),
    }
}

/// Confirms committed in a loop, as the portal writes them.
fn storage(seconds: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let pool = db::open(&dir.path().join("limits.db").into())?;
    let mut conn = pool.get()?;

    let hash = password::hash("Bench@2026")?;
    let now = Utc::now();
    let id = taxpayer::insert(
        &mut conn,
        &NewTaxpayer {
            username: "limit.user",
            gstin: "27AAPFU0939F1ZV",
            legal_name: "Limit Traders",
            trade_name: None,
            registration_date: now.date_naive(),
            constitution: "Proprietorship",
            taxpayer_type: "Regular",
            state_name: "Maharashtra",
            gstin_status: "Active",
            mobile: None,
            email: None,
            password_hash: &hash,
            created_at: now.naive_utc(),
        },
    )?;
    session::insert(
        &mut conn,
        &NewSession {
            key_hash: "limit-session",
            taxpayer_id: Some(id.0),
            state: "{}",
            created_at: now.naive_utc(),
            expires_at: (now + chrono::TimeDelta::hours(1)).naive_utc(),
        },
    )?;
    let origin = Origin {
        client_ip: Some("127.0.0.1".to_string()),
        user_agent: Some("limits".to_string()),
    };
    let durations: Vec<AccessDuration> = AccessDuration::all().collect();

    let until = Instant::now() + Duration::from_secs(seconds);
    let began = Instant::now();
    let mut confirms = 0u64;
    while Instant::now() < until {
        let choice = AccessChoice::Enable(durations[confirms as usize % durations.len()]);
        let at = Utc::now();
        // A Confirm's writes as the portal makes them: its rows in one transaction,
        // then the session's new state (the flash that says it was saved).
        let event_at = EventTime {
            real: at,
            demo: None,
        };
        api_access::confirm(&mut conn, id, choice, at, &origin, event_at)?;
        session::update_state(
            &mut conn,
            "limit-session",
            r#"{"flash":"saved"}"#,
            Some(id.0),
            at,
            at + chrono::TimeDelta::hours(1),
        )?;
        confirms += 1;
    }
    let confirm_rate = confirms as f64 / began.elapsed().as_secs_f64();
    println!("storage_confirms_per_s {confirm_rate:.0}");
    Ok(())
}

/// One password check's time, made as the portal makes it (on a hashing thread that
/// keeps its working memory), and the checks per second the cores allow.
fn argon2() -> anyhow::Result<()> {
    let hash = password::hash("Bench@2026")?;
    let hasher = password::Hasher::new(1);
    let check = || hasher.verify_login(Some(hash.clone()), "Wrong@2026a".to_string());
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let one_check = runtime.block_on(async {
        // The first check grows the thread's memory; the rest are timed.
        check().await?;
        let rounds = 20;
        let began = Instant::now();
        for _ in 0..rounds {
            check().await?;
        }
        anyhow::Ok(began.elapsed().as_secs_f64() / f64::from(rounds))
    })?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    println!("argon2_check_ms {:.1}", one_check * 1000.0);
    println!("argon2_logins_per_s {:.0}", cores as f64 / one_check);
    Ok(())
}
