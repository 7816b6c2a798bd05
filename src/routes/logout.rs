//! Logout: ends the session on the server, so a copied cookie stops working.

use actix_web::HttpResponse;
use serde::Deserialize;

use crate::auth::csrf;
use crate::auth::session::TypedSession;
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
) -> Result<HttpResponse, AppError> {
    let Some((taxpayer, _)) = session.login()? else {
        // Nobody to log out (the session already ended): just show the login page.
        return Ok(see_other("/login"));
    };
    csrf::verify(&session, form.csrf_token.as_deref())?;
    session.log_out();
    tracing::info!(taxpayer_id = taxpayer.0, "logout");
    Ok(see_other("/login?bye=1"))
}
