//! Coordinate reference systems reported by phones and map SDKs in China, and
//! the conversions between them.
//!
//! * WGS-84: raw GPS; what the server stores.
//! * GCJ-02: the state-mandated obfuscated system used by Amap/Gaode, Tencent
//!   and most Chinese map SDKs. It is WGS-84 plus a deliberately non-linear
//!   offset (a few hundred metres) applied only inside mainland China.
//! * BD-09: Baidu's system, a further obfuscation on top of GCJ-02.
//!
//! The forward GCJ-02 transform is the widely published algorithm (Krasovsky
//! 1940 ellipsoid constants). It has no closed-form inverse, so
//! [`gcj02_to_wgs84`] inverts it by fixed-point iteration; [`bd09_to_gcj02`]
//! refines the usual closed-form inverse the same way so both round trips are
//! exact to well below a millimetre.
//!
//! This file also owns [`LatLon`] and raw-coordinate validation.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

/// A coordinate reference system a client may report positions in.
///
/// Serialised (JSON and query strings) as `"wgs84"`, `"gcj02"` or `"bd09"`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Crs {
    /// WGS-84 (raw GPS, what the server stores).
    #[default]
    Wgs84,
    /// GCJ-02 (Amap/Gaode, Tencent and most Chinese map SDKs).
    Gcj02,
    /// BD-09 (Baidu maps).
    Bd09,
}

/// A latitude/longitude pair in degrees, in whatever system the context says.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct LatLon {
    /// Latitude in degrees, positive north.
    pub lat: f64,
    /// Longitude in degrees, positive east.
    pub lon: f64,
}

impl LatLon {
    /// Build a point from latitude and longitude (in that order, degrees).
    pub const fn new(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }
}

impl From<LatLon> for ::geo::Coord<f64> {
    /// Planar coordinate with `x = lon`, `y = lat`, the convention of every
    /// geometry in this module.
    fn from(p: LatLon) -> Self {
        ::geo::Coord { x: p.lon, y: p.lat }
    }
}

impl From<::geo::Coord<f64>> for LatLon {
    /// Inverse of `From<LatLon> for Coord`: `x` is longitude, `y` latitude.
    fn from(c: ::geo::Coord<f64>) -> Self {
        LatLon { lat: c.y, lon: c.x }
    }
}

/// The string was not one of the supported coordinate system names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown coordinate system {input:?}: expected one of \"wgs84\", \"gcj02\", \"bd09\"")]
pub struct ParseCrsError {
    /// The rejected input, verbatim.
    pub input: String,
}

impl FromStr for Crs {
    type Err = ParseCrsError;

    /// Accepts `wgs84`, `gcj02` and `bd09` in any letter case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("wgs84") {
            Ok(Crs::Wgs84)
        } else if s.eq_ignore_ascii_case("gcj02") {
            Ok(Crs::Gcj02)
        } else if s.eq_ignore_ascii_case("bd09") {
            Ok(Crs::Bd09)
        } else {
            Err(ParseCrsError { input: s.to_owned() })
        }
    }
}

