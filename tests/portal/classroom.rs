//! Classroom mode: trainees, the printable sheet, the progress board and the
//! trainer's per-account controls.

use actix_web::http::StatusCode;
use diesel::prelude::*;

use gst_portal::db::models::security_event::{EventTime, TrainerAct};
use gst_portal::db::models::Origin;
use gst_portal::db::schema::trainees;
use gst_portal::db::Run;
use gst_portal::demo::classroom;

use crate::helpers::*;

const ROUTES_GET: [&str; 5] = [
    "/trainer/classroom",
    "/trainer/classroom/sheet",
    "/trainer/classroom/address.svg",
    "/trainer/classroom/board",
    "/trainer/classroom/projector",
];
const ROUTES_POST: [&str; 4] = [
    "/trainer/classroom/trainees",
    "/trainer/classroom/unlock",
    "/trainer/classroom/reset-trainee",
    "/trainer/classroom/password",
];

/// Adds `count` trainees from the console; returns (username, password) from the sheet.
async fn add_trainees(t: &Browser, count: &str) -> Vec<(String, String)> {
    let res = t
        .submit(
            "/trainer/classroom",
            "/trainer/classroom/trainees",
            &[("count", count), ("prefix", "trainee")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let sheet = t.get("/trainer/classroom/sheet").await;
    assert_eq!(sheet.status, StatusCode::OK);
    sheet
        .texts(".card__username")
        .into_iter()
        .zip(sheet.texts(".card__password"))
        .collect()
}

fn trainee_count(app: &TestApp) -> i64 {
    app.count("trainees")
}

/// The board's row of `username`: the cells in the order of `STEPS`.
async fn board_row(t: &Browser, username: &str) -> Vec<String> {
    let board = t.get("/trainer/classroom/board").await;
    assert_eq!(board.status, StatusCode::OK);
    let names = board.texts("#board-table tbody th .board__user");
    let at = names
        .iter()
        .position(|n| n == username)
        .unwrap_or_else(|| panic!("{username} is not on the board: {names:?}"));
    board.rows("board-table").remove(at)
}

#[actix_web::test]
async fn classroom_routes_do_not_exist_without_demo_mode() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    for path in ROUTES_GET {
        assert_eq!(b.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in ROUTES_POST {
        let res = b.post(path, &[("username", USERNAME)]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[actix_web::test]
async fn classroom_pages_and_controls_are_for_the_trainer_only() {
    let app = spawn_demo().await;
    let anonymous = app.browser();
    for path in ROUTES_GET {
        let res = anonymous.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.location(), Some("/trainer/login"), "{path}");
    }
    let taxpayer = app.logged_in().await;
    let token = taxpayer.get("/dashboard").await.csrf_token();
    // A taxpayer's session is another cookie: the trainer's routes do not see it.
    for path in ROUTES_GET {
        let res = taxpayer.get(path).await;
        assert_eq!(res.location(), Some("/trainer/login"), "{path}");
    }
    for path in ROUTES_POST {
        let res = taxpayer
            .post(path, &[("csrf_token", &token), ("username", "demo.locked")])
            .await;
        assert_eq!(res.location(), Some("/trainer/login"), "{path}");
    }
    assert_eq!(trainee_count(&app), 0);
}

#[actix_web::test]
async fn classroom_controls_refuse_a_post_without_the_form_token() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let before = app.snapshot();
    for path in ROUTES_POST {
        let res = t
            .post(path, &[("username", "demo.locked"), ("count", "3")])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}: {}", res.body);
    }
    assert_eq!(app.snapshot(), before, "nothing changed");
    assert_eq!(trainee_count(&app), 0);
}

#[actix_web::test]
async fn a_locked_out_trainer_cannot_reach_the_classroom() {
    let app = spawn_demo().await;
    let b = app.browser();
    for _ in 0..app.settings.lockout.threshold {
        trainer_attempt(&b, "Wrong@2026").await;
    }
    let res = trainer_attempt(&b, TRAINER_PASSWORD).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let res = b.get("/trainer/classroom").await;
    assert_eq!(res.location(), Some("/trainer/login"));
}

#[actix_web::test]
async fn trainees_made_on_the_console_log_in_with_their_printed_passwords() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let cards = add_trainees(&t, "3").await;
    assert_eq!(cards.len(), 3, "{cards:?}");
    let names: Vec<&str> = cards.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["trainee01", "trainee02", "trainee03"]);
    assert_eq!(trainee_count(&app), 3);
    let sheet = t.get("/trainer/classroom/sheet").await;
    assert_eq!(sheet.header("cache-control"), Some("no-store"));
    let address = sheet.texts(".card__address");
    assert!(address[0].starts_with("http://127.0.0.1:"), "{address:?}");
    assert!(address[0].ends_with("/login"));
    sheet.assert_contains("listens on this computer only");
    let qr = t.get("/trainer/classroom/address.svg").await;
    assert_eq!(qr.status, StatusCode::OK);
    assert!(qr.body.contains("<svg"), "{}", qr.body);
    // Every GSTIN is valid and the business names are filled in.
    for g in sheet.texts(".card__gstin") {
        let g = g.trim_start_matches("GSTIN ");
        assert!(gst_portal::domain::gstin::Gstin::parse(g).is_ok(), "{g}");
    }
    // A second batch numbers on.
    let more = add_trainees(&t, "2").await;
    assert_eq!(more.len(), 5);
    assert_eq!(more[4].0, "trainee05");

    let trainee = app.browser();
    let res = trainee.log_in(&cards[0].0, &cards[0].1).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(trainee.get("/profile").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn bad_requests_for_trainees_say_why_and_change_nothing() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let before = app.snapshot();
    for (count, prefix, words) in [
        ("0", "trainee", "from 1 to 200"),
        ("201", "trainee", "from 1 to 200"),
        ("three", "trainee", "from 1 to 200"),
        ("3", "Room A", "prefix"),
        ("3", "9room", "prefix"),
    ] {
        let res = t
            .submit(
                "/trainer/classroom",
                "/trainer/classroom/trainees",
                &[("count", count), ("prefix", prefix)],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{count} {prefix}"
        );
        assert!(
            res.text_of("add-error").unwrap_or_default().contains(words),
            "{count} {prefix}: {}",
            res.body
        );
    }
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn the_room_holds_at_most_a_thousand_trainees() {
    let app = spawn_demo().await;
    let mut conn = app.pool.get().unwrap();
    let act = TrainerAct {
        at: EventTime::now(&app.clock),
        origin: Origin::default(),
    };
    let made = classroom::add(&mut conn, 1, "seed", app.clock.now(), &act).unwrap();
    let hash: String = gst_portal::db::schema::taxpayers::table
        .filter(gst_portal::db::schema::taxpayers::username.eq(&made[0].username))
        .select(gst_portal::db::schema::taxpayers::password_hash)
        .limit(1)
        .fetch_one(&mut conn)
        .unwrap();
    // Fill the room without 999 slow hashes: the stored rows are what counts.
    let mut planned = classroom::plan(&mut conn, 200, "bulk").unwrap();
    for round in 0..5 {
        if round > 0 {
            planned =
                classroom::plan(&mut conn, if round == 4 { 199 } else { 200 }, "bulk").unwrap();
        }
        let hashes = vec![hash.clone(); planned.len()];
        classroom::store(&mut conn, &planned, &hashes, app.clock.now(), &act).unwrap();
    }
    drop(conn);
    assert_eq!(trainee_count(&app), 1000);
    let t = trainer(&app).await;
    let res = t
        .submit(
            "/trainer/classroom",
            "/trainer/classroom/trainees",
            &[("count", "1"), ("prefix", "late")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.text_of("add-error").unwrap().contains("at most 1000"));
    assert_eq!(trainee_count(&app), 1000);
    let sheet = t.get("/trainer/classroom/sheet").await;
    assert_eq!(sheet.texts(".card").len(), 1000);
}

#[actix_web::test]
async fn the_board_shows_each_step_a_trainee_takes() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let cards = add_trainees(&t, "2").await;
    let (name, password) = &cards[0];
    let row = board_row(&t, name).await;
    assert!(row.iter().all(|c| c == "Not yet"), "{row:?}");

    let b = app.browser();
    b.log_in(name, password).await;
    b.get("/profile").await;
    b.get("/profile/api-access").await;
    b.get("/profile/api-access").await;
    let res = b.confirm("Y", Some("168")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // A GSP client registered for the room: the board shows its calls.
    let gsp = app.gsp("Room GSP");
    assert_eq!(gsp.otp_request(name).await.code(), "1");
    let otp = otp_from_messages(&b).await;
    assert_eq!(gsp.auth_token(name, &otp).await.code(), "1");
    b.confirm("N", None).await;
    assert_eq!(gsp.otp_request(name).await.code(), "AUTH4037");

    let row = board_row(&t, name).await;
    assert_eq!(row.len(), 8, "{row:?}");
    for (i, cell) in row.iter().enumerate() {
        assert!(cell.contains("IST"), "step {i} not shown: {row:?}");
    }
    assert!(row[3].contains("7 Days"), "{row:?}");
    // The other trainee has done nothing.
    let other = board_row(&t, &cards[1].0).await;
    assert!(other.iter().all(|c| c == "Not yet"), "{other:?}");
    // Each page view was written once, whatever the number of views.
    assert_eq!(app.count("trainee_steps"), 2);

    let projector = t.get("/trainer/classroom/projector").await;
    assert_eq!(projector.status, StatusCode::OK);
    projector.assert_contains("refused: access is off (AUTH4037)");
    projector.assert_contains("let in (1)");
}

#[actix_web::test]
async fn unlocking_a_trainee_leaves_other_sessions_alone() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let cards = add_trainees(&t, "2").await;
    let first = app.browser();
    first.log_in(&cards[0].0, &cards[0].1).await;
    let second = app.browser();
    for _ in 0..app.settings.lockout.threshold {
        second.log_in(&cards[1].0, "Wrong@1234").await;
    }
    let res = second.log_in(&cards[1].0, &cards[1].1).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "locked: {}", res.body);
    let page = t.get("/trainer/classroom").await;
    assert!(page.body.contains("Locked until"), "{}", page.body);

    let res = t
        .submit(
            "/trainer/classroom",
            "/trainer/classroom/unlock",
            &[("username", &cards[1].0)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    t.get("/trainer/classroom")
        .await
        .assert_contains(&format!("{} is unlocked", cards[1].0));
    let res = second.log_in(&cards[1].0, &cards[1].1).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(first.get("/profile").await.status, StatusCode::OK);
    assert_eq!(t.get("/trainer").await.status, StatusCode::OK);

    // The demo's locked account can be unlocked too; an unknown one cannot.
    let res = t
        .submit(
            "/trainer/classroom",
            "/trainer/classroom/unlock",
            &[("username", "demo.locked")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = t
        .submit(
            "/trainer/classroom",
            "/trainer/classroom/unlock",
            &[("username", USERNAME)],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "not a training account");
}

#[actix_web::test]
async fn resetting_a_trainee_clears_their_steps_only() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let cards = add_trainees(&t, "2").await;
    let (a, b) = (app.browser(), app.browser());
    a.log_in(&cards[0].0, &cards[0].1).await;
    b.log_in(&cards[1].0, &cards[1].1).await;
    for x in [&a, &b] {
        x.get("/profile").await;
        x.confirm("Y", Some("6")).await;
    }
    let res = t
        .submit(
            "/trainer/classroom",
            "/trainer/classroom/reset-trainee",
            &[("username", &cards[0].0)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let row = board_row(&t, &cards[0].0).await;
    assert!(row.iter().all(|c| c == "Not yet"), "{row:?}");
    let kept = board_row(&t, &cards[1].0).await;
    assert!(kept[3].contains("IST"), "{kept:?}");
    // The reset trainee starts again (logged out); the other is still in.
    assert_eq!(a.get("/profile").await.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/profile").await.status, StatusCode::OK);
    a.log_in(&cards[0].0, &cards[0].1).await;
    a.get("/profile").await;
    assert!(
        board_row(&t, &cards[0].0).await[1].contains("IST"),
        "recorded again"
    );
    // Demo taxpayers are put back by Reset demo data, not here.
    let before = app.snapshot();
    let res = t
        .submit(
            "/trainer/classroom",
            "/trainer/classroom/reset-trainee",
            &[("username", "demo.enabled")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn a_new_password_is_shown_once_and_logs_out_that_trainee_only() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let cards = add_trainees(&t, "2").await;
    let (a, b) = (app.browser(), app.browser());
    a.log_in(&cards[0].0, &cards[0].1).await;
    b.log_in(&cards[1].0, &cards[1].1).await;
    let res = t
        .submit(
            "/trainer/classroom",
            "/trainer/classroom/password",
            &[("username", &cards[0].0)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let fresh = res.text_of("new-password").unwrap();
    assert!(gst_portal::domain::password_rule::check(&fresh).is_ok());
    assert_eq!(a.get("/profile").await.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/profile").await.status, StatusCode::OK);
    let again = app.browser();
    let res = again.log_in(&cards[0].0, &cards[0].1).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "old password");
    let res = again.log_in(&cards[0].0, &fresh).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "new password");
    // The sheet no longer prints the old password, and nowhere shows the new one.
    let sheet = t.get("/trainer/classroom/sheet").await;
    assert!(!sheet.body.contains(&cards[0].1));
    assert!(!sheet.body.contains(&fresh));
    assert!(sheet.body.contains("(changed: ask the trainer)"));
}

#[actix_web::test]
async fn reset_demo_data_keeps_trainees_unless_asked() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    add_trainees(&t, "2").await;
    let res = t
        .submit("/trainer/reset", "/trainer/reset", &[("confirm", "yes")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(trainee_count(&app), 2);
    let res = t
        .submit(
            "/trainer/reset",
            "/trainer/reset",
            &[("confirm", "yes"), ("trainees", "yes")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(trainee_count(&app), 0);
    assert_eq!(app.count("demo_taxpayers"), 5, "the demo cases are back");
    let mut conn = app.pool.get().unwrap();
    let left: i64 = trainees::table.count().fetch_one(&mut conn).unwrap();
    assert_eq!(left, 0);
}

#[actix_web::test]
async fn the_console_shows_where_the_room_can_reach_the_portal() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let console = t.get("/trainer").await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    console.assert_contains(&format!("http://127.0.0.1:{port}/"));
    console.assert_contains("--bind 0.0.0.0:8080");
    assert!(console.text_of("loopback-warning").is_some());
}
