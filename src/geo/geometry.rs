//! Grid polygons as GeoJSON: parsing, validation, conversion to WGS-84, and
//! serialisation back to GeoJSON.
//!
//! Import is the only place bad geometry can enter the system, so validation
//! is strict and every rejection names where the problem is, in terms a GIS
//! clerk can find in their file: polygons, rings and positions are numbered
//! from 1 in file order, ring 1 being a polygon's outer boundary and rings 2..
//! its holes.
//!
//! Checks run in this order and the first failure is returned: structure and
//! numbers; ranges (in the source system, before conversion); ring closure and
//! length; then, on the converted WGS-84 rings that will actually be stored,
//! zero area, self-intersection, holes against their shell and each other,
//! and finally overlapping polygons of a MultiPolygon.

use ::geo::coordinate_position::CoordPos;
use ::geo::dimensions::Dimensions;
use ::geo::kernels::RobustKernel;
use ::geo::line_intersection::{LineIntersection, line_intersection};
use ::geo::orient::{Direction, Orient};
use ::geo::{
    BoundingRect, Coord, Kernel, Line, LineString, MultiPolygon, Orientation, Polygon, PreparedGeometry,
    Rect, Relate,
};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde_json::Value;

use crate::geo::crs::{Crs, LatLon, PointError, validate_point};

/// Upper bound on the number of positions in one imported geometry. A grid
/// is normally 50–500 positions; the cap bounds validation work and memory
/// for a malicious or mistaken upload.
pub const MAX_TOTAL_POSITIONS: usize = 100_000;

/// Why a GeoJSON geometry was rejected by [`parse_polygonal`].
///
/// Messages are meant to be shown to the person who prepared the file;
/// [`GeometryError::code`] gives a stable machine-readable code. Polygon, ring
/// and position numbers are 1-based, in file order.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    /// The geometry is not a JSON object.
    #[error(
        "geometry must be a GeoJSON geometry object with \"type\" and \"coordinates\", but found {found}"
    )]
    NotAnObject {
        /// What was found instead, e.g. "an array".
        found: &'static str,
    },
    /// `type` is missing or is not `Polygon`/`MultiPolygon`.
    #[error("geometry type must be \"Polygon\" or \"MultiPolygon\", but found {found}")]
    UnsupportedType {
        /// The type found (quoted), or a description of what was there.
        found: String,
    },
    /// The `coordinates` member is missing or not nested as the type requires.
    #[error("{location}: {reason}")]
    BadCoordinates {
        /// Where, e.g. "polygon 1, ring 2, position 7".
        location: String,
        /// What is wrong there.
        reason: String,
    },
    /// A position is not a valid longitude/latitude.
    #[error(
        "{}, position {position}: {error} (found longitude {lon}, latitude {lat}; positions must be [longitude, latitude])",
        ring_label(*polygon, *ring)
    )]
    CoordinateOutOfRange {
        /// Polygon number (1-based).
        polygon: usize,
        /// Ring number within the polygon (1-based, 1 = outer boundary).
        ring: usize,
        /// Position number within the ring (1-based).
        position: usize,
        /// The longitude as given.
        lon: f64,
        /// The latitude as given.
        lat: f64,
        /// Which range was violated.
        error: PointError,
    },
    /// A MultiPolygon with no polygons.
    #[error("geometry contains no polygons")]
    Empty,
    /// A polygon with no rings at all.
    #[error("polygon {polygon} has no rings (it needs at least an outer boundary)")]
    EmptyPolygon {
        /// Polygon number (1-based).
        polygon: usize,
    },
    /// A ring whose last position differs from its first.
    #[error(
        "{}: ring is not closed (first and last positions differ)",
        ring_label(*polygon, *ring)
    )]
    RingNotClosed {
        /// Polygon number (1-based).
        polygon: usize,
        /// Ring number within the polygon (1-based, 1 = outer boundary).
        ring: usize,
    },
    /// A ring with fewer than 4 positions (consecutive repeats counted once).
    #[error(
        "{}: ring has too few positions ({positions}, consecutive repeats counted once); it needs at least 4: 3 distinct corners plus a last position repeating the first",
        ring_label(*polygon, *ring)
    )]
    RingTooShort {
        /// Polygon number (1-based).
        polygon: usize,
        /// Ring number within the polygon (1-based, 1 = outer boundary).
        ring: usize,
        /// Positions, with consecutive repeats counted once.
        positions: usize,
    },
    /// A ring crosses or touches itself.
    #[error(
        "{}: ring crosses or touches itself near longitude {lon:.7}, latitude {lat:.7} (the edges leaving positions {edge_a} and {edge_b})",
        ring_label(*polygon, *ring)
    )]
    SelfIntersection {
        /// Polygon number (1-based).
        polygon: usize,
        /// Ring number within the polygon (1-based, 1 = outer boundary).
        ring: usize,
        /// Position (1-based) where the first offending edge starts.
        edge_a: usize,
        /// Position (1-based) where the second offending edge starts.
        edge_b: usize,
        /// Approximate longitude of the problem, in the source system.
        lon: f64,
        /// Approximate latitude of the problem, in the source system.
        lat: f64,
    },
    /// A ring whose positions all lie on one line.
    #[error(
        "{}: ring encloses no area (all its positions lie on one line)",
        ring_label(*polygon, *ring)
    )]
    ZeroArea {
        /// Polygon number (1-based).
        polygon: usize,
        /// Ring number within the polygon (1-based, 1 = outer boundary).
        ring: usize,
    },
    /// A hole that is not inside its polygon's outer boundary, or crosses it.
    #[error(
        "{}: hole is not inside the polygon's outer boundary (ring 1), or crosses it",
        ring_label(*polygon, *ring)
    )]
    HoleOutsideShell {
        /// Polygon number (1-based).
        polygon: usize,
        /// Ring number of the hole (1-based, so at least 2).
        ring: usize,
    },
    /// A hole that runs along the outer boundary for some length.
    #[error(
        "{}: hole shares an edge with the polygon's outer boundary (ring 1); cut the area out of the boundary instead",
        ring_label(*polygon, *ring)
    )]
    HoleTouchesShell {
        /// Polygon number (1-based).
        polygon: usize,
        /// Ring number of the hole (1-based, so at least 2).
        ring: usize,
    },
    /// Two holes of the same polygon overlap or share an edge.
    #[error("polygon {polygon}: holes ring {ring_a} and ring {ring_b} overlap or share an edge")]
    HolesOverlap {
        /// Polygon number (1-based).
        polygon: usize,
        /// Ring number of the first hole (1-based).
        ring_a: usize,
        /// Ring number of the second hole (1-based).
        ring_b: usize,
    },
    /// Two polygons of a MultiPolygon overlap.
    #[error("polygons {polygon_a} and {polygon_b} overlap; a MultiPolygon's parts must not overlap")]
    PolygonsOverlap {
        /// First polygon number (1-based).
        polygon_a: usize,
        /// Second polygon number (1-based).
        polygon_b: usize,
    },
    /// More positions than [`MAX_TOTAL_POSITIONS`].
    #[error("geometry has more than {limit} positions; simplify it before importing")]
    TooManyVertices {
        /// The limit that was exceeded.
        limit: usize,
    },
}

