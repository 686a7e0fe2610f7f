//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, DbError};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// Grids in the in-memory map.
    pub grids: usize,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "health", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// Readiness: the database answers and every migration this build knows has been applied.
#[utoipa::path(tag = "health", responses(
    (status = 200, body = Readiness),
    (status = 503, body = crate::error::Problem, content_type = "application/problem+json")
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pending = state
        .db
        .run(|conn| -> Result<usize, DbError> {
            conn.batch_execute("SELECT 1")?;
            db::pending_migrations(conn)
        })
        .await
        .map_err(|e| ApiError::Unavailable(e.into()))?;
    if pending > 0 {
        return Err(ApiError::Unavailable(anyhow::anyhow!(
            "{pending} migrations pending"
        )));
    }
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready".into(),
        database: state.db.backend().name().into(),
        grids: state.grids.current().index.len(),
    }))
}
