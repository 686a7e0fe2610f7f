//! Request counters for `GET /metrics`, kept beside telemetry: the HTTP layer records into them
//! and renders them, and the application state holds them — so they depend on neither.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Method, route pattern, status.
type RequestKey = (String, String, u16);

/// Request counters, shared by all workers of this process.
#[derive(Default)]
pub struct Metrics {
    /// Per key: how many requests, and how many seconds they took in all.
    requests: Mutex<BTreeMap<RequestKey, (u64, f64)>>,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map
            .entry((method.to_owned(), route.to_owned(), status))
            .or_insert((0, 0.0));
        entry.0 += 1;
        entry.1 += elapsed.as_secs_f64();
    }

    /// The counters in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP gridassist_http_requests_total HTTP requests by route pattern and status.\n");
        out.push_str("# TYPE gridassist_http_requests_total counter\n");
        for ((method, route, status), (count, _)) in map.iter() {
            let _ = writeln!(
                out,
                "gridassist_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str("# HELP gridassist_http_request_seconds_total Time spent serving requests.\n");
        out.push_str("# TYPE gridassist_http_request_seconds_total counter\n");
        for ((method, route, status), (_, seconds)) in map.iter() {
            let _ = writeln!(
                out,
                "gridassist_http_request_seconds_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {seconds:.6}",
                escape(route)
            );
        }
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