impl GeometryError {
    /// Stable snake_case code for API clients, e.g. `"ring_not_closed"`.
    pub fn code(&self) -> &'static str {
        match self {
            GeometryError::NotAnObject { .. } => "not_an_object",
            GeometryError::UnsupportedType { .. } => "unsupported_type",
            GeometryError::BadCoordinates { .. } => "bad_coordinates",
            GeometryError::CoordinateOutOfRange { .. } => "coordinate_out_of_range",
            GeometryError::Empty => "empty_geometry",
            GeometryError::EmptyPolygon { .. } => "empty_polygon",
            GeometryError::RingNotClosed { .. } => "ring_not_closed",
            GeometryError::RingTooShort { .. } => "ring_too_short",
            GeometryError::SelfIntersection { .. } => "self_intersection",
            GeometryError::ZeroArea { .. } => "zero_area",
            GeometryError::HoleOutsideShell { .. } => "hole_outside_shell",
            GeometryError::HoleTouchesShell { .. } => "hole_touches_shell",
            GeometryError::HolesOverlap { .. } => "holes_overlap",
            GeometryError::PolygonsOverlap { .. } => "polygons_overlap",
            GeometryError::TooManyVertices { .. } => "too_many_vertices",
        }
    }
}

/// "polygon 2, ring 1 (outer boundary)" / "polygon 1, ring 3 (hole 2)".
fn ring_label(polygon: usize, ring: usize) -> String {
    if ring <= 1 {
        format!("polygon {polygon}, ring {ring} (outer boundary)")
    } else {
        format!("polygon {polygon}, ring {ring} (hole {})", ring - 1)
    }
}

/// A short description of a JSON value's kind, for "found ..." messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn bad(location: impl Into<String>, reason: impl Into<String>) -> GeometryError {
    GeometryError::BadCoordinates {
        location: location.into(),
        reason: reason.into(),
    }
}

/// Rings of one polygon, positions as given (source system), `x = lon`.
type RawPolygon = Vec<Vec<Coord<f64>>>;

/// Parses the coordinate arrays, counting positions against the global cap.
struct Parser {
    remaining: usize,
}

impl Parser {
    fn polygon(&mut self, value: &Value, polygon: usize) -> Result<RawPolygon, GeometryError> {
        let rings = value.as_array().ok_or_else(|| {
            bad(
                format!("polygon {polygon}"),
                format!("expected an array of rings but found {}", kind(value)),
            )
        })?;
        if rings.is_empty() {
            return Err(GeometryError::EmptyPolygon { polygon });
        }
        rings
            .iter()
            .enumerate()
            .map(|(i, ring)| self.ring(ring, polygon, i + 1))
            .collect()
    }

    fn ring(&mut self, value: &Value, polygon: usize, ring: usize) -> Result<Vec<Coord<f64>>, GeometryError> {
        let positions = value.as_array().ok_or_else(|| {
            bad(
                format!("polygon {polygon}, ring {ring}"),
                format!("expected an array of positions but found {}", kind(value)),
            )
        })?;
        // Check the cap before allocating so a huge array is refused cheaply.
        if positions.len() > self.remaining {
            return Err(GeometryError::TooManyVertices {
                limit: MAX_TOTAL_POSITIONS,
            });
        }
        self.remaining -= positions.len();
        positions
            .iter()
            .enumerate()
            .map(|(i, pos)| position(pos, polygon, ring, i + 1))
            .collect()
    }
}

/// Parse one `[lon, lat]` or `[lon, lat, altitude]` position and check its
/// range in the source system.
fn position(
    value: &Value,
    polygon: usize,
    ring: usize,
    position: usize,
) -> Result<Coord<f64>, GeometryError> {
    let location = || format!("polygon {polygon}, ring {ring}, position {position}");
    let items = value.as_array().ok_or_else(|| {
        bad(
            location(),
            format!(
                "expected a position [longitude, latitude] but found {}",
                kind(value)
            ),
        )
    })?;
    if !(2..=3).contains(&items.len()) {
        return Err(bad(
            location(),
            format!(
                "a position must be [longitude, latitude] or [longitude, latitude, altitude], but it has {} elements",
                items.len()
            ),
        ));
    }
    let mut numbers = [0.0_f64; 3];
    for (slot, item) in numbers.iter_mut().zip(items) {
        *slot = item
            .as_f64()
            .ok_or_else(|| bad(location(), format!("expected a number but found {}", kind(item))))?;
    }
    let (lon, lat) = (numbers[0], numbers[1]);
    validate_point(lat, lon).map_err(|error| GeometryError::CoordinateOutOfRange {
        polygon,
        ring,
        position,
        lon,
        lat,
        error,
    })?;
    Ok(Coord { x: lon, y: lat })
}

