//! Logs to stderr through tracing, filtered by RUST_LOG (default `info`): one line per
//! request and one per change of state. Query strings, form bodies and cookies are
//! never logged, and a request is logged by the route it matched (`/login/as/{ticket}`),
//! not by its path, so no password, OTP, ticket or session key reaches the log.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing_subscriber::EnvFilter;

/// Installs the stderr subscriber; a second call (as in tests) is a no-op.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// What the request line shows of a request that matched no route: its path might
/// carry anything.
pub const NO_ROUTE: &str = "(no route)";

/// The request line: method, the route pattern it matched (never the raw path, whose
/// segments may be secrets), status and time taken.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| NO_ROUTE.to_string());
    tracing::info!(
        %method,
        %route,
        status = res.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    Ok(res)
}
