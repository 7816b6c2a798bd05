//! The manual's steps 1-3 and the pages around them.

use actix_web::http::StatusCode;

use crate::helpers::*;

#[actix_web::test]
async fn step_1_the_login_page_asks_for_username_and_password() {
    let app = spawn_app().await;
    let page = app.browser().get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(r#"<label for="username">Username"#);
    page.assert_contains(r#"<label for="password">Password"#);
    page.assert_contains(r#"<input type="password" id="password" name="password""#);
    assert_eq!(page.text_of("login-button").as_deref(), Some("LOGIN"));
}

#[actix_web::test]
async fn a_wrong_username_and_a_wrong_password_get_the_same_message() {
    let app = spawn_app().await;
    let wrong_password = app.browser().log_in(USERNAME, "Wrong@2026a").await;
    let wrong_username = app.browser().log_in("nobody.here", PASSWORD).await;
    for page in [&wrong_password, &wrong_username] {
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            page.text_of("login-error").as_deref(),
            Some("Invalid Username or Password. Please try again.")
        );
        assert!(page.location().is_none());
    }
}

#[actix_web::test]
async fn step_2_login_leads_to_a_dashboard_with_name_gstin_and_view_profile() {
    let app = spawn_app().await;
    let b = app.browser();
    let res = b.log_in(USERNAME, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("/dashboard"));
    let page = b.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Asha Traders Private Limited");
    assert_eq!(page.text_of("dashboard-gstin").as_deref(), Some(GSTIN));
    page.assert_contains(r#"<a class="button" href="/profile" id="view-profile">View Profile</a>"#);
    // The header: the menu under the username.
    page.assert_contains("Last Logged In at ");
    page.assert_contains(" IST</p>");
    page.assert_contains(r#"<a href="/profile">My Profile</a>"#);
    page.assert_contains(r#"<a href="/profile/change-password">Change Password</a>"#);
    page.assert_contains(r#"<button type="submit" class="link-button">Logout</button>"#);
    for item in [
        "Dashboard",
        "Services",
        "GST Law",
        "Downloads",
        "Search Taxpayer",
        "Help and Taxpayer Facilities",
    ] {
        page.assert_contains(&format!(">{item}</a></li>"));
    }
}

#[actix_web::test]
async fn last_logged_in_shows_the_previous_login() {
    let app = spawn_app().await;
    app.logged_in().await;
    let first_login = gst_portal::domain::time::ist_datetime(app.clock.now());
    app.advance(chrono::TimeDelta::days(2));
    let b = app.logged_in().await;
    let page = b.get("/dashboard").await;
    page.assert_contains(&format!("Last Logged In at {first_login}"));
}

#[actix_web::test]
async fn step_3_my_profile_shows_the_facts_and_the_nine_quick_links_in_order() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let page = b.get("/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(
        r#"<li><a href="/dashboard">Dashboard</a></li><li aria-current="page">My Profile</li>"#,
    );
    for (label, value) in [
        ("GSTIN", GSTIN),
        ("Legal Name of Business", "Asha Traders Private Limited"),
        ("Trade Name", "Asha Traders"),
        ("Date of Registration", "01/04/2018"),
        ("Constitution of Business", "Partnership"),
        ("Taxpayer Type", "Regular"),
        ("State", "Tamil Nadu"),
        ("GSTIN status", "Active"),
    ] {
        page.assert_contains(&format!("<dt>{label}</dt><dd>{value}</dd>"));
    }
    let links: Vec<&str> = [
        "History of Amendment",
        "Change Password",
        "Manage API Access",
        "Register / Update DSC",
        "Activate/ Deactivate STAK",
        "Aadhaar Authentication Status",
        "My Registration Certificate",
        "Core Business Activity Status",
        "Bank Account Status",
    ]
    .to_vec();
    assert_eq!(
        page.texts("[aria-labelledby=quick-links-title] li a"),
        links
    );
}

#[actix_web::test]
async fn every_quick_link_and_menu_item_leads_to_a_page_and_none_is_dead() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let profile = b.get("/profile").await;
    let dashboard = b.get("/dashboard").await;
    let mut hrefs: Vec<String> = Vec::new();
    for page in [&profile, &dashboard] {
        let mut rest = page.body.as_str();
        while let Some(at) = rest.find("href=\"/") {
            rest = &rest[at + 6..];
            let end = rest.find('"').unwrap();
            let href = rest[..end].to_string();
            if !href.starts_with("/static/") && !hrefs.contains(&href) {
                hrefs.push(href);
            }
        }
    }
    assert!(hrefs.len() >= 15, "{hrefs:?}");
    for href in &hrefs {
        let page = b.get(href).await;
        assert_eq!(page.status, StatusCode::OK, "{href}");
    }
    let page = b.get("/unavailable/stak").await;
    assert_eq!(
        page.text_of("unavailable-title").as_deref(),
        Some("Activate/ Deactivate STAK")
    );
    page.assert_contains("this training portal does not offer it");
}

#[actix_web::test]
async fn an_unknown_path_gets_a_404_page_in_the_portals_look() {
    let app = spawn_app().await;
    for path in [
        "/no/such/page",
        "/unavailable/no-such-item",
        "/static/css/nothing.css",
    ] {
        let b = app.logged_in().await;
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        page.assert_contains("Goods and Services Tax");
        assert_eq!(
            page.text_of("error-title").as_deref(),
            Some("Page not found")
        );
    }
}

#[actix_web::test]
async fn an_internal_failure_gets_a_500_page_that_leaks_nothing() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    {
        use diesel::connection::SimpleConnection;
        let mut conn = app.pool.get().unwrap();
        conn.batch_execute("DROP TABLE api_access_changes").unwrap();
    }
    let page = b.get("/profile/api-access").await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        page.text_of("error-title").as_deref(),
        Some("Something went wrong")
    );
    for leak in [
        "api_access_changes",
        "no such table",
        "diesel",
        "Sqlite",
        "src/",
    ] {
        assert!(!page.body.contains(leak), "the page shows {leak:?}");
    }
}

#[actix_web::test]
async fn the_stylesheet_and_script_are_served_with_caching_headers() {
    let app = spawn_app().await;
    let b = app.browser();
    for (path, kind) in [
        ("/static/css/portal.css", "text/css"),
        ("/static/js/api-access.js", "text/javascript"),
        ("/static/img/emblem.svg", "image/svg+xml"),
    ] {
        let res = b.get(path).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert!(res.header("content-type").unwrap().starts_with(kind));
        assert_eq!(res.header("cache-control"), Some("public, max-age=3600"));
        let etag = res.header("etag").unwrap().to_string();
        let again = awc::Client::default()
            .get(format!("{}{}", app.base, path))
            .insert_header(("If-None-Match", etag))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
}

#[actix_web::test]
async fn pages_carry_security_headers_and_no_inline_script_or_style() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    for path in [
        "/login",
        "/dashboard",
        "/profile",
        "/profile/api-access",
        "/profile/change-password",
        "/nothing",
    ] {
        let page = b.get(path).await;
        let csp = page.header("content-security-policy").unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(page.header("cache-control"), Some("no-store"));
        assert!(page.header("referrer-policy").is_some());
        assert!(
            !page.body.contains("<script>") && !page.body.contains(" style="),
            "{path}"
        );
        assert!(!page.body.contains("<style"), "{path}");
    }
}

#[actix_web::test]
async fn error_pages_help_and_docs_show_the_sessions_own_header_and_the_banner() {
    let app = spawn_demo().await;
    let b = app.logged_in().await;
    let not_found = b.get("/no/such/page").await;
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);
    let refused = b
        .post("/profile/api-access", &[("csrf_token", "f00d")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let help = b.get("/help/api-access").await;
    let docs = b.get("/taxpayerapi").await;
    for page in [&not_found, &refused, &help, &docs] {
        page.assert_contains("Account menu of </span>Asha Traders");
        page.assert_contains(r#"action="/logout""#);
        page.assert_contains("Training portal with fictitious data");
    }
    refused.assert_contains("Request refused");
    // Nobody logged in: the same pages show the Login link.
    let anonymous = app.browser().get("/no/such/page").await;
    assert_eq!(anonymous.status, StatusCode::NOT_FOUND);
    anonymous.assert_contains(r#"<a href="/login">Login</a>"#);
    assert!(!anonymous.body.contains("Account menu of"));
}

#[actix_web::test]
async fn the_login_page_has_the_portals_other_links_and_they_say_they_are_not_offered() {
    let app = spawn_app().await;
    let visitor = app.browser();
    let login = visitor.get("/login").await;
    let links = login.texts(".login-links a");
    assert_eq!(
        links,
        ["Forgot Username", "Forgot Password", "First time login"]
    );
    for href in [
        "/unavailable/forgot-username",
        "/unavailable/forgot-password",
        "/unavailable/first-time-login",
    ] {
        let page = visitor.get(href).await;
        assert_eq!(page.status, StatusCode::OK, "{href} needs no login");
        assert!(page
            .text_of("unavailable-message")
            .unwrap()
            .contains("does not offer it"));
        assert_eq!(
            page.attr("a.button--secondary", "href").as_deref(),
            Some("/login")
        );
    }
    // The menus' items still need a login.
    assert_eq!(
        visitor.get("/unavailable/dsc").await.status,
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn every_time_shown_uses_one_format_even_the_menus_last_login() {
    let app = spawn_app().await;
    app.logged_in().await;
    let b = app.logged_in().await;
    let menu = b
        .get("/dashboard")
        .await
        .texts(".user-menu__last-login")
        .remove(0);
    // "Last Logged In at DD/MM/YYYY hh:mm AM/PM IST"
    let time = menu.strip_prefix("Last Logged In at ").unwrap();
    let parts: Vec<&str> = time.split(' ').collect();
    assert_eq!(parts.len(), 4, "{menu}");
    assert!(parts[2] == "AM" || parts[2] == "PM", "{menu}");
    assert_eq!(parts[3], "IST");
}

#[actix_web::test]
async fn applications_with_access_and_recent_changes_say_they_are_extras_of_the_copy() {
    let app = spawn_app().await;
    let page = app.logged_in().await.get("/profile/api-access").await;
    for id in ["applications-extra", "recent-changes-extra"] {
        assert!(page
            .text_of(id)
            .unwrap()
            .starts_with("An extra of this training copy"));
    }
}

#[actix_web::test]
async fn an_otp_is_counted_as_unread_in_the_menu_until_the_messages_page_shows_it() {
    let app = spawn_app().await;
    let gsp = app.gsp("Test GSP");
    let b = app.logged_in().await;
    b.confirm("Y", Some("24")).await;
    let quiet = b.get("/dashboard").await;
    assert!(quiet.text_of("menu-unread").is_none() && quiet.text_of("messages-unread").is_none());

    for _ in 0..2 {
        assert_eq!(gsp.otp_request(USERNAME).await.json["status_cd"], "1");
    }
    let dashboard = b.get("/dashboard").await;
    assert_eq!(
        dashboard.text_of("messages-unread").as_deref(),
        Some("2 new")
    );
    assert!(dashboard
        .text_of("menu-unread")
        .unwrap()
        .contains("2 unread messages"));

    let messages = b.get("/messages").await;
    assert_eq!(messages.texts("#message-list li.messages__new").len(), 2);
    assert_eq!(
        messages.text_of("new-messages").as_deref(),
        Some("2 new messages since you last looked.")
    );
    assert!(messages.text_of("messages-unread").is_none(), "seen now");
    let seen = b.get("/messages").await;
    assert!(seen.texts("#message-list li.messages__new").is_empty());
    assert!(seen.text_of("new-messages").is_none());

    assert_eq!(gsp.otp_request(USERNAME).await.json["status_cd"], "1");
    let one = b.get("/profile").await;
    assert_eq!(one.text_of("messages-unread").as_deref(), Some("1 new"));
    assert!(one
        .text_of("menu-unread")
        .unwrap()
        .contains("1 unread message"));
    let newest = b.get("/messages").await;
    assert_eq!(newest.texts("#message-list li.messages__new").len(), 1);
    assert_eq!(newest.texts("#message-list li").len(), 3);
}
