//! The in-memory spatial index of grid polygons: "which grid contains this
//! point" and "which grid is nearest, and how far".
//!
//! An R-tree holds one entry per polygon part (its lon/lat bounding box);
//! queries then run exact geometry on the few candidates. Grids are kept
//! sorted by `code` so that ties (points on shared borders, equal distances)
//! always resolve to the smallest code, independent of build order.
//!
//! `locate` is the hot path (target: p50 ≤ 2 µs at 100k grids), and at that
//! size it is bound by cache and TLB misses, not arithmetic. So besides the
//! grids themselves the index keeps a compact copy of every outer ring,
//! quantised to 16-bit coordinates within the part's bounding box and stored
//! back to back (4 bytes per vertex, about a quarter of the geometry's own
//! size). A point is classified on that copy whenever it is clearly more than
//! one quantisation step away from every edge; anything closer (in practice
//! only points on or within millimetres of a border) falls back to the exact
//! test on the original geometry, so answers are always exact.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt;

use ::geo::{BoundingRect, Coord, CoordsIter, Intersects, MultiPolygon, Polygon};
use rstar::{AABB, ParentNode, RStarInsertionStrategy, RTree, RTreeNode, RTreeObject, RTreeParams};

use crate::geo::crs::LatLon;
use crate::geo::distance::{EARTH_RADIUS_M, haversine_m};

/// One grid as the index sees it.
#[derive(Debug, Clone)]
pub struct GridShape {
    /// Database id of the grid.
    pub grid_id: i64,
    /// Human-facing grid code; ties between grids resolve to the smallest.
    pub code: String,
    /// Township the grid belongs to.
    pub township_id: i64,
    /// The grid's area in WGS-84, `x = lon`, `y = lat`.
    pub geometry: MultiPolygon<f64>,
}

/// One polygon part of one grid, as stored in the R-tree. Kept small (56
/// bytes) because moving a million of them around is much of `build`.
#[derive(Debug, Clone, Copy)]
struct Part {
    envelope: AABB<[f64; 2]>,
    /// Index into `GridIndex::shapes`, which is sorted by code, so a smaller
    /// index means a smaller code.
    shape: u32,
    /// Index into that grid's `geometry.0`.
    part: u32,
    /// The quantised outer ring is `GridIndex::quantised[start..start + len]`;
    /// `len == 0` means there is none and the exact test always runs.
    start: usize,
    len: u32,
    /// The part has holes, so "inside the outer ring" must be confirmed
    /// against the full polygon.
    has_holes: bool,
}

impl RTreeObject for Part {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// R-tree node size. rstar's default (6) makes a deep tree; 12 removes a
/// level or two at 100k–1M parts, which measurably cuts `locate` time
/// because each level is a likely cache miss.
struct TreeParams;

impl RTreeParams for TreeParams {
    const MIN_SIZE: usize = 4;
    const MAX_SIZE: usize = 12;
    const REINSERTION_COUNT: usize = 3;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
}

/// Spatial index over grid polygons. Immutable once built; cheap to share
/// across threads behind an `Arc` (it is `Send + Sync`).
pub struct GridIndex {
    /// Sorted by (`code` bytes, `grid_id`, `township_id`).
    shapes: Vec<GridShape>,
    tree: RTree<Part, TreeParams>,
    /// `(grid_id, index into shapes)`, sorted; for each id only the entry
    /// with the smallest code is kept.
    by_id: Vec<(i64, usize)>,
    /// Quantised outer rings of all parts, back to back (see module docs).
    quantised: Vec<[u16; 2]>,
}

impl GridIndex {
    /// Build the index. Build order does not matter. Polygon parts that are
    /// empty or have non-finite coordinates are left out of the spatial index
    /// (they can never contain a point) but the grid is still in [`get`].
    /// If two shapes share a `grid_id`, [`get`] returns the one with the
    /// smaller code. (Grids beyond the 2³²nd, which memory rules out long
    /// before, would only be reachable through [`get`].)
    ///
    /// [`get`]: GridIndex::get
    pub fn build(shapes: Vec<GridShape>) -> GridIndex {
        let order = code_order(&shapes);
        // rank[i] = position of input shape i once sorted by code.
        let mut rank = vec![0usize; shapes.len()];
        for (r, &i) in order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(i) {
                *slot = r;
            }
        }

        // Walk the geometry in input order, not code order: input order is
        // usually allocation order, so this streams through memory instead
        // of jumping around it (a second or more saved at a million grids).
        let mut parts = Vec::with_capacity(shapes.len());
        let mut quantised = Vec::new();
        let mut by_id = Vec::with_capacity(shapes.len());
        for (shape, &r) in shapes.iter().zip(&rank) {
            by_id.push((shape.grid_id, r));
            let Ok(shape_rank) = u32::try_from(r) else {
                continue;
            };
            for (part_idx, polygon) in shape.geometry.0.iter().enumerate() {
                let Ok(part) = u32::try_from(part_idx) else {
                    break;
                };
                let Some(envelope) = finite_envelope(polygon) else {
                    continue;
                };
                let start = quantised.len();
                let len = quantise_ring(&polygon.exterior().0, &envelope, &mut quantised);
                parts.push(Part {
                    envelope,
                    shape: shape_rank,
                    part,
                    start,
                    len,
                    has_holes: !polygon.interiors().is_empty(),
                });
            }
        }
        // Sorting by (id, rank) then keeping the first of each id keeps the
        // smallest code.
        by_id.sort_unstable();
        by_id.dedup_by_key(|&mut (id, _)| id);

        GridIndex {
            shapes: permute(shapes, &order),
            tree: RTree::bulk_load_with_params(parts),
            by_id,
            quantised,
        }
    }

    /// An index with no grids.
    pub fn empty() -> GridIndex {
        GridIndex {
            shapes: Vec::new(),
            tree: RTree::new_with_params(),
            by_id: Vec::new(),
            quantised: Vec::new(),
        }
    }

