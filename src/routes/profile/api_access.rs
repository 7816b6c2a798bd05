//! Steps 3-7 of the manual: Manage API Access, where the taxpayer chooses Yes or No
//! for "Enable API Request", picks a Duration and confirms.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::guard::CurrentTaxpayer;
use crate::auth::session::FlashKind;
use crate::clock::Clock;
use crate::db::models::api_access::{self, AccessChange};
use crate::db::models::gsp_session::{self, ApplicationAccess};
use crate::db::models::security_event::EventTime;
use crate::db::models::Origin;
use crate::db::{self, Pool};
use crate::demo::classroom::ViewStep;
use crate::domain::access::{
    time_left, AccessChoice, AccessState, ChoiceErrors, StoredAccess, ENDING_SOON, NO, YES,
};
use crate::domain::duration::AccessDuration;
use crate::domain::time::{from_db, ist_datetime};
use crate::error::AppError;
use crate::routes::extract::StepLog;
use crate::routes::form::Form;
use crate::routes::layout::{summary, Chrome, SummaryItem};
use crate::routes::{render, see_other};

/// How many past changes the page lists.
const RECENT_CHANGES: i64 = 10;

/// The current state in words, as the page and the Dashboard show it.
pub struct StatusView {
    pub text: String,
    /// "enabled", "expired", "disabled" or "never": the CSS modifier.
    pub kind: &'static str,
    /// While enabled: how long is left ("28 minutes", "29 days").
    pub left: Option<String>,
    /// Less than [`ENDING_SOON`] is left.
    pub ending_soon: bool,
}

impl StatusView {
    pub fn of(stored: Option<&StoredAccess>, now: DateTime<Utc>) -> Self {
        let state = AccessState::at(stored, now);
        let until = match state {
            AccessState::Enabled { until, .. } => Some(until),
            _ => None,
        };
        StatusView {
            text: state.describe(),
            kind: state.kind(),
            left: until.map(|u| time_left(u, now)),
            ending_soon: until.is_some_and(|u| u - now < ENDING_SOON),
        }
    }
}

/// The notice after a Confirm, for the state now in force; after a No it also says
/// how many GSP sessions the No ended.
pub fn saved_notice(status: &str, sessions_ended: Option<usize>) -> String {
    match sessions_ended {
        None => format!("Your choice has been saved. {status}."),
        Some(n) => format!("Your choice has been saved. {status}. GSP sessions ended: {n}."),
    }
}

/// An option of the Duration drop-down.
pub struct DurationOption {
    pub value: String,
    pub label: &'static str,
    pub selected: bool,
}

/// A row of "Recent changes".
pub struct ChangeRow {
    pub changed_at: String,
    pub choice: &'static str,
    pub duration: &'static str,
    pub until: String,
    pub client_ip: String,
    pub sessions_ended: i32,
}

/// A row of "Applications with access".
pub struct ApplicationRow {
    pub name: String,
    pub sessions: usize,
    pub since: String,
    pub last_used: String,
    pub until: String,
}

impl From<ApplicationAccess> for ApplicationRow {
    fn from(a: ApplicationAccess) -> Self {
        ApplicationRow {
            name: a.client_name,
            sessions: a.sessions,
            since: ist_datetime(from_db(a.since)),
            last_used: ist_datetime(from_db(a.last_used)),
            until: ist_datetime(from_db(a.until)),
        }
    }
}

impl From<AccessChange> for ChangeRow {
    fn from(c: AccessChange) -> Self {
        ChangeRow {
            changed_at: ist_datetime(from_db(c.changed_at)),
            choice: if c.enabled { "Yes" } else { "No" },
            duration: c
                .duration_hours
                .and_then(|h| AccessDuration::from_hours(h).ok())
                .map_or("-", AccessDuration::label),
            until: c
                .expires_at
                .map_or_else(|| "-".to_string(), |t| ist_datetime(from_db(t))),
            client_ip: c.client_ip.unwrap_or_else(|| "-".to_string()),
            sessions_ended: c.sessions_ended,
        }
    }
}

#[derive(Template)]
#[template(path = "profile/api_access.html")]
struct ApiAccessPage {
    chrome: Chrome,
    status: StatusView,
    /// Which radio button is checked (neither, after a post without an answer).
    yes_checked: bool,
    no_checked: bool,
    durations: Vec<DurationOption>,
    errors: ChoiceErrors,
    changes: Vec<ChangeRow>,
    applications: Vec<ApplicationRow>,
    /// GSP sessions a No would end now.
    live_sessions: usize,
}

