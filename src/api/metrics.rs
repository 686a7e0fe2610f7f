//! `GET /metrics`: Prometheus text for operators — requests by route pattern and status, time
//! spent, the grid map's size and the database pool. Route patterns only (`/api/v1/tasks/{id}`),
//! never concrete paths or query strings, so nothing personal is exposed.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::{HttpResponse, get, web};

use crate::state::AppState;

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

    fn render(&self, out: &mut String) {
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

/// Prometheus metrics (text format 0.0.4).
#[utoipa::path(tag = "health", responses((status = 200, description = "Prometheus text", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut out = String::new();
    state.metrics.render(&mut out);
    let map = state.grids.current();
    out.push_str(
        "# HELP gridassist_grids Grids in this node's in-memory map.\n# TYPE gridassist_grids gauge\n",
    );
    let _ = writeln!(out, "gridassist_grids {}", map.index.len());
    let pool = state.db.pool_state();
    out.push_str("# HELP gridassist_db_connections Database connections held by the pool.\n");
    out.push_str("# TYPE gridassist_db_connections gauge\n");
    let _ = writeln!(
        out,
        "gridassist_db_connections{{state=\"idle\"}} {}",
        pool.idle_connections
    );
    let _ = writeln!(
        out,
        "gridassist_db_connections{{state=\"busy\"}} {}",
        pool.connections - pool.idle_connections
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out)
}
