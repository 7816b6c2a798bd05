//! The trainer's and a taxpayer's sessions side by side in one browser, and the
//! console's "Log in as" (demo mode).

use actix_web::http::StatusCode;
use gst_portal::demo;

use crate::helpers::*;

/// Posts "Log in as `username`" from the console; the answer sends the tab on.
async fn log_in_as(t: &Browser, username: &str) -> Page {
    t.submit("/trainer", "/trainer/login-as", &[("username", username)])
        .await
}

// ASVS V3.2.1/V3.3.1 (sessions made and ended per login): two cookies, one per role;
// logging out of one leaves the other.
#[actix_web::test]
async fn the_console_and_a_taxpayers_pages_stay_open_side_by_side_and_log_out_apart() {
    let app = spawn_demo().await;
    let b = trainer(&app).await;
    b.log_in("demo.enabled", demo::DEMO_PASSWORD).await;
    assert!(b.cookie("gst_trainer").is_some());
    assert!(b.cookie("gst_session").is_some());
    assert_eq!(b.get("/trainer").await.status, StatusCode::OK);
    assert_eq!(b.get("/profile/api-access").await.status, StatusCode::OK);

    // The taxpayer logs out: the console stays.
    let res = b.submit("/dashboard", "/logout", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/trainer").await.status, StatusCode::OK);

    // The trainer logs out: the taxpayer stays.
    b.log_in("demo.enabled", demo::DEMO_PASSWORD).await;
    let res = b.submit("/trainer", "/trainer/logout", &[]).await;
    assert_eq!(res.location(), Some("/trainer/login"));
    let res = b.get("/trainer").await;
    assert_eq!(res.location(), Some("/trainer/login"));
    assert_eq!(b.get("/profile/api-access").await.status, StatusCode::OK);

    // A taxpayer login made while the console is open does not renew the trainer's
    // cookie, and the trainer's login does not renew the taxpayer's.
    let before = b.cookie("gst_session");
    trainer_attempt(&b, TRAINER_PASSWORD).await;
    assert_eq!(b.cookie("gst_session"), before);
    assert_eq!(b.get("/profile/api-access").await.status, StatusCode::OK);
}

// ASVS V2.1 / V3.2.1: "Log in as" makes a new session through a one-time ticket of a
// minute; only demo taxpayers; the console's form needs its CSRF token.
#[actix_web::test]
async fn log_in_as_opens_a_demo_taxpayers_session_once_per_ticket() {
    let app = spawn_demo().await;
    let t = trainer(&app).await;
    let page = t.get("/trainer").await;
    // The trainer's pages carry the console's menu, not the taxpayer's Login link.
    let menu = page.texts(".main-nav__links a");
    assert!(menu.contains(&"Progress board".to_string()), "{menu:?}");
    assert!(!menu.contains(&"Login".to_string()), "{menu:?}");
    page.assert_contains("Demo@2026");
    page.assert_contains(demo::DEMO_GSP_CLIENT_SECRET);
    page.assert_contains(demo::DEMO_ENCRYPTED_CLIENT_SECRET);

    let res = log_in_as(&t, "demo.enabled").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let ticket_path = res.location().unwrap().to_string();
    assert!(ticket_path.starts_with("/login/as/"), "{ticket_path}");
    // The console's session did not change.
    let trainer_cookie = t.cookie("gst_trainer");
    let res = t.get(&ticket_path).await;
    assert_eq!(res.location(), Some("/dashboard"));
    assert_eq!(t.cookie("gst_trainer"), trainer_cookie);
    let page = t.get("/profile/api-access").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(t.get("/trainer").await.status, StatusCode::OK);
    assert_eq!(app.count("login_tickets"), 0, "a spent ticket is deleted");

    // A spent ticket works nowhere again.
    let other = app.browser();
    let res = other.get(&ticket_path).await;
    assert_eq!(res.status, StatusCode::GONE);
    res.assert_contains("Log in as");
    assert_eq!(other.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    let res = other.get("/login/as/not-a-ticket").await;
    assert_eq!(res.status, StatusCode::GONE);
}

#[actix_web::test]
async fn log_in_as_refuses_other_taxpayers_forged_forms_and_visitors() {
    let app = spawn_demo().await;
    app.add_taxpayer("someone.real", 1);
    let t = trainer(&app).await;
    for name in ["someone.real", "nobody.at.all", ""] {
        let res = log_in_as(&t, name).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{name}");
        res.assert_contains("not a demo taxpayer");
    }
    // Without the form's token (ASVS V4.2.2, CSRF).
    let res = t
        .post("/trainer/login-as", &[("username", "demo.enabled")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Without the trainer's session.
    let visitor = app.browser();
    let res = visitor
        .submit(
            "/login",
            "/trainer/login-as",
            &[("username", "demo.enabled")],
        )
        .await;
    assert_eq!(res.location(), Some("/trainer/login"));
    assert_eq!(app.count("login_tickets"), 0);
}

#[actix_web::test]
async fn the_console_says_when_a_demo_password_has_been_changed() {
    let app = spawn_demo().await;
    let taxpayer = app.browser();
    taxpayer.log_in("demo.enabled", demo::DEMO_PASSWORD).await;
    let res = taxpayer
        .submit(
            "/profile/change-password",
            "/profile/change-password",
            &[
                ("current_password", demo::DEMO_PASSWORD),
                ("new_password", "Changed@2026"),
                ("confirm_password", "Changed@2026"),
            ],
        )
        .await;
    assert!(res.status.is_redirection(), "{}", res.body);
    let t = trainer(&app).await;
    let rows = t.get("/trainer").await.rows("demo-accounts");
    let enabled = rows.iter().find(|r| r[0] == "demo.enabled").unwrap();
    assert!(enabled[1].contains("changed since seeding"), "{enabled:?}");
    let never = rows.iter().find(|r| r[0] == "demo.never").unwrap();
    assert_eq!(never[1], demo::DEMO_PASSWORD);
}

#[actix_web::test]
async fn log_in_as_does_not_exist_outside_demo_mode() {
    let app = spawn_app().await;
    let b = app.browser();
    assert_eq!(b.get("/login/as/abc").await.status, StatusCode::NOT_FOUND);
    let res = b
        .submit("/login", "/trainer/login-as", &[("username", "x")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
