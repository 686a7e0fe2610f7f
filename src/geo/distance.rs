//! Great-circle distance on a spherical Earth.

use crate::geo::crs::LatLon;

/// Mean Earth radius (IUGG R1) in metres, the radius used for every distance
/// this service reports.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two WGS-84 points.
///
/// Uses the haversine formula, which stays accurate for the very short
/// distances (metres) that matter when checking a worker's position.
pub fn haversine_m(a: LatLon, b: LatLon) -> f64 {
    let lat1 = a.lat.to_radians();
    let lat2 = b.lat.to_radians();
    let dlat = (b.lat - a.lat).to_radians();
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    // Rounding can push `h` a hair above 1 for antipodal points; clamp so
    // `asin` never sees an out-of-domain argument and returns NaN.
    2.0 * EARTH_RADIUS_M * h.clamp(0.0, 1.0).sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll(lat: f64, lon: f64) -> LatLon {
        LatLon::new(lat, lon)
    }

    #[test]
    fn zero_for_identical_points() {
        assert_eq!(haversine_m(ll(39.9, 116.4), ll(39.9, 116.4)), 0.0);
    }

    #[test]
    fn one_degree_of_latitude() {
        // π R / 180 ≈ 111 195.08 m.
        let d = haversine_m(ll(0.0, 0.0), ll(1.0, 0.0));
        assert!((d - 111_195.08).abs() < 0.05, "{d}");
    }

    #[test]
    fn one_degree_of_longitude_shrinks_with_cos_lat() {
        let at_equator = haversine_m(ll(0.0, 0.0), ll(0.0, 1.0));
        let at_60 = haversine_m(ll(60.0, 0.0), ll(60.0, 1.0));
        assert!((at_60 / at_equator - 0.5).abs() < 1e-4);
    }

    #[test]
    fn beijing_to_shanghai() {
        // Published great-circle distance is about 1067 km.
        let d = haversine_m(ll(39.9042, 116.4074), ll(31.2304, 121.4737));
        assert!((1_060_000.0..1_075_000.0).contains(&d), "{d}");
    }

    #[test]
    fn symmetric() {
        let a = ll(39.9042, 116.4074);
        let b = ll(31.2304, 121.4737);
        assert_eq!(haversine_m(a, b), haversine_m(b, a));
    }

    #[test]
    fn short_distances_are_precise() {
        // 1e-5 degree of latitude is about 1.11 m.
        let d = haversine_m(ll(39.9, 116.4), ll(39.90001, 116.4));
        assert!((d - 1.111_95).abs() < 1e-3, "{d}");
    }

    #[test]
    fn antipodes_and_dateline() {
        let half = std::f64::consts::PI * EARTH_RADIUS_M;
        let d = haversine_m(ll(0.0, 0.0), ll(0.0, 180.0));
        assert!((d - half).abs() < 1e-6 * half);
        // Crossing the antimeridian takes the short way round.
        let d = haversine_m(ll(0.0, 179.5), ll(0.0, -179.5));
        assert!((d - 111_195.08).abs() < 0.1, "{d}");
    }
}