fn live_sessions(applications: &[ApplicationRow]) -> usize {
    applications.iter().map(|a| a.sessions).sum()
}

impl ApiAccessPage {
    fn error_summary(&self) -> Vec<SummaryItem> {
        summary([
            ("enable-api-yes", self.errors.enable),
            ("duration", self.errors.duration),
        ])
    }
}

/// The drop-down's options with `selected` (a submitted value) chosen.
fn duration_options(selected: Option<&str>) -> Vec<DurationOption> {
    AccessDuration::all()
        .map(|d| DurationOption {
            selected: selected == Some(d.value().as_str()),
            value: d.value(),
            label: d.label(),
        })
        .collect()
}

/// What the page shows besides the form.
struct Loaded {
    stored: Option<StoredAccess>,
    changes: Vec<ChangeRow>,
    applications: Vec<ApplicationRow>,
}

/// The stored choice, the recent changes and the applications with access of the
/// current taxpayer at `now`.
async fn load(
    current: &CurrentTaxpayer,
    pool: &Pool,
    now: DateTime<Utc>,
) -> Result<Loaded, AppError> {
    let id = current.taxpayer.id;
    db::run(pool, move |conn| {
        let stored = api_access::load(conn, id)?;
        let changes = api_access::recent_changes(conn, id, RECENT_CHANGES)?;
        // Sessions outlive nothing: once access is off or over they give no access.
        let applications = if AccessState::at(stored.as_ref(), now).is_enabled() {
            gsp_session::applications_with_access(conn, id, now)?
        } else {
            Vec::new()
        };
        diesel::QueryResult::Ok(Loaded {
            stored,
            changes: changes.into_iter().map(ChangeRow::from).collect(),
            applications: applications.into_iter().map(ApplicationRow::from).collect(),
        })
    })
    .await
}

pub async fn show(
    current: CurrentTaxpayer,
    chrome: Chrome,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    steps: StepLog,
) -> Result<HttpResponse, AppError> {
    steps.saw(current.taxpayer.id, ViewStep::ApiAccess).await;
    let now = clock.now();
    let Loaded {
        stored,
        changes,
        applications,
    } = load(&current, &pool, now).await?;
    let state = AccessState::at(stored.as_ref(), now);
    // The drop-down starts at Select: a Confirm starts a new period from now, so the
    // current period's duration is not offered as if it were the time left.
    let page = ApiAccessPage {
        chrome,
        status: StatusView::of(stored.as_ref(), now),
        yes_checked: state.is_enabled(),
        no_checked: !state.is_enabled(),
        durations: duration_options(None),
        errors: ChoiceErrors::default(),
        live_sessions: live_sessions(&applications),
        changes,
        applications,
    };
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiAccessForm {
    enable_api: Option<String>,
    duration: Option<String>,
}

pub async fn confirm(
    current: CurrentTaxpayer,
    chrome: Chrome,
    form: Form<ApiAccessForm>,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let choice = match AccessChoice::from_form(form.enable_api.as_deref(), form.duration.as_deref())
    {
        Ok(choice) => choice,
        Err(errors) => {
            let now = clock.now();
            let Loaded {
                stored,
                changes,
                applications,
            } = load(&current, &pool, now).await?;
            let page = ApiAccessPage {
                chrome,
                status: StatusView::of(stored.as_ref(), now),
                yes_checked: form.enable_api.as_deref() == Some(YES),
                no_checked: form.enable_api.as_deref() == Some(NO),
                durations: duration_options(form.duration.as_deref()),
                errors,
                live_sessions: live_sessions(&applications),
                changes,
                applications,
            };
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };

    let id = current.taxpayer.id;
    let now = clock.now();
    let event_at = EventTime::now(&clock);
    let (stored, ended) = db::write(&pool, move |conn| {
        api_access::confirm(conn, id, choice, now, &origin, event_at)
    })
    .await?;
    tracing::info!(
        taxpayer_id = id.0,
        enabled = stored.enabled,
        expires_at = ?stored.expires_at,
        gsp_sessions_ended = ended,
        "API access changed"
    );
    let status = StatusView::of(Some(&stored), now);
    let ended = (!stored.enabled).then_some(ended);
    current
        .session
        .set_flash(FlashKind::Success, saved_notice(&status.text, ended))?;
    Ok(see_other("/profile/api-access"))
}