/// Parse a GeoJSON geometry object (serde_json::Value with "type" and
/// "coordinates"), type Polygon or MultiPolygon, whose positions are
/// `[lon, lat]` (an optional 3rd element, altitude, is ignored) in `crs`;
/// validate it and return it converted to WGS-84.
///
/// The result has consecutive repeated positions removed and is oriented per
/// RFC 7946 (outer rings counter-clockwise, holes clockwise).
pub fn parse_polygonal(geometry: &Value, crs: Crs) -> Result<MultiPolygon<f64>, GeometryError> {
    let object = geometry.as_object().ok_or(GeometryError::NotAnObject {
        found: kind(geometry),
    })?;
    let type_name = match object.get("type") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(GeometryError::UnsupportedType {
                found: format!("{} as \"type\"", kind(other)),
            });
        }
        None => {
            return Err(GeometryError::UnsupportedType {
                found: "no \"type\" member".to_owned(),
            });
        }
    };
    if type_name != "Polygon" && type_name != "MultiPolygon" {
        return Err(GeometryError::UnsupportedType {
            found: format!("{type_name:?}"),
        });
    }
    let coordinates = object
        .get("coordinates")
        .ok_or_else(|| bad("geometry", "the \"coordinates\" member is missing"))?;

    let mut parser = Parser {
        remaining: MAX_TOTAL_POSITIONS,
    };
    let raw: Vec<RawPolygon> = if type_name == "Polygon" {
        vec![parser.polygon(coordinates, 1)?]
    } else {
        let polygons = coordinates.as_array().ok_or_else(|| {
            bad(
                "coordinates",
                format!("expected an array of polygons but found {}", kind(coordinates)),
            )
        })?;
        polygons
            .iter()
            .enumerate()
            .map(|(i, p)| parser.polygon(p, i + 1))
            .collect::<Result<_, _>>()?
    };
    if raw.is_empty() {
        return Err(GeometryError::Empty);
    }

    // Closure and length are properties of the file as written, so check
    // them on the source positions, all of them before any topology.
    for (pi, rings) in raw.iter().enumerate() {
        for (ri, ring) in rings.iter().enumerate() {
            check_closed_and_long_enough(ring, pi + 1, ri + 1)?;
        }
    }

    let mut polygons = Vec::with_capacity(raw.len());
    for (pi, rings) in raw.iter().enumerate() {
        let mut converted = Vec::with_capacity(rings.len());
        for (ri, ring) in rings.iter().enumerate() {
            let wgs = ring
                .iter()
                .map(|&c| ::geo::Coord::from(crs.to_wgs84(LatLon::from(c))));
            let clean = CleanRing::new(wgs);
            clean.validate(pi + 1, ri + 1, crs)?;
            converted.push(LineString::new(clean.coords));
        }
        let mut iter = converted.into_iter();
        // `raw` polygons are never empty (Parser::polygon rejects that), but
        // stay total rather than index.
        let Some(shell) = iter.next() else {
            return Err(GeometryError::EmptyPolygon { polygon: pi + 1 });
        };
        polygons.push(Polygon::new(shell, iter.collect()));
    }

    for (pi, polygon) in polygons.iter().enumerate() {
        check_holes(polygon, pi + 1)?;
    }
    check_parts_disjoint(&polygons)?;

    Ok(MultiPolygon::new(polygons).orient(Direction::Default))
}

fn check_closed_and_long_enough(
    ring: &[Coord<f64>],
    polygon: usize,
    ring_no: usize,
) -> Result<(), GeometryError> {
    match (ring.first(), ring.last()) {
        (Some(first), Some(last)) if first != last => Err(GeometryError::RingNotClosed {
            polygon,
            ring: ring_no,
        }),
        _ if ring.len() < 4 => Err(GeometryError::RingTooShort {
            polygon,
            ring: ring_no,
            positions: distinct_run_count(ring),
        }),
        _ => Ok(()),
    }
}

/// Number of positions once consecutive repeats are counted once.
fn distinct_run_count(ring: &[Coord<f64>]) -> usize {
    let changes = ring.windows(2).filter(|w| w[0] != w[1]).count();
    if ring.is_empty() { 0 } else { changes + 1 }
}

/// A closed ring in WGS-84 with consecutive repeated positions removed,
/// remembering for each kept position the original (0-based) index of the
/// last copy in its run, so errors can point into the file.
struct CleanRing {
    coords: Vec<Coord<f64>>,
    original: Vec<usize>,
}

impl CleanRing {
    fn new(coords: impl Iterator<Item = Coord<f64>>) -> CleanRing {
        let mut clean = CleanRing {
            coords: Vec::new(),
            original: Vec::new(),
        };
        for (i, c) in coords.enumerate() {
            // Repeats are common in exported data and harmless, but they make
            // zero-length edges that would confuse the intersection tests.
            if clean.coords.last() != Some(&c) {
                clean.coords.push(c);
                clean.original.push(i);
            } else if let Some(last) = clean.original.last_mut() {
                // Within a run of repeats, the real edge leaves the last
                // copy, so that is the position to report.
                *last = i;
            }
        }
        clean
    }

    /// Zero area and self-intersection checks (closure was checked on the
    /// source positions; conversion maps equal inputs to equal outputs so
    /// the ring is still closed).
    fn validate(&self, polygon: usize, ring: usize, crs: Crs) -> Result<(), GeometryError> {
        let pts = &self.coords;
        if pts.len() < 4 {
            return Err(GeometryError::RingTooShort {
                polygon,
                ring,
                positions: pts.len(),
            });
        }
        // pts[0] != pts[1] after de-duplication, so they define a line.
        let (a, b) = (pts[0], pts[1]);
        if pts
            .iter()
            .all(|&c| RobustKernel::orient2d(a, b, c) == Orientation::Collinear)
        {
            return Err(GeometryError::ZeroArea { polygon, ring });
        }
        if let Some((i, j)) = first_self_intersection(pts) {
            let at = meeting_point(Line::new(pts[i], pts[i + 1]), Line::new(pts[j], pts[j + 1]));
            // Report where the clerk will find it: in their own system.
            let source = crs.from_wgs84(LatLon::from(at));
            return Err(GeometryError::SelfIntersection {
                polygon,
                ring,
                edge_a: self.original[i] + 1,
                edge_b: self.original[j] + 1,
                lon: source.lon,
                lat: source.lat,
            });
        }
        Ok(())
    }
}

/// Approximate point where two intersecting segments meet, for messages.
fn meeting_point(a: Line<f64>, b: Line<f64>) -> Coord<f64> {
    match line_intersection(a, b) {
        Some(LineIntersection::SinglePoint { intersection, .. }) => intersection,
        Some(LineIntersection::Collinear { intersection }) => intersection.start,
        None => a.end,
    }
}

/// Whether `p`, already known to be collinear with segment `a`–`b`, lies on
/// that segment (inclusive). Exact: only comparisons.
fn within_span(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> bool {
    p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y)
}

/// Exact closed-segment intersection test (touching counts), built on the
/// robust orientation predicate so near-degenerate input cannot fool it.
/// Both segments must have nonzero length.
fn segments_intersect(p1: Coord<f64>, q1: Coord<f64>, p2: Coord<f64>, q2: Coord<f64>) -> bool {
    use Orientation::Collinear;
    let o1 = RobustKernel::orient2d(p1, q1, p2);
    let o2 = RobustKernel::orient2d(p1, q1, q2);
    if o1 != Collinear && o1 == o2 {
        return false;
    }
    let o3 = RobustKernel::orient2d(p2, q2, p1);
    let o4 = RobustKernel::orient2d(p2, q2, q1);
    if o3 != Collinear && o3 == o4 {
        return false;
    }
    if o1 == Collinear && o2 == Collinear {
        // All four points on one line: they meet iff the spans overlap.
        return within_span(p2, p1, q1)
            || within_span(q2, p1, q1)
            || within_span(p1, p2, q2)
            || within_span(q1, p2, q2);
    }
    // Each segment's endpoints straddle (or touch) the other's line, and the
    // lines are not the same: the segments meet.
    true
}