    /// Number of grids.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether the index holds no grids.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// The grid containing `p` (WGS-84). A point on a border shared by several
    /// grids resolves deterministically to the one with the smallest `code`
    /// (byte order), whatever the build order. Points on a grid's boundary
    /// count as inside it. Non-finite input finds nothing.
    pub fn locate(&self, p: LatLon) -> Option<&GridShape> {
        self.locate_among(p, |_| true)
    }

    /// The grid containing `p` among those `accept` admits (e.g. the grids of one court's
    /// townships), with the same tie-break as [`GridIndex::locate`]. Where grids of several
    /// owners overlap, each owner finds its own.
    pub fn locate_among(&self, p: LatLon, accept: impl Fn(&GridShape) -> bool) -> Option<&GridShape> {
        if !p.lat.is_finite() || !p.lon.is_finite() {
            return None;
        }
        let c = Coord { x: p.lon, y: p.lat };
        let mut best: Option<u32> = None;
        for entry in self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point([c.x, c.y]))
        {
            // Only a smaller index (= smaller code) can improve the answer,
            // so skip the exact test otherwise.
            if best.is_some_and(|b| entry.shape >= b) {
                continue;
            }
            if self.part_contains(entry, c) && self.shapes.get(entry.shape as usize).is_some_and(&accept) {
                best = Some(entry.shape);
            }
        }
        best.and_then(|i| self.shapes.get(i as usize))
    }

    /// The nearest grid to `p` and the distance in metres from `p` to that
    /// grid's boundary (0 if inside). None only when the index is empty (or,
    /// degenerately, when no grid has usable geometry or `p` is not finite).
    ///
    /// Equal distances resolve to the smallest code. The distance is the
    /// haversine distance to the closest boundary point, where "closest" is
    /// chosen in a local equirectangular projection around `p`: exact to well
    /// under a millimetre at grid scale (kilometres), and always the distance
    /// to a real boundary point.
    pub fn nearest(&self, p: LatLon) -> Option<(&GridShape, f64)> {
        if !p.lat.is_finite() || !p.lon.is_finite() {
            return None;
        }
        if let Some(inside) = self.locate(p) {
            return Some((inside, 0.0));
        }

        // Best-first search over the R-tree, keyed by an exact lower bound of
        // the great-circle distance from `p` to each node's box. Every part
        // in a subtree lies inside the subtree's box, so once the smallest
        // key left exceeds the best distance found, nothing left can win.
        // (Taking the nearest box alone would be wrong: a big box can be
        // nearer than a small one while its polygon is farther.)
        let mut heap = BinaryHeap::new();
        heap.push(Candidate {
            bound: 0.0,
            item: Item::Node(self.tree.root()),
        });
        let mut best: Option<(u32, f64)> = None;
        while let Some(Candidate { bound, item }) = heap.pop() {
            // `>` not `>=`: a part exactly as far as the best may still win
            // the tie on code.
            if best.is_some_and(|(_, d)| bound > d) {
                break;
            }
            match item {
                Item::Node(node) => {
                    for child in node.children() {
                        let (envelope, item) = match child {
                            RTreeNode::Leaf(part) => (part.envelope, Item::Part(part)),
                            RTreeNode::Parent(parent) => (parent.envelope(), Item::Node(parent)),
                        };
                        heap.push(Candidate {
                            bound: box_lower_bound_m(p, &envelope),
                            item,
                        });
                    }
                }
                Item::Part(entry) => {
                    let Some(d) = self.polygon(entry).and_then(|poly| boundary_distance_m(p, poly)) else {
                        continue;
                    };
                    let better = match best {
                        None => true,
                        Some((shape, best_d)) => d < best_d || (d == best_d && entry.shape < shape),
                    };
                    if better {
                        best = Some((entry.shape, d));
                    }
                }
            }
        }
        best.and_then(|(i, d)| self.shapes.get(i as usize).map(|s| (s, d)))
    }

    /// Distance in metres from `p` to grid `grid_id`: 0 inside or on its border, else the
    /// haversine distance to its boundary. None when the grid is unknown or `p` is not finite.
    pub fn distance_to(&self, grid_id: i64, p: LatLon) -> Option<f64> {
        use ::geo::Intersects;
        if !p.lat.is_finite() || !p.lon.is_finite() {
            return None;
        }
        let shape = self.get(grid_id)?;
        if shape.geometry.intersects(&::geo::Point::new(p.lon, p.lat)) {
            return Some(0.0);
        }
        shape
            .geometry
            .0
            .iter()
            .filter_map(|poly| boundary_distance_m(p, poly))
            .min_by(f64::total_cmp)
    }

    /// The grid with this database id.
    pub fn get(&self, grid_id: i64) -> Option<&GridShape> {
        let slot = self.by_id.binary_search_by_key(&grid_id, |&(id, _)| id).ok()?;
        self.by_id.get(slot).and_then(|&(_, i)| self.shapes.get(i))
    }

    /// Whether the part contains `c`, boundary included: the quantised
    /// quick test when it is conclusive, else the exact test.
    fn part_contains(&self, entry: &Part, c: Coord<f64>) -> bool {
        let end = entry.start + entry.len as usize;
        let quick = match self.quantised.get(entry.start..end) {
            Some(ring) if !ring.is_empty() => quick_ring_test(c, &entry.envelope, ring),
            _ => Quick::Unsure,
        };
        match quick {
            Quick::Outside => false,
            Quick::Inside if !entry.has_holes => true,
            // Near an edge, or inside the outer ring of a part with holes:
            // let geo decide exactly (robust predicates, boundary = inside).
            Quick::Inside | Quick::Unsure => self.polygon(entry).is_some_and(|poly| poly.intersects(&c)),
        }
    }

    fn polygon(&self, entry: &Part) -> Option<&Polygon<f64>> {
        self.shapes
            .get(entry.shape as usize)
            .and_then(|s| s.geometry.0.get(entry.part as usize))
    }
}

impl Default for GridIndex {
    fn default() -> Self {
        GridIndex::empty()
    }
}

