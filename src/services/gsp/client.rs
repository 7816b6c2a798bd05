//! Which GSP client is calling: the one whose `clientid` and `client-secret`
//! headers match a registered, unrevoked client.

use crate::auth::{constant_time_eq, sha256_hex};
use crate::db;
use crate::db::models::gsp_client::{self, GspClient};
use crate::domain::gsp::ApiFailure;
use crate::state::Portal;

use super::{ApiError, Headers};

/// The GSP client named by the `clientid` and `client-secret` headers, with the
/// real system's codes: AUT4031 and AUT4032 for a missing header, AUT4033 for an
/// unknown (or revoked) client id, AUT4034 for a wrong secret. The demo clients,
/// whose secrets are printed in the README, and the trainer's GSP player answer only
/// in demo mode.
pub async fn authenticate(portal: &Portal, headers: &dyn Headers) -> Result<GspClient, ApiError> {
    let present = |name| headers.header(name).filter(|v| !v.trim().is_empty());
    let id = present("clientid").ok_or(ApiFailure::MissingClientId)?;
    let secret = present("client-secret").ok_or(ApiFailure::MissingClientSecret)?;
    let demo = portal.settings.demo;
    if id.len() > 128 || (!demo && crate::demo::is_demo_only_client_id(id)) {
        return Err(ApiFailure::InvalidClientId.into());
    }
    if secret.len() > 256 {
        return Err(ApiFailure::InvalidClientSecret.into());
    }
    let (id, secret_hash) = (id.to_string(), sha256_hex(secret));
    let found = db::run(&portal.pool, move |conn| {
        gsp_client::find_by_client_id(conn, &id)
    })
    .await?;
    match found {
        Some(c) if c.revoked_at.is_none() => {
            if constant_time_eq(&c.secret_hash, &secret_hash) {
                Ok(c)
            } else {
                Err(ApiFailure::InvalidClientSecret.into())
            }
        }
        _ => Err(ApiFailure::InvalidClientId.into()),
    }
}