/// The first pair of edges (by index; edge `i` runs from `pts[i]` to
/// `pts[i + 1]`) that cross or touch other than where consecutive edges share
/// their common vertex. `pts` is a closed ring without consecutive repeats.
///
/// Candidate pairs come from an R-tree over edge bounding boxes, so typical
/// rings cost O(n log n) rather than O(n²).
fn first_self_intersection(pts: &[Coord<f64>]) -> Option<(usize, usize)> {
    let m = pts.len().saturating_sub(1);
    if m < 3 {
        return None;
    }
    let edge = |i: usize| (pts[i], pts[i + 1]);

    let mut best: Option<(usize, usize)> = None;
    let mut consider = |i: usize, j: usize| {
        let pair = (i.min(j), i.max(j));
        if best.is_none_or(|b| pair < b) {
            best = Some(pair);
        }
    };

    // Consecutive edges always share a vertex; they are only at fault when
    // they fold back over each other (a spike), which means they are
    // collinear and one's far end lies on the other.
    for i in 0..m {
        let j = (i + 1) % m;
        let (a, shared) = edge(i);
        let (_, c) = edge(j);
        if RobustKernel::orient2d(a, shared, c) == Orientation::Collinear
            && (within_span(c, a, shared) || within_span(a, shared, c))
        {
            consider(i, j);
        }
    }

    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = (0..m)
        .map(|i| {
            let (a, b) = edge(i);
            GeomWithData::new(Rectangle::from_corners([a.x, a.y], [b.x, b.y]), i)
        })
        .collect();
    let tree = RTree::bulk_load(boxes);
    for i in 0..m {
        let (a, b) = edge(i);
        let envelope = AABB::from_corners([a.x, a.y], [b.x, b.y]);
        for candidate in tree.locate_in_envelope_intersecting(&envelope) {
            let j = candidate.data;
            // Each unordered pair once; skip self and ring neighbours, which
            // were handled above.
            let adjacent = j == i + 1 || (i == 0 && j == m - 1);
            if j <= i || adjacent {
                continue;
            }
            let (c, d) = edge(j);
            if segments_intersect(a, b, c, d) {
                consider(i, j);
            }
        }
    }
    best
}

/// Pairs `(i, j)`, `i < j`, of rectangles that intersect, sorted, found via
/// an R-tree so many small parts/holes do not cost O(n²).
fn overlapping_boxes(rects: &[Option<Rect<f64>>]) -> Vec<(usize, usize)> {
    let to_aabb = |r: &Rect<f64>| AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
    let entries: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = rects
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.map(|r| {
                let env = to_aabb(&r);
                GeomWithData::new(Rectangle::from_aabb(env), i)
            })
        })
        .collect();
    let tree = RTree::bulk_load(entries);
    let mut pairs = Vec::new();
    for (i, r) in rects.iter().enumerate() {
        let Some(r) = r else { continue };
        for other in tree.locate_in_envelope_intersecting(&to_aabb(r)) {
            if other.data > i {
                pairs.push((i, other.data));
            }
        }
    }
    pairs.sort_unstable();
    pairs
}

/// Holes must lie inside their shell (touching it at single points is
/// allowed, as in OGC Simple Features), must not run along it, and must not
/// overlap each other.
fn check_holes(polygon: &Polygon<f64>, polygon_no: usize) -> Result<(), GeometryError> {
    let holes = polygon.interiors();
    if holes.is_empty() {
        return Ok(());
    }
    let shell = Polygon::new(polygon.exterior().clone(), vec![]);
    // Prepared once so its edge index is reused for every hole.
    let shell = PreparedGeometry::from(&shell);
    let hole_polygons: Vec<Polygon<f64>> = holes.iter().map(|h| Polygon::new(h.clone(), vec![])).collect();

    for (hi, hole) in hole_polygons.iter().enumerate() {
        let ring = hi + 2;
        let matrix = shell.relate(hole);
        if !matrix.is_contains() {
            return Err(GeometryError::HoleOutsideShell {
                polygon: polygon_no,
                ring,
            });
        }
        if matrix.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
            return Err(GeometryError::HoleTouchesShell {
                polygon: polygon_no,
                ring,
            });
        }
    }

    let rects: Vec<Option<Rect<f64>>> = holes.iter().map(|h| h.bounding_rect()).collect();
    for (a, b) in overlapping_boxes(&rects) {
        let matrix = hole_polygons[a].relate(&hole_polygons[b]);
        if matrix.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional
            || matrix.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional
        {
            return Err(GeometryError::HolesOverlap {
                polygon: polygon_no,
                ring_a: a + 2,
                ring_b: b + 2,
            });
        }
    }
    Ok(())
}

/// Parts of a MultiPolygon must not overlap: otherwise area and "which part"
/// answers become ambiguous. Parts may touch, and one may sit in another's
/// hole.
fn check_parts_disjoint(polygons: &[Polygon<f64>]) -> Result<(), GeometryError> {
    if polygons.len() < 2 {
        return Ok(());
    }
    let rects: Vec<Option<Rect<f64>>> = polygons.iter().map(|p| p.bounding_rect()).collect();
    for (a, b) in overlapping_boxes(&rects) {
        let matrix = polygons[a].relate(&polygons[b]);
        if matrix.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
            return Err(GeometryError::PolygonsOverlap {
                polygon_a: a + 1,
                polygon_b: b + 1,
            });
        }
    }
    Ok(())
}

/// GeoJSON positions for a ring, closing it if the stored ring is open.
fn ring_to_json(ring: &LineString<f64>) -> Value {
    let mut positions: Vec<Value> = ring.0.iter().map(|c| Value::from(vec![c.x, c.y])).collect();
    if let (Some(first), Some(last)) = (ring.0.first(), ring.0.last())
        && first != last
    {
        positions.push(Value::from(vec![first.x, first.y]));
    }
    Value::Array(positions)
}

fn polygon_to_json(polygon: &Polygon<f64>) -> Value {
    Value::Array(
        std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .map(ring_to_json)
            .collect(),
    )
}

