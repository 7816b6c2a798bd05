//! Nothing a user confirmed is lost: under concurrent requests, a crash (SIGKILL) and a
//! graceful shutdown.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use diesel::prelude::*;
use futures_util::future::join_all;

use gst_portal::db::models::api_access;
use gst_portal::db::models::taxpayer::TaxpayerId;
use gst_portal::db::schema::api_access_changes;
use gst_portal::db::Run;

use crate::helpers::*;

#[actix_web::test]
async fn two_hundred_parallel_confirms_from_twenty_sessions_all_land() {
    let app = spawn_app_with(|s| s.login_attempts_per_minute = 1000).await;
    // Sessions 0-9: ten different taxpayers; sessions 10-19: all the main taxpayer.
    let mut owners = Vec::new();
    let mut browsers = Vec::new();
    for i in 0..10 {
        let username = format!("parallel{i}");
        owners.push(app.add_taxpayer(&username, i));
        let b = app.browser();
        assert_eq!(
            b.log_in(&username, PASSWORD).await.status,
            StatusCode::SEE_OTHER
        );
        browsers.push(b);
    }
    for _ in 0..10 {
        owners.push(app.taxpayer);
        browsers.push(app.logged_in().await);
    }
    let mut tokens = Vec::new();
    for b in &browsers {
        tokens.push(b.get("/profile/api-access").await.csrf_token());
    }

    let requests = (0..200).map(|n| {
        let session = n % 20;
        let (b, token) = (&browsers[session], tokens[session].clone());
        async move {
            let mut fields = vec![("csrf_token", token)];
            if n % 5 == 4 {
                fields.push(("enable_api", "N".to_string()));
            } else {
                fields.push(("enable_api", "Y".to_string()));
                fields.push(("duration", DURATIONS[n % 7].to_string()));
            }
            let body = serde_urlencoded::to_string(&fields).unwrap();
            let ua = format!("parallel-{n}");
            let res = b
                .try_post(
                    "/profile/api-access",
                    "application/x-www-form-urlencoded",
                    body.into_bytes(),
                    Some(&ua),
                )
                .await
                .expect("a response");
            (session, res)
        }
    });
    let results = join_all(requests).await;

    let mut acknowledged: BTreeMap<TaxpayerId, usize> = BTreeMap::new();
    for (session, res) in &results {
        assert!(
            !res.status.is_server_error(),
            "{}: {}",
            res.status,
            res.body
        );
        assert!(!res.body.contains("database is locked"));
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        *acknowledged.entry(owners[*session]).or_default() += 1;
    }
    assert_eq!(acknowledged[&app.taxpayer], 100);

    let mut conn = app.pool.get().unwrap();
    for (&taxpayer, &count) in &acknowledged {
        let rows = api_access::recent_changes(&mut conn, taxpayer, 1000).unwrap();
        assert_eq!(
            rows.len(),
            count,
            "every acknowledged Confirm has its history row"
        );
        let last = &rows[0];
        let state = api_access::load(&mut conn, taxpayer).unwrap().unwrap();
        assert_eq!(state.enabled, last.enabled);
        assert_eq!(state.duration.map(|d| d.hours()), last.duration_hours);
        assert_eq!(state.expires_at.map(|t| t.naive_utc()), last.expires_at);
    }
}

#[actix_web::test]
async fn a_page_view_is_answered_while_another_connection_holds_the_write_lock() {
    // Reading pages never queue behind writers: a page view writes nothing unless
    // the session's expiry is a minute stale (WAL readers do not wait for a writer).
    let app = spawn_app().await;
    let b = app.logged_in().await;
    assert_eq!(b.get("/profile/api-access").await.status, StatusCode::OK);
    let mut writer = app.pool.get().unwrap();
    gst_portal::db::begin_write(&mut writer).unwrap();
    let page = b.get("/profile/api-access").await;
    let dashboard = b.get("/dashboard").await;
    <gst_portal::db::Conn as diesel::connection::TransactionManager<_>>::rollback_transaction(
        &mut writer,
    )
    .unwrap();
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
}

