//! The GSP side: the API simulator honours Manage API Access.

use actix_web::http::StatusCode;
use chrono::TimeDelta;
use serde_json::json;

use diesel::prelude::*;
use gst_portal::db::models::api_access;
use gst_portal::db::schema::otp_requests;
use gst_portal::db::Run;
use gst_portal::domain::time::ist_datetime;

use crate::helpers::*;

/// Enables access for `hours` and returns a logged-in browser.
async fn enabled(app: &TestApp, hours: &str) -> Browser {
    let b = app.logged_in().await;
    assert_eq!(
        b.confirm("Y", Some(hours)).await.status,
        StatusCode::SEE_OTHER
    );
    b
}

/// OTPREQUEST, the OTP from Messages, AUTHTOKEN: a token.
async fn token(app: &TestApp, gsp: &Gsp) -> ApiAnswer {
    assert_eq!(gsp.otp_request(USERNAME).await.code(), "1");
    let b = app.logged_in().await;
    let otp = otp_from_messages(&b).await;
    let answer = gsp.auth_token(USERNAME, &otp).await;
    assert_eq!(answer.code(), "1", "{:?}", answer.json);
    answer
}

#[actix_web::test]
async fn with_access_off_the_otp_request_is_refused_with_auth4037() {
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    let never = gsp.otp_request(USERNAME).await;
    assert_eq!(never.status, StatusCode::FORBIDDEN);
    assert_eq!(never.code(), "AUTH4037");
    assert_eq!(never.json["status_cd"], "0");
    assert!(never.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Manage API Access"));
    // The same answer for a username nobody has: nothing to enumerate.
    let unknown = gsp.otp_request("no.such.user").await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (never.status, never.code())
    );
    let b = app.logged_in().await;
    b.confirm("Y", Some("24")).await;
    b.confirm("N", None).await;
    assert_eq!(gsp.otp_request(USERNAME).await.code(), "AUTH4037");
    assert!(
        b.get("/messages").await.text_of("no-messages").is_some(),
        "no OTP was sent"
    );
}

#[actix_web::test]
async fn with_access_on_the_otp_from_messages_gives_a_token_that_opens_the_profile() {
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    let b = enabled(&app, "720").await;
    let ask = gsp.otp_request(USERNAME).await;
    assert_eq!((ask.status, ask.code()), (StatusCode::OK, "1".to_string()));
    let page = b.get("/messages").await;
    let text = page.text_of("message-list").unwrap();
    assert!(
        text.contains(GSTIN) && text.contains("Test GSP") && text.contains("IST"),
        "{text}"
    );
    let otp = otp_from_messages(&b).await;
    let answer = gsp.auth_token(USERNAME, &otp).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json["expiry"], 360);
    assert!(answer.token().len() >= 32);
    assert!(answer.json["sek"].as_str().unwrap().len() >= 32);

    let profile = gsp.profile(&answer.token(), USERNAME, GSTIN).await;
    assert_eq!(profile.status, StatusCode::OK, "{:?}", profile.json);
    assert_eq!(profile.json["data"]["gstin"], GSTIN);
    assert_eq!(
        profile.json["data"]["legal_name"],
        "Asha Traders Private Limited"
    );
    // The OTP is used up.
    assert_eq!(gsp.auth_token(USERNAME, &otp).await.code(), "AUTH4034");
}

#[actix_web::test]
async fn a_wrong_otp_is_refused_and_the_fourth_try_fails_even_when_right() {
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    let b = enabled(&app, "720").await;
    gsp.otp_request(USERNAME).await;
    let otp = otp_from_messages(&b).await;
    let wrong = if otp == "000000" { "111111" } else { "000000" };
    for tries_left in [2, 1] {
        let answer = gsp.auth_token(USERNAME, wrong).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::UNAUTHORIZED, "AUTH4034".to_string())
        );
        assert!(answer.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{tries_left} more tries")));
    }
    let third = gsp.auth_token(USERNAME, "12ab56").await;
    assert!(third.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("void"));
    let fourth = gsp.auth_token(USERNAME, &otp).await;
    assert_eq!(fourth.code(), "AUTH4034", "the right OTP no longer works");
}

