//! The stylesheet, script and icon under static/, built into the binary so the portal
//! runs from any directory and needs nothing from outside (no CDN, no web font).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::error::AppError;

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 7] = [
    Asset {
        path: "css/portal.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/css/portal.css"),
    },
    Asset {
        path: "js/api-access.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/js/api-access.js"),
    },
    Asset {
        path: "js/login.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/js/login.js"),
    },
    Asset {
        path: "js/menu.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/js/menu.js"),
    },
    Asset {
        path: "js/classroom.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/js/classroom.js"),
    },
    Asset {
        path: "js/trainer.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/js/trainer.js"),
    },
    Asset {
        path: "img/emblem.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/img/emblem.svg"),
    },
];

/// A strong validator for the content, so browsers can revalidate cheaply.
fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..12]))
}

pub async fn serve(path: web::Path<String>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.path == path.as_str())
        .ok_or(AppError::NotFound)?;
    let tag = etag(asset.body);
    let cache = (header::CACHE_CONTROL, "public, max-age=3600");
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    if fresh {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .insert_header(cache)
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::ETAG, tag))
        .insert_header(cache)
        .body(asset.body))
}
