//! The demo-mode banner: inserted into every HTML page at the `<!--demo-banner-->` mark
//! of `base.html`, so error pages carry it too without each handler knowing.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::middleware::Next;
use actix_web::web;
use askama::Template;

use crate::clock::{describe_offset, Clock};
use crate::config::Settings;

/// Where `base.html` wants the banner.
const MARK: &str = "<!--demo-banner-->";

#[derive(Template)]
#[template(path = "demo_banner.html")]
struct Banner {
    clock: String,
}

pub async fn insert(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let banner = match (
        req.app_data::<web::Data<Settings>>(),
        req.app_data::<web::Data<Clock>>(),
    ) {
        (Some(settings), Some(clock)) if settings.demo => Banner {
            clock: describe_offset(clock.demo_offset()),
        }
        .render()
        .ok(),
        _ => None,
    };
    let res = next.call(req).await?;
    let is_html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let Some(banner) = banner.filter(|_| is_html) else {
        return Ok(res.map_into_boxed_body());
    };
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("could not read a page body"))?;
    let text = String::from_utf8_lossy(&bytes).replacen(MARK, &banner, 1);
    head.headers_mut().remove(CONTENT_LENGTH);
    head.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Ok(ServiceResponse::new(
        req,
        head.set_body(text).map_into_boxed_body(),
    ))
}