impl Crs {
    /// The canonical lowercase name, identical to the serde representation.
    pub const fn as_str(self) -> &'static str {
        match self {
            Crs::Wgs84 => "wgs84",
            Crs::Gcj02 => "gcj02",
            Crs::Bd09 => "bd09",
        }
    }

    /// Convert a point given in this system to WGS-84.
    pub fn to_wgs84(self, p: LatLon) -> LatLon {
        match self {
            Crs::Wgs84 => p,
            Crs::Gcj02 => gcj02_to_wgs84(p),
            Crs::Bd09 => gcj02_to_wgs84(bd09_to_gcj02(p)),
        }
    }

    /// Convert a WGS-84 point into this system.
    pub fn from_wgs84(self, p: LatLon) -> LatLon {
        match self {
            Crs::Wgs84 => p,
            Crs::Gcj02 => wgs84_to_gcj02(p),
            Crs::Bd09 => gcj02_to_bd09(wgs84_to_gcj02(p)),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Semi-major axis of the Krasovsky 1940 ellipsoid, as used by GCJ-02.
const KRASOVSKY_A: f64 = 6_378_245.0;
/// First eccentricity squared of Krasovsky 1940. The published constant is
/// 0.00669342162296594323; this is the nearest f64 to it.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
/// Baidu's scaled π used by BD-09.
const X_PI: f64 = PI * 3000.0 / 180.0;

/// Iteration cap for the numerical inverses. Each step shrinks the error by
/// roughly three orders of magnitude, so 3–4 steps normally suffice; the cap
/// only guards against pathological inputs near the China bounding box edge.
const MAX_INVERSE_STEPS: usize = 30;
/// Residual (degrees) at which the numerical inverses stop: ~1 µm on the
/// ground, far below anything a phone reports.
const INVERSE_TOLERANCE_DEG: f64 = 1e-11;

/// The rough mainland-China box outside which GCJ-02 applies no offset. It is
/// the box every public implementation uses, so we must use the same one to
/// agree with the phones.
fn out_of_china(p: LatLon) -> bool {
    !((72.004..=137.8347).contains(&p.lon) && (0.8293..=55.8271).contains(&p.lat))
}

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

fn transform_lon(x: f64, y: f64) -> f64 {
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

/// Convert WGS-84 to GCJ-02. Points outside mainland China are returned
/// unchanged, as GCJ-02 defines.
pub fn wgs84_to_gcj02(p: LatLon) -> LatLon {
    if out_of_china(p) {
        return p;
    }
    let mut dlat = transform_lat(p.lon - 105.0, p.lat - 35.0);
    let mut dlon = transform_lon(p.lon - 105.0, p.lat - 35.0);
    let rad_lat = p.lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * PI);
    LatLon {
        lat: p.lat + dlat,
        lon: p.lon + dlon,
    }
}

/// Numerically invert `forward` at `target` by fixed-point iteration,
/// starting from `start`. Returns the best estimate seen, so a non-converging
/// case (only conceivable right at the GCJ box edge, where the offset jumps)
/// still yields the closest answer instead of oscillating.
fn invert(target: LatLon, start: LatLon, forward: impl Fn(LatLon) -> LatLon) -> LatLon {
    let mut guess = start;
    let mut best = start;
    let mut best_err = f64::INFINITY;
    for _ in 0..MAX_INVERSE_STEPS {
        let image = forward(guess);
        let dlat = image.lat - target.lat;
        let dlon = image.lon - target.lon;
        let err = dlat.abs().max(dlon.abs());
        // A NaN residual compares false here, so it never replaces `best`...
        if err < best_err {
            best = guess;
            best_err = err;
        }
        // ...and NaN input stops at once instead of spinning to the cap.
        if err.is_nan() || err <= INVERSE_TOLERANCE_DEG {
            break;
        }
        guess = LatLon {
            lat: guess.lat - dlat,
            lon: guess.lon - dlon,
        };
    }
    best
}

/// Convert GCJ-02 to WGS-84 by iteratively inverting [`wgs84_to_gcj02`]
/// (accurate to about 1e-11 degree, unlike the common one-step approximation
/// which is off by up to a few metres). Points outside mainland China are
/// returned unchanged.
pub fn gcj02_to_wgs84(p: LatLon) -> LatLon {
    if out_of_china(p) || !p.lat.is_finite() || !p.lon.is_finite() {
        return p;
    }
    invert(p, p, wgs84_to_gcj02)
}

/// Convert GCJ-02 to BD-09 (Baidu). Applied everywhere, as Baidu does.
pub fn gcj02_to_bd09(p: LatLon) -> LatLon {
    let (x, y) = (p.lon, p.lat);
    let z = (x * x + y * y).sqrt() + 0.000_02 * (y * X_PI).sin();
    let theta = y.atan2(x) + 0.000_003 * (x * X_PI).cos();
    LatLon {
        lat: z * theta.sin() + 0.006,
        lon: z * theta.cos() + 0.0065,
    }
}

/// The widely published closed-form approximation of BD-09 → GCJ-02. Its
/// error is around 1e-6 degree, so [`bd09_to_gcj02`] refines it.
fn bd09_to_gcj02_approx(p: LatLon) -> LatLon {
    let x = p.lon - 0.0065;
    let y = p.lat - 0.006;
    let z = (x * x + y * y).sqrt() - 0.000_02 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000_003 * (x * X_PI).cos();
    LatLon {
        lat: z * theta.sin(),
        lon: z * theta.cos(),
    }
}

/// Convert BD-09 (Baidu) to GCJ-02: the usual closed-form inverse, refined by
/// iteration so that `gcj02_to_bd09(bd09_to_gcj02(p)) == p` to ~1e-11 degree.
pub fn bd09_to_gcj02(p: LatLon) -> LatLon {
    if !p.lat.is_finite() || !p.lon.is_finite() {
        return p;
    }
    invert(p, bd09_to_gcj02_approx(p), gcj02_to_bd09)
}

/// Why a raw coordinate pair was rejected by [`validate_point`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PointError {
    /// Latitude or longitude is NaN or infinite.
    #[error("latitude and longitude must be finite numbers")]
    NotFinite,
    /// Latitude outside [-90, 90].
    #[error("latitude must be between -90 and 90")]
    LatitudeOutOfRange,
    /// Longitude outside [-180, 180].
    #[error("longitude must be between -180 and 180")]
    LongitudeOutOfRange,
}

/// Validate a raw coordinate pair: finite, lat in [-90, 90], lon in [-180, 180].
pub fn validate_point(lat: f64, lon: f64) -> Result<LatLon, PointError> {
    if !lat.is_finite() || !lon.is_finite() {
        return Err(PointError::NotFinite);
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(PointError::LatitudeOutOfRange);
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(PointError::LongitudeOutOfRange);
    }
    Ok(LatLon { lat, lon })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll(lat: f64, lon: f64) -> LatLon {
        LatLon::new(lat, lon)
    }

    fn assert_close(actual: LatLon, expected: LatLon, tol: f64) {
        assert!(
            (actual.lat - expected.lat).abs() <= tol && (actual.lon - expected.lon).abs() <= tol,
            "{actual:?} differs from {expected:?} by more than {tol}"
        );
    }

    /// A spread of points across mainland China (Beijing, Shanghai, Urumqi,
    /// Harbin, Sanya, Lhasa, Guangzhou) for round-trip checks.
    const CHINA: [(f64, f64); 7] = [
        (39.915, 116.404),
        (31.2304, 121.4737),
        (43.8256, 87.6168),
        (45.8038, 126.5350),
        (18.2528, 109.5119),
        (29.6520, 91.1721),
        (23.1291, 113.2644),
    ];

    #[test]
    fn wgs_to_gcj_matches_published_reference() {
        // The widely used reference pair for Tiananmen.
        let gcj = wgs84_to_gcj02(ll(39.915, 116.404));
        assert_close(gcj, ll(39.91640428150164, 116.41024449916938), 1e-12);
    }

    #[test]
    fn gcj_to_bd_matches_published_reference() {
        let bd = gcj02_to_bd09(ll(39.915, 116.404));
        assert_close(bd, ll(39.92133699351022, 116.41036949371029), 1e-12);
    }

    #[test]
    fn bd_to_gcj_approximation_matches_published_reference() {
        // The closed form alone reproduces the published inverse value; the
        // refined inverse then lands within 1e-5 degree of it and exactly
        // inverts the forward transform.
        let approx = bd09_to_gcj02_approx(ll(39.92133699351022, 116.41036949371029));
        let refined = bd09_to_gcj02(ll(39.92133699351022, 116.41036949371029));
        assert_close(approx, ll(39.915, 116.404), 1e-5);
        assert_close(refined, ll(39.915, 116.404), 1e-10);
    }

    #[test]
    fn gcj_to_wgs_inverts_reference() {
        let wgs = gcj02_to_wgs84(ll(39.91640428150164, 116.41024449916938));
        assert_close(wgs, ll(39.915, 116.404), 1e-9);
    }

    #[test]
    fn offset_is_a_few_hundred_metres_in_china() {
        for &(lat, lon) in &CHINA {
            let p = ll(lat, lon);
            let d = crate::geo::distance::haversine_m(p, wgs84_to_gcj02(p));
            assert!((50.0..1000.0).contains(&d), "{p:?}: offset {d} m");
        }
    }

    #[test]
    fn wgs_gcj_round_trip_within_1e_7() {
        for &(lat, lon) in &CHINA {
            let p = ll(lat, lon);
            assert_close(gcj02_to_wgs84(wgs84_to_gcj02(p)), p, 1e-7);
            // And the other way: a GCJ point maps back onto itself.
            assert_close(wgs84_to_gcj02(gcj02_to_wgs84(p)), p, 1e-7);
        }
    }

    #[test]
    fn wgs_gcj_round_trip_on_a_dense_grid() {
        // Sweep the whole box so no region converges badly.
        let mut lat = 1.0;
        while lat < 55.5 {
            let mut lon = 73.0;
            while lon < 137.5 {
                let p = ll(lat, lon);
                assert_close(gcj02_to_wgs84(wgs84_to_gcj02(p)), p, 1e-7);
                lon += 1.37;
            }
            lat += 1.13;
        }
    }

    #[test]
    fn gcj_bd_round_trip() {
        for &(lat, lon) in &CHINA {
            let p = ll(lat, lon);
            assert_close(bd09_to_gcj02(gcj02_to_bd09(p)), p, 1e-9);
            assert_close(gcj02_to_bd09(bd09_to_gcj02(p)), p, 1e-9);
        }
    }

    #[test]
    fn crs_round_trips_for_every_system() {
        for crs in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
            for &(lat, lon) in &CHINA {
                let p = ll(lat, lon);
                assert_close(crs.to_wgs84(crs.from_wgs84(p)), p, 1e-7);
            }
        }
    }

    #[test]
    fn crs_dispatch_matches_free_functions() {
        let p = ll(39.915, 116.404);
        assert_eq!(Crs::Wgs84.to_wgs84(p), p);
        assert_eq!(Crs::Wgs84.from_wgs84(p), p);
        assert_eq!(Crs::Gcj02.from_wgs84(p), wgs84_to_gcj02(p));
        assert_eq!(Crs::Gcj02.to_wgs84(p), gcj02_to_wgs84(p));
        assert_eq!(Crs::Bd09.from_wgs84(p), gcj02_to_bd09(wgs84_to_gcj02(p)));
        assert_eq!(Crs::Bd09.to_wgs84(p), gcj02_to_wgs84(bd09_to_gcj02(p)));
    }

    #[test]
    fn no_gcj_offset_outside_china() {
        // London, New York, Sydney, Tokyo-ish east of the box, and a point
        // just past the box's northern edge.
        for p in [
            ll(51.5074, -0.1278),
            ll(40.7128, -74.0060),
            ll(-33.8688, 151.2093),
            ll(35.0, 139.0),
            ll(56.0, 120.0),
            ll(0.5, 100.0),
            ll(30.0, 71.9),
        ] {
            assert_eq!(wgs84_to_gcj02(p), p);
            assert_eq!(gcj02_to_wgs84(p), p);
            assert_eq!(Crs::Gcj02.to_wgs84(p), p);
        }
    }

    #[test]
    fn bd09_still_shifts_outside_china() {
        // Baidu applies its own offset everywhere; only GCJ-02 is boxed.
        let p = ll(51.5074, -0.1278);
        assert_ne!(gcj02_to_bd09(p), p);
        assert_close(bd09_to_gcj02(gcj02_to_bd09(p)), p, 1e-9);
    }

    #[test]
    fn non_finite_input_does_not_panic_or_loop() {
        let nan = ll(f64::NAN, 116.0);
        assert!(gcj02_to_wgs84(nan).lat.is_nan());
        assert!(bd09_to_gcj02(ll(39.0, f64::INFINITY)).lon.is_infinite());
        let _ = wgs84_to_gcj02(ll(f64::NAN, f64::NAN));
    }

    #[test]
    fn parse_and_display() {
        assert_eq!("wgs84".parse::<Crs>(), Ok(Crs::Wgs84));
        assert_eq!("GCJ02".parse::<Crs>(), Ok(Crs::Gcj02));
        assert_eq!("Bd09".parse::<Crs>(), Ok(Crs::Bd09));
        for crs in [Crs::Wgs84, Crs::Gcj02, Crs::Bd09] {
            assert_eq!(crs.to_string().parse::<Crs>(), Ok(crs));
        }
        assert_eq!(Crs::Gcj02.to_string(), "gcj02");
        assert_eq!(Crs::default(), Crs::Wgs84);
    }

    #[test]
    fn parse_rejects_unknown_names_with_helpful_message() {
        for bad in ["", "wgs-84", "gcj", " wgs84", "epsg:4326"] {
            let err = bad.parse::<Crs>().unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("wgs84") && msg.contains("gcj02") && msg.contains("bd09"));
            assert_eq!(err.input, bad);
        }
    }

    #[test]
    fn serde_uses_lowercase_names() {
        assert_eq!(serde_json::to_string(&Crs::Bd09).unwrap(), "\"bd09\"");
        assert_eq!(serde_json::from_str::<Crs>("\"gcj02\"").unwrap(), Crs::Gcj02);
        assert!(serde_json::from_str::<Crs>("\"Gcj02\"").is_err());
        let p: LatLon = serde_json::from_str(r#"{"lat":39.9,"lon":116.4}"#).unwrap();
        assert_eq!(p, ll(39.9, 116.4));
        assert_eq!(
            serde_json::to_value(p).unwrap(),
            serde_json::json!({"lat": 39.9, "lon": 116.4})
        );
    }

    #[test]
    fn latlon_coord_conversion_uses_x_lon_y_lat() {
        let c: ::geo::Coord<f64> = ll(39.9, 116.4).into();
        assert_eq!((c.x, c.y), (116.4, 39.9));
        assert_eq!(LatLon::from(c), ll(39.9, 116.4));
    }

    #[test]
    fn validate_point_accepts_range_edges() {
        assert_eq!(validate_point(90.0, 180.0), Ok(ll(90.0, 180.0)));
        assert_eq!(validate_point(-90.0, -180.0), Ok(ll(-90.0, -180.0)));
        assert_eq!(validate_point(39.9, 116.4), Ok(ll(39.9, 116.4)));
    }

    #[test]
    fn validate_point_rejects_bad_input() {
        assert_eq!(validate_point(f64::NAN, 0.0), Err(PointError::NotFinite));
        assert_eq!(validate_point(0.0, f64::INFINITY), Err(PointError::NotFinite));
        assert_eq!(
            validate_point(90.000001, 0.0),
            Err(PointError::LatitudeOutOfRange)
        );
        assert_eq!(validate_point(0.0, -180.5), Err(PointError::LongitudeOutOfRange));
        // Swapped lat/lon is the classic client bug: lat 116 is out of range.
        assert_eq!(validate_point(116.4, 39.9), Err(PointError::LatitudeOutOfRange));
        assert_eq!(
            PointError::LatitudeOutOfRange.to_string(),
            "latitude must be between -90 and 90"
        );
        assert_eq!(
            PointError::LongitudeOutOfRange.to_string(),
            "longitude must be between -180 and 180"
        );
    }
}
