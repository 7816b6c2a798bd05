//! Extractors that several pages share.

use crate::db;
use crate::db::models::taxpayer::TaxpayerId;
use crate::demo::classroom::{self, ViewStep};
use crate::error::AppError;
use crate::state::AppState;

/// Notes the manual's page-view steps of trainees (demo mode; elsewhere it does
/// nothing). A view costs one read once the step is recorded.
pub struct StepLog(Option<AppState>);

impl actix_web::FromRequest for StepLog {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(
            AppState::of(req).map(|state| StepLog(state.settings.demo.then_some(state))),
        )
    }
}

impl StepLog {
    /// Records that `taxpayer` reached `step`, the first time only. A failure is
    /// logged, never shown: the page the taxpayer asked for matters more.
    pub async fn saw(&self, taxpayer: TaxpayerId, step: ViewStep) {
        let Some(state) = &self.0 else {
            return;
        };
        let needed = db::run(&state.pool, |conn| {
            classroom::step_unrecorded(conn, taxpayer, step)
        })
        .await;
        let written = match needed {
            Ok(false) => return,
            Ok(true) => {
                let now = state.clock.now();
                db::write(&state.pool, move |conn| {
                    classroom::record_view(conn, taxpayer, step, now)
                })
                .await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::error!(error = ?e, "could not record a trainee's step");
        }
    }
}