#[actix_web::test]
async fn a_sigkill_in_the_middle_of_confirms_loses_no_acknowledged_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "crash.db");
    add_taxpayer_cli(&db);
    let mut portal = start_process(&db);
    let b = Browser::new(&portal.base);
    assert_eq!(
        b.log_in(USERNAME, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let token = b.get("/profile/api-access").await.csrf_token();

    let acknowledged = std::cell::RefCell::new(BTreeSet::new());
    let killed = std::cell::Cell::new(false);
    // Four streams of Confirms; the process is killed once 40 have been acknowledged,
    // while others are in flight.
    let stream = |s: usize| {
        let (b, token, acknowledged, killed) = (&b, token.clone(), &acknowledged, &killed);
        let child = &portal.child;
        async move {
            for i in 0..100 {
                let n = s * 1000 + i;
                let body = format!(
                    "csrf_token={token}&enable_api=Y&duration={}",
                    DURATIONS[n % 7]
                );
                let ua = format!("crash-{n}");
                match b
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
                    }
                    Some(res) => panic!("unexpected {}: {}", res.status, res.body),
                    None => break,
                }
                if acknowledged.borrow().len() >= 40 && !killed.get() {
                    killed.set(true);
                    signal(child, "KILL");
                }
            }
        }
    };
    futures_util::join!(stream(0), stream(1), stream(2), stream(3));
    assert!(killed.get());
    assert!(!portal.child.wait().unwrap().success());

    // Restart on the same file: the database is intact and holds every acknowledged change.
    let mut portal = start_process(&db);
    let b2 = Browser::new(&portal.base);
    assert_eq!(
        b2.log_in(USERNAME, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(b2.get("/profile/api-access").await.status, StatusCode::OK);
    signal(&portal.child, "TERM");
    portal.child.wait().unwrap();

    let pool = gst_portal::db::open(&db.database).unwrap();
    let mut conn = pool.get().unwrap();
    if let gst_portal::db::Database::Sqlite(_) = db.database {
        #[derive(QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
            .fetch_all(&mut conn)
            .unwrap();
        assert_eq!(check.len(), 1);
        assert_eq!(check[0].integrity_check, "ok");
    }
    let stored: BTreeSet<String> = api_access_changes::table
        .select(api_access_changes::user_agent)
        .fetch_all::<Option<String>>(&mut conn)
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    let acknowledged = acknowledged.into_inner();
    assert!(acknowledged.len() >= 40);
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}

async fn in_flight_requests_finish_on(signal_name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db(dir.path(), "stop.db");
    add_taxpayer_cli(&db);
    let mut portal = start_process(&db);
    let b = Browser::new(&portal.base);
    let token = b.get("/login").await.csrf_token();
    let child = &portal.child;
    let sent = std::cell::Cell::new(false);
    // Twelve logins queue behind the per-core argon2 limit; the signal goes out as soon
    // as the first answer arrives, while the others are still being worked on.
    let logins = (0..12).map(|i| {
        let (b, token, sent) = (&b, token.clone(), &sent);
        async move {
            let body = format!("csrf_token={token}&username=nobody{i}&password=Wrong%402026a");
            let res = b
                .try_post(
                    "/login",
                    "application/x-www-form-urlencoded",
                    body.into_bytes(),
                    None,
                )
                .await;
            if !sent.get() {
                sent.set(true);
                signal(child, signal_name);
            }
            res.map(|r| r.status)
        }
    });
    let statuses = join_all(logins).await;
    assert!(
        statuses
            .iter()
            .all(|s| *s == Some(StatusCode::UNAUTHORIZED)),
        "{statuses:?}"
    );
    let status = portal.child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
}

#[actix_web::test]
async fn sigterm_lets_requests_in_flight_finish_then_exits_0() {
    in_flight_requests_finish_on("TERM").await;
}

#[actix_web::test]
async fn ctrl_c_lets_requests_in_flight_finish_then_exits_0() {
    in_flight_requests_finish_on("INT").await;
}

#[actix_web::test]
async fn on_sqlite_the_statements_of_one_read_see_one_snapshot() {
    // `db::run` makes its work one read transaction on SQLite: a commit that lands
    // between two of its statements is not seen halfway (the page's state, history
    // and applications agree). PostgreSQL gives each statement its own snapshot.
    use gst_portal::db::schema::app_settings;
    let app = spawn_app().await;
    let count =
        |conn: &mut gst_portal::db::Conn| app_settings::table.count().fetch_one::<i64>(conn);
    let (before, after) = gst_portal::db::run(&app.pool, |conn| {
        let before = count(conn)?;
        let mut writer = app.pool.get().expect("a writer connection");
        diesel::insert_into(app_settings::table)
            .values((
                app_settings::name.eq("snapshot"),
                app_settings::value.eq("v"),
            ))
            .exec(&mut writer)?;
        let after = count(conn)?;
        diesel::QueryResult::Ok((before, after))
    })
    .await
    .unwrap();
    let now = count(&mut app.pool.get().unwrap()).unwrap();
    assert_eq!(now, before + 1, "the write was committed");
    if postgres_server().is_none() {
        assert_eq!(after, before, "the read saw a commit made during it");
    }
}

#[actix_web::test]
async fn the_reads_of_a_request_share_one_snapshot_until_it_waits_or_writes() {
    // `db::sharing_reads` (round every request): on SQLite the session's read and the
    // page's read are one transaction, let go when the request waits or writes.
    use gst_portal::db::{self, schema::app_settings};
    let app = spawn_app().await;
    let count = |conn: &mut db::Conn| app_settings::table.count().fetch_one::<i64>(conn);
    let insert = |name: &'static str| {
        move |conn: &mut db::Conn| {
            diesel::insert_into(app_settings::table)
                .values((app_settings::name.eq(name), app_settings::value.eq("v")))
                .exec(conn)
        }
    };
    let seen = db::sharing_reads(async {
        let first = db::run(&app.pool, count).await.unwrap();
        // Another process's commit, between two reads that do not wait.
        insert("beside")(&mut app.pool.get().unwrap()).unwrap();
        let same_poll = db::run(&app.pool, count).await.unwrap();
        actix_web::rt::task::yield_now().await;
        let after_wait = db::run(&app.pool, count).await.unwrap();
        db::write(&app.pool, insert("own")).await.unwrap();
        let after_write = db::run(&app.pool, count).await.unwrap();
        [first, same_poll, after_wait, after_write]
    })
    .await;
    let first = seen[0];
    let same_poll = if postgres_server().is_none() {
        first
    } else {
        first + 1
    };
    assert_eq!(seen, [first, same_poll, first + 1, first + 2]);
}

