//! Background tasks that run beside the HTTP server (named `jobs` so they never collide with
//! the grid-worker domain).

pub mod audit_checkpoints;
pub mod deadlines;
pub mod grid_map_refresh;
pub mod housekeeping;
pub mod webhooks;
