//! Use cases. Each public function is one thing a user does; transaction boundaries live here
//! (via [`crate::db::write_tx`]), and every write records its audit row in the same transaction.

pub mod access_codes;
pub mod accounts;
pub mod appeals;
pub mod assignment;
pub mod audit;
pub mod audit_checkpoints;
pub mod auth;
pub mod caller;
pub mod cases;
pub mod check_ins;
pub mod deadlines;
pub mod dishonest;
pub mod evidence;
pub mod geocoder;
pub mod grid_import;
pub mod grid_map;
pub mod idempotency;
pub mod me;
pub mod notifications;
pub mod optimize;
pub mod organisation;
pub mod partners;
pub mod progress;
pub mod scoring;
pub mod statistics;
pub mod submissions;
pub mod sync;
pub mod take_down;
pub mod task_access;
pub mod task_log;
pub mod tasks;
pub mod training;
pub mod webhook;
pub mod workers;

/// A page of a list, as the list use cases take it.
pub use crate::repo::PageRequest;
/// Who did something, as the audit trail names them.
pub use crate::repo::audit::Actor;
pub use caller::Caller;
