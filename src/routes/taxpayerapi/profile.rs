//! `GET /taxpayerapi/v1.0/profile`: a protected call, refused the moment the taxpayer
//! chooses No and once the token has expired.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::db::{self, Pool};
use crate::domain::gsp::ApiFailure;

use super::schema::{ClientHeaders, ErrorBody, Profile, ProfileAnswer, SessionHeaders};
use crate::config::Settings;
use crate::gsp;

use super::{client, header, log_call, ApiError, CallRecord};
use crate::auth::sha256_hex;

fn required<'a>(req: &'a HttpRequest, name: &str) -> Result<&'a str, ApiFailure> {
    header(req, name)
        .filter(|v| !v.trim().is_empty() && v.len() <= 128)
        .ok_or_else(|| {
            ApiFailure::BadRequest(format!("The header {name} is missing, empty or too long."))
        })
}

/// The taxpayer's profile, for a live session of this GSP client.
#[utoipa::path(
    get,
    path = "/taxpayerapi/v1.0/profile",
    tag = "taxpayer",
    params(ClientHeaders, SessionHeaders),
    responses(
        (status = 200, description = "The profile", body = ProfileAnswer),
        (status = 400, description = "A header is missing (SIM400)", body = ErrorBody),
        (status = 401, description = "Wrong client (SIM401), no such session (AUTH4033), expired token (AUTH4038)", body = ErrorBody),
        (status = 403, description = "API access is off or over (AUTH4037), or the GSTIN is not the session's (RET11402)", body = ErrorBody),
    )
)]
pub async fn handle(
    req: HttpRequest,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let mut call = CallRecord {
        action: "PROFILE",
        ..CallRecord::default()
    };
    let result = answer(&req, &pool, &clock, settings.demo, &mut call).await;
    log_call(&req, &pool, &clock, call, &result).await;
    result
}

async fn answer(
    req: &HttpRequest,
    pool: &Pool,
    clock: &Clock,
    demo: bool,
    call: &mut CallRecord,
) -> Result<HttpResponse, ApiError> {
    let client = client(req, pool, demo).await?;
    call.client_name = Some(client.name.clone());
    call.username = header(req, "username").map(str::to_string);
    let token = sha256_hex(required(req, "auth-token")?);
    let username = required(req, "username")?.trim().to_lowercase();
    let gstin = required(req, "gstin")?.trim().to_uppercase();
    let now = clock.now();
    let open = db::run(pool, move |conn| {
        gsp::open_session(conn, &client, &username, &gstin, &token, now)
    })
    .await??;
    if open.use_due() {
        let open = open.clone();
        db::write(pool, move |conn| gsp::record_use(conn, &open, now)).await?;
    }
    let t = open.taxpayer;
    let profile = Profile {
        gstin: t.gstin,
        legal_name: t.legal_name,
        trade_name: t.trade_name,
        registration_date: t.registration_date.format("%d/%m/%Y").to_string(),
        constitution: t.constitution,
        taxpayer_type: t.taxpayer_type,
        state: t.state_name,
        status: t.gstin_status,
    };
    Ok(HttpResponse::Ok().json(ProfileAnswer {
        status_cd: "1".to_string(),
        data: profile,
    }))
}
