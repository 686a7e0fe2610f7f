//! `GET /metrics`: Prometheus text for operators — requests by route pattern and status, time
//! spent, the grid map's size and the database pool. Route patterns only (`/api/v1/tasks/{id}`),
//! never concrete paths or query strings, so nothing personal is exposed.

use std::fmt::Write;

use actix_web::{HttpResponse, get, web};

use crate::state::AppState;

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
