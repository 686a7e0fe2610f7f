//! Slow request bodies. actix-web times out a slow request head (`client_request_timeout`) but
//! waits for a body as long as the client keeps the connection open, so a client that declares
//! a `Content-Length` and never sends it would hold a connection and a request forever. This
//! middleware gives the whole body `GRIDASSIST_CLIENT_BODY_TIMEOUT_SECS` from the moment the
//! head was read; after that the body reads as an error, and whatever the handler made of it,
//! the client gets `408 request_timeout` and the connection is closed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, ResponseError, web};
use futures_util::Stream;

use crate::error::ApiError;
use crate::state::AppState;

/// The request payload, cut off at a deadline.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
    done: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            self.done = item.is_none();
            return Poll::Ready(item);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.done = true;
            self.expired.store(true, Ordering::Relaxed);
            let error = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body timed out");
            return Poll::Ready(Some(Err(PayloadError::Io(error))));
        }
        Poll::Pending
    }
}

/// Whether the head announces a body at all.
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0)
}

/// The middleware (wrap with `actix_web::middleware::from_fn`, outside anything that reads bodies).
pub async fn body_timeout(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.config.client_body_timeout);
    let (Some(limit), true) = (limit, has_body(&req)) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let expired = Arc::new(AtomicBool::new(false));
    let timed = Deadline {
        inner: req.take_payload(),
        sleep: Box::pin(tokio::time::sleep(limit.max(Duration::from_millis(1)))),
        expired: expired.clone(),
        done: false,
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(timed),
    });
    let response = next.call(req).await?;
    if !expired.load(Ordering::Relaxed) {
        return Ok(response.map_into_boxed_body());
    }
    // What is left of the body may still arrive: the connection cannot carry another request.
    let (req, _) = response.into_parts();
    let mut timeout = ApiError::RequestTimeout.error_response();
    timeout.head_mut().set_connection_type(ConnectionType::Close);
    Ok(ServiceResponse::new(req, timeout))
}
