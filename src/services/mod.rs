//! Use cases. Each public function is one thing a user does; transaction boundaries live here
//! (via [`crate::db::write_tx`]), and every write records its audit row in the same transaction.

pub mod accounts;
pub mod auth;
pub mod caller;
pub mod grid_import;
pub mod grid_map;
pub mod organisation;
pub mod workers;

pub use caller::Caller;
