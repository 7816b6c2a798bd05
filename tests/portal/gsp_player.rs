//! The GSP player on the trainer console: the GSP's side of the story played from
//! buttons, over real HTTP to the portal's own API.

use actix_web::http::StatusCode;
use gst_portal::demo;

use crate::helpers::*;

const PAGE: &str = "/trainer/gsp";
const ROUTES_POST: [&str; 6] = [
    "/trainer/gsp/choose",
    "/trainer/gsp/otp",
    "/trainer/gsp/token",
    "/trainer/gsp/call",
    "/trainer/gsp/refresh",
    "/trainer/gsp/logout",
];

/// Presses a button of the player, with the page's form token.
async fn press(t: &Browser, path: &str, fields: &[(&str, &str)]) -> Page {
    t.submit(PAGE, path, fields).await
}

/// Chooses `username` on the player.
async fn choose(t: &Browser, username: &str) {
    let res = press(t, "/trainer/gsp/choose", &[("username", username)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some(PAGE));
}

/// Plays one step that the API answers; returns the page that shows the exchange.
async fn step(t: &Browser, path: &str, fields: &[(&str, &str)]) -> Page {
    let res = press(t, path, fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}: {}", res.body);
    assert_eq!(res.location(), Some("/trainer/gsp#exchange"));
    let page = t.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    page
}

fn verdict(page: &Page) -> String {
    page.text_of("exchange-verdict")
        .expect("an exchange on the page")
}

/// The newest calls of the console's live feed: (username, action, result).
async fn feed(t: &Browser) -> Vec<(String, String, String)> {
    let res = t.get("/trainer/feed.json").await;
    assert_eq!(res.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    json["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap().to_string();
            assert_eq!(text("client"), demo::PLAYER_CLIENT_NAME);
            (text("username"), text("action"), text("result"))
        })
        .collect()
}

fn calls(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(u, a, r)| (u.to_string(), a.to_string(), r.to_string()))
        .collect()
}

#[actix_web::test]
async fn the_gsp_player_does_not_exist_without_demo_mode() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    assert_eq!(b.get(PAGE).await.status, StatusCode::NOT_FOUND);
    let token = b.get("/dashboard").await.csrf_token();
    for path in ROUTES_POST {
        let res = b
            .post(path, &[("csrf_token", &token), ("username", USERNAME)])
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.count("api_calls"), 0);
}

#[actix_web::test]
async fn the_gsp_player_is_for_the_trainer_only() {
    let app = spawn_demo().await;
    let anonymous = app.browser();
    let res = anonymous.get(PAGE).await;
    assert_eq!(res.location(), Some("/trainer/login"));
    // A taxpayer's session is another cookie: the player's routes do not see it.
    let taxpayer = app.browser();
    let res = taxpayer.log_in("demo.enabled", demo::DEMO_PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let token = taxpayer.get("/dashboard").await.csrf_token();
    assert_eq!(taxpayer.get(PAGE).await.location(), Some("/trainer/login"));
    for path in ROUTES_POST {
        let res = taxpayer
            .post(
                path,
                &[("csrf_token", &token), ("username", "demo.enabled")],
            )
            .await;
        assert_eq!(res.location(), Some("/trainer/login"), "{path}");
    }
    assert_eq!(app.count("api_calls"), 0);
    assert_eq!(app.count("otp_requests"), 0);
}

#[actix_web::test]
async fn a_locked_out_trainer_cannot_reach_the_player() {
    let app = spawn_demo().await;
    let b = app.browser();
    for _ in 0..app.settings.lockout.threshold {
        trainer_attempt(&b, "Wrong@2026").await;
    }
    let res = trainer_attempt(&b, TRAINER_PASSWORD).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert_eq!(b.get(PAGE).await.location(), Some("/trainer/login"));
}

#[actix_web::test]
async fn every_player_post_without_the_form_token_is_refused_and_changes_nothing() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    choose(&t, "demo.enabled").await;
    let page_before = t.get(PAGE).await.text_of("player-state");
    let before = app.snapshot();
    for path in ROUTES_POST {
        let res = t
            .post(path, &[("username", "demo.never"), ("otp", "575757")])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}: {}", res.body);
        let res = t
            .post(
                path,
                &[("csrf_token", "forged"), ("username", "demo.never")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}: {}", res.body);
    }
    assert_eq!(app.snapshot(), before);
    assert_eq!(app.count("api_calls"), 0);
    assert_eq!(app.count("otp_requests"), 0);
    assert_eq!(t.get(PAGE).await.text_of("player-state"), page_before);
}

#[actix_web::test]
async fn a_field_of_another_buttons_form_is_refused_and_changes_nothing() {
    // One route answers every button, yet each button's form keeps its own fields.
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    choose(&t, "demo.enabled").await;
    let page_before = t.get(PAGE).await.text_of("player-state");
    let before = app.snapshot();
    for (path, field) in [
        ("/trainer/gsp/choose", ("otp", "575757")),
        ("/trainer/gsp/otp", ("otp", "575757")),
        ("/trainer/gsp/token", ("username", "demo.never")),
        ("/trainer/gsp/call", ("username", "demo.never")),
        ("/trainer/gsp/logout", ("otp", "575757")),
    ] {
        let res = press(&t, path, &[field]).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
        res.assert_contains("unknown field");
    }
    assert_eq!(app.snapshot(), before);
    assert_eq!(app.count("api_calls"), 0);
    assert_eq!(t.get(PAGE).await.text_of("player-state"), page_before);
}

