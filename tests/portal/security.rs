//! Security controls: each test names the OWASP ASVS 5.0 requirement it shows.

use actix_web::http::StatusCode;
use futures_util::future::join_all;

use gst_portal::db::models::security_event;

use crate::helpers::*;

fn events(app: &TestApp) -> Vec<(String, Option<i32>, Option<String>)> {
    let mut conn = app.pool.get().unwrap();
    security_event::all(&mut conn)
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.taxpayer_id, e.detail))
        .collect()
}

#[actix_web::test]
async fn security_events_are_logged_without_secrets() {
    // ASVS 16.3.1, 16.3.2, 16.2.5: authentication events and changes logged, no secrets.
    let app = spawn_app().await;
    let id = Some(app.taxpayer.0);
    app.browser().log_in(USERNAME, "Wrong@2026a").await;
    app.browser().log_in("nobody.at.all", "Wrong@2026a").await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("6")).await;
    b.submit(
        "/profile/change-password",
        "/profile/change-password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "New@pass2026"),
            ("confirm_password", "New@pass2026"),
        ],
    )
    .await;
    let token = b.get("/dashboard").await.csrf_token();
    b.post("/logout", &[("csrf_token", &token)]).await;

    let got = events(&app);
    let kinds: Vec<&str> = got.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "login_failed",
            "login_failed",
            "login_succeeded",
            "api_access_changed",
            "password_changed",
            "logout"
        ]
    );
    assert_eq!(got[0].1, id);
    assert_eq!(
        got[1],
        (
            "login_failed".to_string(),
            None,
            Some("unknown username".to_string())
        )
    );
    assert!(got[3].2.as_deref().unwrap().starts_with("enabled until "));
    assert!(got[4..].iter().all(|(_, t, _)| *t == id));

    let mut conn = app.pool.get().unwrap();
    for e in security_event::all(&mut conn).unwrap() {
        assert_eq!(e.client_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(e.user_agent.as_deref(), Some("gst-portal-tests"));
        let text = format!("{e:?}");
        for secret in [PASSWORD, "Wrong@2026a", "New@pass2026", "nobody.at.all"] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}

#[actix_web::test]
async fn an_unknown_username_costs_the_same_argon2_work_as_a_wrong_password() {
    // ASVS 6.3.8: no user enumeration through timing. Counting verifications shows the
    // same work without a timed (flaky) test.
    let app = spawn_app().await;
    let before = app.hashes_finished();
    let wrong_password = app.browser().log_in(USERNAME, "Wrong@2026a").await;
    let after_wrong_password = app.hashes_finished();
    let unknown = app.browser().log_in("nobody.at.all", "Wrong@2026a").await;
    let after_unknown = app.hashes_finished();
    assert_eq!(after_wrong_password - before, 1);
    assert_eq!(after_unknown - after_wrong_password, 1);
    assert_eq!(wrong_password.status, unknown.status);
    assert_eq!(
        wrong_password.text_of("login-error"),
        unknown.text_of("login-error")
    );
}

#[actix_web::test]
async fn every_post_route_of_the_router_refuses_a_missing_or_wrong_token() {
    // ASVS 3.5.1, 3.5.3: anti-forgery token on every state-changing POST. The routes
    // come from the router's own table, so a new POST route is covered by itself.
    let app = spawn_demo_with(|s| {
        s.captcha = false;
    })
    .await;
    let taxpayer = app.logged_in().await;
    let trainer = trainer(&app).await;
    assert_eq!(trainer.get("/trainer").await.status, StatusCode::OK);
    let before = app.snapshot();
    let paths = gst_portal::routes::form_post_paths(&app.settings);
    for must in [
        "/login",
        "/logout",
        "/profile/api-access",
        "/profile/change-password",
        "/trainer/reset",
    ] {
        assert!(paths.contains(&must), "{must} missing from {paths:?}");
    }
    for path in paths {
        let who = if path.starts_with("/trainer") && path != "/trainer/login" {
            &trainer
        } else if path == "/login" || path == "/trainer/login" {
            &app.browser()
        } else {
            &taxpayer
        };
        for fields in [vec![], vec![("csrf_token", "f00d")]] {
            let res = who.post(path, &fields).await;
            assert_eq!(
                res.status,
                StatusCode::FORBIDDEN,
                "{path} {fields:?}: {}",
                res.body
            );
        }
    }
    assert_eq!(
        taxpayer.get("/dashboard").await.status,
        StatusCode::OK,
        "still logged in"
    );
    assert_eq!(
        trainer.get("/trainer").await.status,
        StatusCode::OK,
        "still logged in"
    );
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn every_form_page_carries_a_token() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    for (page, action) in [
        ("/profile/api-access", "/profile/api-access"),
        ("/profile/change-password", "/profile/change-password"),
        ("/dashboard", "/logout"),
    ] {
        let form = b.get(page).await;
        form.assert_contains(&format!(r#"action="{action}""#));
        assert_eq!(form.csrf_token().len(), 64);
    }
    assert_eq!(app.browser().get("/login").await.csrf_token().len(), 64);
}

#[actix_web::test]
async fn a_lockout_is_logged() {
    let app = spawn_app().await;
    for _ in 0..6 {
        app.browser().log_in(USERNAME, "Wrong@2026a").await;
    }
    let kinds: Vec<String> = events(&app).into_iter().map(|(k, _, _)| k).collect();
    assert_eq!(kinds[4], "account_locked");
    assert_eq!(kinds[5], "login_refused_locked");
}

#[actix_web::test]
async fn one_address_cannot_try_logins_without_limit() {
    // ASVS 6.3.1: anti-automation on login, per client address, whatever the usernames.
    let app = spawn_app_with(|s| s.login_attempts_per_minute = 5).await;
    let b = app.browser();
    let token = b.get("/login").await.csrf_token();
    for i in 0..5 {
        let user = format!("guess{i}");
        let res = b.post_login(&token, &user, "Wrong@2026a").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = b.post_login(&token, USERNAME, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    res.assert_contains("Too many login attempts have come from your network address.");
    // Pages other than the login post are not limited.
    assert_eq!(b.get("/login").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_flood_of_logins_runs_at_most_one_hash_per_core_and_pages_still_answer() {
    // ASVS 15.2.2 (resource exhaustion): argon2 work is bounded by a semaphore.
    let app = spawn_app_with(|s| s.login_attempts_per_minute = 1000).await;
    let cores = std::thread::available_parallelism().unwrap().get();
    let total = 6 * cores;
    let done = std::cell::Cell::new(0);
    let logins = join_all((0..total).map(|i| {
        let (b, done) = (app.browser(), &done);
        async move {
            let res = b.log_in(&format!("flood{i}"), "Wrong@2026a").await;
            assert_eq!(res.status, StatusCode::UNAUTHORIZED);
            done.set(done.get() + 1);
        }
    }));
    // A page asked for while the logins queue for the hasher is answered before the
    // flood has been worked through.
    let page = async {
        let b = app.browser();
        assert_eq!(b.get("/login").await.status, StatusCode::OK);
        done.get()
    };
    let (logins_done_when_page_came, _) = futures_util::join!(page, logins);
    assert!(
        logins_done_when_page_came < total,
        "the page waited for every login"
    );
    assert!(
        app.hasher_peak() <= cores,
        "peak {} > {cores}",
        app.hasher_peak()
    );
    assert!(app.hasher_peak() >= 1);
}

#[actix_web::test]
async fn the_removal_cookie_at_logout_carries_the_same_attributes() {
    // ASVS 3.3.1, 3.3.2, 3.3.4: Secure, SameSite, HttpOnly and __Host- on every cookie.
    let app = spawn_app_with(|s| s.secure_cookies = true).await;
    let b = app.browser();
    let login = b.get("/login").await;
    let value = login
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    b.set_cookie("__Host-gst_session", &value);
    let res = b.post_login(&login.csrf_token(), USERNAME, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let token = b.get("/dashboard").await.csrf_token();
    let res = b.post("/logout", &[("csrf_token", &token)]).await;
    let removal = res.header("set-cookie").unwrap();
    assert!(removal.starts_with("__Host-gst_session=;"), "{removal}");
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/",
        "Max-Age=0",
    ] {
        assert!(removal.contains(attr), "{attr} missing in {removal}");
    }
}

#[actix_web::test]
async fn a_field_longer_than_the_limit_is_refused() {
    // ASVS 2.2.1 / 4.x: size limits on every input.
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let before = app.snapshot();
    let long = "6".repeat(2000);
    let res = b
        .submit(
            "/profile/api-access",
            "/profile/api-access",
            &[("enable_api", "Y"), ("duration", &long)],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    res.assert_contains("longer than this portal accepts");
    assert_eq!(app.snapshot(), before);
}

/// Bodies nobody's browser sends: each must get a 4xx and change nothing.
fn hostile_bodies(token: &str, fields: &[&str]) -> Vec<Vec<u8>> {
    let t = format!("csrf_token={token}");
    let mut bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"=".to_vec(),
        b"&&&".to_vec(),
        b"csrf_token".to_vec(),
        format!(
            "{t}&{}",
            fields
                .iter()
                .map(|f| format!("{f}="))
                .collect::<Vec<_>>()
                .join("&")
        )
        .into_bytes(),
        format!("{t}&unexpected=1").into_bytes(),
        format!("{t}&{t}").into_bytes(),
        format!("{t}&{}[]=Y", fields[0]).into_bytes(),
        [t.as_bytes(), b"&x=\xff\xfe"].concat(),
        format!("{t}&{}=%00%00", fields[0]).into_bytes(),
        format!("{t}&{}={}", fields[0], "A".repeat(5000)).into_bytes(),
        format!("{t}&{}=%3Cscript%3Ealert(1)%3C%2Fscript%3E", fields[0]).into_bytes(),
        format!("csrf_token=forged&{}=Y", fields[0]).into_bytes(),
    ];
    for value in [
        "0",
        "5",
        "744",
        "-1",
        "1e9",
        "6.0",
        "0x6",
        "30%20days%3B%20DROP%20TABLE%20api_access",
        "%EF%BF%BD",
        "null",
        "true",
    ] {
        let mut body = t.clone();
        for f in fields {
            body.push_str(&format!("&{f}={value}"));
        }
        bodies.push(body.into_bytes());
    }
    bodies
}

#[actix_web::test]
async fn every_post_endpoint_answers_hostile_bodies_with_a_4xx_and_changes_nothing() {
    // ASVS 2.2.1, 2.2.2 (input validation), 1.2.1 (output encoding), 16.5.1 (no 5xx leaks).
    let app = spawn_app_with(|s| s.login_attempts_per_minute = 10_000).await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("48")).await;
    let before = app.snapshot();
    let endpoints: [(&str, &str, &[&str]); 3] = [
        (
            "/profile/api-access",
            "/profile/api-access",
            &["enable_api", "duration"],
        ),
        (
            "/profile/change-password",
            "/profile/change-password",
            &["current_password", "new_password", "confirm_password"],
        ),
        ("/dashboard", "/logout", &["csrf_token"]),
    ];
    let form = "application/x-www-form-urlencoded";
    for (page, action, fields) in endpoints {
        let token = b.get(page).await.csrf_token();
        for body in hostile_bodies(&token, fields) {
            let shown = String::from_utf8_lossy(&body)
                .chars()
                .take(80)
                .collect::<String>();
            let res = b.post_raw(action, form, body).await;
            assert!(
                res.status.is_client_error(),
                "{action} {shown:?} got {}",
                res.status
            );
            assert!(!res.body.contains("<script>alert(1)"), "{action} {shown:?}");
        }
        assert_eq!(
            b.get("/dashboard").await.status,
            StatusCode::OK,
            "still logged in after {action}"
        );
    }
    // The login form, from a fresh visitor each time.
    let visitor = app.browser();
    let token = visitor.get("/login").await.csrf_token();
    for body in hostile_bodies(&token, &["username", "password", "next"]) {
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(80)
            .collect::<String>();
        let res = visitor.post_raw("/login", form, body).await;
        assert!(
            res.status.is_client_error(),
            "/login {shown:?} got {}",
            res.status
        );
        assert!(visitor.cookie("gst_session").is_none());
    }
    assert_eq!(app.snapshot(), before);
}
