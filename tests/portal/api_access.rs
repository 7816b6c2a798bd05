//! Steps 4-7 of the manual and the FAQ's rules: Manage API Access.

use actix_web::http::StatusCode;
use chrono::{DateTime, TimeDelta, Utc};

use gst_portal::db::models::api_access;
use gst_portal::domain::access::StoredAccess;
use gst_portal::domain::time::ist_datetime;

use crate::helpers::*;

fn stored(app: &TestApp) -> Option<StoredAccess> {
    let mut conn = app.pool.get().unwrap();
    api_access::load(&mut conn, app.taxpayer).unwrap()
}

fn expiry(app: &TestApp) -> DateTime<Utc> {
    stored(app)
        .and_then(|s| s.expires_at)
        .expect("an expiry is stored")
}

#[actix_web::test]
async fn step_4_the_page_offers_yes_and_no_with_no_preselected_at_first() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let page = b.get("/profile/api-access").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(r#"<li><a href="/dashboard">Dashboard</a></li><li><a href="/profile">My Profile</a></li><li aria-current="page">Manage API Access</li>"#);
    page.assert_contains("<legend>Enable API Request");
    page.assert_contains(r#"<input type="radio" id="enable-api-yes" name="enable_api" value="Y"><label for="enable-api-yes">Yes</label>"#);
    page.assert_contains(r#"<input type="radio" id="enable-api-no" name="enable_api" value="N" checked><label for="enable-api-no">No</label>"#);
    assert_eq!(
        page.text_of("api-access-status").as_deref(),
        Some("API access is disabled (it has never been enabled)")
    );
    page.assert_contains(r#"<script src="/static/js/api-access.js" defer></script>"#);
}

#[actix_web::test]
async fn step_6_the_duration_drop_down_offers_six_hours_to_thirty_days() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let page = b.get("/profile/api-access").await;
    page.assert_contains(r#"<label for="duration">Duration"#);
    let options: Vec<(&str, &str)> = vec![
        ("6", "6 Hours"),
        ("12", "12 Hours"),
        ("24", "1 Day"),
        ("48", "2 Days"),
        ("168", "7 Days"),
        ("360", "15 Days"),
        ("720", "30 Days"),
    ];
    let mut last = 0;
    for (value, label) in options {
        let tag = format!(r#"<option value="{value}">{label}</option>"#);
        let at = page
            .body
            .find(&tag)
            .unwrap_or_else(|| panic!("{tag} missing"));
        assert!(at > last);
        last = at;
    }
}

#[actix_web::test]
async fn step_7_confirming_yes_stores_the_choice_and_shows_it() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let before = app.clock.now();
    let res = b.confirm("Y", Some("168")).await;
    let after = app.clock.now();
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some("/profile/api-access"));

    let until = expiry(&app);
    assert!(until >= before + TimeDelta::days(7) && until <= after + TimeDelta::days(7));
    let s = stored(&app).unwrap();
    assert!(s.enabled);
    assert_eq!(s.duration.unwrap().hours(), 168);

    let page = b.get("/profile/api-access").await;
    let status = format!("API access is enabled until {}", ist_datetime(until));
    assert_eq!(
        page.text_of("api-access-status").as_deref(),
        Some(status.as_str())
    );
    assert_eq!(
        page.text_of("flash").as_deref(),
        Some(format!("Your choice has been saved. {status}.").as_str())
    );
    // The form shows Yes; the drop-down starts at Select, since a Confirm starts a
    // new period, and the time left is said in words instead.
    page.assert_contains(r#"value="Y" checked>"#);
    assert!(!page.body.contains(" selected>"));
    assert_eq!(
        page.text_of("api-access-left").as_deref(),
        Some("Ends in 7 days.")
    );
    assert!(page.text_of("api-access-ending").is_none());
    // The notice shows once.
    assert!(b
        .get("/profile/api-access")
        .await
        .text_of("flash")
        .is_none());
}

#[actix_web::test]
async fn confirming_no_ends_access_at_once() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("720")).await;
    let res = b.confirm("N", None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let s = stored(&app).unwrap();
    assert!(!s.enabled && s.expires_at.is_none());
    let page = b.get("/profile/api-access").await;
    let since = gst_portal::domain::time::ist_datetime(app.clock.now());
    let shown = page.text_of("api-access-status").unwrap();
    // The minute may turn between the Confirm and this check.
    assert!(
        shown.starts_with("API access is disabled since "),
        "{shown}"
    );
    assert!(
        shown.ends_with(" IST")
            && shown.len() == format!("API access is disabled since {since}").len()
    );
    page.assert_contains(r#"value="N" checked>"#);
    assert!(page
        .text_of("flash")
        .unwrap()
        .ends_with("GSP sessions ended: 0."));
}

#[actix_web::test]
async fn yes_then_no_then_yes_with_a_shorter_duration() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("720")).await;
    assert!(expiry(&app) > app.clock.now() + TimeDelta::days(29));
    b.confirm("N", None).await;
    assert!(!stored(&app).unwrap().enabled);
    b.confirm("Y", Some("6")).await;
    let until = expiry(&app);
    let now = app.clock.now();
    assert!(until > now + TimeDelta::hours(5) && until <= now + TimeDelta::hours(6));
    let page = b.get("/profile/api-access").await;
    assert_eq!(
        page.text_of("api-access-status"),
        Some(format!(
            "API access is enabled until {}",
            ist_datetime(until)
        ))
    );
}

#[actix_web::test]
async fn a_no_sent_with_a_duration_still_disables() {
    // Without JavaScript the drop-down stays visible and may still send its value.
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("24")).await;
    let res = b.confirm("N", Some("24")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!stored(&app).unwrap().enabled);
}

