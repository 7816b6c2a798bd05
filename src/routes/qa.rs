//! The manual as test cases, for QA testers: a page, a CSV file that test-management
//! tools import, a Markdown file, and JSON for the illustrated guide. Every case is
//! built from what the screens themselves use (the labels in `routes::labels`, the
//! Quick Links table, the duration list, the status texts and messages), so a case
//! cannot promise a text the portal no longer shows.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use askama::Template;
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

use crate::domain::access::{AccessChoice, AccessState};
use crate::domain::duration::AccessDuration;
use crate::domain::gsp::ApiFailure;
use crate::domain::time::{ist_datetime, IST_PATTERN};
use crate::error::AppError;
use crate::routes::labels;
use crate::routes::layout::{Chrome, NAV, QUICK_LINKS};
use crate::routes::login::{locked_message, INVALID_CREDENTIALS};
use crate::routes::profile::api_access::saved_notice;
use crate::routes::render;

/// One test case.
#[derive(Debug, Clone, Serialize)]
pub struct TestCase {
    /// "TC-01" and on, in the order a tester walks them.
    pub id: String,
    pub title: String,
    /// The manual's step this case checks ("1" to "7"), or what it covers besides.
    pub step: &'static str,
    /// The screen, as its heading names it, and its address on this portal.
    pub screen: &'static str,
    pub href: &'static str,
    /// The control, by its visible label.
    pub control: String,
    pub preconditions: String,
    pub action: String,
    /// The result as the portal shows it; `DD/MM/YYYY hh:mm AM/PM IST` stands for a time.
    pub expected: String,
}

/// The FAQ of the feature, in this project's words.
pub const FAQ: [(&str, &str); 4] = [
    (
        "What is API access, and why must I allow it?",
        "GSP and ASP software does your GST work (filing returns, fetching data) through the GST system's API with your username. API access is your permission for that. It is off until you switch it on, and you can switch it off at any moment, so no software acts for you without your say.",
    ),
    (
        "Why can my GSP or ASP software not reach the GST system with my username?",
        "Because API access is off, or the period you chose has ended. Switch it on under My Profile > Quick Links > Manage API Access and choose how long it should last. The software then asks for an OTP once and can work until the period ends.",
    ),
    (
        "How short or long can the period be?",
        "At least 6 hours and at most 30 days. During the period the software does not need a new OTP from you, so a longer period suits software that works at night or over several days.",
    ),
    (
        "Can I end a long period early?",
        "Yes. Choose No for Enable API Request and Confirm: access ends at once. You can switch it on again later, with a shorter period if you like.",
    ),
];

/// A fixed instant, to turn texts with a time into patterns.
fn sample_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 0)
        .single()
        .unwrap_or_default()
}

/// `text` with the sample time written as the pattern every screen uses.
fn with_time_pattern(text: &str) -> String {
    text.replace(&ist_datetime(sample_time()), IST_PATTERN)
}

fn quick_link(href: &str) -> &'static str {
    QUICK_LINKS
        .iter()
        .chain(NAV.iter())
        .find(|l| l.href == href)
        .map_or("", |l| l.label)
}

