//! The grid map: import polygons, list them as GeoJSON, locate a point.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, ImportBody, request_id};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::error::{ApiError, NearestGrid, Problem};
use crate::geo::{Crs, LatLon, validate_point};
use crate::services::{self, grid_import::ImportReport};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Coordinate system of the file: `wgs84` (default), `gcj02` or `bd09`.
    pub crs: Option<Crs>,
}

/// Import grid polygons from a GeoJSON FeatureCollection of Polygon/MultiPolygon features with
/// properties `code`, `name` and `township_code`. Each feature is accepted or rejected on its
/// own; a known code is updated. The map used by `locate` is refreshed before the answer.
#[utoipa::path(tag = "grids", params(ImportQuery), request_body(content = serde_json::Value, description = "GeoJSON FeatureCollection"), security(("bearer" = [])), responses(
    (status = 200, body = ImportReport),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a FeatureCollection", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/grids/import")]
pub async fn import_grids(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    query: web::Query<ImportQuery>,
    body: ApiJson<serde_json::Value, ImportBody>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ImportGrids)?;
    let crs = query.crs.unwrap_or_default();
    let rid = request_id(&rid);
    let collection = body.0;
    let report = state
        .run_as(permit, rid, move |conn, caller| {
            caller.permit(Operation::ImportGrids)?;
            services::grid_import::import(conn, &caller.actor(), &collection, crs)
        })
        .await?;
    if report.created + report.updated > 0 {
        state.grids.rebuild(&state.db).await?;
    }
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Deserialize, IntoParams)]
pub struct GridListQuery {
    /// Only this township's grids.
    pub township_id: Option<i64>,
}

/// The grids the caller may see, as a GeoJSON FeatureCollection (WGS-84): every grid
/// (admins), their court's (officers), their township's (supervisors), or the grids they cover,
/// primary and others (grid workers). Each feature's properties: `id`, `code`, `name`,
/// `township_id`, `township_code`, `township_name`.
#[utoipa::path(tag = "grids", params(GridListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "GeoJSON FeatureCollection", body = serde_json::Value, content_type = "application/geo+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/grids")]
pub async fn list_grids(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<GridListQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListGrids)?;
    let requested = query.township_id;
    let rows = state
        .run_as(permit, None, move |conn, caller| {
            services::organisation::list_grids(conn, caller, requested)
        })
        .await?;
    // Stored geometry is already GeoJSON: splice it in rather than parse and re-serialise.
    let mut body =
        String::with_capacity(rows.iter().map(|(g, _, _)| g.geometry.len() + 200).sum::<usize>() + 64);
    body.push_str(r#"{"type":"FeatureCollection","features":["#);
    for (i, (grid, township_code, township_name)) in rows.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        let properties = serde_json::json!({
            "id": grid.id,
            "code": grid.code,
            "name": grid.name,
            "township_id": grid.township_id,
            "township_code": township_code,
            "township_name": township_name,
        });
        body.push_str(r#"{"type":"Feature","id":"#);
        body.push_str(&grid.id.to_string());
        body.push_str(r#","properties":"#);
        body.push_str(&properties.to_string());
        body.push_str(r#","geometry":"#);
        body.push_str(&grid.geometry);
        body.push('}');
    }
    body.push_str("]}");
    Ok(HttpResponse::Ok().content_type("application/geo+json").body(body))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LocateQuery {
    /// Latitude, −90…90.
    #[param(minimum = -90.0, maximum = 90.0)]
    pub lat: f64,
    /// Longitude, −180…180.
    #[param(minimum = -180.0, maximum = 180.0)]
    pub lon: f64,
    /// The system the point is in: `wgs84` (default), `gcj02` (Amap, Tencent) or `bd09` (Baidu).
    pub crs: Option<Crs>,
}

#[derive(Serialize, ToSchema)]
pub struct GridRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TownshipRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub court_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct LocateResponse {
    pub grid: GridRef,
    pub township: TownshipRef,
    /// The point converted to WGS-84.
    pub point_wgs84: LatLon,
}

/// Which grid and township contain a point. A point on a border shared by several grids
/// resolves to the grid with the smallest code. Outside every grid: 404 `outside_all_grids`
/// with the nearest grid and its distance.
#[utoipa::path(tag = "grids", params(LocateQuery), security(("bearer" = [])), responses(
    (status = 200, body = LocateResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "outside_all_grids", body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/grids/locate")]
pub async fn locate(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<LocateQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.permit(Operation::Locate)?;
    let raw = validate_point(query.lat, query.lon).map_err(|e| {
        let field = match e {
            crate::geo::PointError::LongitudeOutOfRange => "lon",
            crate::geo::PointError::NotFinite if query.lat.is_finite() => "lon",
            _ => "lat",
        };
        ApiError::invalid(field, e.to_string())
    })?;
    let point = query.crs.unwrap_or_default().to_wgs84(raw);
    let map = state.grids.current();
    let Some(shape) = map.index.locate(point) else {
        let nearest = map.index.nearest(point).map(|(shape, distance_m)| NearestGrid {
            grid_id: shape.grid_id,
            code: shape.code.clone(),
            name: map
                .grids
                .get(&shape.grid_id)
                .map(|g| g.name.clone())
                .unwrap_or_default(),
            distance_m: (distance_m * 10.0).round() / 10.0,
        });
        return Err(ApiError::OutsideAllGrids { nearest });
    };
    let grid_name = map
        .grids
        .get(&shape.grid_id)
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let township = map.townships.get(&shape.township_id).ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!("grid map lacks township {}", shape.township_id))
    })?;
    Ok(HttpResponse::Ok().json(LocateResponse {
        grid: GridRef {
            id: shape.grid_id,
            code: shape.code.clone(),
            name: grid_name,
        },
        township: TownshipRef {
            id: shape.township_id,
            code: township.code.clone(),
            name: township.name.clone(),
            court_id: township.court_id,
        },
        point_wgs84: point,
    }))
}