impl fmt::Debug for GridIndex {
    // The full tree would be enormous in logs; the size is what matters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GridIndex")
            .field("grids", &self.shapes.len())
            .field("parts", &self.tree.size())
            .finish()
    }
}

/// Input indices of `shapes` in (code bytes, grid_id, township_id) order.
///
/// Comparing the `String`s directly would make a million-grid sort chase two
/// heap pointers per comparison; sorting on a 16-byte code prefix held
/// inline, falling back to the full key only when prefixes tie, is several
/// times faster.
fn code_order(shapes: &[GridShape]) -> Vec<usize> {
    fn prefix(code: &str) -> u128 {
        let mut buf = [0u8; 16];
        let bytes = code.as_bytes();
        let n = bytes.len().min(16);
        buf[..n].copy_from_slice(&bytes[..n]);
        // Big-endian, zero-padded: ordering these never contradicts byte
        // order of the full strings, and equal prefixes fall through.
        u128::from_be_bytes(buf)
    }
    let full_key = |i: usize| shapes.get(i).map(|s| (s.code.as_str(), s.grid_id, s.township_id));
    let mut keyed: Vec<(u128, usize)> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| (prefix(&s.code), i))
        .collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| full_key(a.1).cmp(&full_key(b.1))));
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Reorder `shapes` so that the shape at input index `order[k]` ends up at `k`.
fn permute(shapes: Vec<GridShape>, order: &[usize]) -> Vec<GridShape> {
    let mut slots: Vec<Option<GridShape>> = shapes.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// The bounding box of a polygon's outer ring, or None if it is empty or has
/// any non-finite coordinate in any ring (rstar's bulk load sorts by
/// coordinates and must not see NaN, and distances to NaN are meaningless).
fn finite_envelope(polygon: &Polygon<f64>) -> Option<AABB<[f64; 2]>> {
    if !polygon.coords_iter().all(|c| c.x.is_finite() && c.y.is_finite()) {
        return None;
    }
    let rect = polygon.bounding_rect()?;
    Some(AABB::from_corners(
        [rect.min().x, rect.min().y],
        [rect.max().x, rect.max().y],
    ))
}

/// Largest quantised coordinate: rings are mapped onto 0..=65535 per axis.
const QUANT_MAX: f64 = 65_535.0;

/// Boxes narrower than this (degrees, about a centimetre) are not quantised:
/// scaling them up would magnify rounding noise in the query point.
const MIN_QUANT_SIDE_DEG: f64 = 1e-7;

/// How close (in quantisation steps) a point may come to an edge of the
/// quantised ring before the quick test gives up. Rounding moves each vertex
/// by at most half a step per axis (≤ 0.71 steps), so beyond 1 step the
/// quantised ring and the real one wind around the point the same way.
const QUICK_TOLERANCE: f64 = 1.0;

/// Append `ring` quantised within `envelope` to `out`; returns how many
/// positions were appended (0 when the ring is unsuitable: too long to
/// count in u32, or a box too thin to quantise meaningfully).
fn quantise_ring(ring: &[Coord<f64>], envelope: &AABB<[f64; 2]>, out: &mut Vec<[u16; 2]>) -> u32 {
    let [x0, y0] = envelope.lower();
    let [x1, y1] = envelope.upper();
    let (w, h) = (x1 - x0, y1 - y0);
    let Ok(len) = u32::try_from(ring.len()) else {
        return 0;
    };
    if !(w >= MIN_QUANT_SIDE_DEG && h >= MIN_QUANT_SIDE_DEG) {
        return 0;
    }
    let (sx, sy) = (QUANT_MAX / w, QUANT_MAX / h);
    // `as u16` saturates, and the clamp keeps rounding overshoot at the box
    // edge in range.
    let q = |v: f64| v.round().clamp(0.0, QUANT_MAX) as u16;
    out.extend(ring.iter().map(|c| [q((c.x - x0) * sx), q((c.y - y0) * sy)]));
    len
}

/// Outcome of the quick test on a quantised ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quick {
    Inside,
    Outside,
    /// Within a quantisation step of an edge: only the exact test can say.
    Unsure,
}

/// Winding-number point-in-ring test on the quantised ring (same edge rules
/// as geo's exact test). Certified: if the point is more than
/// [`QUICK_TOLERANCE`] steps from every quantised edge, the quantised ring
/// can be deformed into the real one without crossing the point, so the
/// winding number, hence inside/outside, is the same. The orientation signs
/// used are then also exact: a straddling edge has an integer height ≥ 1 and
/// the point is more than a step from it horizontally, so the determinant
/// is ≥ 1 in magnitude, far above f64 rounding (~1e-6 here).
fn quick_ring_test(c: Coord<f64>, envelope: &AABB<[f64; 2]>, ring: &[[u16; 2]]) -> Quick {
    let [x0, y0] = envelope.lower();
    let [x1, y1] = envelope.upper();
    let cx = (c.x - x0) * (QUANT_MAX / (x1 - x0));
    let cy = (c.y - y0) * (QUANT_MAX / (y1 - y0));
    let mut winding = 0i32;
    for w in ring.windows(2) {
        let (ax, ay) = (f64::from(w[0][0]), f64::from(w[0][1]));
        let (bx, by) = (f64::from(w[1][0]), f64::from(w[1][1]));
        // Edges entirely above or below the point's band can neither be
        // near it nor cross its horizontal ray.
        if (ay > cy + QUICK_TOLERANCE && by > cy + QUICK_TOLERANCE)
            || (ay < cy - QUICK_TOLERANCE && by < cy - QUICK_TOLERANCE)
        {
            continue;
        }
        if segment_distance2(cx, cy, ax, ay, bx, by) <= QUICK_TOLERANCE * QUICK_TOLERANCE {
            return Quick::Unsure;
        }
        let det = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
        if ay <= cy {
            // Upward edge: includes its start, excludes its end.
            if by > cy && det > 0.0 {
                winding += 1;
            }
        } else if by <= cy && det < 0.0 {
            // Downward edge: excludes its start, includes its end.
            winding -= 1;
        }
    }
    if winding == 0 {
        Quick::Outside
    } else {
        Quick::Inside
    }
}