#[actix_web::test]
async fn an_otp_expires_after_ten_minutes() {
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    let b = enabled(&app, "720").await;
    gsp.otp_request(USERNAME).await;
    let otp = otp_from_messages(&b).await;
    app.advance(TimeDelta::minutes(11));
    let answer = gsp.auth_token(USERNAME, &otp).await;
    assert_eq!(answer.code(), "AUTH4034");
    assert!(answer.json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[actix_web::test]
async fn a_token_never_outlives_the_period_and_refresh_stops_at_its_end() {
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    enabled(&app, "6").await;
    let first = token(&app, &gsp).await;
    let expiry = first.json["expiry"].as_i64().unwrap();
    assert!((359..=360).contains(&expiry), "{expiry}");

    app.advance(TimeDelta::hours(2));
    let second = token(&app, &gsp).await;
    let expiry = second.json["expiry"].as_i64().unwrap();
    assert!(
        (239..=240).contains(&expiry),
        "capped by the period: {expiry}"
    );

    // A refresh gives a new token, no later than the period's end; the old one stops.
    app.advance(TimeDelta::hours(3));
    let refreshed = gsp.refresh(USERNAME, &second.token()).await;
    assert_eq!(refreshed.code(), "1", "{:?}", refreshed.json);
    let expiry = refreshed.json["expiry"].as_i64().unwrap();
    assert!((59..=60).contains(&expiry), "{expiry}");
    assert_eq!(
        gsp.profile(&refreshed.token(), USERNAME, GSTIN)
            .await
            .code(),
        "1"
    );
    assert_eq!(
        gsp.profile(&second.token(), USERNAME, GSTIN).await.code(),
        "AUTH4033"
    );

    // After the period: AUTH4037 everywhere.
    app.advance(TimeDelta::minutes(61));
    assert_eq!(
        gsp.refresh(USERNAME, &refreshed.token()).await.code(),
        "AUTH4037"
    );
    assert_eq!(
        gsp.profile(&refreshed.token(), USERNAME, GSTIN)
            .await
            .code(),
        "AUTH4037"
    );
    assert_eq!(gsp.otp_request(USERNAME).await.code(), "AUTH4037");
}

#[actix_web::test]
async fn a_refresh_within_a_long_period_gives_six_more_hours() {
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    enabled(&app, "720").await;
    let first = token(&app, &gsp).await;
    app.advance(TimeDelta::hours(5));
    let refreshed = gsp.refresh(USERNAME, &first.token()).await;
    assert_eq!(refreshed.status, StatusCode::OK);
    assert_eq!(refreshed.json["expiry"], 360);
    // Without refresh a token expires: AUTH4038, and a refresh is too late then.
    app.advance(TimeDelta::hours(6));
    assert_eq!(
        gsp.profile(&refreshed.token(), USERNAME, GSTIN)
            .await
            .code(),
        "AUTH4038"
    );
    assert_eq!(
        gsp.refresh(USERNAME, &refreshed.token()).await.code(),
        "AUTH4038"
    );
}

#[actix_web::test]
async fn choosing_no_revokes_every_live_token_at_once() {
    let app = spawn_app().await;
    let first_gsp = app.gsp("First GSP");
    let second_gsp = app.gsp("Second GSP");
    enabled(&app, "720").await;
    let a = token(&app, &first_gsp).await.token();
    let b1 = token(&app, &second_gsp).await.token();
    let b2 = token(&app, &second_gsp).await.token();
    assert_eq!(first_gsp.profile(&a, USERNAME, GSTIN).await.code(), "1");

    let b = app.logged_in().await;
    let page = b.get("/profile/api-access").await;
    let apps = page.text_of("applications").unwrap();
    assert!(
        apps.contains("First GSP") && apps.contains("Second GSP"),
        "{apps}"
    );

    assert_eq!(b.confirm("N", None).await.status, StatusCode::SEE_OTHER);
    for (gsp, t) in [(&first_gsp, &a), (&second_gsp, &b1), (&second_gsp, &b2)] {
        let answer = gsp.profile(t, USERNAME, GSTIN).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::FORBIDDEN, "AUTH4037".to_string())
        );
    }
    let page = b.get("/profile/api-access").await;
    assert!(page.text_of("applications").is_none());
    assert!(page.text_of("no-applications").is_some());
    let mut conn = app.pool.get().unwrap();
    let last = &api_access::recent_changes(&mut conn, app.taxpayer, 1).unwrap()[0];
    assert!(!last.enabled);
    assert_eq!(last.sessions_ended, 3);

    // Switching on again does not bring the old tokens back.
    b.confirm("Y", Some("24")).await;
    assert_eq!(
        first_gsp.profile(&a, USERNAME, GSTIN).await.code(),
        "AUTH4033"
    );
    assert_eq!(first_gsp.refresh(USERNAME, &a).await.code(), "OTP0011");
}

