//! Importing grid polygons from a GeoJSON FeatureCollection. Each feature is judged on its own:
//! a bad one is reported with its reason and the good ones are still written — all of them in
//! one transaction, so an import is never half-applied. A known code is updated in place.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{DbConn, write_tx};
use crate::domain::{Code, Name, time};
use crate::error::ApiError;
use crate::geo::{Crs, parse_polygonal, to_geojson};
use crate::repo::{
    self,
    audit::Actor,
    grids::{GridUpsert, Upserted},
};

/// Most features one import may carry (a province is imported county by county).
pub const MAX_FEATURES: usize = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeatureStatus {
    Created,
    Updated,
    Rejected,
}

/// What happened to one feature.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeatureReport {
    /// Position of the feature in the collection, from 0.
    pub index: usize,
    /// The feature's `code` property, when it had a readable one.
    pub code: Option<String>,
    pub status: FeatureStatus,
    /// The grid's id, when created or updated.
    pub grid_id: Option<i64>,
    /// Stable code of the reason for a rejection, e.g. `self_intersection`, `unknown_township`.
    pub reason_code: Option<String>,
    /// The reason for a rejection, in words.
    pub reason: Option<String>,
}

/// The outcome of an import, feature by feature.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub rejected: usize,
    pub features: Vec<FeatureReport>,
}

struct Rejection {
    code: &'static str,
    reason: String,
}

fn reject(code: &'static str, reason: impl Into<String>) -> Rejection {
    Rejection {
        code,
        reason: reason.into(),
    }
}

/// Read one feature into a grid row, or say why not.
fn read_feature(
    feature: &serde_json::Value,
    crs: Crs,
    townships: &HashMap<String, i64>,
) -> Result<GridUpsert, Rejection> {
    if feature.get("type").and_then(|t| t.as_str()) != Some("Feature") {
        return Err(reject(
            "not_a_feature",
            "each member of features must be a GeoJSON Feature",
        ));
    }
    let props = feature
        .get("properties")
        .and_then(|p| p.as_object())
        .ok_or_else(|| {
            reject(
                "missing_property",
                "properties must be an object with code, name and township_code",
            )
        })?;
    let text = |key: &str| -> Result<&str, Rejection> {
        props
            .get(key)
            .and_then(|v| v.as_str())
            .ok_or_else(|| reject("missing_property", format!("properties.{key} must be a string")))
    };
    let code =
        Code::parse(text("code")?).map_err(|e| reject("invalid_property", format!("properties.code {e}")))?;
    let name =
        Name::parse(text("name")?).map_err(|e| reject("invalid_property", format!("properties.name {e}")))?;
    let township_code = text("township_code")?;
    let township_id = *townships.get(township_code).ok_or_else(|| {
        reject(
            "unknown_township",
            format!("no township has code {township_code:?}"),
        )
    })?;
    let geometry = feature
        .get("geometry")
        .filter(|g| !g.is_null())
        .ok_or_else(|| reject("missing_geometry", "the feature has no geometry"))?;
    let shape = parse_polygonal(geometry, crs).map_err(|e| reject(e.code(), e.to_string()))?;
    Ok(GridUpsert {
        code: code.into_string(),
        name: name.into_string(),
        township_id,
        geometry: to_geojson(&shape).to_string(),
    })
}

fn feature_code(feature: &serde_json::Value) -> Option<String> {
    feature
        .get("properties")
        .and_then(|p| p.get("code"))
        .and_then(|c| c.as_str())
        .map(|c| c.chars().take(Code::MAX_LEN).collect())
}

/// Import a FeatureCollection whose coordinates are in `crs`.
pub fn import(
    conn: &mut DbConn,
    actor: &Actor,
    collection: &serde_json::Value,
    crs: Crs,
) -> Result<ImportReport, ApiError> {
    if collection.get("type").and_then(|t| t.as_str()) != Some("FeatureCollection") {
        return Err(ApiError::unprocessable(
            "invalid_geojson",
            "the body must be a GeoJSON FeatureCollection",
        ));
    }
    let features = collection
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or_else(|| ApiError::unprocessable("invalid_geojson", "features must be an array"))?;
    if features.len() > MAX_FEATURES {
        return Err(ApiError::unprocessable(
            "too_many_features",
            format!("at most {MAX_FEATURES} features per import; split the file"),
        ));
    }
    let townships: HashMap<String, i64> = repo::townships::all(conn)?
        .into_iter()
        .map(|t| (t.code, t.id))
        .collect();

    // Validate everything before taking the write lock: geometry checks are the slow part.
    let mut seen = HashSet::new();
    let readings: Vec<Result<GridUpsert, Rejection>> = features
        .iter()
        .map(|feature| {
            let grid = read_feature(feature, crs, &townships)?;
            if !seen.insert(grid.code.clone()) {
                return Err(reject(
                    "duplicate_code",
                    format!("code {} appears earlier in this file", grid.code),
                ));
            }
            Ok(grid)
        })
        .collect();

    write_tx(conn, |conn| {
        let now = time::now();
        let mut report = ImportReport {
            created: 0,
            updated: 0,
            rejected: 0,
            features: Vec::new(),
        };
        for (index, (feature, reading)) in features.iter().zip(&readings).enumerate() {
            let entry = match reading {
                Ok(grid) => {
                    let (status, id) = match repo::grids::upsert(conn, grid, now)? {
                        Upserted::Created(id) => {
                            report.created += 1;
                            (FeatureStatus::Created, id)
                        }
                        Upserted::Updated(id) => {
                            report.updated += 1;
                            (FeatureStatus::Updated, id)
                        }
                    };
                    FeatureReport {
                        index,
                        code: Some(grid.code.clone()),
                        status,
                        grid_id: Some(id),
                        reason_code: None,
                        reason: None,
                    }
                }
                Err(rejection) => {
                    report.rejected += 1;
                    FeatureReport {
                        index,
                        code: feature_code(feature),
                        status: FeatureStatus::Rejected,
                        grid_id: None,
                        reason_code: Some(rejection.code.to_owned()),
                        reason: Some(rejection.reason.clone()),
                    }
                }
            };
            report.features.push(entry);
        }
        repo::audit::record(
            conn,
            actor,
            "grids.import",
            "grid",
            None,
            Some(serde_json::json!({
                "crs": crs.to_string(),
                "created": report.created,
                "updated": report.updated,
                "rejected": report.rejected,
            })),
        )?;
        Ok(report)
    })
}