#[actix_web::test]
async fn the_whole_gsp_story_plays_from_the_console_with_access_on() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let console = t.get("/trainer").await;
    assert_eq!(
        console.attr("#gsp-player-link", "href").as_deref(),
        Some(PAGE)
    );
    let classroom = t.get("/trainer/classroom").await;
    assert_eq!(
        classroom.attr("#gsp-player-link", "href").as_deref(),
        Some(PAGE)
    );

    choose(&t, "demo.enabled").await;
    let page = t.get(PAGE).await;
    page.assert_contains("The GSP now plays for demo.enabled");
    assert!(page
        .text_of("player-access")
        .unwrap()
        .starts_with("API access is enabled until"));
    assert_eq!(page.text_of("player-token").as_deref(), Some("None held"));

    // 1. The OTP goes to the taxpayer's Messages, and the player offers the same one.
    let page = step(&t, "/trainer/gsp/otp", &[]).await;
    assert_eq!(verdict(&page), "let in");
    assert_eq!(page.text_of("exchange-status").as_deref(), Some("200 OK"));
    let request = page.text_of("exchange-request").unwrap();
    assert!(
        request.starts_with("POST /taxpayerapi/v1.0/authenticate"),
        "{request}"
    );
    assert!(request.contains("\"action\": \"OTPREQUEST\""), "{request}");
    assert!(
        request.contains("clientid: trainer-gsp-player"),
        "{request}"
    );
    assert!(request.contains("client-secret: ********"), "{request}");
    let secret = demo::player_client(&mut app.pool.get().unwrap())
        .unwrap()
        .unwrap()
        .client_secret;
    assert!(!page.body.contains(&secret));
    let taxpayer = app.browser();
    taxpayer.log_in("demo.enabled", demo::DEMO_PASSWORD).await;
    let otp = otp_from_messages(&taxpayer).await;
    assert_eq!(page.text_of("messages-otp"), Some(otp.clone()));
    assert_eq!(
        page.attr("#gsp-otp", "value").as_deref(),
        Some(otp.as_str())
    );

    // 2. The OTP from Messages buys a token.
    let page = step(&t, "/trainer/gsp/token", &[("otp", &otp)]).await;
    assert_eq!(verdict(&page), "let in");
    assert!(page
        .text_of("exchange-answer")
        .unwrap()
        .contains("\"auth_token\""));
    assert!(page.text_of("player-token").unwrap().contains("good until"));
    let first_token = page.text_of("player-token").unwrap();

    // 3. A protected call is let in.
    let page = step(&t, "/trainer/gsp/call", &[]).await;
    assert_eq!(verdict(&page), "let in");
    assert!(page
        .text_of("exchange-request")
        .unwrap()
        .starts_with("GET /taxpayerapi/v1.0/profile"));
    assert!(page
        .text_of("exchange-answer")
        .unwrap()
        .contains("Udaygiri Traders"));

    // 4. A refresh gives a new token without a new OTP.
    let page = step(&t, "/trainer/gsp/refresh", &[]).await;
    assert_eq!(verdict(&page), "let in");
    assert_ne!(page.text_of("player-token").unwrap(), first_token);

    // 5. Log out: the token is gone.
    let page = step(&t, "/trainer/gsp/logout", &[]).await;
    assert_eq!(verdict(&page), "let in");
    assert_eq!(page.text_of("player-token").as_deref(), Some("None held"));

    // Each step is in the API log and the live feed, like a call from outside.
    let user = "demo.enabled";
    assert_eq!(
        feed(&t).await,
        calls(&[
            (user, "LOGOUT", "1"),
            (user, "REFRESHTOKEN", "1"),
            (user, "PROFILE", "1"),
            (user, "AUTHTOKEN", "1"),
            (user, "OTPREQUEST", "1"),
        ])
    );
    let listed = t.get(PAGE).await.rows("player-calls");
    assert_eq!(listed.len(), 5);
    assert_eq!(listed[0][2], "LOGOUT");
}

#[actix_web::test]
async fn with_access_off_the_otp_request_is_refused_and_the_console_says_why() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    choose(&t, "demo.disabled").await;
    let page = step(&t, "/trainer/gsp/otp", &[]).await;
    assert_eq!(verdict(&page), "refused: access is off (AUTH4037)");
    assert_eq!(
        page.text_of("exchange-status").as_deref(),
        Some("403 Forbidden")
    );
    assert!(page
        .text_of("exchange-meaning")
        .unwrap()
        .contains("has not switched API access on"));
    assert!(page
        .text_of("exchange-answer")
        .unwrap()
        .contains("\"error_cd\": \"AUTH4037\""));
    assert_eq!(
        feed(&t).await,
        calls(&[("demo.disabled", "OTPREQUEST", "AUTH4037")])
    );
    assert_eq!(app.count("messages"), 0);
    // No OTP was sent, so there is none to trade.
    let res = press(&t, "/trainer/gsp/token", &[("otp", "575757")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res
        .text_of("player-error")
        .unwrap()
        .contains("No OTP is waiting"));
    assert_eq!(app.count("api_calls"), 1);
}

