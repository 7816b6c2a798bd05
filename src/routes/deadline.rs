//! A deadline for reading a request's body. actix-web times out a request's head
//! (`client_request_timeout`) but not its body, so a client trickling one byte every
//! few seconds could hold a connection, and a worker's attention, for ever. The body
//! stream is wrapped so that reading it fails once the deadline has passed; the
//! extractor then answers 408 and the connection closes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::rt::time::{sleep, Sleep};
use actix_web::web::{self, Bytes};
use actix_web::HttpMessage;
use futures_core::Stream;

use crate::config::Settings;

/// The error a body read gets once its deadline has passed.
pub fn is_timeout(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

struct Deadline {
    inner: Payload,
    timer: Pin<Box<Sleep>>,
    expired: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            self.expired = true;
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body was not sent in time",
            )))));
        }
        Poll::Pending
    }
}

/// Middleware: the body must arrive within the configured request timeout.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<Settings>>()
        .map_or(Duration::from_secs(10), |s| s.request_timeout);
    let inner = req.take_payload();
    let wrapped = Deadline {
        inner,
        timer: Box::pin(sleep(limit)),
        expired: false,
    };
    req.set_payload(Payload::from(
        Box::pin(wrapped) as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>
    ));
    next.call(req).await
}
