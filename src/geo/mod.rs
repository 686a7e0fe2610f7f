//! Geography for gridassist: coordinate systems (WGS-84 / GCJ-02 / BD-09),
//! great-circle distance, GeoJSON grid polygon import/validation/export, and
//! the in-memory spatial index that answers "which grid contains this point".
//!
//! Everything here is pure computation: no I/O, no logging, no global state.
//! Stored geometry is always WGS-84 with `x = longitude`, `y = latitude`.

pub mod crs;
pub mod distance;
pub mod geometry;
pub mod index;

pub use crs::*;
pub use distance::*;
pub use geometry::*;
pub use index::*;