/// Squared distance from (px, py) to the segment (ax, ay)–(bx, by).
fn segment_distance2(px: f64, py: f64, ax: f64, ay: f64, bx: f64, by: f64) -> f64 {
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (ax + t * dx - px, ay + t * dy - py);
    qx * qx + qy * qy
}

/// A node of the best-first search.
enum Item<'a> {
    Node(&'a ParentNode<Part>),
    Part(&'a Part),
}

struct Candidate<'a> {
    bound: f64,
    item: Item<'a>,
}

// Ordered so that `BinaryHeap` (a max-heap) pops the smallest bound first.
impl Ord for Candidate<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.bound.total_cmp(&self.bound)
    }
}

impl PartialOrd for Candidate<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate<'_> {}

/// Slack subtracted from box bounds so floating-point noise in the bound
/// (nanometres) can never prune a part that ties with the best.
const BOUND_SLACK_M: f64 = 1e-6;

/// A lower bound (exact up to rounding) on the great-circle distance in
/// metres from `p` to any point of the lon/lat box `envelope`.
///
/// If `p`'s longitude is within the box, the nearest box point is straight
/// north or south (latitude difference is a lower bound on arc length and is
/// attained). Otherwise the nearest point lies on one of the two meridian
/// edges: along a parallel, distance grows with longitude difference, so no
/// interior point of the top or bottom edge can beat a corner.
fn box_lower_bound_m(p: LatLon, envelope: &AABB<[f64; 2]>) -> f64 {
    let [west, south] = envelope.lower();
    let [east, north] = envelope.upper();
    let exact = if (west..=east).contains(&p.lon) {
        let dlat = if p.lat < south {
            south - p.lat
        } else if p.lat > north {
            p.lat - north
        } else {
            0.0
        };
        dlat.to_radians() * EARTH_RADIUS_M
    } else {
        meridian_arc_distance_m(p, west, south, north).min(meridian_arc_distance_m(p, east, south, north))
    };
    (exact - BOUND_SLACK_M).max(0.0)
}

/// Great-circle distance from `p` to the meridian arc at longitude `lon`
/// between latitudes `south` and `north` (degrees).
fn meridian_arc_distance_m(p: LatLon, lon: f64, south: f64, north: f64) -> f64 {
    let ends = haversine_m(p, LatLon::new(south, lon)).min(haversine_m(p, LatLon::new(north, lon)));
    // The distance to points along a meridian is unimodal with its minimum
    // at the foot of the perpendicular, latitude atan2(sin φ, cos φ cos Δλ);
    // the arc's closest point is that foot if it lies on the arc, else an end.
    let phi = p.lat.to_radians();
    let dlon = (p.lon - lon).to_radians();
    let foot = phi.sin().atan2(phi.cos() * dlon.cos()).to_degrees();
    if (south..=north).contains(&foot) {
        ends.min(haversine_m(p, LatLon::new(foot, lon)))
    } else {
        ends
    }
}

/// Wrap a longitude difference into [-180, 180] so grids near the
/// antimeridian are measured the short way round.
fn wrap_dlon(d: f64) -> f64 {
    if d > 180.0 {
        d - 360.0
    } else if d < -180.0 {
        d + 360.0
    } else {
        d
    }
}

