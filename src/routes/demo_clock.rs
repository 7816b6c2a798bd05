//! Demo mode: the time machine's offset lives in the database. Each request reads it
//! before its handler runs, so a move made through any portal on the database holds
//! on all of them from the next request on. (One small read by primary key; portals
//! not in demo mode skip it.)

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::clock::Clock;
use crate::db::{self, Pool};
use crate::demo;
use crate::error::AppError;

pub async fn follow_saved_offset(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let (Some(pool), Some(clock)) = (
        req.app_data::<web::Data<Pool>>(),
        req.app_data::<web::Data<Clock>>(),
    ) {
        let saved = db::run(pool, |conn| {
            demo::saved_offset(conn).map_err(|e| match e.downcast::<diesel::result::Error>() {
                Ok(e) => AppError::from(e),
                Err(e) => AppError::Unexpected(e),
            })
        })
        .await?;
        clock.set_demo_offset(saved);
    }
    next.call(req).await
}
