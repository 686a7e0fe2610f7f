//! Structured logging with tracing. Each request runs in a span carrying its request id
//! (tracing-actix-web), which is also returned to the client as `X-Request-Id`.
//! Lines are formatted on the request's thread but written to standard error by a dedicated
//! thread (tracing-appender's non-blocking writer), so a slow terminal, pipe or log shipper does
//! not hold requests up; the returned [`LogGuard`] flushes what is queued when it is dropped.
//! Never log personal data (ID numbers, phones, addresses, GPS tracks), passwords or tokens.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// The span each request runs in. Unlike the stock one it records the path *without* the query
/// string — queries carry coordinates of people's homes — and no user agent; a path that carries
/// a secret (an applicant's access code) is recorded as its route pattern. One log line is
/// written when the span closes, with status and timings.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "unmatched".into());
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route,
            path = %loggable_path(request.path(), &route),
            client_ip = %request.connection_info().realip_remote_addr().unwrap_or(""),
            request_id = %request_id,
            status = tracing::field::Empty,
            error_code = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
        let error = match outcome {
            Ok(response) => response.response().error(),
            Err(error) => Some(error),
        };
        if let Some(api_error) = error.and_then(|e| e.as_error::<crate::error::ApiError>()) {
            span.record("error_code", api_error.code());
        }
    }
}

/// The path as it may be logged: the route pattern instead when a path segment is a secret
/// (`{code}`: an applicant's access code).
pub fn loggable_path<'a>(path: &'a str, route: &'a str) -> &'a str {
    if route.contains("{code}") { route } else { path }
}

/// Keeps the log-writing thread alive; dropping it (at the end of `main`) writes out every line
/// still queued.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _writer: Option<tracing_appender::non_blocking::WorkerGuard>,
}

/// Lines queued for the writer thread before a request that logs has to wait for it: logs are
/// never dropped (the access log is a record), they slow down instead.
const QUEUED_LINES: usize = 64 * 1024;

/// Install the global subscriber. `GRIDASSIST_LOG` (or `RUST_LOG`) sets the filter, default
/// `info`; `json` selects one JSON object per line. Safe to call more than once.
///
/// tracing-actix-web's own per-error lines are off: for a 4xx they would repeat the request line
/// and print the error's debug form, which may quote client input, and a 5xx is already logged
/// once, at ERROR with its code and cause, where the answer is built (`ApiError`).
pub fn init(json: bool) -> LogGuard {
    let filter = std::env::var("GRIDASSIST_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new("info,tracing_actix_web::middleware=off"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("gridassist-log")
        .finish(std::io::stderr());
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_events(FmtSpan::CLOSE)
                    .with_writer(writer.clone()),
            )
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_span_events(FmtSpan::CLOSE).with_writer(writer))
            .try_init()
    };
    // Already installed (tests start many apps in one process): keep the first, and let this
    // writer thread end.
    LogGuard {
        _writer: result.is_ok().then_some(guard),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_codes_in_paths_never_reach_the_log() {
        let route = "/api/v1/public/cases/{code}/progress";
        assert_eq!(
            loggable_path("/api/v1/public/cases/K7QF-3MZT-W9HC-2RDP/progress", route),
            route
        );
        assert_eq!(
            loggable_path("/api/v1/cases/7", "/api/v1/cases/{id}"),
            "/api/v1/cases/7"
        );
    }
}
