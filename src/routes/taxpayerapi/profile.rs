//! `GET /taxpayerapi/v1.0/profile`: a protected call, refused the moment the taxpayer
//! chooses No and once the token has expired. Encrypted clients get the answer in
//! the real encrypted envelope.

use actix_web::{HttpRequest, HttpResponse};

use crate::services::gsp::data;
use crate::services::gsp::ApiError;
use crate::state::AppState;

use super::schema::{
    ClientHeaders, ErrorBody, Profile, ProfileAnswer, SessionHeaders, WireHeaders,
};
use super::{data_answer, logged};

/// The taxpayer's profile, for a live session of this GSP client.
#[utoipa::path(
    get,
    path = "/taxpayerapi/v1.0/profile",
    tag = "taxpayer",
    params(ClientHeaders, SessionHeaders, WireHeaders),
    responses(
        (status = 200, description = "The profile: in `data` for a plain client (ProfileAnswer); for an encrypted client the envelope (EncryptedAnswer) whose `data` opens to a Profile", body = ProfileAnswer),
        (status = 400, description = "A header is missing (SIM400 plain, GEN5001 encrypted), state-cd is not the GSTIN's (AUTH4041)", body = ErrorBody),
        (status = 401, description = "Client credentials missing or wrong (AUT4031-AUT4034), no such session (AUTH4033), expired token (AUTH4038)", body = ErrorBody),
        (status = 403, description = "API access is off or over (AUTH4037), or the GSTIN is not the session's (RET11402)", body = ErrorBody),
    )
)]
pub async fn handle(req: HttpRequest, state: AppState) -> Result<HttpResponse, ApiError> {
    logged(&state, "PROFILE", async |call| {
        let data_call = data::open(&state, &req, call).await?;
        let t = &data_call.open.taxpayer;
        let profile = Profile {
            gstin: t.gstin.clone(),
            legal_name: t.legal_name.clone(),
            trade_name: t.trade_name.clone(),
            registration_date: t.registration_date.format("%d/%m/%Y").to_string(),
            constitution: t.constitution.clone(),
            taxpayer_type: t.taxpayer_type.clone(),
            state: t.state_name.clone(),
            status: t.gstin_status.clone(),
        };
        data_answer(&data_call, &profile)
    })
    .await
}
