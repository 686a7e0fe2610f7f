//! Plain domain types and rules: roles, task kinds and the task state machine, the assignment
//! rule, validated names, codes, ID numbers, case numbers and phones, grid-worker availability,
//! the working-day calendar, the list of dishonest debtors and CSV reading, the clock, the audit
//! chain's keyed hashes and signed checkpoints, the applicant's view of a case's progress and the
//! arithmetic of the court's statistics. No actix, no diesel; everything here is unit-tested.

pub mod access;
pub mod assignment;
pub mod audit_chain;
pub mod batch_assign;
pub mod calendar;
pub mod case;
pub mod csv;
pub mod dishonest;
pub mod identity;
pub mod media;
pub mod named;
pub mod names;
pub mod partner_budget;
pub mod period;
pub mod progress;
pub mod role;
pub mod scoring;
pub mod statistics;
pub mod submission;
pub mod task_kind;
pub mod task_record;
pub mod task_state;
pub mod time;
pub mod worker;

pub use names::{Code, FreeText, Name, Password, Username, ValidationError};
pub use role::Role;
pub use task_kind::TaskKind;
pub use worker::{Availability, Capacity};