#[actix_web::test]
async fn applications_with_access_shows_since_last_used_and_until() {
    let app = spawn_app().await;
    let gsp = app.gsp("Sahaj Returns");
    enabled(&app, "720").await;
    let t = token(&app, &gsp).await.token();
    app.advance(TimeDelta::minutes(30));
    gsp.profile(&t, USERNAME, GSTIN).await;
    let b = app.logged_in().await;
    let page = b.get("/profile/api-access").await;
    let rows = page.rows("applications");
    let cells = &rows[0];
    assert_eq!(cells[0], "Sahaj Returns");
    assert!(cells[1].ends_with("IST") && cells[2].ends_with("IST") && cells[3].ends_with("IST"));
    assert_ne!(cells[1], cells[2], "last used moved on by the profile call");
}

#[actix_web::test]
async fn logout_ends_the_gsp_session() {
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    enabled(&app, "720").await;
    let t = token(&app, &gsp).await.token();
    let out = gsp.logout(USERNAME, &t).await;
    assert_eq!((out.status, out.code()), (StatusCode::OK, "1".to_string()));
    assert_eq!(gsp.profile(&t, USERNAME, GSTIN).await.code(), "AUTH4033");
    assert_eq!(gsp.refresh(USERNAME, &t).await.code(), "OTP0011");
    assert_eq!(gsp.logout(USERNAME, &t).await.code(), "OTP0011");
}

#[actix_web::test]
async fn a_token_is_bound_to_its_client_username_and_gstin() {
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    let other = app.gsp("Other GSP");
    enabled(&app, "720").await;
    let t = token(&app, &gsp).await.token();
    assert_eq!(other.profile(&t, USERNAME, GSTIN).await.code(), "AUTH4033");
    assert_eq!(
        gsp.profile(&t, OTHER_USERNAME, OTHER_GSTIN).await.code(),
        "AUTH4033"
    );
    let wrong_gstin = gsp.profile(&t, USERNAME, OTHER_GSTIN).await;
    assert_eq!(
        (wrong_gstin.status, wrong_gstin.code()),
        (StatusCode::FORBIDDEN, "RET11402".to_string())
    );
    assert_eq!(
        gsp.profile("not-a-token", USERNAME, GSTIN).await.code(),
        "AUTH4033"
    );
}

#[actix_web::test]
async fn a_client_may_hold_at_most_five_live_sessions_per_taxpayer() {
    // Six OTPs within the hour: that cap is another test's.
    let app = spawn_app_with(|s| s.otp_requests_per_hour = 10).await;
    let gsp = app.gsp("Test GSP");
    enabled(&app, "720").await;
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(token(&app, &gsp).await.token());
    }
    gsp.otp_request(USERNAME).await;
    let b = app.logged_in().await;
    let otp = otp_from_messages(&b).await;
    let sixth = gsp.auth_token(USERNAME, &otp).await;
    assert_eq!(
        (sixth.status, sixth.code()),
        (StatusCode::TOO_MANY_REQUESTS, "AUTH403".to_string())
    );
    // Logging one out makes room, and the OTP is still good.
    gsp.logout(USERNAME, &tokens[0]).await;
    assert_eq!(gsp.auth_token(USERNAME, &otp).await.code(), "1");
    // Another client has its own allowance.
    assert_eq!(token(&app, &app.gsp("Other GSP")).await.code(), "1");
}