/// Every test case, built from the screens' own definitions.
pub fn cases() -> Vec<TestCase> {
    let until = sample_time();
    let longest = AccessDuration::all().last();
    let shortest = AccessDuration::all().next();
    let enabled = |d: Option<AccessDuration>| match d {
        Some(duration) => AccessState::Enabled { duration, until }.describe(),
        None => String::new(),
    };
    let durations: Vec<&str> = AccessDuration::all().map(|d| d.label()).collect();
    let logged_in = "Logged in as a taxpayer (for example demo.never / Demo@2026 in demo mode).";
    let on_page = "Logged in; Manage API Access is open.";
    let duration_error = |duration: Option<&str>| {
        AccessChoice::from_form(Some(crate::domain::access::YES), duration)
            .err()
            .and_then(|e| e.duration)
            .unwrap_or_default()
            .to_string()
    };
    let manage = quick_link("/profile/api-access");
    let mut all = vec![
        (
            "Log in with username and password",
            "1",
            "Login",
            "/login",
            format!("{}, {}, {}", labels::USERNAME, labels::PASSWORD, labels::LOGIN),
            "A taxpayer account exists; nobody is logged in.".to_string(),
            format!(
                "Type the username in {} and the password in {}, then press {}.",
                labels::USERNAME,
                labels::PASSWORD,
                labels::LOGIN
            ),
            "The Dashboard opens with \"Welcome\" and the taxpayer's legal name, GSTIN and API access state.".to_string(),
        ),
        (
            "Go to My Profile",
            "2",
            "Dashboard",
            "/dashboard",
            labels::VIEW_PROFILE.to_string(),
            logged_in.to_string(),
            format!(
                "Press {} (or choose {} in the top menu).",
                labels::VIEW_PROFILE,
                quick_link("/profile")
            ),
            "My Profile opens with the profile facts and the Quick Links panel.".to_string(),
        ),
        (
            "Open Manage API Access from the Quick Links",
            "3",
            "My Profile",
            "/profile",
            manage.to_string(),
            logged_in.to_string(),
            format!("In the Quick Links panel, choose {manage}."),
            format!(
                "Manage API Access opens with {} ({} / {}) and the current state, e.g. \"{}\".",
                labels::ENABLE_API_REQUEST,
                labels::YES,
                labels::NO,
                AccessState::NeverEnabled.describe()
            ),
        ),
        (
            "Choose Yes for Enable API Request",
            "4",
            "Manage API Access",
            "/profile/api-access",
            labels::YES.to_string(),
            on_page.to_string(),
            format!("Select the {} radio button of {}.", labels::YES, labels::ENABLE_API_REQUEST),
            format!("The {} drop-down is shown.", labels::DURATION),
        ),
        (
            "The Duration drop-down lists the durations",
            "5",
            "Manage API Access",
            "/profile/api-access",
            labels::DURATION.to_string(),
            format!("{on_page} {} is selected.", labels::YES),
            format!("Open the {} drop-down.", labels::DURATION),
            format!("It offers Select, then: {}.", durations.join(", ")),
        ),
        (
            "Choose a duration from 6 hours to 30 days",
            "6",
            "Manage API Access",
            "/profile/api-access",
            labels::DURATION.to_string(),
            format!("{on_page} {} is selected.", labels::YES),
            format!(
                "Choose {} (the longest; {} is the shortest).",
                longest.map_or("", |d| d.label()),
                shortest.map_or("", |d| d.label())
            ),
            "The chosen duration is shown in the drop-down.".to_string(),
        ),
        (
            "Confirm turns API access on",
            "7",
            "Manage API Access",
            "/profile/api-access",
            labels::CONFIRM.to_string(),
            format!(
                "{on_page} {} and a duration are chosen.",
                labels::YES
            ),
            format!("Press {}.", labels::CONFIRM),
            format!(
                "The notice \"{}\" and the state \"{}\"; the change is listed under Recent changes.",
                saved_notice(&enabled(longest), None),
                enabled(longest)
            ),
        ),
        (
            "End API access early with No",
            "FAQ 4",
            "Manage API Access",
            "/profile/api-access",
            labels::NO.to_string(),
            format!("{on_page} API access is enabled."),
            format!("Select {} and press {}.", labels::NO, labels::CONFIRM),
            format!(
                "The notice \"{}\" (the number of GSP sessions the No ended) and the state \"{}\" at once; GSP software is shut out.",
                saved_notice(&AccessState::Disabled { since: until }.describe(), Some(0)),
                AccessState::Disabled { since: until }.describe()
            ),
        ),
        (
            "Enable again with a shorter period",
            "FAQ 4",
            "Manage API Access",
            "/profile/api-access",
            labels::DURATION.to_string(),
            format!("{on_page} API access was ended with {}.", labels::NO),
            format!(
                "Select {}, choose {} and press {}.",
                labels::YES,
                shortest.map_or("", |d| d.label()),
                labels::CONFIRM
            ),
            format!("The state reads \"{}\".", enabled(shortest)),
        ),
        (
            "Negative: Confirm without a duration",
            "6",
            "Manage API Access",
            "/profile/api-access",
            labels::DURATION.to_string(),
            on_page.to_string(),
            format!(
                "Select {}, leave {} at Select and press {}.",
                labels::YES,
                labels::DURATION,
                labels::CONFIRM
            ),
            format!(
                "The message \"{}\" next to {}; nothing is saved.",
                duration_error(None),
                labels::DURATION
            ),
        ),
        (
            "Negative: a duration outside 6 hours to 30 days, sent by hand",
            "6",
            "Manage API Access",
            "/profile/api-access",
            labels::DURATION.to_string(),
            on_page.to_string(),
            "Post the form with duration=5 (5 hours), for example by editing the drop-down's value in the browser's developer tools.".to_string(),
            format!(
                "The answer is 422 with \"{}\" next to {}; the state and Recent changes are unchanged.",
                duration_error(Some("5")),
                labels::DURATION
            ),
        ),
        (
            "Negative: a GSP call after No",
            "FAQ 2",
            "API simulator",
            "/taxpayerapi",
            "OTPREQUEST".to_string(),
            format!("API access was ended with {} on Manage API Access.", labels::NO),
            "GSP software asks for an OTP (POST /taxpayerapi/v1.0/authenticate, action OTPREQUEST).".to_string(),
            format!(
                "The call is refused: {} \"{}\"",
                ApiFailure::AccessNotEnabled.code(),
                ApiFailure::AccessNotEnabled.message()
            ),
        ),
        (
            "Negative: a wrong password",
            "1",
            "Login",
            "/login",
            labels::LOGIN.to_string(),
            "Nobody is logged in.".to_string(),
            format!("Log in with a wrong {}.", labels::PASSWORD),
            format!("The message \"{INVALID_CREDENTIALS}\"; the Login page stays."),
        ),
        (
            "Negative: a locked account",
            "1",
            "Login",
            "/login",
            labels::LOGIN.to_string(),
            "Five wrong passwords in a row for the account (demo.locked in demo mode is locked already).".to_string(),
            format!("Log in with the right {}.", labels::PASSWORD),
            format!(
                "The message \"{}\"; the account stays locked until then, even for the right password.",
                with_time_pattern(&locked_message(sample_time()))
            ),
        ),
    ];
    all.drain(..)
        .enumerate()
        .map(
            |(i, (title, step, screen, href, control, preconditions, action, expected))| TestCase {
                id: format!("TC-{:02}", i + 1),
                title: title.to_string(),
                step,
                screen,
                href,
                control,
                preconditions,
                action,
                expected: with_time_pattern(&expected),
            },
        )
        .collect()
}

