//! A deadline on request bodies. Actix bounds the time to send the request *head* (the client request
//! timeout, 5 s); nothing bounded the body, so a request that declared a `Content-Length` and never sent it
//! held its connection, and a worker's attention, for as long as the client liked.
//!
//! [`deadline`] wraps every request body (except WebSocket upgrades, whose "body" is the connection itself)
//! in a stream that fails once [`crate::config::Settings::request_body_timeout`] has passed since the request
//! arrived. A handler reading the body then gets the error, answered `408 request_timeout` (see
//! `startup::json_config`) with the connection closed.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use futures_util::{Stream, StreamExt};
use tokio::time::Sleep;

/// The error a body read gets past the deadline; [`is_timeout`] recognises it.
fn timed_out() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body did not arrive in time",
    ))
}

/// Whether a body read failed because the deadline passed.
pub fn is_timeout(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

struct Deadline {
    body: Payload,
    expires: Pin<Box<Sleep>>,
    expired: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(chunk) = self.body.poll_next_unpin(cx) {
            return Poll::Ready(chunk);
        }
        match self.expires.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.expired = true;
                Poll::Ready(Some(Err(timed_out())))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// How long a request's body may take to arrive after its head (`--request-body-timeout`), as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// Middleware: gives the request's body until the deadline to arrive.
pub async fn deadline(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let timeout: Option<Duration> = request
        .app_data::<web::Data<BodyTimeout>>()
        .map(|timeout| timeout.0);
    let upgrade = request.headers().contains_key(header::UPGRADE);
    if let Some(timeout) = timeout
        && !upgrade
    {
        let body = request.take_payload();
        let stream = Deadline {
            body,
            expires: Box::pin(tokio::time::sleep(timeout)),
            expired: false,
        };
        request.set_payload(Payload::Stream {
            payload: Box::pin(stream),
        });
    }
    next.call(request).await
}