#[actix_web::test]
async fn a_client_may_ask_at_most_five_otps_per_taxpayer_within_an_hour() {
    // ASVS 6.6.3: each OTP allows three guesses, so asking again and again must not
    // give endless guesses.
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    enabled(&app, "720").await;
    for _ in 0..5 {
        assert_eq!(gsp.otp_request(USERNAME).await.code(), "1");
    }
    let first_at = otp_requests::table
        .select(diesel::dsl::min(otp_requests::created_at))
        .fetch_one::<Option<chrono::NaiveDateTime>>(&mut app.pool.get().unwrap())
        .unwrap()
        .unwrap()
        .and_utc();
    app.advance(TimeDelta::minutes(30));
    let sixth = gsp.otp_request(USERNAME).await;
    assert_eq!(
        (sixth.status, sixth.code()),
        (StatusCode::TOO_MANY_REQUESTS, "SIM429".to_string())
    );
    let message = sixth.json["error"]["message"].as_str().unwrap().to_string();
    let retry_at = ist_datetime(first_at + TimeDelta::hours(1));
    assert!(
        message.ends_with(&format!("Ask again after {retry_at}.")),
        "{message}"
    );
    assert_eq!(
        app.count("messages"),
        5,
        "no OTP went out for the refused request"
    );
    // Another client has its own allowance.
    assert_eq!(app.gsp("Other GSP").otp_request(USERNAME).await.code(), "1");
    // An hour after the first request, the client may ask again.
    app.advance(TimeDelta::minutes(31));
    assert_eq!(gsp.otp_request(USERNAME).await.code(), "1");
}

#[actix_web::test]
async fn the_sandbox_otp_works_only_while_the_setting_is_on() {
    let app = spawn_app_with(|s| s.demo = true).await;
    app.mark_training(app.taxpayer);
    let gsp = app.gsp("Test GSP");
    enabled(&app, "720").await;
    app.sandbox_otp("off");
    gsp.otp_request(USERNAME).await;
    assert_eq!(gsp.auth_token(USERNAME, "575757").await.code(), "AUTH4034");
    app.sandbox_otp("on");
    assert_eq!(gsp.auth_token(USERNAME, "575757").await.code(), "1");
}

