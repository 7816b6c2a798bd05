//! Several portals on one database, as behind a load balancer: whatever instance a
//! request lands on, it sees and keeps the same state. They run on the test backend
//! (a SQLite file shared by the instances, or a PostgreSQL database), each instance
//! with its own pools, writer, clock and port. The last tests use real processes, to
//! kill one, and a PostgreSQL server of their own, to stop it.

use std::cell::RefCell;
use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use diesel::prelude::*;
use futures_util::future::join_all;

use gst_portal::db::models::api_access;
use gst_portal::db::schema::api_access_changes;
use gst_portal::db::Run;

use crate::helpers::*;

/// `b`'s session cookie `cookie`, carried to a browser of `app`: the same session,
/// sent to another instance.
fn carried(b: &Browser, cookie: &str, app: &TestApp) -> Browser {
    let moved = app.browser();
    moved.set_cookie(cookie, &b.cookie(cookie).expect("a session cookie"));
    moved
}

/// `b`'s taxpayer session, carried to `app`.
fn same_session_at(b: &Browser, app: &TestApp) -> Browser {
    carried(b, app.settings.cookie_name(), app)
}

#[actix_web::test]
async fn a_session_made_on_one_instance_works_on_another_and_a_logout_there_ends_it() {
    // ASVS V3.3.1: a logout ends the session on the server, on every instance.
    let a = spawn_app().await;
    let b = a.another_instance().await;
    let on_a = a.logged_in().await;
    let on_b = same_session_at(&on_a, &b);
    let page = on_b.get("/profile/api-access").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let dashboard = on_b.get("/dashboard").await;
    let out = on_b
        .post("/logout", &[("csrf_token", &dashboard.csrf_token())])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = on_a.get("/dashboard").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().unwrap().starts_with("/login"));
}

#[actix_web::test]
async fn a_confirm_on_one_instance_shows_on_another_and_no_refuses_gsp_calls_there_at_once() {
    let a = spawn_app().await;
    let b = a.another_instance().await;
    let taxpayer = a.logged_in().await;
    assert_eq!(
        taxpayer.confirm("Y", Some("720")).await.status,
        StatusCode::SEE_OTHER
    );
    let seen_on_b = same_session_at(&taxpayer, &b)
        .get("/profile/api-access")
        .await
        .text_of("api-access-status")
        .unwrap();
    assert!(
        seen_on_b.starts_with("API access is enabled until"),
        "{seen_on_b}"
    );

    // A GSP that talks to instance B only.
    let gsp = a.gsp("Test GSP").at(&b);
    assert_eq!(gsp.otp_request(USERNAME).await.code(), "1");
    let otp = otp_from_messages(&taxpayer).await;
    let token = gsp.auth_token(USERNAME, &otp).await.token();
    assert_eq!(gsp.profile(&token, USERNAME, GSTIN).await.code(), "1");

    // No on A; the very next call on B is refused.
    assert_eq!(
        taxpayer.confirm("N", None).await.status,
        StatusCode::SEE_OTHER
    );
    let refused = gsp.profile(&token, USERNAME, GSTIN).await;
    assert_eq!(refused.code(), "AUTH4037", "{:?}", refused.json);
}

#[actix_web::test]
async fn the_demo_clock_moved_on_one_instance_holds_on_another_at_the_next_request() {
    let a = spawn_demo().await;
    let b = a.another_instance().await;
    let trainer_on_a = trainer(&a).await;
    let seen_on_b = || async { b.browser().get("/login").await.text_of("demo-clock") };
    assert_eq!(seen_on_b().await.as_deref(), Some("Demo clock: real time"));
    shift(&trainer_on_a, "1d").await;
    assert_eq!(seen_on_b().await.as_deref(), Some("Demo clock: +1 day"));
    // And back, from the other instance's console this time.
    let trainer_on_b = carried(&trainer_on_a, b.settings.trainer_cookie_name(), &b);
    shift(&trainer_on_b, "real").await;
    assert_eq!(
        a.browser()
            .get("/login")
            .await
            .text_of("demo-clock")
            .as_deref(),
        Some("Demo clock: real time")
    );
}