#[derive(Template)]
#[template(path = "help/test_cases.html")]
struct TestCasesPage {
    chrome: Chrome,
    faq: &'static [(&'static str, &'static str)],
    cases: Vec<TestCase>,
}

pub async fn page(chrome: Chrome) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &TestCasesPage {
            chrome,
            faq: &FAQ,
            cases: cases(),
        },
    )
}

fn download(content_type: &str, name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

/// The columns test-management tools import: ID, Title, Preconditions, Steps,
/// Expected Result.
pub fn csv_text() -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail =
        |e: csv::Error| AppError::Unexpected(anyhow::Error::new(e).context("test cases CSV"));
    out.write_record(["ID", "Title", "Preconditions", "Steps", "Expected Result"])
        .map_err(fail)?;
    for c in cases() {
        let steps = format!("On {} ({}): {}", c.screen, c.href, c.action);
        out.write_record([&c.id, &c.title, &c.preconditions, &steps, &c.expected])
            .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("test cases CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Unexpected(e.into()))
}

pub async fn csv_file() -> Result<HttpResponse, AppError> {
    Ok(download(
        "text/csv; charset=utf-8",
        "manage-api-access-test-cases.csv",
        csv_text()?,
    ))
}

/// A Markdown cell: pipes escaped, one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown_text() -> String {
    let mut out = String::from("# Manage API Access: test cases\n\n");
    out.push_str(&format!(
        "Times are written {IST_PATTERN}. The cases follow the manual's seven steps, then ending access early, enabling again, and the negative cases.\n\n"
    ));
    out.push_str(
        "| ID | Step | Title | Screen | Control | Preconditions | Action | Expected result |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for c in cases() {
        out.push_str(&format!(
            "| {} | {} | {} | {} (`{}`) | {} | {} | {} | {} |\n",
            c.id,
            cell(c.step),
            cell(&c.title),
            cell(c.screen),
            c.href,
            cell(&c.control),
            cell(&c.preconditions),
            cell(&c.action),
            cell(&c.expected)
        ));
    }
    out
}

pub async fn markdown_file() -> HttpResponse {
    download(
        "text/markdown; charset=utf-8",
        "manage-api-access-test-cases.md",
        markdown_text(),
    )
}

/// The cases as JSON, for the illustrated guide's figure numbers.
pub async fn json() -> HttpResponse {
    HttpResponse::Ok().json(cases())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_cover_the_seven_steps_and_have_no_blank_field() {
        let all = cases();
        for step in ["1", "2", "3", "4", "5", "6", "7"] {
            assert!(all.iter().any(|c| c.step == step), "step {step}");
        }
        for c in &all {
            for field in [
                &c.title,
                &c.control,
                &c.preconditions,
                &c.action,
                &c.expected,
            ] {
                assert!(!field.trim().is_empty(), "{c:?}");
                assert!(
                    !field.contains("03:04") && !field.contains("08:34"),
                    "{c:?}"
                );
            }
        }
        let confirm = all.iter().find(|c| c.step == "7").unwrap();
        assert!(confirm
            .expected
            .contains(&format!("API access is enabled until {IST_PATTERN}")));
    }

    #[test]
    fn the_csv_has_the_import_columns_and_one_row_per_case() {
        let text = csv_text().unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            ["ID", "Title", "Preconditions", "Steps", "Expected Result"]
        );
        assert_eq!(reader.records().count(), cases().len());
    }
}
