//! Plain domain types and rules: roles, task kinds, validated names and codes, grid-worker
//! availability, the clock. No actix, no diesel; everything here is unit-tested.

pub mod names;
pub mod role;
pub mod task_kind;
pub mod time;
pub mod worker;

pub use names::{Code, Name, Password, Username, ValidationError};
pub use role::Role;
pub use task_kind::TaskKind;
pub use worker::{Availability, Capacity};