#[actix_web::test]
async fn failed_logins_spread_over_instances_lock_the_account_at_the_threshold() {
    // ASVS V2.2.1: the lockout counts every failure, whichever instance saw it.
    let a = spawn_app().await;
    let b = a.another_instance().await;
    for (i, app) in [&a, &b, &a, &b].into_iter().enumerate() {
        let res = app.browser().log_in(USERNAME, "Wrong@2026a").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    // The fifth failure, on B, locks the account; the right password on A is refused.
    let fifth = b.browser().log_in(USERNAME, "Wrong@2026a").await;
    fifth.assert_contains("locked");
    let right = a.browser().log_in(USERNAME, PASSWORD).await;
    assert_ne!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
    right.assert_contains("locked");
}

#[actix_web::test]
async fn the_per_address_limit_counts_attempts_made_at_every_instance() {
    // ASVS V2.2.1: the anti-automation limit cannot be dodged by spreading attempts.
    let a = spawn_app_with(|s| s.login_attempts_per_minute = 6).await;
    let b = a.another_instance().await;
    for i in 0..6 {
        let app = if i % 2 == 0 { &a } else { &b };
        let res = app
            .browser()
            .log_in(&format!("nobody{i}"), "Wrong@2026a")
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    for app in [&a, &b] {
        let res = app.browser().log_in(USERNAME, PASSWORD).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    }
}

#[actix_web::test]
async fn two_hundred_parallel_confirms_over_two_instances_all_land_and_the_state_is_the_newest_row()
{
    let a = spawn_app_with(|s| s.login_attempts_per_minute = 1000).await;
    let b = a.another_instance().await;
    let mut browsers = Vec::new();
    for i in 0..10 {
        let at_a = a.logged_in().await;
        browsers.push(if i % 2 == 0 {
            at_a
        } else {
            same_session_at(&at_a, &b)
        });
    }
    let mut tokens = Vec::new();
    for browser in &browsers {
        tokens.push(browser.get("/profile/api-access").await.csrf_token());
    }
    let requests = (0..200).map(|n| {
        let (browser, token) = (&browsers[n % 10], tokens[n % 10].clone());
        async move {
            let mut fields = vec![("csrf_token", token)];
            if n % 5 == 4 {
                fields.push(("enable_api", "N".to_string()));
            } else {
                fields.push(("enable_api", "Y".to_string()));
                fields.push(("duration", DURATIONS[n % 7].to_string()));
            }
            let body = serde_urlencoded::to_string(&fields).unwrap();
            browser
                .try_post(
                    "/profile/api-access",
                    "application/x-www-form-urlencoded",
                    body.into_bytes(),
                    Some(&format!("spread-{n}")),
                )
                .await
                .expect("an answer")
        }
    });
    for res in join_all(requests).await {
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }
    let mut conn = a.pool.get().unwrap();
    let rows = api_access::recent_changes(&mut conn, a.taxpayer, 1000).unwrap();
    assert_eq!(rows.len(), 200, "every acknowledged Confirm has its row");
    let newest = &rows[0];
    let state = api_access::load(&mut conn, a.taxpayer).unwrap().unwrap();
    assert_eq!(state.enabled, newest.enabled);
    assert_eq!(state.duration.map(|d| d.hours()), newest.duration_hours);
    assert_eq!(state.expires_at.map(|t| t.naive_utc()), newest.expires_at);
}

#[actix_web::test]
async fn a_sigkill_of_one_instance_during_confirms_leaves_the_other_answering_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "instances.db");
    add_taxpayer_cli(&db);
    let doomed = start_process(&db);
    let survivor = start_process(&db);
    let at_doomed = Browser::new(&doomed.base);
    assert_eq!(
        at_doomed.log_in(USERNAME, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let at_survivor = Browser::new(&survivor.base);
    at_survivor.set_cookie(
        "gst_session",
        &at_doomed.cookie("gst_session").expect("a session"),
    );
    let token = at_survivor.get("/profile/api-access").await.csrf_token();

    let acknowledged = RefCell::new(BTreeSet::new());
    let killed = std::cell::Cell::new(false);
    let after_kill = std::cell::Cell::new(0);
    // Two streams to each instance; the doomed one is killed once 40 Confirms are
    // acknowledged, while some of its requests are in flight.
    let stream = |s: usize| {
        let browser = if s % 2 == 0 { &at_doomed } else { &at_survivor };
        let (token, acknowledged, killed, after_kill) =
            (token.clone(), &acknowledged, &killed, &after_kill);
        let child = &doomed.child;
        async move {
            for i in 0..60 {
                let n = s * 1000 + i;
                let body = format!(
                    "csrf_token={token}&enable_api=Y&duration={}",
                    DURATIONS[n % 7]
                );
                let ua = format!("kill-{n}");
                match browser
                    .try_post(
                        "/profile/api-access",
                        "application/x-www-form-urlencoded",
                        body.into_bytes(),
                        Some(&ua),
                    )
                    .await
                {
                    Some(res) if res.status == StatusCode::SEE_OTHER => {
                        acknowledged.borrow_mut().insert(ua);
                        if killed.get() && s % 2 == 1 {
                            after_kill.set(after_kill.get() + 1);
                        }
                    }
                    Some(res) => panic!("unexpected {}: {}", res.status, res.body),
                    // The doomed instance is gone: this stream ends.
                    None if s % 2 == 0 && killed.get() => break,
                    None => panic!("the surviving instance stopped answering"),
                }
                if acknowledged.borrow().len() >= 40 && !killed.get() {
                    killed.set(true);
                    signal(child, "KILL");
                }
            }
        }
    };
    join_all((0..4).map(stream)).await;
    assert!(killed.get());
    assert!(
        after_kill.get() > 0,
        "the survivor answered Confirms after the kill"
    );
    let mut doomed = doomed;
    assert!(!doomed.child.wait().unwrap().success());
    let mut survivor = survivor;
    signal(&survivor.child, "TERM");
    survivor.child.wait().unwrap();

    let pool = gst_portal::db::open(&db.database).unwrap();
    let stored: BTreeSet<String> = api_access_changes::table
        .select(api_access_changes::user_agent)
        .fetch_all::<Option<String>>(&mut pool.get().unwrap())
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    let acknowledged = acknowledged.into_inner();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}

#[test]
fn demo_portals_started_together_on_a_new_database_all_come_up() {
    // The migrations and the demo data are each applied once, in the writers' turn;
    // the others find them there.
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "together.db");
    let mut children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_gst-portal"))
                .arg("--database")
                .arg(&db)
                .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
                .args(["--trainer-password", TRAINER_PASSWORD])
                .env("RUST_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in &mut children {
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("listening on"));
        // Whatever it prints after that is read too, so it never writes to a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        signal(child, "TERM");
        let status = child.wait().unwrap();
        let mut said = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut said).unwrap();
        assert!(listening, "a portal did not come up: {said}");
        assert!(status.success(), "{said}");
    }
    let pool = gst_portal::db::open(&db.database).unwrap();
    let demo_clients: i64 = gst_portal::db::schema::gsp_clients::table
        .count()
        .fetch_one(&mut pool.get().unwrap())
        .unwrap();
    // The two demo clients and the trainer's GSP player's own.
    assert_eq!(demo_clients, 3, "the demo GSP clients were added once");
}

