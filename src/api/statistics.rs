//! The court's statistics for a period over HTTP: officers read their own court's, admins any
//! court's (`court_id`).

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::period::Period;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::statistics::Statistics;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatisticsQuery {
    /// A month (`2026-11`), a quarter (`2026-Q4`) or a year (`2026`), in China's calendar; it
    /// must have begun.
    #[param(pattern = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")]
    pub period: Option<String>,
    /// The court (admins, required); officers may leave it out or name their own.
    pub court_id: Option<i64>,
}

/// A court's statistics for a period: cases filed and closed (执结) with the share grid workers
/// helped with, tasks by status, kind and township, median hours to the first check-in and to
/// approval, and cases per officer (人案比). An empty period gives zero counts, and null medians
/// and shares (nothing to measure).
#[utoipa::path(tag = "statistics", params(StatisticsQuery), security(("bearer" = [])), responses(
    (status = 200, body = Statistics),
    (status = 400, description = "`period` malformed or not begun yet; `court_id` missing (admins)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an officer or admin, or another court named by an officer", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such court", body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/statistics")]
pub async fn court_statistics(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<StatisticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::CourtStatistics)?;
    let StatisticsQuery { period, court_id } = query.into_inner();
    let period = period.as_deref().and_then(Period::parse).ok_or_else(|| {
        ApiError::invalid(
            "period",
            "a month (2026-11), a quarter (2026-Q4) or a year (2026)",
        )
    })?;
    let statistics = state
        .run_as(permit, None, move |conn, caller| {
            services::statistics::for_court(conn, caller, period, court_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(statistics))
}