/// Serialise a WGS-84 MultiPolygon back to a GeoJSON geometry value: a
/// "Polygon" when it has one part, else "MultiPolygon"; rings closed;
/// `[lon, lat]` order.
pub fn to_geojson(mp: &MultiPolygon<f64>) -> Value {
    if let [only] = mp.0.as_slice() {
        serde_json::json!({ "type": "Polygon", "coordinates": polygon_to_json(only) })
    } else {
        let parts: Vec<Value> = mp.0.iter().map(polygon_to_json).collect();
        serde_json::json!({ "type": "MultiPolygon", "coordinates": parts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::geo::Area;
    use serde_json::json;

    /// A closed square ring with corner (x, y) and side s, counter-clockwise.
    fn square(x: f64, y: f64, s: f64) -> Value {
        json!([[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]])
    }

    fn polygon(rings: Vec<Value>) -> Value {
        json!({ "type": "Polygon", "coordinates": rings })
    }

    fn multi(polys: Vec<Vec<Value>>) -> Value {
        json!({ "type": "MultiPolygon", "coordinates": polys })
    }

    fn parse(v: &Value) -> Result<MultiPolygon<f64>, GeometryError> {
        parse_polygonal(v, Crs::Wgs84)
    }

    fn err(v: &Value) -> GeometryError {
        parse(v).expect_err("geometry should be rejected")
    }

    // ---- valid input -------------------------------------------------

    #[test]
    fn valid_polygon() {
        let mp = parse(&polygon(vec![square(116.0, 39.0, 0.01)])).unwrap();
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].exterior().0.len(), 5);
        assert!(mp.0[0].interiors().is_empty());
        assert!((mp.unsigned_area() - 1e-4).abs() < 1e-12);
    }

    #[test]
    fn valid_polygon_with_hole() {
        let mp = parse(&polygon(vec![
            square(116.0, 39.0, 0.01),
            square(116.002, 39.002, 0.002),
        ]))
        .unwrap();
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert!((mp.unsigned_area() - (1e-4 - 4e-6)).abs() < 1e-12);
    }

    #[test]
    fn hole_touching_shell_at_one_point_is_valid() {
        // OGC allows a hole to touch its shell at a single vertex.
        let hole = json!([
            [116.0, 39.005],
            [116.003, 39.004],
            [116.003, 39.006],
            [116.0, 39.005]
        ]);
        assert!(parse(&polygon(vec![square(116.0, 39.0, 0.01), hole])).is_ok());
    }

    #[test]
    fn valid_multipolygon() {
        let mp = parse(&multi(vec![
            vec![square(116.0, 39.0, 0.01)],
            vec![square(116.02, 39.0, 0.01), square(116.022, 39.002, 0.002)],
        ]))
        .unwrap();
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.0[1].interiors().len(), 1);
    }

    #[test]
    fn multipolygon_parts_may_touch_and_nest_in_holes() {
        // Part 2 shares an edge with part 1; part 3 sits inside part 1's hole.
        assert!(
            parse(&multi(vec![
                vec![square(0.0, 0.0, 10.0), square(2.0, 2.0, 6.0)],
                vec![square(10.0, 0.0, 10.0)],
                vec![square(3.0, 3.0, 1.0)],
            ]))
            .is_ok()
        );
    }

    #[test]
    fn altitude_is_ignored_and_integers_accepted() {
        let ring = json!([[116, 39, 50.0], [117, 39, 51], [117, 40, 0], [116, 39, 50.0]]);
        let mp = parse(&polygon(vec![ring])).unwrap();
        assert_eq!(mp.0[0].exterior().0[1], Coord { x: 117.0, y: 39.0 });
    }

    #[test]
    fn orientation_normalised_to_rfc7946() {
        // Clockwise shell, counter-clockwise hole on input.
        let shell = json!([[0.0, 0.0], [0.0, 10.0], [10.0, 10.0], [10.0, 0.0], [0.0, 0.0]]);
        let mp = parse(&polygon(vec![shell, square(2.0, 2.0, 2.0)])).unwrap();
        use ::geo::Winding;
        assert!(mp.0[0].exterior().is_ccw());
        assert!(mp.0[0].interiors()[0].is_cw());
    }

    #[test]
    fn repeated_positions_are_dropped() {
        let ring = json!([[0, 0], [0, 0], [1, 0], [1, 1], [1, 1], [0, 1], [0, 0], [0, 0]]);
        let mp = parse(&polygon(vec![ring])).unwrap();
        assert_eq!(mp.0[0].exterior().0.len(), 5);
    }

    #[test]
    fn collinear_vertex_on_straight_edge_is_fine() {
        let ring = json!([[0, 0], [1, 0], [2, 0], [2, 1], [0, 1], [0, 0]]);
        assert!(parse(&polygon(vec![ring])).is_ok());
    }

    #[test]
    fn converts_gcj02_input_to_wgs84() {
        let wgs = [(116.40, 39.90), (116.41, 39.90), (116.41, 39.91), (116.40, 39.91)];
        let gcj: Vec<Value> = wgs
            .iter()
            .chain(std::iter::once(&wgs[0]))
            .map(|&(lon, lat)| {
                let g = crate::geo::crs::wgs84_to_gcj02(LatLon::new(lat, lon));
                json!([g.lon, g.lat])
            })
            .collect();
        let mp = parse_polygonal(&polygon(vec![Value::Array(gcj)]), Crs::Gcj02).unwrap();
        for c in mp.0[0].exterior().coords() {
            assert!(
                wgs.iter()
                    .any(|&(lon, lat)| (c.x - lon).abs() < 1e-7 && (c.y - lat).abs() < 1e-7),
                "{c:?} is not a converted corner"
            );
        }
    }

    #[test]
    fn converts_bd09_input_to_wgs84() {
        let ring = square(116.40, 39.90, 0.01);
        let mp = parse_polygonal(&polygon(vec![ring.clone()]), Crs::Bd09).unwrap();
        let first = mp.0[0].exterior().0[0];
        let back = Crs::Bd09.from_wgs84(LatLon::from(first));
        // Some original corner maps back.
        let corners = ring.as_array().unwrap();
        assert!(corners.iter().any(|p| {
            (p[0].as_f64().unwrap() - back.lon).abs() < 1e-7
                && (p[1].as_f64().unwrap() - back.lat).abs() < 1e-7
        }));
        // And the offset was really applied (hundreds of metres).
        assert!((first.x - 116.40).abs() > 1e-3 || (first.y - 39.90).abs() > 1e-3);
    }

    #[test]
    fn large_ring_validates_quickly() {
        // A 5,000-vertex star-ish circle: must not go quadratic.
        let n = 5_000;
        let mut ring: Vec<Value> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 0.01 } else { 0.0099 };
                json!([116.4 + r * t.cos(), 39.9 + r * t.sin()])
            })
            .collect();
        ring.push(ring[0].clone());
        let hole = square(116.399, 39.899, 0.002);
        let start = std::time::Instant::now();
        let mp = parse(&polygon(vec![Value::Array(ring), hole])).unwrap();
        assert_eq!(mp.0[0].exterior().0.len(), n + 1);
        // Generous: debug builds on a slow CI core.
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    }

    // ---- structural errors -------------------------------------------

    #[test]
    fn not_an_object() {
        let e = err(&json!([1, 2]));
        assert_eq!(e.code(), "not_an_object");
        assert!(e.to_string().contains("an array"), "{e}");
    }

    #[test]
    fn unsupported_types() {
        for v in [
            json!({"type": "Point", "coordinates": [1, 2]}),
            json!({"type": "LineString", "coordinates": [[1, 2], [3, 4]]}),
            json!({"type": "Feature", "geometry": null}),
            json!({"type": "polygon", "coordinates": []}),
            json!({"coordinates": []}),
            json!({"type": 7, "coordinates": []}),
        ] {
            let e = err(&v);
            assert_eq!(e.code(), "unsupported_type", "{v}");
            assert!(e.to_string().contains("\"Polygon\" or \"MultiPolygon\""));
        }
        assert!(err(&json!({"type": "Point"})).to_string().contains("\"Point\""));
    }

    #[test]
    fn missing_or_malformed_coordinates() {
        let cases = [
            (json!({"type": "Polygon"}), "geometry"),
            (json!({"type": "Polygon", "coordinates": 5}), "polygon 1"),
            (json!({"type": "MultiPolygon", "coordinates": {}}), "coordinates"),
            (
                json!({"type": "Polygon", "coordinates": [7]}),
                "polygon 1, ring 1",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], "x", [0, 0]]]}),
                "polygon 1, ring 1, position 3",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[0, 0], [1], [1, 1], [0, 0]]]}),
                "polygon 1, ring 1, position 2",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0, 0, 0], [1, 1], [0, 0]]]}),
                "polygon 1, ring 1, position 2",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[0, 0], ["1", 0], [1, 1], [0, 0]]]}),
                "polygon 1, ring 1, position 2",
            ),
            (
                json!({"type": "Polygon", "coordinates": [[[0, 0], [1, null], [1, 1], [0, 0]]]}),
                "polygon 1, ring 1, position 2",
            ),
            (
                json!({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[0, 0], [1, 0], [1, 1], {}]]]}),
                "polygon 2, ring 1, position 4",
            ),
        ];
        for (v, location) in cases {
            let e = err(&v);
            assert_eq!(e.code(), "bad_coordinates", "{v}");
            assert!(
                e.to_string().starts_with(&format!("{location}:")),
                "{e} should start with {location}"
            );
        }
    }

    #[test]
    fn empty_geometries() {
        assert_eq!(err(&multi(vec![])), GeometryError::Empty);
        assert_eq!(err(&polygon(vec![])), GeometryError::EmptyPolygon { polygon: 1 });
        let e = err(&multi(vec![vec![square(0.0, 0.0, 1.0)], vec![]]));
        assert_eq!(e, GeometryError::EmptyPolygon { polygon: 2 });
        assert_eq!(e.code(), "empty_polygon");
        assert_eq!(GeometryError::Empty.code(), "empty_geometry");
    }

    #[test]
    fn coordinate_out_of_range_names_the_position() {
        // Swapped [lat, lon] is the usual mistake.
        let ring = json!([[39.9, 116.4], [39.91, 116.4], [39.91, 116.41], [39.9, 116.4]]);
        let e = err(&polygon(vec![ring]));
        assert_eq!(e.code(), "coordinate_out_of_range");
        assert_eq!(
            e.to_string(),
            "polygon 1, ring 1 (outer boundary), position 1: latitude must be between -90 and 90 \
             (found longitude 39.9, latitude 116.4; positions must be [longitude, latitude])"
        );
        let ring = json!([[0, 0], [1, 0], [181, 1], [0, 0]]);
        let e = err(&polygon(vec![square(0.0, 0.0, 5.0), ring]));
        assert!(
            matches!(
                e,
                GeometryError::CoordinateOutOfRange {
                    polygon: 1,
                    ring: 2,
                    position: 3,
                    error: PointError::LongitudeOutOfRange,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("ring 2 (hole 1)"));
    }

    #[test]
    fn range_is_checked_in_source_system_before_conversion() {
        let ring = json!([[116.0, 39.0], [116.1, 39.0], [116.1, 90.5], [116.0, 39.0]]);
        let e = parse_polygonal(&polygon(vec![ring]), Crs::Bd09).unwrap_err();
        assert_eq!(e.code(), "coordinate_out_of_range");
    }

    #[test]
    fn ring_not_closed() {
        let open = json!([[0, 0], [1, 0], [1, 1], [0, 1]]);
        let e = err(&multi(vec![vec![square(5.0, 5.0, 1.0)], vec![open]]));
        assert_eq!(e, GeometryError::RingNotClosed { polygon: 2, ring: 1 });
        assert_eq!(e.code(), "ring_not_closed");
        assert_eq!(
            e.to_string(),
            "polygon 2, ring 1 (outer boundary): ring is not closed (first and last positions differ)"
        );
    }

    #[test]
    fn ring_too_short() {
        let e = err(&polygon(vec![json!([[0, 0], [1, 0], [0, 0]])]));
        assert_eq!(
            e,
            GeometryError::RingTooShort {
                polygon: 1,
                ring: 1,
                positions: 3
            }
        );
        assert_eq!(e.code(), "ring_too_short");
        let e = err(&polygon(vec![json!([])]));
        assert_eq!(e.code(), "ring_too_short");
        // Four positions, but only two distinct corners once repeats go.
        let e = err(&polygon(vec![json!([[0, 0], [1, 0], [1, 0], [0, 0]])]));
        assert_eq!(
            e,
            GeometryError::RingTooShort {
                polygon: 1,
                ring: 1,
                positions: 3
            }
        );
        assert!(e.to_string().contains("needs at least 4"));
        let e = err(&polygon(vec![json!([[0, 0], [0, 0], [0, 0]])]));
        assert_eq!(
            e,
            GeometryError::RingTooShort {
                polygon: 1,
                ring: 1,
                positions: 1
            }
        );
    }

    #[test]
    fn zero_area() {
        let e = err(&polygon(vec![json!([[0, 0], [1, 1], [2, 2], [0, 0]])]));
        assert_eq!(e, GeometryError::ZeroArea { polygon: 1, ring: 1 });
        assert_eq!(e.code(), "zero_area");
        let hole = json!([[1, 1], [2, 1], [3, 1], [1, 1]]);
        let e = err(&polygon(vec![square(0.0, 0.0, 5.0), hole]));
        assert_eq!(e, GeometryError::ZeroArea { polygon: 1, ring: 2 });
    }

    // ---- self-intersection -------------------------------------------

    #[test]
    fn bow_tie_crossing() {
        let ring = json!([[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]);
        let e = err(&polygon(vec![ring]));
        assert_eq!(e.code(), "self_intersection");
        let GeometryError::SelfIntersection {
            polygon,
            ring,
            edge_a,
            edge_b,
            lon,
            lat,
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!((polygon, ring, edge_a, edge_b), (1, 1, 1, 3));
        assert!((lon - 1.0).abs() < 1e-9 && (lat - 1.0).abs() < 1e-9);
    }

    #[test]
    fn touching_itself_at_a_non_adjacent_vertex() {
        // Figure-of-eight pinched at (2, 2), which appears twice.
        let ring = json!([[0, 0], [2, 2], [4, 0], [4, 4], [2, 2], [0, 4], [0, 0]]);
        let e = err(&polygon(vec![ring]));
        assert_eq!(e.code(), "self_intersection", "{e}");
        assert!(
            e.to_string().contains("longitude 2.0000000, latitude 2.0000000"),
            "{e}"
        );
    }

    #[test]
    fn vertex_touching_a_non_adjacent_edge() {
        // A notch whose tip (2, 0) touches the bottom edge (0,0)–(4,0).
        let ring = json!([[0, 0], [4, 0], [4, 4], [2, 0.0], [0, 4], [0, 0]]);
        assert_eq!(err(&polygon(vec![ring])).code(), "self_intersection");
    }

    #[test]
    fn spike_folding_back_on_itself() {
        // Goes out to (3, 1) and comes straight back along the same line.
        let ring = json!([[0, 0], [2, 0], [2, 1], [3, 1], [2, 1], [2, 2], [0, 2], [0, 0]]);
        assert_eq!(err(&polygon(vec![ring])).code(), "self_intersection");
        // Backtracking partway along the previous edge.
        let ring = json!([[0, 0], [4, 0], [2, 0], [2, 2], [0, 0]]);
        assert_eq!(err(&polygon(vec![ring])).code(), "self_intersection");
    }

    #[test]
    fn collinear_overlap_of_non_adjacent_edges() {
        let ring = json!([[0, 0], [4, 0], [4, 1], [3, 0], [1, 0], [1, -1], [0, -1], [0, 0]]);
        assert_eq!(err(&polygon(vec![ring])).code(), "self_intersection");
    }

    #[test]
    fn self_intersection_in_hole_reports_hole_ring() {
        let hole = json!([[1, 1], [3, 3], [3, 1], [1, 3], [1, 1]]);
        let e = err(&polygon(vec![square(0.0, 0.0, 5.0), hole]));
        assert!(
            matches!(e, GeometryError::SelfIntersection { ring: 2, .. }),
            "{e:?}"
        );
        assert!(e.to_string().starts_with("polygon 1, ring 2 (hole 1):"));
    }

    #[test]
    fn self_intersection_positions_refer_to_the_file_despite_repeats() {
        let ring = json!([[0, 0], [0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]);
        let GeometryError::SelfIntersection { edge_a, edge_b, .. } = err(&polygon(vec![ring])) else {
            panic!("expected self-intersection")
        };
        assert_eq!((edge_a, edge_b), (2, 4));
    }

    #[test]
    fn self_intersection_reported_in_source_system() {
        let ring = json!([
            [116.40, 39.90],
            [116.42, 39.92],
            [116.42, 39.90],
            [116.40, 39.92],
            [116.40, 39.90]
        ]);
        let GeometryError::SelfIntersection { lon, lat, .. } =
            parse_polygonal(&polygon(vec![ring]), Crs::Gcj02).unwrap_err()
        else {
            panic!("expected self-intersection")
        };
        // The crossing is found between the converted edges and mapped back;
        // the conversion is not affine, so it is off by a fraction of a metre.
        assert!(
            (lon - 116.41).abs() < 1e-5 && (lat - 39.91).abs() < 1e-5,
            "{lon} {lat}"
        );
    }

    #[test]
    fn segment_predicate_cases() {
        let c = |x: f64, y: f64| Coord { x, y };
        // Proper crossing.
        assert!(segments_intersect(c(0., 0.), c(2., 2.), c(0., 2.), c(2., 0.)));
        // T-junction.
        assert!(segments_intersect(c(0., 0.), c(2., 0.), c(1., 0.), c(1., 5.)));
        // Shared endpoint.
        assert!(segments_intersect(c(0., 0.), c(1., 1.), c(1., 1.), c(2., 0.)));
        // Parallel, disjoint.
        assert!(!segments_intersect(c(0., 0.), c(2., 0.), c(0., 1.), c(2., 1.)));
        // Collinear, disjoint.
        assert!(!segments_intersect(c(0., 0.), c(1., 0.), c(2., 0.), c(3., 0.)));
        // Collinear, overlapping; and one containing the other.
        assert!(segments_intersect(c(0., 0.), c(2., 0.), c(1., 0.), c(3., 0.)));
        assert!(segments_intersect(c(0., 0.), c(4., 0.), c(1., 0.), c(2., 0.)));
        // Near miss by one ulp-ish amount is still a miss.
        assert!(!segments_intersect(
            c(0., 0.),
            c(1., 1.),
            c(0.5, 0.5 + 1e-15),
            c(0., 1.)
        ));
        // Lines would cross, segments do not reach.
        assert!(!segments_intersect(c(0., 0.), c(1., 1.), c(3., 0.), c(2., 1.)));
    }

    // ---- holes and parts ---------------------------------------------

    #[test]
    fn hole_outside_shell() {
        let e = err(&polygon(vec![square(0.0, 0.0, 5.0), square(10.0, 10.0, 1.0)]));
        assert_eq!(e, GeometryError::HoleOutsideShell { polygon: 1, ring: 2 });
        assert_eq!(e.code(), "hole_outside_shell");
        assert!(
            e.to_string()
                .starts_with("polygon 1, ring 2 (hole 1): hole is not inside")
        );
    }

    #[test]
    fn hole_crossing_shell() {
        let e = err(&polygon(vec![
            square(0.0, 0.0, 5.0),
            square(1.0, 1.0, 1.0),
            square(4.0, 4.0, 2.0),
        ]));
        assert_eq!(e, GeometryError::HoleOutsideShell { polygon: 1, ring: 3 });
    }

    #[test]
    fn hole_containing_shell() {
        let e = err(&polygon(vec![square(1.0, 1.0, 1.0), square(0.0, 0.0, 5.0)]));
        assert_eq!(e.code(), "hole_outside_shell");
    }

    #[test]
    fn hole_sharing_an_edge_with_shell() {
        let e = err(&polygon(vec![square(0.0, 0.0, 5.0), square(0.0, 1.0, 1.0)]));
        assert_eq!(e, GeometryError::HoleTouchesShell { polygon: 1, ring: 2 });
        assert_eq!(e.code(), "hole_touches_shell");
    }

    #[test]
    fn holes_overlapping() {
        let e = err(&polygon(vec![
            square(0.0, 0.0, 10.0),
            square(1.0, 1.0, 3.0),
            square(2.0, 2.0, 3.0),
        ]));
        assert_eq!(
            e,
            GeometryError::HolesOverlap {
                polygon: 1,
                ring_a: 2,
                ring_b: 3
            }
        );
        assert_eq!(e.code(), "holes_overlap");
        // Sharing an edge is rejected too; a hole inside another as well.
        assert_eq!(
            err(&polygon(vec![
                square(0.0, 0.0, 10.0),
                square(1.0, 1.0, 2.0),
                square(3.0, 1.0, 2.0),
            ]))
            .code(),
            "holes_overlap"
        );
        assert_eq!(
            err(&polygon(vec![
                square(0.0, 0.0, 10.0),
                square(1.0, 1.0, 5.0),
                square(2.0, 2.0, 1.0),
            ]))
            .code(),
            "holes_overlap"
        );
    }

    #[test]
    fn polygons_overlapping() {
        let e = err(&multi(vec![
            vec![square(0.0, 0.0, 2.0)],
            vec![square(5.0, 5.0, 1.0)],
            vec![square(1.0, 1.0, 2.0)],
        ]));
        assert_eq!(
            e,
            GeometryError::PolygonsOverlap {
                polygon_a: 1,
                polygon_b: 3
            }
        );
        assert_eq!(e.code(), "polygons_overlap");
    }

    #[test]
    fn too_many_vertices() {
        let n = MAX_TOTAL_POSITIONS / 2 + 1;
        let big: Vec<Value> = (0..n).map(|_| json!([0, 0])).collect();
        let e = err(&multi(vec![
            vec![Value::Array(big.clone())],
            vec![Value::Array(big)],
        ]));
        assert_eq!(
            e,
            GeometryError::TooManyVertices {
                limit: MAX_TOTAL_POSITIONS
            }
        );
        assert_eq!(e.code(), "too_many_vertices");
    }

    #[test]
    fn every_code_is_distinct_snake_case() {
        let all = [
            GeometryError::NotAnObject { found: "null" },
            GeometryError::UnsupportedType { found: String::new() },
            bad("x", "y"),
            GeometryError::CoordinateOutOfRange {
                polygon: 1,
                ring: 1,
                position: 1,
                lon: 0.0,
                lat: 0.0,
                error: PointError::NotFinite,
            },
            GeometryError::Empty,
            GeometryError::EmptyPolygon { polygon: 1 },
            GeometryError::RingNotClosed { polygon: 1, ring: 1 },
            GeometryError::RingTooShort {
                polygon: 1,
                ring: 1,
                positions: 0,
            },
            GeometryError::SelfIntersection {
                polygon: 1,
                ring: 1,
                edge_a: 1,
                edge_b: 2,
                lon: 0.0,
                lat: 0.0,
            },
            GeometryError::ZeroArea { polygon: 1, ring: 1 },
            GeometryError::HoleOutsideShell { polygon: 1, ring: 2 },
            GeometryError::HoleTouchesShell { polygon: 1, ring: 2 },
            GeometryError::HolesOverlap {
                polygon: 1,
                ring_a: 2,
                ring_b: 3,
            },
            GeometryError::PolygonsOverlap {
                polygon_a: 1,
                polygon_b: 2,
            },
            GeometryError::TooManyVertices { limit: 1 },
        ];
        let mut codes: Vec<&str> = all.iter().map(GeometryError::code).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
        );
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }

    // ---- serialisation -----------------------------------------------

    #[test]
    fn to_geojson_single_part_is_polygon() {
        let input = polygon(vec![square(116.0, 39.0, 0.01), square(116.002, 39.002, 0.002)]);
        let mp = parse(&input).unwrap();
        let out = to_geojson(&mp);
        assert_eq!(out["type"], "Polygon");
        let rings = out["coordinates"].as_array().unwrap();
        assert_eq!(rings.len(), 2);
        for ring in rings {
            let ring = ring.as_array().unwrap();
            assert_eq!(ring.first(), ring.last());
            assert_eq!(ring[0].as_array().unwrap().len(), 2);
        }
        // [lon, lat] order.
        assert!(rings[0][0][0].as_f64().unwrap() > 100.0);
        assert_eq!(parse(&out).unwrap(), mp);
    }

    #[test]
    fn to_geojson_multi_part_round_trips() {
        let mp = parse(&multi(vec![
            vec![square(0.0, 0.0, 1.0)],
            vec![square(2.0, 0.0, 1.0)],
        ]))
        .unwrap();
        let out = to_geojson(&mp);
        assert_eq!(out["type"], "MultiPolygon");
        assert_eq!(out["coordinates"].as_array().unwrap().len(), 2);
        assert_eq!(parse(&out).unwrap(), mp);
    }

    #[test]
    fn to_geojson_handles_empty() {
        assert_eq!(
            to_geojson(&MultiPolygon::new(vec![])),
            json!({"type": "MultiPolygon", "coordinates": []})
        );
    }

    #[test]
    fn ring_to_json_closes_open_rings() {
        // geo's Polygon always closes its rings, so exercise the helper on a
        // bare LineString.
        let open = LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]);
        let ring = ring_to_json(&open);
        assert_eq!(ring, json!([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]));
        assert_eq!(ring_to_json(&LineString::new(vec![])), json!([]));
    }
}
