//! Logout: ends the session on the server, so a copied cookie stops working.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::csrf;
use crate::auth::session::TypedSession;
use crate::clock::Clock;
use crate::db::models::security_event::{self, EventKind};
use crate::db::models::Origin;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::routes::form::Form;
use crate::routes::see_other;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogoutForm {
    csrf_token: Option<String>,
}

pub async fn submit(
    form: Form<LogoutForm>,
    session: TypedSession,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let Some((taxpayer, _)) = session.login()? else {
        // Nobody to log out (the session already ended): just show the login page.
        return Ok(see_other("/login"));
    };
    csrf::verify(&session, form.csrf_token.as_deref())?;
    session.log_out();
    let now = clock.security_now();
    db::write(&pool, move |conn| {
        Ok(security_event::record(
            conn,
            now,
            EventKind::Logout,
            Some(taxpayer),
            &origin,
            None,
        )?)
    })
    .await?;
    tracing::info!(taxpayer_id = taxpayer.0, "logout");
    Ok(see_other("/login?bye=1"))
}
