//! Structured logging with tracing. Each request runs in a span carrying its request id
//! (tracing-actix-web), which is also returned to the client as `X-Request-Id`.
//! Never log personal data (ID numbers, phones, addresses, GPS tracks), passwords or tokens.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Install the global subscriber. `GRIDASSIST_LOG` (or `RUST_LOG`) sets the filter, default
/// `info`; `json` selects one JSON object per line. Safe to call more than once.
pub fn init(json: bool) {
    let filter = std::env::var("GRIDASSIST_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init()
    };
    // Already installed (tests start many apps in one process): keep the first.
    let _ = result;
}
