//! Sessions, login, logout and passwords.

use actix_web::http::StatusCode;
use chrono::TimeDelta;

use gst_portal::db::Run;

use crate::helpers::*;

const COOKIE: &str = "gst_session";

#[actix_web::test]
async fn every_page_but_login_needs_a_session() {
    let app = spawn_app().await;
    let b = app.browser();
    for path in [
        "/dashboard",
        "/profile",
        "/profile/api-access",
        "/profile/change-password",
        "/unavailable/dsc",
    ] {
        let res = b.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        let location = res.location().unwrap();
        assert!(location.starts_with("/login?next="), "{location}");
    }
    let res = b
        .post(
            "/profile/api-access",
            &[("enable_api", "Y"), ("duration", "6")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/login"));
    assert_eq!(app.count("api_access_changes"), 0);
}

#[actix_web::test]
async fn after_login_the_browser_returns_to_the_page_it_asked_for() {
    let app = spawn_app().await;
    let b = app.browser();
    let res = b.get("/profile/api-access").await;
    let location = res.location().unwrap().to_string();
    assert_eq!(location, "/login?next=%2Fprofile%2Fapi-access");
    let login = b.get(&location).await;
    login.assert_contains(r#"<input type="hidden" name="next" value="/profile/api-access">"#);
    let res = b
        .post_login_with(
            &login.csrf_token(),
            USERNAME,
            PASSWORD,
            &[("next", "/profile/api-access")],
        )
        .await;
    assert_eq!(res.location(), Some("/profile/api-access"));
}

#[actix_web::test]
async fn login_never_redirects_to_another_site() {
    let app = spawn_app().await;
    for next in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let b = app.browser();
        let login = b.get("/login").await;
        let res = b
            .post_login_with(&login.csrf_token(), USERNAME, PASSWORD, &[("next", next)])
            .await;
        assert_eq!(res.location(), Some("/dashboard"), "{next}");
    }
}

#[actix_web::test]
async fn login_renews_the_session_key_so_a_planted_cookie_is_useless() {
    // ASVS 7.2.4: a new session token at authentication (no session fixation). The
    // attacker plants their own live session cookie in the victim's browser.
    let app = spawn_app().await;
    let attacker = app.browser();
    attacker.log_in(OTHER_USERNAME, PASSWORD).await;
    let planted = attacker.cookie(COOKIE).expect("the attacker's session");
    let b = app.browser();
    let token = b.get("/login").await.csrf_token();
    b.set_cookie(COOKIE, &planted);
    let res = b.post_login(&token, USERNAME, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let after = b.cookie(COOKIE).unwrap();
    assert_ne!(planted, after);
    let dashboard = b.get("/dashboard").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    dashboard.assert_contains("Asha Traders");
    // The planted key moved to the new login's session key, so it no longer works.
    assert_eq!(
        attacker.get("/dashboard").await.status,
        StatusCode::SEE_OTHER
    );
}

/// The `Set-Cookie` header of `res` that sets `name`.
fn set_cookie<'a>(res: &'a Page, name: &str) -> &'a str {
    res.headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie set"))
}

#[actix_web::test]
async fn the_session_and_visitor_cookies_are_http_only_and_same_site() {
    // ASVS V3.4.2/V3.4.3 for the taxpayer's, the visitor's and the trainer's cookies.
    let app = spawn_demo().await;
    let b = app.browser();
    let login_page = b.get("/login").await;
    let res = b.log_in(USERNAME, PASSWORD).await;
    let trainer_login = trainer_attempt(&app.browser(), TRAINER_PASSWORD).await;
    for cookie in [
        set_cookie(&login_page, "gst_visitor"),
        set_cookie(&res, "gst_session"),
        set_cookie(&trainer_login, "gst_trainer"),
    ] {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert!(!cookie.contains("Secure"), "{cookie}");
    }
}

#[actix_web::test]
async fn with_secure_cookies_the_cookies_are_secure_and_host_prefixed() {
    let app = spawn_demo_with(|s| s.secure_cookies = true).await;
    let b = app.browser();
    let login_page = b.get("/login").await;
    let token = login_page.csrf_token();
    let res = b.post_login(&token, USERNAME, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let trainer_login = trainer_attempt(&app.browser(), TRAINER_PASSWORD).await;
    assert_eq!(trainer_login.status, StatusCode::SEE_OTHER);
    for cookie in [
        set_cookie(&login_page, "__Host-gst_visitor"),
        set_cookie(&res, "__Host-gst_session"),
        set_cookie(&trainer_login, "__Host-gst_trainer"),
    ] {
        assert!(
            cookie.contains("Secure") && cookie.contains("HttpOnly"),
            "{cookie}"
        );
    }
    assert!(res.header("strict-transport-security").is_some());
}

#[actix_web::test]
async fn sessions_keep_only_a_hash_of_the_key() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    assert_eq!(b.get("/dashboard").await.status, StatusCode::OK);
    use diesel::prelude::*;
    use gst_portal::db::schema::sessions;
    let mut conn = app.pool.get().unwrap();
    let hashes: Vec<String> = sessions::table
        .select(sessions::key_hash)
        .fetch_all(&mut conn)
        .unwrap();
    assert!(!hashes.is_empty());
    for h in hashes {
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}

#[actix_web::test]
async fn logout_ends_the_session_on_the_server_so_a_copied_cookie_is_useless() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let copied = b.cookie(COOKIE).unwrap();
    let dashboard = b.get("/dashboard").await;
    let res = b
        .post("/logout", &[("csrf_token", &dashboard.csrf_token())])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/login?bye=1"));
    assert!(b.cookie(COOKIE).is_none(), "the cookie is removed");
    assert_eq!(app.count("sessions"), 0);
    let thief = app.browser();
    thief.set_cookie(COOKIE, &copied);
    let res = thief.get("/dashboard").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let login = b.get("/login?bye=1").await;
    assert_eq!(
        login.text_of("login-notice").as_deref(),
        Some("You have logged out.")
    );
}

#[actix_web::test]
async fn logout_without_the_forms_token_is_refused() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let res = b.post("/logout", &[("csrf_token", "forged")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/dashboard").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn an_idle_session_times_out_and_says_so() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    app.advance(TimeDelta::minutes(14));
    assert_eq!(b.get("/dashboard").await.status, StatusCode::OK);
    app.advance(TimeDelta::minutes(14));
    assert_eq!(
        b.get("/dashboard").await.status,
        StatusCode::OK,
        "activity extends the session"
    );
    app.advance(TimeDelta::minutes(16));
    let res = b.get("/profile").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/login?expired=1&next=%2Fprofile"));
    let login = b.get(res.location().unwrap()).await;
    assert_eq!(
        login.text_of("login-notice").as_deref(),
        Some("Your session has timed out. Please log in again.")
    );
}

#[actix_web::test]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    for _ in 0..12 {
        app.advance(TimeDelta::minutes(10));
        assert_eq!(b.get("/dashboard").await.status, StatusCode::OK);
    }
    // 2 hours in; keep going to 12 hours in 10-minute steps.
    for _ in 0..59 {
        app.advance(TimeDelta::minutes(10));
        b.get("/dashboard").await;
    }
    app.advance(TimeDelta::minutes(11));
    let res = b.get("/dashboard").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().unwrap().starts_with("/login?expired=1"));
}

