//! Demo mode for trainers: banner, demo data, trainer console, time machine, reset,
//! captcha and help.

use actix_web::http::StatusCode;
use chrono::TimeDelta;
use diesel::prelude::*;

use gst_portal::db::models::login_throttle::{self, ThrottleKey};
use gst_portal::db::models::{api_access, api_call, message, taxpayer};
use gst_portal::db::Run;
use gst_portal::demo::{self, TAXPAYERS};

use crate::helpers::*;

const BANNER: &str = "Training portal with fictitious data: this is not the GST Portal.";

async fn demo_login(app: &TestApp, username: &str) -> Browser {
    let b = app.browser();
    let res = b.log_in(username, demo::DEMO_PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "{username}: {}",
        res.body
    );
    b
}

fn demo_gsp(app: &TestApp) -> Gsp {
    Gsp {
        base: app.base.clone(),
        client_id: demo::DEMO_GSP_CLIENT_ID.to_string(),
        secret: demo::DEMO_GSP_CLIENT_SECRET.to_string(),
    }
}

#[actix_web::test]
async fn without_demo_mode_there_is_no_banner_console_or_captcha() {
    let app = spawn_app().await;
    let b = app.browser();
    for path in [
        "/trainer",
        "/trainer/login",
        "/trainer/feed.json",
        "/trainer/reset",
        "/captcha",
    ] {
        assert_eq!(b.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let res = b.post("/trainer/clock", &[("shift", "1d")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!b.get("/login").await.body.contains(BANNER));
    assert_eq!(app.count("taxpayers"), 2, "no demo data");
}

#[actix_web::test]
async fn in_demo_mode_every_page_carries_the_banner() {
    let app = spawn_demo().await;
    let b = demo_login(&app, "demo.enabled").await;
    app.browser().get("/login").await.assert_contains(BANNER);
    for path in [
        "/messages",
        "/dashboard",
        "/profile/api-access",
        "/help/api-access",
        "/taxpayerapi",
        "/no/such/page",
    ] {
        let page = b.get(path).await;
        page.assert_contains(BANNER);
        assert_eq!(
            page.text_of("demo-clock").as_deref(),
            Some("Demo clock: real time"),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn the_demo_data_has_one_taxpayer_per_case_and_a_gsp_client() {
    let app = spawn_demo().await;
    let status = |b: Browser| async move {
        b.get("/profile/api-access")
            .await
            .text_of("api-access-status")
            .unwrap()
    };
    let enabled = status(demo_login(&app, "demo.enabled").await).await;
    assert!(
        enabled.starts_with("API access is enabled until"),
        "{enabled}"
    );
    let ending = status(demo_login(&app, "demo.ending").await).await;
    assert!(
        ending.starts_with("API access is enabled until"),
        "{ending}"
    );
    let disabled = status(demo_login(&app, "demo.disabled").await).await;
    assert!(
        disabled.starts_with("API access is disabled since "),
        "{disabled}"
    );
    assert_eq!(
        status(demo_login(&app, "demo.never").await).await,
        "API access is disabled (it has never been enabled)"
    );
    let locked = app
        .browser()
        .log_in("demo.locked", demo::DEMO_PASSWORD)
        .await;
    assert_eq!(locked.status, StatusCode::FORBIDDEN);
    assert!(locked
        .text_of("login-error")
        .unwrap()
        .starts_with("Too many failed logins"));

    let mut conn = app.pool.get().unwrap();
    let ending = taxpayer::find_by_username(&mut conn, "demo.ending")
        .unwrap()
        .unwrap();
    let until = api_access::load(&mut conn, ending.id)
        .unwrap()
        .unwrap()
        .expires_at
        .unwrap();
    let left = until - app.clock.now();
    assert!(
        left > TimeDelta::minutes(29) && left <= TimeDelta::minutes(30),
        "{left}"
    );
    drop(conn);
    assert_eq!(demo_gsp(&app).otp_request("demo.enabled").await.code(), "1");
    assert_eq!(
        demo_gsp(&app).otp_request("demo.never").await.code(),
        "AUTH4037"
    );
    // One plain client and one encrypted client, and the trainer's GSP player's own.
    let mut conn = app.pool.get().unwrap();
    let clients: Vec<(String, bool)> = gst_portal::db::models::gsp_client::all(&mut conn)
        .unwrap()
        .into_iter()
        .map(|c| (c.client_id, c.encrypted))
        .collect();
    assert_eq!(
        clients,
        [
            (demo::DEMO_GSP_CLIENT_ID.to_string(), false),
            (demo::DEMO_ENCRYPTED_CLIENT_ID.to_string(), true),
            (demo::PLAYER_CLIENT_ID.to_string(), false),
        ]
    );
}

#[actix_web::test]
async fn the_trainer_login_follows_the_csrf_and_lockout_rules() {
    let app = spawn_demo().await;
    let b = app.browser();
    assert_eq!(b.get("/trainer").await.location(), Some("/trainer/login"));
    let forged = b
        .post(
            "/trainer/login",
            &[("csrf_token", "f00d"), ("password", TRAINER_PASSWORD)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    for _ in 0..4 {
        let res = trainer_attempt(&b, "Wrong@2026").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            res.text_of("trainer-login-error").as_deref(),
            Some("That is not the trainer password.")
        );
    }
    let res = trainer_attempt(&b, "Wrong@2026").await;
    assert!(res
        .text_of("trainer-login-error")
        .unwrap()
        .starts_with("Too many failed logins"));
    let res = trainer_attempt(&b, TRAINER_PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "locked even with the right password"
    );
    app.advance(TimeDelta::minutes(16));
    let t = trainer(&app).await;
    let console = t.get("/trainer").await;
    assert_eq!(console.status, StatusCode::OK);
    console.assert_contains("Time machine");
}

#[actix_web::test]
async fn the_trainer_login_shares_the_per_address_limit_with_the_taxpayer_login() {
    // ASVS 6.3.1: the trainer form is no way around the per-address limit.
    let app = spawn_demo_with(|s| s.login_attempts_per_minute = 4).await;
    let b = app.browser();
    let token = b.get("/login").await.csrf_token();
    for i in 0..2 {
        let res = b
            .post_login(&token, &format!("guess{i}"), "Wrong@2026a")
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    for _ in 0..2 {
        let res = trainer_attempt(&b, "Wrong@2026").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = trainer_attempt(&b, TRAINER_PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    res.assert_contains("Too many login attempts have come from your network address.");
    // The form itself still opens.
    assert_eq!(b.get("/trainer/login").await.status, StatusCode::OK);
}

#[actix_web::test]
// ASVS V4.1.1/V4.2.1 (access control on every request): each role's session is its own
// cookie, read only by its own routes.
async fn a_taxpayer_session_does_not_open_the_console_nor_a_trainer_session_the_taxpayer_pages() {
    let app = spawn_demo().await;
    let taxpayer = demo_login(&app, "demo.enabled").await;
    for path in ["/trainer", "/trainer/feed.json", "/trainer/classroom"] {
        let res = taxpayer.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.location(), Some("/trainer/login"), "{path}");
    }
    let t = trainer(&app).await;
    for path in ["/dashboard", "/profile/api-access", "/messages"] {
        let res = t.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert!(res.location().unwrap().starts_with("/login"));
    }
    let res = t
        .post(
            "/profile/api-access",
            &[("enable_api", "Y"), ("duration", "6")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    // Logging in as a taxpayer in the trainer's browser leaves the console open.
    let token = t.get("/login").await.csrf_token();
    t.post_login(&token, "demo.never", demo::DEMO_PASSWORD)
        .await;
    assert_eq!(t.get("/trainer").await.status, StatusCode::OK);
    assert_eq!(t.get("/profile/api-access").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn the_time_machine_moves_expiries_otps_and_tokens_but_not_sessions() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let taxpayer = demo_login(&app, "demo.enabled").await;
    let gsp = demo_gsp(&app);

    // An OTP asked for now is void once the clock is an hour ahead.
    gsp.otp_request("demo.enabled").await;
    let otp_text = taxpayer
        .get("/messages")
        .await
        .text_of("message-list")
        .unwrap();
    let otp: String = otp_text
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|c| c.is_ascii_digit()))
        .unwrap()
        .to_string();
    let res = shift(&t, "1h").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let expired = gsp.auth_token("demo.enabled", &otp).await;
    assert!(
        expired.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{:?}",
        expired.json
    );

    // A token taken now has expired 6 hours later.
    gsp.otp_request("demo.enabled").await;
    let token = gsp.auth_token("demo.enabled", "575757").await.token();
    let gstin = TAXPAYERS[0].gstin;
    assert_eq!(gsp.profile(&token, "demo.enabled", gstin).await.code(), "1");
    shift(&t, "6h").await;
    assert_eq!(
        gsp.profile(&token, "demo.enabled", gstin).await.code(),
        "AUTH4038"
    );

    // A day on, the "ending soon" period is over; sessions were not logged out.
    shift(&t, "1d").await;
    let console = t.get("/trainer").await;
    assert_eq!(
        console.status,
        StatusCode::OK,
        "the trainer is still logged in"
    );
    assert_eq!(
        console.text_of("demo-clock").as_deref(),
        Some("Demo clock: +1 day 7 hours")
    );
    let mut res = awc::Client::default()
        .get(format!("{}/trainer/feed.json", app.base))
        .insert_header((
            "Cookie",
            format!("gst_trainer={}", t.cookie("gst_trainer").unwrap()),
        ))
        .send()
        .await
        .unwrap();
    let feed: serde_json::Value = res.json().await.unwrap();
    let ending = feed["taxpayers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["username"] == "demo.ending")
        .unwrap();
    assert!(
        ending["access"]
            .as_str()
            .unwrap()
            .starts_with("API access is disabled: the period ended on"),
        "{ending}"
    );
    let page = taxpayer.get("/profile/api-access").await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the taxpayer is still logged in"
    );
    page.assert_contains("Demo clock: +1 day 7 hours");
    let ending_user = demo_login(&app, "demo.ending").await;
    let status = ending_user
        .get("/profile/api-access")
        .await
        .text_of("api-access-status")
        .unwrap();
    assert!(
        status.starts_with("API access is disabled: the period ended on"),
        "{status}"
    );

    // Back to real time, and bad shifts are refused.
    shift(&t, "real").await;
    assert_eq!(
        t.get("/trainer").await.text_of("demo-clock").as_deref(),
        Some("Demo clock: real time")
    );
    let bad = shift(&t, "2y").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(app.clock.demo_offset().is_zero());
}

#[actix_web::test]
async fn the_time_machine_offset_survives_a_restart() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    shift(&t, "7d").await;
    let app = app.restart().await;
    assert_eq!(app.clock.demo_offset(), TimeDelta::days(7));
}

/// The demo data in a form that does not depend on when it was seeded.
fn demo_state(app: &TestApp) -> Vec<String> {
    let mut conn = app.pool.get().unwrap();
    let now = app.clock.now();
    let mut lines = Vec::new();
    for t in &TAXPAYERS {
        let found = taxpayer::find_by_username(&mut conn, t.username)
            .unwrap()
            .unwrap();
        let access = api_access::load(&mut conn, found.id).unwrap();
        let left = access
            .as_ref()
            .and_then(|a| a.expires_at)
            .map(|e| ((e - now).num_seconds() + 30) / 60);
        let history = api_access::recent_changes(&mut conn, found.id, 100)
            .unwrap()
            .len();
        let messages = message::recent(&mut conn, found.id, 100).unwrap().len();
        let locked = login_throttle::locked_until(
            &mut conn,
            &ThrottleKey::Taxpayer(t.username.to_string()),
            app.clock.security_now(),
        )
        .unwrap()
        .is_some();
        lines.push(format!(
            "{} {} {:?} {:?} history={history} messages={messages} locked={locked}",
            t.username,
            found.password_hash.starts_with("$argon2id$"),
            access.map(|a| (a.enabled, a.duration.map(|d| d.hours()))),
            left
        ));
    }
    lines.push(format!(
        "api calls {}",
        api_call::recent(&mut conn, 100).unwrap().len()
    ));
    lines.push(format!("offset {}", app.clock.demo_offset()));
    use gst_portal::db::schema::gsp_sessions;
    let live: i64 = gsp_sessions::table
        .filter(gsp_sessions::ended_at.is_null())
        .count()
        .fetch_one(&mut conn)
        .unwrap();
    lines.push(format!("live gsp sessions {live}"));
    lines
}

#[actix_web::test]
async fn reset_puts_the_demo_data_back_exactly_after_a_confirmation() {
    let app = spawn_demo().await;
    let seeded = demo_state(&app);

    let t = trainer(&app).await;
    demo_login(&app, "demo.never")
        .await
        .confirm("Y", Some("48"))
        .await;
    demo_login(&app, "demo.enabled")
        .await
        .confirm("N", None)
        .await;
    let gsp = demo_gsp(&app);
    gsp.otp_request("demo.never").await;
    gsp.auth_token("demo.never", "575757").await;
    shift(&t, "30d").await;
    assert_ne!(demo_state(&app), seeded);

    let unconfirmed = t.submit("/trainer/reset", "/trainer/reset", &[]).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.text_of("reset-error").is_some());
    assert!(!app.clock.demo_offset().is_zero(), "nothing was reset");

    let res = t
        .submit("/trainer/reset", "/trainer/reset", &[("confirm", "yes")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(demo_state(&app), seeded);
    // Taxpayers added outside the demo data are left alone.
    assert!(app.browser().log_in(USERNAME, PASSWORD).await.status == StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn the_console_feed_lists_gsp_calls_with_their_result_codes() {
    let app = spawn_demo().await;
    // A client registered for the room is listed; the public demo client is counted.
    let gsp = app.gsp("Sahaj Returns");
    gsp.otp_request("demo.never").await;
    gsp.otp_request("demo.enabled").await;
    demo_gsp(&app).otp_request("demo.enabled").await;
    let t = trainer(&app).await;
    let page = t.get("/trainer").await;
    page.assert_contains(
        "<td>Sahaj Returns</td><td>demo.enabled</td><td>OTPREQUEST</td><td>1</td>",
    );
    page.assert_contains(
        "<td>Sahaj Returns</td><td>demo.never</td><td>OTPREQUEST</td><td>AUTH4037</td>",
    );
    assert_eq!(page.rows("api-feed").len(), 2);
    page.assert_contains(r#"<script src="/static/js/trainer.js" defer></script>"#);
    let overview = page.text_of("overview").unwrap();
    for t in &TAXPAYERS {
        assert!(
            overview.contains(t.username) && overview.contains(t.case_text),
            "{overview}"
        );
    }
}

#[actix_web::test]
async fn with_the_captcha_on_a_login_needs_the_characters_of_the_image() {
    let app = spawn_app_with(|s| s.captcha = true).await;
    let b = app.browser();
    let page = b.get("/login").await;
    page.assert_contains(r#"<label for="captcha">Type the characters you see in the image below"#);
    page.assert_contains(r#"<img src="/captcha""#);
    let token = page.csrf_token();
    let image = b.get("/captcha").await;
    assert_eq!(image.header("content-type"), Some("image/svg+xml"));
    assert!(image.body.starts_with("<svg"));

    let without = b.post_login(&token, USERNAME, PASSWORD).await;
    assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(without.text_of("captcha-error").is_some());

    b.get("/captcha").await;
    let shown = app.captcha_shown(&b);
    let wrong = if shown == "000000" {
        "111111"
    } else {
        "000000"
    };
    let res = b
        .post_login_with(&token, USERNAME, PASSWORD, &[("captcha", wrong)])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

    b.get("/captcha").await;
    let shown = app.captcha_shown(&b);
    let res = b
        .post_login_with(&token, USERNAME, PASSWORD, &[("captcha", &shown)])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

#[actix_web::test]
async fn another_captcha_image_without_javascript_keeps_the_username_and_counts_no_failure() {
    let app = spawn_app_with(|s| s.captcha = true).await;
    let b = app.browser();
    let page = b.get("/login").await;
    assert_eq!(
        page.attr("#captcha-refresh", "name").as_deref(),
        Some("another_image")
    );
    let token = page.csrf_token();
    b.get("/captcha").await;
    let first = app.captcha_shown(&b);
    let again = b
        .post_login_with(&token, USERNAME, PASSWORD, &[("another_image", "1")])
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.attr("#username", "value").as_deref(), Some(USERNAME));
    assert_eq!(
        again.attr("#password", "value"),
        None,
        "a password is never sent back"
    );
    assert!(again.attr("#password", "autofocus").is_some());
    assert!(again
        .text_of("login-notice")
        .unwrap()
        .contains("another image"));
    assert!(again.text_of("captcha-error").is_none() && again.text_of("login-error").is_none());
    assert_eq!(
        app.count("login_throttle"),
        0,
        "no failed login was counted"
    );
    assert_eq!(
        app.count("used_captchas"),
        0,
        "the shown image was not spent"
    );
    // The page's image is a new one, and it is the one that counts.
    b.get("/captcha").await;
    let second = app.captcha_shown(&b);
    let res = b
        .post_login_with(&token, USERNAME, PASSWORD, &[("captcha", &second)])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(!first.is_empty());
}

#[actix_web::test]
async fn the_help_page_explains_the_feature_and_is_linked_from_the_page() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let page = b.get("/profile/api-access").await;
    page.assert_contains(r#"<a href="/help/api-access" id="help-link">Help on API access</a>"#);
    let help = b.get("/help/api-access").await;
    assert_eq!(help.status, StatusCode::OK);
    for text in [
        "6 hours",
        "30 days",
        "AUTH4037",
        "<strong>No</strong>",
        "GST Suvidha Provider",
    ] {
        help.assert_contains(text);
    }
}

#[actix_web::test]
async fn demo_taxpayers_carry_business_names_and_their_case_shows_only_to_the_trainer() {
    let app = spawn_demo().await;
    let b = demo_login(&app, "demo.enabled").await;
    let dashboard = b.get("/dashboard").await;
    dashboard.assert_contains("Account menu of </span>Udaygiri Traders");
    assert!(!dashboard.body.contains("Access on for 30 days"));
    let gsp = demo_gsp(&app);
    assert_eq!(gsp.otp_request("demo.enabled").await.code(), "1");
    let token = gsp.auth_token("demo.enabled", "575757").await.token();
    let profile = gsp.profile(&token, "demo.enabled", "27AAPFU0939F1ZV").await;
    assert_eq!(profile.json["data"]["trade_name"], "Udaygiri Traders");
    let console = trainer(&app).await.get("/trainer").await;
    console.assert_contains("Access on for 30 days");
}

#[actix_web::test]
async fn the_banner_shows_the_portals_time_as_well_as_the_offset() {
    let app = spawn_demo().await;
    let page = app.browser().get("/login").await;
    let now = page.text_of("demo-now").unwrap();
    assert!(
        now.starts_with("Portal time: ") && now.ends_with(" IST"),
        "{now}"
    );
    let trainer = trainer(&app).await;
    shift(&trainer, "1d").await;
    let before = app.clock.now();
    let later = app
        .browser()
        .get("/login")
        .await
        .text_of("demo-now")
        .unwrap();
    let after = app.clock.now();
    // The minute may turn during the request.
    let shown = |at| {
        format!(
            "Portal time: {}",
            gst_portal::domain::time::ist_datetime(at)
        )
    };
    assert!(later == shown(before) || later == shown(after), "{later}");
    assert!(before - chrono::Utc::now() > chrono::TimeDelta::hours(23));
}

#[actix_web::test]
async fn a_taxpayer_whose_session_the_reset_ended_is_told_so() {
    let app = spawn_demo().await;
    let taxpayer = demo_login(&app, "demo.never").await;
    let trainer = trainer(&app).await;
    let res = trainer
        .submit("/trainer/reset", "/trainer/reset", &[("confirm", "yes")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = taxpayer.get("/profile/api-access").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let location = res.location().unwrap().to_string();
    assert!(location.starts_with("/login?reset=1"), "{location}");
    let login = taxpayer.get(&location).await;
    assert_eq!(
        login.text_of("login-notice").as_deref(),
        Some("The trainer reset the demo; log in again.")
    );
    // Told once: the marked session is gone now.
    let again = taxpayer.get("/profile/api-access").await;
    assert!(!again.location().unwrap().contains("reset=1"));
}

#[actix_web::test]
async fn a_lock_message_after_a_time_machine_jump_says_which_clock_it_follows() {
    let app = spawn_demo().await;
    let plain = app
        .browser()
        .log_in("demo.locked", demo::DEMO_PASSWORD)
        .await;
    let message = plain.text_of("login-error").unwrap();
    assert!(!message.contains("real time"), "{message}");
    let trainer = trainer(&app).await;
    shift(&trainer, "1d").await;
    let moved = app
        .browser()
        .log_in("demo.locked", demo::DEMO_PASSWORD)
        .await;
    assert!(moved
        .text_of("login-error")
        .unwrap()
        .ends_with("(Locks follow real time, which the demo clock does not move.)"));
    // The trainer's own lock says the same.
    let other = app.browser();
    let mut last = None;
    for _ in 0..5 {
        last = Some(trainer_attempt(&other, "Wrong@2026").await);
    }
    let locked = last.unwrap().text_of("trainer-login-error").unwrap();
    assert!(
        locked.starts_with("Too many failed logins")
            && locked.ends_with("(Locks follow real time, which the demo clock does not move.)"),
        "{locked}"
    );
    // The console's overview names each cell's column, so on a phone its rows
    // become cards and no column is cut off.
    let console = trainer.get("/trainer").await;
    assert_eq!(
        console
            .texts(r#"#overview td[data-label="Login lock"]"#)
            .len(),
        demo::TAXPAYERS.len()
    );
}