/// Distance in metres from `p` to the nearest point on any ring of
/// `polygon`, or None for a polygon without edges.
///
/// The closest point on each edge is found in an equirectangular projection
/// centred on `p` (x scaled by cos φ), which is conformal at `p` and so picks
/// the same point as the true geodesic computation to within rounding at
/// grid scale; the distance reported is the haversine distance to that point.
fn boundary_distance_m(p: LatLon, polygon: &Polygon<f64>) -> Option<f64> {
    let kx = p.lat.to_radians().cos();
    let project = |c: &Coord<f64>| (wrap_dlon(c.x - p.lon) * kx, c.y - p.lat);

    let mut best: Option<(f64, Coord<f64>)> = None;
    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
        for w in ring.0.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let (ax, ay) = project(a);
            let (bx, by) = project(b);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            // Parameter of the foot of the perpendicular from the origin (p),
            // clamped onto the segment; degenerate edges use their start.
            let t = if len2 > 0.0 {
                (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (qx, qy) = (ax + t * dx, ay + t * dy);
            let d2 = qx * qx + qy * qy;
            if best.is_none_or(|(bd2, _)| d2 < bd2) {
                // The projection is affine in (lon, lat), so the same `t`
                // gives the point in geographic coordinates.
                let q = Coord {
                    x: a.x + t * wrap_dlon(b.x - a.x),
                    y: a.y + t * (b.y - a.y),
                };
                best = Some((d2, q));
            }
        }
    }
    best.map(|(_, q)| haversine_m(p, LatLon::from(q)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::geo::{LineString, polygon};

    const BASE_LON: f64 = 116.30;
    const BASE_LAT: f64 = 39.90;
    const STEP: f64 = 0.01;

    fn ll(lat: f64, lon: f64) -> LatLon {
        LatLon::new(lat, lon)
    }

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]
    }

    fn shape(grid_id: i64, code: &str, polygons: Vec<Polygon<f64>>) -> GridShape {
        GridShape {
            grid_id,
            code: code.to_owned(),
            township_id: 1,
            geometry: MultiPolygon::new(polygons),
        }
    }

    /// Grid line coordinates, computed once so shared borders are bitwise
    /// identical in neighbouring cells and in the queries.
    fn xs() -> [f64; 4] {
        [0, 1, 2, 3].map(|i| BASE_LON + STEP * f64::from(i))
    }
    fn ys() -> [f64; 4] {
        [0, 1, 2, 3].map(|i| BASE_LAT + STEP * f64::from(i))
    }

    /// Codes for the 3×3 block, deliberately not in spatial or id order.
    /// Cell (row r, col c) has id 10 * r + c.
    const CODES: [[&str; 3]; 3] = [
        ["G-e", "G-b", "G-h"],
        ["G-d", "G-a", "G-i"],
        ["G-g", "G-c", "G-f"],
    ];

    fn block() -> Vec<GridShape> {
        let (xs, ys) = (xs(), ys());
        let mut out = Vec::new();
        for r in 0..3 {
            for c in 0..3 {
                out.push(shape(
                    (10 * r + c) as i64,
                    CODES[r][c],
                    vec![rect(xs[c], ys[r], xs[c + 1], ys[r + 1])],
                ));
            }
        }
        out
    }

    /// Several build orders: as generated, reversed, and two shuffles.
    fn orders() -> Vec<Vec<GridShape>> {
        let base = block();
        let mut rev = base.clone();
        rev.reverse();
        let perm = |idx: [usize; 9]| idx.iter().map(|&i| base[i].clone()).collect::<Vec<_>>();
        vec![
            base.clone(),
            rev,
            perm([4, 8, 0, 2, 6, 1, 3, 5, 7]),
            perm([7, 5, 3, 1, 6, 2, 0, 8, 4]),
        ]
    }

    fn code_at(index: &GridIndex, p: LatLon) -> Option<&str> {
        index.locate(p).map(|s| s.code.as_str())
    }

    #[test]
    fn interior_points_resolve_to_their_cell() {
        let (xs, ys) = (xs(), ys());
        for shapes in orders() {
            let index = GridIndex::build(shapes);
            assert_eq!(index.len(), 9);
            for r in 0..3 {
                for c in 0..3 {
                    let p = ll(ys[r] + STEP * 0.3, xs[c] + STEP * 0.6);
                    assert_eq!(code_at(&index, p), Some(CODES[r][c]));
                    let s = index.locate(p).unwrap();
                    assert_eq!(s.grid_id, (10 * r + c) as i64);
                }
            }
        }
    }

    #[test]
    fn shared_edge_resolves_to_smallest_code() {
        let (xs, ys) = (xs(), ys());
        for shapes in orders() {
            let index = GridIndex::build(shapes);
            // Vertical edge between (1,0) "G-d" and (1,1) "G-a".
            let p = ll(ys[1] + STEP / 2.0, xs[1]);
            assert_eq!(code_at(&index, p), Some("G-a"));
            // Horizontal edge between (0,2) "G-h" and (1,2) "G-i".
            let p = ll(ys[1], xs[2] + STEP / 3.0);
            assert_eq!(code_at(&index, p), Some("G-h"));
            // Horizontal edge between (1,0) "G-d" and (2,0) "G-g".
            let p = ll(ys[2], xs[0] + STEP / 2.0);
            assert_eq!(code_at(&index, p), Some("G-d"));
        }
    }

    #[test]
    fn shared_corner_resolves_to_smallest_code() {
        let (xs, ys) = (xs(), ys());
        for shapes in orders() {
            let index = GridIndex::build(shapes);
            // Corner of (1,1) "G-a", (1,2) "G-i", (2,1) "G-c", (2,2) "G-f".
            assert_eq!(code_at(&index, ll(ys[2], xs[2])), Some("G-a"));
            // Corner of (0,1) "G-b", (0,2) "G-h", (1,1) "G-a", (1,2) "G-i".
            assert_eq!(code_at(&index, ll(ys[1], xs[2])), Some("G-a"));
            // Corner of (0,0) "G-e", (0,1) "G-b", (1,0) "G-d", (1,1) "G-a".
            assert_eq!(code_at(&index, ll(ys[1], xs[1])), Some("G-a"));
            // Corner of (1,0) "G-d", (1,1) "G-a", (2,0) "G-g", (2,1) "G-c".
            assert_eq!(code_at(&index, ll(ys[2], xs[1])), Some("G-a"));
            // Outer corner of the block belongs to one cell only.
            assert_eq!(code_at(&index, ll(ys[0], xs[0])), Some("G-e"));
            assert_eq!(code_at(&index, ll(ys[3], xs[3])), Some("G-f"));
        }
    }

    #[test]
    fn codes_compare_bytewise() {
        // Byte order: "G-10" < "G-9" and uppercase < lowercase.
        let (xs, ys) = (xs(), ys());
        let left = rect(xs[0], ys[0], xs[1], ys[1]);
        let right = rect(xs[1], ys[0], xs[2], ys[1]);
        let p = ll(ys[0] + STEP / 2.0, xs[1]);
        let index = GridIndex::build(vec![
            shape(1, "G-9", vec![left.clone()]),
            shape(2, "G-10", vec![right.clone()]),
        ]);
        assert_eq!(code_at(&index, p), Some("G-10"));
        let index = GridIndex::build(vec![shape(1, "a", vec![left]), shape(2, "B", vec![right])]);
        assert_eq!(code_at(&index, p), Some("B"));
    }

    #[test]
    fn outside_point_locates_nothing_and_nearest_measures_metres() {
        let (xs, ys) = (xs(), ys());
        for shapes in orders() {
            let index = GridIndex::build(shapes);
            // Due south of the middle column, 0.005° below the block.
            let p = ll(ys[0] - 0.005, xs[1] + STEP * 0.4);
            assert!(index.locate(p).is_none());
            let (s, d) = index.nearest(p).unwrap();
            assert_eq!(s.code, "G-b");
            let expected = haversine_m(p, ll(ys[0], p.lon));
            assert!((d - expected).abs() < 0.01 * expected, "{d} vs {expected}");
            assert!((d - expected).abs() < 1e-3, "{d} vs {expected}");

            // South-west of the block: nearest is the corner of (0,0).
            let p = ll(ys[0] - 0.003, xs[0] - 0.004);
            let (s, d) = index.nearest(p).unwrap();
            assert_eq!(s.code, "G-e");
            let expected = haversine_m(p, ll(ys[0], xs[0]));
            assert!((d - expected).abs() < 0.01 * expected, "{d} vs {expected}");

            // Equidistant from two cells (below their shared corner): the
            // smaller code wins the tie.
            let p = ll(ys[0] - 0.002, xs[1]);
            let (s, d) = index.nearest(p).unwrap();
            assert_eq!(s.code, "G-b");
            assert!((d - haversine_m(p, ll(ys[0], xs[1]))).abs() < 1e-3);
        }
    }

    #[test]
    fn nearest_is_zero_inside_and_on_borders() {
        let (xs, ys) = (xs(), ys());
        let index = GridIndex::build(block());
        let (s, d) = index.nearest(ll(ys[1] + 0.001, xs[1] + 0.001)).unwrap();
        assert_eq!((s.code.as_str(), d), ("G-a", 0.0));
        let (s, d) = index.nearest(ll(ys[2], xs[2])).unwrap();
        assert_eq!((s.code.as_str(), d), ("G-a", 0.0));
    }

    #[test]
    fn nearest_box_is_not_nearest_polygon() {
        // A big triangle whose bounding box contains p, and a small square
        // whose box is farther but which is truly closer.
        let k = 0.001;
        let (x0, y0) = (BASE_LON, BASE_LAT);
        let tri = polygon![(x: x0, y: y0), (x: x0 + 10.0 * k, y: y0), (x: x0, y: y0 + 10.0 * k)];
        let sq = rect(x0 + 6.5 * k, y0 + 6.5 * k, x0 + 7.0 * k, y0 + 7.0 * k);
        let index = GridIndex::build(vec![shape(1, "A", vec![tri]), shape(2, "Z", vec![sq])]);
        let p = ll(y0 + 6.0 * k, x0 + 6.0 * k);
        assert!(index.locate(p).is_none());
        let (s, d) = index.nearest(p).unwrap();
        assert_eq!(s.code, "Z");
        let expected = haversine_m(p, ll(y0 + 6.5 * k, x0 + 6.5 * k));
        assert!((d - expected).abs() < 1e-3, "{d} vs {expected}");
    }

    #[test]
    fn nearest_accounts_for_shorter_longitude_degrees() {
        // At 60°N a degree of longitude is half a degree of latitude: the
        // grid 0.01° east (~556 m) beats the one 0.007° north (~778 m), even
        // though it is farther in raw degrees.
        let (lon, lat) = (30.0, 60.0);
        let east = rect(lon + 0.01, lat - 0.001, lon + 0.02, lat + 0.001);
        let north = rect(lon - 0.001, lat + 0.007, lon + 0.001, lat + 0.017);
        let index = GridIndex::build(vec![shape(1, "north", vec![north]), shape(2, "east", vec![east])]);
        let p = ll(lat, lon);
        let (s, d) = index.nearest(p).unwrap();
        assert_eq!(s.code, "east");
        let expected = haversine_m(p, ll(lat, lon + 0.01));
        assert!((d - expected).abs() < 1e-3, "{d} vs {expected}");
    }

    #[test]
    fn multipolygon_grids() {
        let (xs, ys) = (xs(), ys());
        let a = rect(xs[0], ys[0], xs[1], ys[1]);
        let b = rect(xs[2], ys[2], xs[3], ys[3]);
        let middle = rect(xs[1] + 0.002, ys[1] + 0.002, xs[2] - 0.002, ys[2] - 0.002);
        let index = GridIndex::build(vec![shape(7, "multi", vec![a, b]), shape(8, "mid", vec![middle])]);
        assert_eq!(code_at(&index, ll(ys[0] + 0.005, xs[0] + 0.005)), Some("multi"));
        assert_eq!(code_at(&index, ll(ys[2] + 0.005, xs[2] + 0.005)), Some("multi"));
        assert_eq!(code_at(&index, ll(ys[1] + 0.005, xs[1] + 0.005)), Some("mid"));
        // Just outside part b, nearer b than anything else.
        let p = ll(ys[3] + 0.001, xs[2] + 0.005);
        let (s, d) = index.nearest(p).unwrap();
        assert_eq!(s.grid_id, 7);
        let expected = haversine_m(p, ll(ys[3], p.lon));
        assert!((d - expected).abs() < 1e-3, "{d} vs {expected}");
    }

    #[test]
    fn holes_are_not_inside() {
        let (xs, ys) = (xs(), ys());
        let outer = LineString::from(vec![
            (xs[0], ys[0]),
            (xs[3], ys[0]),
            (xs[3], ys[3]),
            (xs[0], ys[3]),
        ]);
        let hole = LineString::from(vec![
            (xs[1], ys[1]),
            (xs[2], ys[1]),
            (xs[2], ys[2]),
            (xs[1], ys[2]),
        ]);
        let donut = Polygon::new(outer, vec![hole]);
        let index = GridIndex::build(vec![shape(1, "donut", vec![donut.clone()])]);
        let centre = ll(ys[1] + 0.005, xs[1] + 0.005);
        assert!(index.locate(centre).is_none());
        // The hole's edge is boundary, hence inside.
        assert_eq!(code_at(&index, ll(ys[1], xs[1] + 0.005)), Some("donut"));
        assert_eq!(code_at(&index, ll(ys[0] + 0.005, xs[0] + 0.005)), Some("donut"));
        // From the hole's centre, the nearest boundary is the hole's ring.
        let (s, d) = index.nearest(centre).unwrap();
        assert_eq!(s.code, "donut");
        let expected =
            haversine_m(centre, ll(ys[1], centre.lon)).min(haversine_m(centre, ll(centre.lat, xs[1])));
        assert!((d - expected).abs() < 1e-3, "{d} vs {expected}");

        // A grid filling the hole takes points there.
        let island = rect(xs[1], ys[1], xs[2], ys[2]);
        let index = GridIndex::build(vec![
            shape(1, "donut", vec![donut]),
            shape(2, "island", vec![island]),
        ]);
        assert_eq!(code_at(&index, centre), Some("island"));
        // On the shared hole edge: "donut" < "island".
        assert_eq!(code_at(&index, ll(ys[1], xs[1] + 0.005)), Some("donut"));
    }

    #[test]
    fn empty_index() {
        for index in [GridIndex::empty(), GridIndex::build(vec![]), GridIndex::default()] {
            assert!(index.is_empty());
            assert_eq!(index.len(), 0);
            assert!(index.locate(ll(39.9, 116.4)).is_none());
            assert!(index.nearest(ll(39.9, 116.4)).is_none());
            assert!(index.get(1).is_none());
        }
    }

    #[test]
    fn get_by_id() {
        let index = GridIndex::build(block());
        assert_eq!(index.get(11).map(|s| s.code.as_str()), Some("G-a"));
        assert_eq!(index.get(22).map(|s| s.code.as_str()), Some("G-f"));
        assert!(index.get(3).is_none());
        assert!(!index.is_empty());
    }

    #[test]
    fn degenerate_geometry_is_tolerated() {
        let (xs, ys) = (xs(), ys());
        let nan = rect(f64::NAN, ys[0], xs[1], ys[1]);
        let index = GridIndex::build(vec![
            shape(1, "nan", vec![nan]),
            shape(2, "empty", vec![]),
            shape(3, "ok", vec![rect(xs[0], ys[0], xs[1], ys[1])]),
        ]);
        assert_eq!(index.len(), 3);
        assert!(index.get(2).is_some());
        assert_eq!(code_at(&index, ll(ys[0] + 0.005, xs[0] + 0.005)), Some("ok"));
        assert_eq!(
            index.nearest(ll(ys[0] - 0.01, xs[0])).map(|(s, _)| s.grid_id),
            Some(3)
        );
        assert!(index.locate(ll(f64::NAN, xs[0])).is_none());
        assert!(index.nearest(ll(ys[0], f64::INFINITY)).is_none());
        // Only unusable geometry: nothing to be near.
        let index = GridIndex::build(vec![shape(2, "empty", vec![])]);
        assert!(index.nearest(ll(0.0, 0.0)).is_none());
    }

    #[test]
    fn duplicate_ids_resolve_to_smaller_code() {
        let (xs, ys) = (xs(), ys());
        let r = rect(xs[0], ys[0], xs[1], ys[1]);
        let index = GridIndex::build(vec![shape(5, "b", vec![r.clone()]), shape(5, "a", vec![r])]);
        assert_eq!(index.get(5).map(|s| s.code.as_str()), Some("a"));
    }

    #[test]
    fn index_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<GridIndex>();
        assert_send_sync::<GridShape>();
    }

    #[test]
    fn debug_is_compact() {
        let s = format!("{:?}", GridIndex::build(block()));
        assert_eq!(s, "GridIndex { grids: 9, parts: 9 }");
    }

    /// Tiny deterministic PRNG so the randomised tests need no extra crate.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn random_shapes(rng: &mut Lcg, n: usize) -> Vec<GridShape> {
        (0..n)
            .map(|i| {
                let cx = BASE_LON + rng.next() * 0.5;
                let cy = BASE_LAT + rng.next() * 0.5;
                let r = 0.001 + rng.next() * 0.02;
                // Irregular star-shaped polygons of 5–12 vertices: their
                // boxes overlap a lot, which stresses the stopping rule.
                let k = 5 + (rng.next() * 8.0) as usize;
                let ring: Vec<(f64, f64)> = (0..k)
                    .map(|j| {
                        let t = j as f64 / k as f64 * std::f64::consts::TAU;
                        let rr = r * (0.3 + 0.7 * rng.next());
                        (cx + rr * t.cos(), cy + rr * t.sin())
                    })
                    .collect();
                shape(
                    i as i64,
                    &format!("R{:04}", (i * 7919) % 10_000),
                    vec![Polygon::new(LineString::from(ring), vec![])],
                )
            })
            .collect()
    }

    #[test]
    fn randomised_against_brute_force() {
        let mut rng = Lcg(42);
        let shapes = random_shapes(&mut rng, 300);
        let index = GridIndex::build(shapes.clone());
        for _ in 0..300 {
            let p = ll(
                BASE_LAT - 0.1 + rng.next() * 0.7,
                BASE_LON - 0.1 + rng.next() * 0.7,
            );

            // Brute-force containment with the same tie rule.
            let c = Coord { x: p.lon, y: p.lat };
            let inside = shapes
                .iter()
                .filter(|s| s.geometry.intersects(&c))
                .map(|s| s.code.as_str())
                .min();
            assert_eq!(code_at(&index, p), inside);

            // Brute-force nearest.
            let (got, got_d) = index.nearest(p).unwrap();
            let want_d = if inside.is_some() {
                0.0
            } else {
                shapes
                    .iter()
                    .flat_map(|s| s.geometry.0.iter())
                    .filter_map(|poly| boundary_distance_m(p, poly))
                    .fold(f64::INFINITY, f64::min)
            };
            assert!((got_d - want_d).abs() < 1e-6, "{got_d} vs {want_d}");
            if inside.is_none() {
                assert_eq!(
                    got_d,
                    got.geometry
                        .0
                        .iter()
                        .filter_map(|poly| boundary_distance_m(p, poly))
                        .fold(f64::INFINITY, f64::min)
                );
            }
        }
    }

    #[test]
    fn quick_test_agrees_with_exact_test_near_edges_and_vertices() {
        let mut rng = Lcg(2024);
        for shape in random_shapes(&mut rng, 40) {
            let poly = &shape.geometry.0[0];
            let index = GridIndex::build(vec![shape.clone()]);
            let ring = &poly.exterior().0;
            let mut probes = Vec::new();
            for w in ring.windows(2) {
                let (a, b) = (w[0], w[1]);
                probes.push(a);
                for t in [0.5, 0.25, 1.0 / 3.0] {
                    let on = Coord {
                        x: a.x + t * (b.x - a.x),
                        y: a.y + t * (b.y - a.y),
                    };
                    probes.push(on);
                    // Just off the edge on both sides, at several scales
                    // around the quantisation step (~1e-7 degree here).
                    let (nx, ny) = (-(b.y - a.y), b.x - a.x);
                    let n = (nx * nx + ny * ny).sqrt();
                    for eps in [1e-13, 1e-10, 1e-8, 3e-7, 1e-6, 1e-5] {
                        for sign in [-1.0, 1.0] {
                            probes.push(Coord {
                                x: on.x + sign * eps * nx / n,
                                y: on.y + sign * eps * ny / n,
                            });
                        }
                    }
                }
            }
            for _ in 0..200 {
                let [x0, y0] = index.tree.root().envelope().lower();
                let [x1, y1] = index.tree.root().envelope().upper();
                probes.push(Coord {
                    x: x0 + (x1 - x0) * rng.next(),
                    y: y0 + (y1 - y0) * rng.next(),
                });
            }
            for c in probes {
                assert_eq!(
                    index.locate(LatLon::from(c)).is_some(),
                    poly.intersects(&c),
                    "{c:?} in {poly:?}"
                );
            }
        }
    }

    #[test]
    fn quick_test_is_conclusive_away_from_edges() {
        // The fast path must actually be taken for ordinary points.
        let mut rng = Lcg(99);
        let shapes = random_shapes(&mut rng, 200);
        let index = GridIndex::build(shapes);
        let (mut unsure, mut total) = (0, 0);
        for _ in 0..5_000 {
            let c = Coord {
                x: BASE_LON + rng.next() * 0.5,
                y: BASE_LAT + rng.next() * 0.5,
            };
            for entry in index
                .tree
                .locate_in_envelope_intersecting(&AABB::from_point([c.x, c.y]))
            {
                let ring = &index.quantised[entry.start..entry.start + entry.len as usize];
                total += 1;
                if quick_ring_test(c, &entry.envelope, ring) == Quick::Unsure {
                    unsure += 1;
                }
            }
        }
        assert!(total > 1_000, "{total}");
        assert!(unsure * 100 < total, "{unsure} of {total} unsure");
    }

    #[test]
    fn quantisation_spans_the_box() {
        let ring = vec![
            Coord { x: 1.0, y: 2.0 },
            Coord { x: 3.0, y: 2.0 },
            Coord { x: 3.0, y: 6.0 },
            Coord { x: 1.0, y: 2.0 },
        ];
        let env = AABB::from_corners([1.0, 2.0], [3.0, 6.0]);
        let mut out = Vec::new();
        assert_eq!(quantise_ring(&ring, &env, &mut out), 4);
        assert_eq!(out, vec![[0, 0], [65_535, 0], [65_535, 65_535], [0, 0]]);
        // A box thinner than a centimetre is not quantised.
        let thin = AABB::from_corners([1.0, 2.0], [1.0 + 1e-9, 6.0]);
        assert_eq!(quantise_ring(&ring, &thin, &mut out), 0);
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn sliver_grids_use_the_exact_test() {
        // 5 mm wide: too thin to quantise, still located exactly.
        let (x, y) = (BASE_LON, BASE_LAT);
        let sliver = rect(x, y, x + 5e-8, y + 0.01);
        let index = GridIndex::build(vec![shape(1, "sliver", vec![sliver])]);
        assert_eq!(code_at(&index, ll(y + 0.005, x + 2e-8)), Some("sliver"));
        assert_eq!(code_at(&index, ll(y + 0.005, x + 5e-8)), Some("sliver"));
        assert!(index.locate(ll(y + 0.005, x + 6e-8)).is_none());
    }

    #[test]
    fn box_lower_bound_never_exceeds_distance_to_box_points() {
        let mut rng = Lcg(7);
        for _ in 0..2_000 {
            let x0 = -179.0 + rng.next() * 350.0;
            let y0 = -85.0 + rng.next() * 160.0;
            let (x1, y1) = (x0 + rng.next() * 5.0, (y0 + rng.next() * 5.0).min(89.0));
            let env = AABB::from_corners([x0, y0], [x1, y1]);
            let p = ll(-89.0 + rng.next() * 178.0, -180.0 + rng.next() * 360.0);
            let bound = box_lower_bound_m(p, &env);
            // Sample the box densely, edges included.
            for i in 0..=10 {
                for j in 0..=10 {
                    let q = ll(
                        y0 + (y1 - y0) * f64::from(i) / 10.0,
                        x0 + (x1 - x0) * f64::from(j) / 10.0,
                    );
                    assert!(bound <= haversine_m(p, q) + 1e-9, "{p:?} {q:?} {bound}");
                }
            }
        }
    }

    #[test]
    fn box_lower_bound_is_tight() {
        // Straight south of a box: exactly the meridian distance.
        let env = AABB::from_corners([116.0, 40.0], [117.0, 41.0]);
        let p = ll(39.0, 116.5);
        let want = haversine_m(p, ll(40.0, 116.5));
        assert!((box_lower_bound_m(p, &env) - want).abs() < 1e-5);
        // Due west at the same latitude: the perpendicular foot on the west
        // edge (slightly poleward of p), which is closer than (40.5, 116).
        let p = ll(40.5, 115.0);
        let b = box_lower_bound_m(p, &env);
        assert!(b <= haversine_m(p, ll(40.5, 116.0)));
        assert!(b > 0.99 * haversine_m(p, ll(40.5, 116.0)));
        // Inside: zero.
        assert_eq!(box_lower_bound_m(ll(40.5, 116.5), &env), 0.0);
    }

    #[test]
    fn antimeridian_distances_take_the_short_way() {
        let west_of_line = rect(179.9, -0.1, 180.0, 0.1);
        let index = GridIndex::build(vec![shape(1, "fiji", vec![west_of_line])]);
        let p = ll(0.0, -179.95);
        let (_, d) = index.nearest(p).unwrap();
        let expected = haversine_m(p, ll(0.0, 180.0));
        assert!((d - expected).abs() < 1e-3, "{d} vs {expected}");
    }
}