#[actix_web::test]
async fn access_shows_as_expired_once_the_period_is_over() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("6")).await;
    let until = expiry(&app);
    // Hours pass: the session has long timed out, so the taxpayer logs in again.
    app.advance(TimeDelta::hours(5) + TimeDelta::minutes(50));
    let b = app.logged_in().await;
    let page = b.get("/profile/api-access").await;
    assert!(page
        .text_of("api-access-status")
        .unwrap()
        .starts_with("API access is enabled until"));
    app.advance(TimeDelta::minutes(11));
    let b = app.logged_in().await;
    let page = b.get("/profile/api-access").await;
    assert_eq!(
        page.text_of("api-access-status"),
        Some(format!(
            "API access is disabled: the period ended on {}",
            ist_datetime(until)
        ))
    );
    page.assert_contains(r#"value="N" checked>"#);
    let dashboard = b.get("/dashboard").await;
    dashboard.assert_contains("the period ended on");
}

#[actix_web::test]
async fn the_choice_survives_a_restart_on_the_same_file() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("360")).await;
    let until = expiry(&app);
    let app = app.restart().await;
    let b2 = app.logged_in().await;
    let page = b2.get("/profile/api-access").await;
    assert_eq!(
        page.text_of("api-access-status"),
        Some(format!(
            "API access is enabled until {}",
            ist_datetime(until)
        ))
    );
    assert_eq!(app.count("api_access_changes"), 1);
}

#[actix_web::test]
async fn each_change_is_recorded_and_the_last_ten_are_shown_newest_first() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let durations = [
        "6", "12", "24", "48", "168", "360", "720", "6", "12", "24", "48", "168",
    ];
    for d in durations {
        assert_eq!(b.confirm("Y", Some(d)).await.status, StatusCode::SEE_OTHER);
    }
    b.confirm("N", None).await;
    assert_eq!(app.count("api_access_changes"), 13);

    let mut conn = app.pool.get().unwrap();
    let rows = api_access::recent_changes(&mut conn, app.taxpayer, 100).unwrap();
    assert!(!rows[0].enabled && rows[0].duration_hours.is_none());
    assert_eq!(rows[1].duration_hours, Some(168));
    assert_eq!(rows[1].client_ip.as_deref(), Some("127.0.0.1"));
    assert!(rows[1].user_agent.is_some());

    let page = b.get("/profile/api-access").await;
    let rows = page.rows("recent-changes");
    assert_eq!(rows.len(), 10);
    let first = |cell: &str| {
        rows.iter()
            .position(|r| r.iter().any(|c| c == cell))
            .unwrap()
    };
    assert!(first("No") < first("7 Days"), "newest first");
    // The oldest three (6 Hours, 12 Hours, 1 Day of the first round) are not listed,
    // so "15 Days" and "30 Days" each appear once.
    let with = |cell: &str| rows.iter().filter(|r| r.iter().any(|c| c == cell)).count();
    assert_eq!(with("30 Days"), 1);
}

#[actix_web::test]
async fn one_taxpayers_choice_does_not_touch_another() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("48")).await;
    let other = app.browser();
    other.log_in(OTHER_USERNAME, PASSWORD).await;
    let page = other.get("/profile/api-access").await;
    assert_eq!(
        page.text_of("api-access-status").as_deref(),
        Some("API access is disabled (it has never been enabled)")
    );
    assert!(page.text_of("no-changes").is_some());
}

#[actix_web::test]
async fn a_period_with_less_than_six_hours_left_is_shown_as_ending_soon() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("6")).await;
    let page = b.get("/profile/api-access").await;
    assert_eq!(
        page.text_of("api-access-ending").as_deref(),
        Some("Ending soon")
    );
    app.advance(chrono::TimeDelta::minutes(332));
    let b = app.logged_in().await; // the old session timed out meanwhile
    let page = b.get("/profile/api-access").await;
    let left = page.text_of("api-access-left").unwrap();
    assert!(
        left == "Ends in 28 minutes." || left == "Ends in 27 minutes.",
        "{left}"
    );
    b.confirm("Y", Some("720")).await;
    let page = b.get("/profile/api-access").await;
    assert!(page.text_of("api-access-ending").is_none());
}

#[actix_web::test]
async fn choosing_no_says_first_how_many_gsp_sessions_it_will_end_and_then_how_many_it_ended() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("720")).await;
    let no_sessions = b.get("/profile/api-access").await;
    assert_eq!(
        no_sessions.text_of("no-effect").as_deref(),
        Some("Choosing No ends API access at once.")
    );
    let gsp = app.gsp("Counting GSP");
    for _ in 0..2 {
        gsp.otp_request(USERNAME).await;
        let otp = otp_from_messages(&b).await;
        assert_eq!(gsp.auth_token(USERNAME, &otp).await.code(), "1");
    }
    let page = b.get("/profile/api-access").await;
    assert_eq!(
        page.text_of("no-effect").as_deref(),
        Some("Choosing No ends API access at once and disconnects the 2 GSP sessions that are open now.")
    );
    b.confirm("N", None).await;
    let after = b.get("/profile/api-access").await;
    assert!(after
        .text_of("flash")
        .unwrap()
        .ends_with("GSP sessions ended: 2."));
}
