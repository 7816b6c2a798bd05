//! `GET /taxpayerapi/v1.0/returns?action=RETTRACK&gstin=...&fy=...`: the
//! return-tracking call GSP software makes (path and query as india-compliance's
//! client sends them), behind the same access gate as every data call.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::gsp::{is_financial_year, ApiFailure};
use crate::services::gsp::data::{self, DataCall};
use crate::services::gsp::ApiError;
use crate::state::AppState;

use super::schema::{
    ClientHeaders, EncryptedAnswer, ErrorBody, ReturnTrack, ReturnsQuery, SessionHeaders,
    WireHeaders,
};
use super::{data_answer, logged};

/// The returns the taxpayer filed in a financial year. The access check comes
/// first: after No, or once the period is over, the answer is AUTH4037.
#[utoipa::path(
    get,
    path = "/taxpayerapi/v1.0/returns",
    tag = "taxpayer",
    params(ReturnsQuery, ClientHeaders, SessionHeaders, WireHeaders),
    responses(
        (status = 200, description = "For an encrypted client the envelope, whose data opens to a ReturnTrack; for a plain client {status_cd, data: ReturnTrack}", body = EncryptedAnswer),
        (status = 400, description = "Unknown action, missing or malformed fy (SIM400), a missing header (GEN5001 / SIM400), state-cd not the GSTIN's (AUTH4041)", body = ErrorBody),
        (status = 401, description = "Client credentials (AUT4031-AUT4034), no such session (AUTH4033), expired token (AUTH4038)", body = ErrorBody),
        (status = 403, description = "API access is off or over (AUTH4037), or the GSTIN is not the session's (RET11402)", body = ErrorBody),
    )
)]
pub async fn handle(
    req: HttpRequest,
    query: Result<web::Query<ReturnsQuery>, actix_web::Error>,
    state: AppState,
) -> Result<HttpResponse, ApiError> {
    logged(&state, "RETTRACK", async |call| {
        let data_call = data::open(&state, &req, call).await?;
        answer(&data_call, query)
    })
    .await
}

/// The return-tracking answer, once the call is let through: the query is read
/// only then, so a refused call answers its refusal whatever the query.
fn answer(
    data_call: &DataCall,
    query: Result<web::Query<ReturnsQuery>, actix_web::Error>,
) -> Result<HttpResponse, ApiError> {
    let bad = |m: &str| ApiFailure::BadRequest(m.to_string());
    let query = query.map_err(|_| bad("The query string cannot be read."))?;
    if query.action.as_deref() != Some("RETTRACK") {
        return Err(bad("Unknown action: this path answers action=RETTRACK.").into());
    }
    if !query.fy.as_deref().is_some_and(is_financial_year) {
        return Err(bad("The query needs fy, the financial year, as 2025-26.").into());
    }
    if let Some(gstin) = &query.gstin {
        if !gstin
            .trim()
            .eq_ignore_ascii_case(&data_call.open.taxpayer.gstin)
        {
            return Err(ApiFailure::Unauthorised.into());
        }
    }
    // The simulator keeps no returns: nothing has been filed, in any year.
    let filed = ReturnTrack {
        efiled_list: Vec::new(),
    };
    data_answer(data_call, &filed)
}
