//! The manual as test cases: the page, its downloads, and that every case matches
//! the screens it names.

use actix_web::http::StatusCode;

use gst_portal::db::models::api_access;
use gst_portal::domain::time::{ist_datetime, IST_PATTERN};
use gst_portal::routes::qa;

use crate::helpers::*;

#[actix_web::test]
async fn every_label_a_case_names_is_shown_on_its_screen() {
    let app = spawn_app().await;
    let visitor = app.browser();
    let taxpayer = app.logged_in().await;
    for case in qa::cases() {
        let who = if case.href == "/login" {
            &visitor
        } else {
            &taxpayer
        };
        let page = who.get(case.href).await;
        assert_eq!(page.status, StatusCode::OK, "{}: {}", case.id, case.href);
        // A control's own text, or its label with the "required" mark after it; an
        // API action appears in the docs page's examples.
        let controls = page.texts("label, legend, button, a, option");
        let examples = page.texts("code, pre");
        for label in case.control.split(", ") {
            let on_control = controls
                .iter()
                .any(|t| t == label || t.starts_with(&format!("{label} ")));
            let in_example = examples.iter().any(|t| t.contains(label));
            assert!(
                on_control || in_example,
                "{}: {label:?} is not on {} ({controls:?})",
                case.id,
                case.href
            );
        }
    }
}

#[actix_web::test]
async fn the_status_text_a_case_expects_is_what_the_page_shows() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    b.confirm("Y", Some("720")).await;
    let page = b.get("/profile/api-access").await;
    let shown = page.text_of("api-access-status").unwrap();
    let expiry = {
        let mut conn = app.pool.get().unwrap();
        api_access::load(&mut conn, app.taxpayer)
            .unwrap()
            .unwrap()
            .expires_at
            .unwrap()
    };
    let confirm = qa::cases().into_iter().find(|c| c.step == "7").unwrap();
    let expected = confirm.expected.replace(IST_PATTERN, &ist_datetime(expiry));
    assert!(
        expected.contains(&shown),
        "{expected:?} does not quote {shown:?}"
    );
    let flash = page.text_of("flash").unwrap();
    assert!(
        expected.contains(&flash),
        "{expected:?} does not quote {flash:?}"
    );
}

#[actix_web::test]
async fn the_cases_page_is_linked_from_help_and_the_footer_and_downloads_as_csv_and_markdown() {
    let app = spawn_app().await;
    let b = app.logged_in().await;
    let help = b.get("/help/api-access").await;
    assert!(help
        .texts("main a")
        .contains(&"Test cases for QA".to_string()));
    assert!(help
        .texts("footer a")
        .contains(&"Test cases for QA".to_string()));
    let page = b.get("/help/test-cases").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.rows("test-cases").len(), qa::cases().len());
    assert_eq!(page.texts("dl.faq dt").len(), qa::FAQ.len());

    let csv = app.browser().get("/help/test-cases.csv").await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("attachment"));
    assert!(csv
        .body
        .starts_with("ID,Title,Preconditions,Steps,Expected Result\n"));
    let md = app.browser().get("/help/test-cases.md").await;
    assert!(md
        .header("content-type")
        .unwrap()
        .starts_with("text/markdown"));
    for case in qa::cases() {
        assert!(csv.body.contains(&case.id) && md.body.contains(&format!("| {} |", case.id)));
    }
    let json = app.browser().get("/help/test-cases.json").await;
    let cases: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(cases[0]["id"], "TC-01");
}