#[actix_web::test]
async fn every_malformed_request_gets_a_4xx_json_error_and_never_a_5xx() {
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    enabled(&app, "720").await;
    let json = "application/json";
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str, &str)> = vec![
        (
            json,
            b"{not json".to_vec(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "not valid JSON",
        ),
        (
            json,
            b"[]".to_vec(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "JSON object",
        ),
        (
            json,
            b"".to_vec(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "not valid JSON",
        ),
        (
            json,
            json!({"action": "FETCH", "username": USERNAME, "app_key": "k"})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "Unknown action",
        ),
        (
            json,
            json!({"username": USERNAME, "app_key": "k"})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "action is missing",
        ),
        (
            json,
            json!({"action": "OTPREQUEST", "username": 42, "app_key": "k"})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "username must be a string",
        ),
        (
            json,
            json!({"action": "OTPREQUEST", "username": USERNAME})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "app_key is missing",
        ),
        (
            json,
            json!({"action": "AUTHTOKEN", "username": USERNAME, "app_key": "k", "otp": 575757})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "otp must be a string",
        ),
        (
            json,
            json!({"action": "REFRESHTOKEN", "username": USERNAME, "app_key": "k"})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "auth_token is missing",
        ),
        (
            json,
            json!({"action": "OTPREQUEST", "username": "u".repeat(65), "app_key": "k"})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "longer than",
        ),
        (
            "text/plain",
            json!({"action": "OTPREQUEST", "username": USERNAME, "app_key": "k"})
                .to_string()
                .into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "SIM415",
            "application/json",
        ),
        (
            json,
            vec![b' '; 20_000],
            StatusCode::PAYLOAD_TOO_LARGE,
            "SIM413",
            "16 KiB",
        ),
        (
            json,
            b"{\"action\":\"OTPREQUEST\",\"username\":\"\xff\"}".to_vec(),
            StatusCode::BAD_REQUEST,
            "SIM400",
            "not valid JSON",
        ),
    ];
    for (content_type, body, status, code, text) in cases {
        let answer = gsp.raw(content_type, body).await;
        assert_eq!(
            (answer.status, answer.code()),
            (status, code.to_string()),
            "{text}: {:?}",
            answer.json
        );
        assert!(
            answer.json["error"]["message"]
                .as_str()
                .unwrap()
                .contains(text),
            "{text}: {:?}",
            answer.json
        );
    }

    // Client credentials: missing, wrong, revoked.
    let wrong = Gsp {
        secret: "wrong".to_string(),
        ..app.gsp("Third GSP")
    };
    let answer = wrong.otp_request(USERNAME).await;
    assert_eq!(
        (answer.status, answer.code()),
        (StatusCode::UNAUTHORIZED, "AUT4034".to_string())
    );
    let nobody = Gsp {
        base: app.base.clone(),
        client_id: String::new(),
        secret: String::new(),
    };
    assert_eq!(nobody.otp_request(USERNAME).await.code(), "AUT4031");
    {
        let mut conn = app.pool.get().unwrap();
        gst_portal::db::models::gsp_client::revoke(&mut conn, &gsp.client_id, app.clock.now())
            .unwrap();
    }
    assert_eq!(gsp.otp_request(USERNAME).await.code(), "AUT4033");

    // The profile call without its headers.
    let fresh = app.gsp("Fourth GSP");
    let answer = fresh.profile("", USERNAME, GSTIN).await;
    assert_eq!(
        (answer.status, answer.code()),
        (StatusCode::BAD_REQUEST, "SIM400".to_string())
    );
}

#[actix_web::test]
async fn the_openapi_document_is_valid_json_and_lists_every_path() {
    let app = spawn_app().await;
    let mut res = awc::Client::default()
        .get(format!("{}/taxpayerapi/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_slice(&res.body().await.unwrap()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/taxpayerapi/v1.0/authenticate"));
    assert!(paths.contains_key("/taxpayerapi/v1.0/profile"));
    assert!(paths.contains_key("/taxpayerapi/v1.0/returns"));
    assert_eq!(paths.len(), 3);
    // Both protocols are described: the encrypted envelope and the wire headers.
    assert!(doc["components"]["schemas"]["EncryptedAnswer"].is_object());
    let header_names = |path: &str, method: &str| -> Vec<String> {
        paths[path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "header")
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        header_names("/taxpayerapi/v1.0/authenticate", "post"),
        [
            "clientid",
            "client-secret",
            "state-cd",
            "ip-usr",
            "txn",
            "ret_period"
        ]
    );
    assert_eq!(
        header_names("/taxpayerapi/v1.0/profile", "get"),
        [
            "clientid",
            "client-secret",
            "auth-token",
            "username",
            "gstin",
            "state-cd",
            "ip-usr",
            "txn",
            "ret_period"
        ]
    );
    let actions = &doc["components"]["schemas"]["Action"];
    let text = actions.to_string();
    for action in ["OTPREQUEST", "AUTHTOKEN", "REFRESHTOKEN", "LOGOUT"] {
        assert!(text.contains(action), "{action} missing: {text}");
    }
    let docs = app.browser().get("/taxpayerapi").await;
    assert_eq!(docs.status, StatusCode::OK);
    docs.assert_contains("curl -s -X POST");
    docs.assert_contains("AUTH4037");
}

#[actix_web::test]
async fn a_data_call_records_its_use_at_most_once_a_minute() {
    // Recording "last used" on every call would make each data call a synced write.
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    enabled(&app, "720").await;
    let t = token(&app, &gsp).await.token();
    let last_used = || {
        use gst_portal::db::schema::gsp_sessions;
        let mut conn = app.pool.get().unwrap();
        gsp_sessions::table
            .select(gsp_sessions::last_used_at)
            .limit(1)
            .fetch_one::<chrono::NaiveDateTime>(&mut conn)
            .unwrap()
    };
    let issued = last_used();
    app.advance(TimeDelta::seconds(30));
    assert_eq!(gsp.profile(&t, USERNAME, GSTIN).await.code(), "1");
    assert_eq!(last_used(), issued, "within a minute of the last record");
    app.advance(TimeDelta::seconds(40));
    assert_eq!(gsp.profile(&t, USERNAME, GSTIN).await.code(), "1");
    let recorded = last_used();
    assert!(
        recorded > issued + TimeDelta::seconds(60),
        "{recorded} after {issued}"
    );
    assert_eq!(gsp.profile(&t, USERNAME, GSTIN).await.code(), "1");
    assert_eq!(last_used(), recorded);
}