#[actix_web::test]
async fn a_call_before_a_token_is_refused_with_a_clear_message() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    // Nobody chosen yet.
    let res = press(&t, "/trainer/gsp/otp", &[]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res
        .text_of("player-error")
        .unwrap()
        .contains("Choose a taxpayer first"));

    choose(&t, "demo.enabled").await;
    let before = app.snapshot();
    for path in [
        "/trainer/gsp/call",
        "/trainer/gsp/refresh",
        "/trainer/gsp/logout",
    ] {
        let res = press(&t, path, &[]).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{path}: {}", res.body);
        let error = res.text_of("player-error").unwrap();
        assert!(error.contains("holds no auth token yet"), "{path}: {error}");
    }
    assert_eq!(app.snapshot(), before);
    assert_eq!(app.count("api_calls"), 0);
    assert_eq!(app.count("gsp_sessions"), 0);
}

#[actix_web::test]
async fn bad_input_to_the_player_says_why_and_changes_nothing() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let before = app.snapshot();
    // Only the training data can be chosen: not an unknown name, not a real taxpayer.
    for (name, status) in [
        ("nobody.here", StatusCode::NOT_FOUND),
        (USERNAME, StatusCode::NOT_FOUND),
        ("", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let res = press(&t, "/trainer/gsp/choose", &[("username", name)]).await;
        assert_eq!(res.status, status, "{name}: {}", res.body);
        assert!(res.text_of("player-error").is_some(), "{name}");
    }
    assert!(t.get(PAGE).await.text_of("player-state").is_none());

    choose(&t, "demo.enabled").await;
    step(&t, "/trainer/gsp/otp", &[]).await;
    for otp in ["", "12345678901234567"] {
        let res = press(&t, "/trainer/gsp/token", &[("otp", otp)]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{otp}");
        assert!(res
            .text_of("player-error")
            .unwrap()
            .contains("Give the OTP"));
    }
    assert_eq!(app.count("api_calls"), 1);

    // A revoked player client: nothing is sent.
    {
        let mut conn = app.pool.get().unwrap();
        gst_portal::db::models::gsp_client::revoke(
            &mut conn,
            demo::PLAYER_CLIENT_ID,
            app.clock.now(),
        )
        .unwrap()
        .unwrap();
    }
    let res = press(&t, "/trainer/gsp/token", &[("otp", "575757")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.text_of("player-error").unwrap().contains("revoked"));
    assert!(res.text_of("client-revoked").is_some());
    assert_eq!(app.count("api_calls"), 1);
    assert_eq!(app.count("gsp_sessions"), 0);
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn a_trainees_gsp_steps_played_from_the_console_reach_the_board() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let (name, password) = add_one_trainee(&t, "trainee").await;
    let trainee = app.browser();
    trainee.log_in(&name, &password).await;
    let res = trainee.confirm("Y", Some("24")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    choose(&t, &name).await;
    step(&t, "/trainer/gsp/otp", &[]).await;
    // The sandbox OTP, offered while the setting is on, works for training data.
    let page = t.get(PAGE).await;
    assert_eq!(
        page.attr("#step-token-sandbox", "id").as_deref(),
        Some("step-token-sandbox")
    );
    let page = step(&t, "/trainer/gsp/token", &[("otp", "575757")]).await;
    assert_eq!(verdict(&page), "let in");

    let board = t.get("/trainer/classroom/board").await;
    let row = board.rows("board-table").remove(0);
    // The columns: ..., GSP asked for an OTP, GSP got a token, GSP refused.
    assert_ne!(row[5], "Not yet", "{row:?}");
    assert_ne!(row[6], "Not yet", "{row:?}");
    assert_eq!(row[7], "Not yet", "{row:?}");
}

#[actix_web::test]
async fn without_the_sandbox_setting_the_player_offers_only_the_otp_from_messages() {
    let app = spawn_demo().await;
    app.sandbox_otp("off");
    let t = trainer(&app).await;
    choose(&t, "demo.enabled").await;
    let page = t.get(PAGE).await;
    assert!(page.text_of("step-token-sandbox").is_none());
    assert!(page.text_of("messages-otp").is_none());
    step(&t, "/trainer/gsp/otp", &[]).await;
    let page = step(&t, "/trainer/gsp/token", &[("otp", "575757")]).await;
    assert_eq!(verdict(&page), "refused: wrong OTP (AUTH4034)");
    let otp = page.text_of("messages-otp").expect("the OTP from Messages");
    let page = step(&t, "/trainer/gsp/token", &[("otp", &otp)]).await;
    assert_eq!(verdict(&page), "let in");
}
