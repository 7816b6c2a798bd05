//! Bad input gets a clear message and a fitting status, and changes nothing stored.

use actix_web::http::StatusCode;

use gst_portal::db::Run;

use crate::helpers::*;

/// Form fields, the id of the message expected and its text.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

#[actix_web::test]
async fn confirm_refuses_every_bad_field_and_leaves_the_database_unchanged() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("24")).await;
    let before = app.snapshot();

    let cases: &[Case] = &[
        (
            &[],
            "enable-api-error",
            "Choose Yes or No for Enable API Request.",
        ),
        (
            &[("enable_api", "")],
            "enable-api-error",
            "Choose Yes or No for Enable API Request.",
        ),
        (
            &[("enable_api", "maybe")],
            "enable-api-error",
            "Choose Yes or No for Enable API Request.",
        ),
        (
            &[("enable_api", "Y")],
            "duration-error",
            "Choose how long API access should stay enabled.",
        ),
        (
            &[("enable_api", "Y"), ("duration", "")],
            "duration-error",
            "Choose how long API access should stay enabled.",
        ),
        (
            &[("enable_api", "Y"), ("duration", "0")],
            "duration-error",
            "Choose one of the durations in the list (6 hours to 30 days).",
        ),
        (
            &[("enable_api", "Y"), ("duration", "5")],
            "duration-error",
            "Choose one of the durations in the list (6 hours to 30 days).",
        ),
        (
            &[("enable_api", "Y"), ("duration", "744")],
            "duration-error",
            "Choose one of the durations in the list (6 hours to 30 days).",
        ),
        (
            &[("enable_api", "Y"), ("duration", "-1")],
            "duration-error",
            "Choose one of the durations in the list (6 hours to 30 days).",
        ),
        (
            &[("enable_api", "Y"), ("duration", "1e9")],
            "duration-error",
            "Choose one of the durations in the list (6 hours to 30 days).",
        ),
        (
            &[
                ("enable_api", "Y"),
                ("duration", "30 days; DROP TABLE api_access"),
            ],
            "duration-error",
            "Choose one of the durations in the list (6 hours to 30 days).",
        ),
        (
            &[
                ("enable_api", "Y"),
                ("duration", "<script>alert(1)</script>"),
            ],
            "duration-error",
            "Choose one of the durations in the list (6 hours to 30 days).",
        ),
        (
            &[("enable_api", "N"), ("duration", "31 days")],
            "duration-error",
            "Choose one of the durations in the list (6 hours to 30 days).",
        ),
    ];
    for (fields, id, message) in cases {
        let res = b
            .submit("/profile/api-access", "/profile/api-access", fields)
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert_eq!(res.text_of(id).as_deref(), Some(*message), "{fields:?}");
        assert!(!res.body.contains("<script>alert(1)"), "output is escaped");
    }
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn malformed_confirm_bodies_get_a_4xx_with_a_message_and_change_nothing() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("N", None).await;
    let token = b.get("/profile/api-access").await.csrf_token();
    let before = app.snapshot();

    let form = "application/x-www-form-urlencoded";
    let cases: Vec<(Vec<u8>, &str, StatusCode, &str)> = vec![
        (
            format!("csrf_token={token}&enable_api=Y&duration=6&duration=720").into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "duplicate field",
        ),
        (
            format!("csrf_token={token}&enable_api=Y&duration=6&admin=1").into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "unknown field",
        ),
        (
            [
                format!("csrf_token={token}&enable_api=Y&duration=").as_bytes(),
                &[0xff, 0xfe],
            ]
            .concat(),
            form,
            StatusCode::BAD_REQUEST,
            "not valid UTF-8",
        ),
        (
            format!("csrf_token={token}&enable_api=Y&duration=%FF%FE").into_bytes(),
            form,
            StatusCode::BAD_REQUEST,
            "not valid UTF-8",
        ),
        (
            format!(
                "csrf_token={token}&enable_api=Y&duration=6&x={}",
                "a".repeat(20_000)
            )
            .into_bytes(),
            form,
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than this portal accepts",
        ),
        (
            format!(r#"{{"csrf_token":"{token}","enable_api":"Y","duration":"6"}}"#).into_bytes(),
            "application/json",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/x-www-form-urlencoded",
        ),
        (
            format!("csrf_token={token}&enable_api=Y%00&duration=6").into_bytes(),
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose Yes or No",
        ),
        (
            format!("csrf_token={token}&enable_api=Y&duration=6%00").into_bytes(),
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose one of the durations",
        ),
    ];
    for (body, content_type, status, message) in cases {
        let res = b.post_raw("/profile/api-access", content_type, body).await;
        assert_eq!(res.status, status, "{message}: {}", res.body);
        res.assert_contains(message);
    }
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn a_confirm_without_the_forms_token_is_refused_with_403() {
    // ASVS 3.5.1: state-changing requests need an anti-forgery token.
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let before = app.snapshot();
    for token in [None, Some(""), Some("0000")] {
        let mut fields = vec![("enable_api", "Y"), ("duration", "720")];
        if let Some(t) = token {
            fields.push(("csrf_token", t));
        }
        let res = b.post("/profile/api-access", &fields).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(
            res.text_of("error-title").as_deref(),
            Some("Request refused")
        );
    }
    // Another taxpayer's valid token does not work in this session either.
    let other = app.browser();
    other.log_in(OTHER_USERNAME, PASSWORD).await;
    let foreign = other.get("/profile/api-access").await.csrf_token();
    let res = b
        .post(
            "/profile/api-access",
            &[
                ("csrf_token", &foreign),
                ("enable_api", "Y"),
                ("duration", "720"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot(), before);
}

#[actix_web::test]
async fn login_answers_missing_fields_next_to_the_field() {
    let app = spawn_app().await;
    let b = app.browser();
    let res = b
        .submit("/login", "/login", &[("username", ""), ("password", "")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.text_of("username-error").as_deref(),
        Some("Enter your username.")
    );
    assert_eq!(
        res.text_of("password-error").as_deref(),
        Some("Enter your password.")
    );
    let res = b
        .submit("/login", "/login", &[("username", USERNAME)])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text_of("username-error").is_none());
    res.assert_contains(&format!(r#"value="{USERNAME}""#));
}

#[actix_web::test]
async fn a_login_with_a_stale_token_shows_the_form_again() {
    let app = spawn_app().await;
    let b = app.browser();
    let res = b.post_login("stale", USERNAME, PASSWORD).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res
        .text_of("login-error")
        .unwrap()
        .contains("Please log in again"));
    // The page it shows carries a good token: logging in from it works.
    let token = res.csrf_token();
    let res = b.post_login(&token, USERNAME, PASSWORD).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn html_typed_into_the_login_form_is_shown_escaped() {
    let app = spawn_app().await;
    let res = app.browser().log_in("<script>alert(1)</script>", "x").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(!res.body.contains("<script>alert(1)</script>"));
    res.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;");
}

#[actix_web::test]
async fn the_database_itself_refuses_a_duration_or_an_expiry_the_form_would_not_offer() {
    // The last line of defence, on either backend: the tables' CHECKs. Written straight
    // through Diesel, past every check of the portal's own.
    use diesel::prelude::*;
    use gst_portal::db::schema::{api_access, api_access_changes};
    let app = spawn_app().await;
    let mut conn = app.pool.get().unwrap();
    let now = chrono::Utc::now().naive_utc();
    let bad_access = [
        (true, Some(5), Some(now)),
        (true, Some(6), None),
        (false, Some(6), None),
        (false, None, Some(now)),
    ];
    for (enabled, hours, expires) in bad_access {
        let stored = diesel::insert_into(api_access::table)
            .values((
                api_access::taxpayer_id.eq(app.taxpayer.0),
                api_access::enabled.eq(enabled),
                api_access::duration_hours.eq(hours),
                api_access::expires_at.eq(expires),
                api_access::updated_at.eq(now),
            ))
            .exec(&mut conn);
        assert!(
            matches!(
                stored,
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::CheckViolation
                        | diesel::result::DatabaseErrorKind::Unknown,
                    _
                ))
            ),
            "{enabled} {hours:?} {expires:?}: {stored:?}"
        );
    }
    let bad_history = diesel::insert_into(api_access_changes::table)
        .values((
            api_access_changes::taxpayer_id.eq(app.taxpayer.0),
            api_access_changes::changed_at.eq(now),
            api_access_changes::enabled.eq(true),
            api_access_changes::duration_hours.eq(Some(999)),
            api_access_changes::expires_at.eq(Some(now)),
            api_access_changes::sessions_ended.eq(0),
        ))
        .exec(&mut conn);
    assert!(bad_history.is_err(), "{bad_history:?}");
    assert_eq!(app.count("api_access"), 0);
    assert_eq!(app.count("api_access_changes"), 0);
    // A good row goes in, so the refusals above were about the values.
    let good = diesel::insert_into(api_access::table)
        .values((
            api_access::taxpayer_id.eq(app.taxpayer.0),
            api_access::enabled.eq(true),
            api_access::duration_hours.eq(Some(6)),
            api_access::expires_at.eq(Some(now)),
            api_access::updated_at.eq(now),
        ))
        .exec(&mut conn);
    assert_eq!(good.ok(), Some(1));
}
