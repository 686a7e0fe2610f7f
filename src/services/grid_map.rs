//! The in-memory map of grids that answers "which grid holds this point": a spatial index plus
//! the names it reports. It is rebuilt from the database whenever grids change and swapped in
//! atomically, so readers never wait for a rebuild.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::db::{Db, DbConn, DbError};
use crate::geo::{Crs, GridIndex, GridShape, LatLon, parse_polygonal};
use crate::repo;

/// A grid's labels, for responses.
#[derive(Debug, Clone)]
pub struct GridLabel {
    pub code: String,
    pub name: String,
    pub township_id: i64,
}

/// A township's labels, for responses.
#[derive(Debug, Clone)]
pub struct TownshipLabel {
    pub code: String,
    pub name: String,
    pub court_id: i64,
}

/// What the database looked like when a map was loaded; a different value means reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MapFingerprint {
    grids: i64,
    grids_updated: Option<chrono::NaiveDateTime>,
    townships: i64,
}

impl MapFingerprint {
    pub fn read(conn: &mut DbConn) -> Result<MapFingerprint, DbError> {
        let (grids, grids_updated) = repo::grids::fingerprint(conn)?;
        let townships = repo::townships::count(conn)?;
        Ok(MapFingerprint {
            grids,
            grids_updated,
            townships,
        })
    }
}

/// One consistent snapshot of all grids.
pub struct GridMap {
    pub fingerprint: MapFingerprint,
    pub index: GridIndex,
    pub grids: HashMap<i64, GridLabel>,
    pub townships: HashMap<i64, TownshipLabel>,
}

impl GridMap {
    pub fn empty() -> GridMap {
        GridMap {
            fingerprint: MapFingerprint::default(),
            index: GridIndex::empty(),
            grids: HashMap::new(),
            townships: HashMap::new(),
        }
    }

    /// Build a snapshot from the database.
    pub fn load(conn: &mut DbConn) -> Result<GridMap, DbError> {
        // Read before loading: a change that lands during the load makes the next check differ.
        let fingerprint = MapFingerprint::read(conn)?;
        let rows = repo::grids::all_shapes(conn)?;
        let townships = repo::townships::all(conn)?
            .into_iter()
            .map(|t| {
                (
                    t.id,
                    TownshipLabel {
                        code: t.code,
                        name: t.name,
                        court_id: t.court_id,
                    },
                )
            })
            .collect();
        let mut shapes = Vec::with_capacity(rows.len());
        let mut grids = HashMap::with_capacity(rows.len());
        for (id, code, name, township_id, geometry) in rows {
            // Stored geometry was validated on import; a row that no longer parses (edited by
            // hand in the database) is left out of the index and reported, not fatal.
            let parsed = serde_json::from_str::<serde_json::Value>(&geometry)
                .map_err(|e| e.to_string())
                .and_then(|v| parse_polygonal(&v, Crs::Wgs84).map_err(|e| e.to_string()));
            match parsed {
                Ok(geometry) => shapes.push(GridShape {
                    grid_id: id,
                    code: code.clone(),
                    township_id,
                    geometry,
                }),
                Err(reason) => {
                    tracing::error!(grid_id = id, %reason, "stored grid geometry is invalid; grid left out of the map");
                    continue;
                }
            }
            grids.insert(
                id,
                GridLabel {
                    code,
                    name,
                    township_id,
                },
            );
        }
        Ok(GridMap {
            fingerprint,
            index: GridIndex::build(shapes),
            grids,
            townships,
        })
    }
}

/// Where a point lies, seen from one court: every court sees only its own townships' grids.
#[derive(Debug, Clone, Copy)]
pub enum CourtArea<'a> {
    /// In this grid of the court's.
    Inside(&'a GridShape),
    /// In no grid of the court's, but in another court's: never to be placed there.
    OtherCourt,
    /// In no grid at all.
    Outside,
}

impl GridMap {
    /// The court a grid's township belongs to.
    pub fn court_of_township(&self, township_id: i64) -> Option<i64> {
        self.townships.get(&township_id).map(|t| t.court_id)
    }

    /// Which of `court_id`'s grids holds `p`, or why none does.
    pub fn locate_for_court(&self, p: LatLon, court_id: i64) -> CourtArea<'_> {
        let own = |shape: &GridShape| self.court_of_township(shape.township_id) == Some(court_id);
        match self.index.locate_among(p, own) {
            Some(shape) => CourtArea::Inside(shape),
            None if self.index.locate(p).is_some() => CourtArea::OtherCourt,
            None => CourtArea::Outside,
        }
    }
}

/// The shared, swappable current map.
pub struct GridMapHandle {
    current: ArcSwap<GridMap>,
    // Rebuilds run one at a time, each reading the database after the change that asked for it,
    // so the last one to finish is never older than the last change.
    rebuilding: Mutex<()>,
}

impl GridMapHandle {
    pub fn new(map: GridMap) -> GridMapHandle {
        GridMapHandle {
            current: ArcSwap::from_pointee(map),
            rebuilding: Mutex::new(()),
        }
    }

    /// The current snapshot; cheap, lock-free.
    pub fn current(&self) -> Arc<GridMap> {
        self.current.load_full()
    }

    /// Rebuild from the database and swap the new map in. Blocking: call off the async workers.
    pub fn rebuild_blocking(&self, conn: &mut DbConn) -> Result<usize, DbError> {
        let _guard = self
            .rebuilding
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let map = GridMap::load(conn)?;
        let n = map.index.len();
        self.current.store(Arc::new(map));
        Ok(n)
    }

    /// Rebuild only if the database changed since the current map was loaded (by another node,
    /// or by the command line). Returns whether it rebuilt.
    pub fn refresh_if_changed_blocking(&self, conn: &mut DbConn) -> Result<bool, DbError> {
        if MapFingerprint::read(conn)? == self.current().fingerprint {
            return Ok(false);
        }
        self.rebuild_blocking(conn).map(|_| true)
    }

    /// Rebuild on the blocking pool.
    pub async fn rebuild(self: &Arc<Self>, db: &Db) -> Result<usize, DbError> {
        let handle = Arc::clone(self);
        db.run(move |conn| handle.rebuild_blocking(conn)).await
    }
}
