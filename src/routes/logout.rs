//! Logout: ends the session on the server, so a copied cookie stops working.

use actix_web::{web, HttpResponse};

use crate::auth::session::TypedSession;
use crate::clock::Clock;
use crate::db::models::security_event::{self, EventKind, EventTime};
use crate::db::models::Origin;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::routes::form::{Form, NoFields};
use crate::routes::see_other;

pub async fn submit(
    form: Result<Form<NoFields>, AppError>,
    session: TypedSession,
    pool: web::Data<Pool>,
    clock: web::Data<Clock>,
    origin: Origin,
) -> Result<HttpResponse, AppError> {
    let Some((taxpayer, _)) = session.login()? else {
        // Nobody to log out (the session already ended): just show the login page.
        return Ok(see_other("/login"));
    };
    form?;
    session.log_out();
    let at = EventTime::now(&clock);
    db::write(&pool, move |conn| {
        security_event::record(conn, at, EventKind::Logout, Some(taxpayer), &origin, None)
    })
    .await?;
    tracing::info!(taxpayer_id = taxpayer.0, "logout");
    Ok(see_other("/login?bye=1"))
}