#[actix_web::test]
async fn requests_waiting_on_their_bodies_hold_no_database_reader() {
    // A request lets its shared read go whenever it waits. Logged-in form posts whose
    // bodies trickle in (more of them than the pool has readers, each after its
    // session's read) must not leave the page waiting for a reader.
    use std::io::Write;
    use std::time::Duration;
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let cookie = format!("gst_session={}", b.cookie("gst_session").unwrap());
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut waiting = Vec::new();
    for _ in 0..12 {
        let mut socket = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            socket,
            "POST /profile/api-access HTTP/1.1\r\nHost: portal\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncsrf"
        )
        .unwrap();
        waiting.push(socket);
    }
    // Time for the portal to read each post's session, however busy the machine.
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    let page = actix_web::rt::time::timeout(Duration::from_secs(10), b.get("/profile/api-access"))
        .await
        .expect("the page waited for a database reader");
    for mut socket in &waiting {
        use std::io::Read;
        socket.set_nonblocking(true).unwrap();
        let unanswered = socket.read(&mut [0u8; 64]).unwrap_err();
        assert_eq!(
            unanswered.kind(),
            std::io::ErrorKind::WouldBlock,
            "a post was answered"
        );
    }
    assert_eq!(page.status, StatusCode::OK);
}

#[actix_web::test]
async fn work_that_writes_without_the_writers_turn_fails_loudly() {
    // `db::run` hands out read-only connections: a write there would skip the
    // writers' queue, so SQLite refuses it instead of letting it race.
    let app = spawn_app().await;
    let refused = gst_portal::db::run(&app.pool, |conn| {
        diesel::sql_query("INSERT INTO app_settings (name, value) VALUES ('x', 'y')").exec(conn)
    })
    .await;
    assert!(refused.is_err());
    let written = gst_portal::db::write(&app.pool, |conn| {
        diesel::sql_query("INSERT INTO app_settings (name, value) VALUES ('x', 'y')").exec(conn)
    })
    .await;
    assert_eq!(written.unwrap(), 1);
}