#[actix_web::test]
async fn five_failed_logins_lock_the_account_for_fifteen_minutes() {
    let app = spawn_app().await;
    for _ in 0..4 {
        let res = app.browser().log_in(USERNAME, "Wrong@2026a").await;
        assert_eq!(
            res.text_of("login-error").as_deref(),
            Some("Invalid Username or Password. Please try again.")
        );
    }
    let res = app.browser().log_in(USERNAME, "Wrong@2026a").await;
    assert!(res
        .text_of("login-error")
        .unwrap()
        .starts_with("Too many failed logins"));
    let res = app.browser().log_in(USERNAME, PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "locked even with the right password"
    );
    // The lock is in the database: it holds across a restart.
    let app = app.restart().await;
    let res = app.browser().log_in(USERNAME, PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "still locked after a restart"
    );
    app.advance(TimeDelta::minutes(16));
    let res = app.browser().log_in(USERNAME, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn an_unknown_username_locks_the_same_way_so_the_lock_reveals_nothing() {
    let app = spawn_app().await;
    for _ in 0..5 {
        app.browser().log_in("no.such.user", "Wrong@2026a").await;
    }
    let res = app.browser().log_in("no.such.user", "Wrong@2026a").await;
    assert!(res
        .text_of("login-error")
        .unwrap()
        .starts_with("Too many failed logins"));
}

#[actix_web::test]
async fn a_good_login_clears_the_failure_count() {
    let app = spawn_app().await;
    for _ in 0..4 {
        app.browser().log_in(USERNAME, "Wrong@2026a").await;
    }
    app.logged_in().await;
    for _ in 0..4 {
        app.browser().log_in(USERNAME, "Wrong@2026a").await;
    }
    assert_eq!(
        app.browser().log_in(USERNAME, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn failure_counts_untouched_for_a_day_are_swept_but_running_locks_stay() {
    // Rows for made-up usernames must not pile up; a lock that still runs must hold.
    let app = spawn_app_with(|s| s.lockout.duration = TimeDelta::days(2)).await;
    for _ in 0..2 {
        app.browser().log_in("made.up.name", "Wrong@2026a").await;
    }
    for _ in 0..5 {
        app.browser().log_in(OTHER_USERNAME, "Wrong@2026a").await;
    }
    assert_eq!(app.count("login_throttle"), 2);
    app.advance(TimeDelta::hours(23));
    app.logged_in().await;
    assert_eq!(app.count("login_throttle"), 2, "a day has not passed yet");
    app.advance(TimeDelta::hours(2));
    app.logged_in().await;
    assert_eq!(app.count("login_throttle"), 1, "the stale count is gone");
    let res = app.browser().log_in(OTHER_USERNAME, PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "the two-day lock still runs"
    );
}

async fn change_password(b: &Browser, current: &str, new: &str, confirm: &str) -> Page {
    b.submit(
        "/profile/change-password",
        "/profile/change-password",
        &[
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ],
    )
    .await
}

#[actix_web::test]
async fn changing_the_password_ends_every_other_session() {
    let app = spawn_app().await;
    let phone = app.logged_in().await;
    let laptop = app.logged_in().await;
    let res = change_password(&laptop, PASSWORD, "New@pass2026", "New@pass2026").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some("/profile"));
    let profile = laptop.get("/profile").await;
    assert_eq!(
        profile.status,
        StatusCode::OK,
        "this browser stays logged in"
    );
    assert!(profile
        .text_of("flash")
        .unwrap()
        .starts_with("Your password has been changed."));
    assert_eq!(phone.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.browser().log_in(USERNAME, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.browser().log_in(USERNAME, "New@pass2026").await.status,
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn a_bad_password_change_says_why_and_changes_nothing() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let before = app.snapshot();
    let cases = [
        (
            "Wrong@2026a",
            "New@pass2026",
            "New@pass2026",
            "current-password-error",
            "The current password is not correct.",
        ),
        (
            "",
            "New@pass2026",
            "New@pass2026",
            "current-password-error",
            "Enter your current password.",
        ),
        (
            PASSWORD,
            "short1A!",
            "x",
            "confirm-password-error",
            "The two new passwords do not match.",
        ),
        (
            PASSWORD,
            "alllower1!",
            "alllower1!",
            "new-password-error",
            "The password needs at least one upper-case letter (A-Z).",
        ),
        (
            PASSWORD,
            "NoDigits!!",
            "NoDigits!!",
            "new-password-error",
            "The password needs at least one digit (0-9).",
        ),
        (
            PASSWORD,
            "NoSpecial12",
            "NoSpecial12",
            "new-password-error",
            "The password needs at least one special character, such as @ # $ % & *.",
        ),
        (
            PASSWORD,
            "Sh0rt!",
            "Sh0rt!",
            "new-password-error",
            "The password must have 8 to 15 characters.",
        ),
        (
            PASSWORD,
            "Much@TooLong2026",
            "Much@TooLong2026",
            "new-password-error",
            "The password must have 8 to 15 characters.",
        ),
        (
            PASSWORD,
            PASSWORD,
            PASSWORD,
            "new-password-error",
            "The new password must differ from the current one.",
        ),
    ];
    for (current, new, confirm, field, message) in cases {
        let res = change_password(&b, current, new, confirm).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert_eq!(res.text_of(field).as_deref(), Some(message), "{new}");
    }
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn with_a_one_minute_idle_timeout_activity_still_keeps_the_session() {
    // ASVS 7.3.1: the idle timeout counts from the last request, however short it is.
    let app = spawn_app_with(|s| s.idle_timeout = TimeDelta::minutes(1)).await;
    let b = app.logged_in().await;
    for _ in 0..3 {
        app.advance(TimeDelta::seconds(40));
        let page = b.get("/dashboard").await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.location());
    }
    app.advance(TimeDelta::seconds(61));
    assert_eq!(
        b.get("/dashboard").await.location(),
        Some("/login?expired=1&next=%2Fdashboard")
    );
}

#[actix_web::test]
async fn activity_moves_the_session_expiry_at_most_once_a_minute() {
    use diesel::prelude::*;
    use gst_portal::db::schema::sessions;
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let expiry = || {
        let mut conn = app.pool.get().unwrap();
        sessions::table
            .select(sessions::expires_at)
            .fetch_all::<chrono::NaiveDateTime>(&mut conn)
            .unwrap()
    };
    let first = expiry();
    assert_eq!(first.len(), 1);
    b.get("/dashboard").await;
    b.get("/profile").await;
    assert_eq!(expiry(), first, "no write for requests within the minute");
    app.advance(TimeDelta::minutes(2));
    b.get("/dashboard").await;
    let moved = expiry();
    assert!(
        moved[0] > first[0] + TimeDelta::seconds(100),
        "{moved:?} vs {first:?}"
    );
}

#[actix_web::test]
async fn change_password_reports_every_error_at_once() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let before = app.snapshot();
    let res = change_password(&b, "Wrong@2026x", "weak", "other").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in [
        "current-password-error",
        "new-password-error",
        "confirm-password-error",
    ] {
        assert!(res.text_of(id).is_some(), "{id} missing: {}", res.body);
    }
    assert_eq!(
        res.text_of("current-password-error").as_deref(),
        Some("The current password is not correct.")
    );
    assert_eq!(app.snapshot(), before);
}
