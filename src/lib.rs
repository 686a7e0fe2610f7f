//! gridassist: a REST backend that helps courts enforce civil judgments with the help of
//! community grid workers (网格+执行).
//!
//! Layers point one way: [`api`] → [`services`] → [`repo`] → [`db`], with [`domain`] and [`geo`]
//! pure. See `docs/API-DESIGN.md` for the conventions of the HTTP surface. [`console`] serves the
//! web console for officers and supervisors (`web/`, embedded), a client of that same API.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod geo;
pub mod jobs;
pub mod repo;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