/// A PostgreSQL cluster of this test's own (scripts/postgres.sh), stopped at the end.
#[cfg(feature = "postgres")]
struct OwnCluster {
    dir: tempfile::TempDir,
    url: String,
}

#[cfg(feature = "postgres")]
impl OwnCluster {
    const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/postgres.sh");

    fn start() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // The server runs as `nobody` when the tests run as root.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = std::process::Command::new(Self::SCRIPT)
            .arg("start")
            .arg(dir.path().join("cluster"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
        OwnCluster { dir, url }
    }

    fn run(&self, verb: &str) {
        let out = std::process::Command::new(Self::SCRIPT)
            .arg(verb)
            .arg(self.dir.path().join("cluster"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[cfg(feature = "postgres")]
impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new(Self::SCRIPT)
            .arg("stop")
            .arg(self.dir.path().join("cluster"))
            .output();
    }
}

#[cfg(feature = "postgres")]
#[actix_web::test]
async fn while_the_postgresql_server_is_stopped_pages_say_503_and_service_returns_with_it() {
    if postgres_server().is_none() {
        eprintln!("skipped: the tests run on SQLite (no GST_PORTAL_TEST_POSTGRES_URL)");
        return;
    }
    let cluster = OwnCluster::start();
    let url = cluster.url.clone();
    let app = spawn_app_with(|s| s.database = url.as_str().into()).await;
    let b = app.logged_in().await;
    assert_eq!(b.get("/profile/api-access").await.status, StatusCode::OK);
    let token = b.get("/profile/api-access").await.csrf_token();

    cluster.run("pause");
    for path in ["/profile/api-access", "/login"] {
        let page = b.get(path).await;
        assert_eq!(
            page.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {}",
            page.body
        );
        page.assert_contains("cannot reach its database");
        page.assert_contains(r#"<a class="button" href="">Try again</a>"#);
        assert!(page.header("retry-after").is_some(), "{path}");
    }
    let confirm = b
        .post(
            "/profile/api-access",
            &[
                ("csrf_token", &token),
                ("enable_api", "Y"),
                ("duration", "6"),
            ],
        )
        .await;
    assert_eq!(
        confirm.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        confirm.body
    );

    cluster.run("resume");
    let mut back = None;
    for _ in 0..30 {
        let page = b.get("/profile/api-access").await;
        if page.status == StatusCode::OK {
            back = Some(page);
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let page = back.expect("the portal serves again once the server is back");
    assert_eq!(
        page.text_of("api-access-status").as_deref(),
        Some("API access is disabled (it has never been enabled)"),
        "the Confirm refused while the server was away changed nothing"
    );
    let confirmed = b.confirm("Y", Some("6")).await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
}
