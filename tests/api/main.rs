//! Integration tests: each drives the real server over HTTP on a fresh database
//! (SQLite by default; PostgreSQL when TEST_DATABASE_URL is set).

mod fixtures;
mod helpers;
#[path = "../support/postgres.rs"]
mod postgres;
#[path = "../support/process.rs"]
mod process;
#[path = "../support/webhook_receiver.rs"]
mod webhook_receiver;

mod audit;
mod auth;
mod authz;
mod check_ins;
mod cli;
mod console;
mod court_walls;
mod demo;
mod dishonest;
mod evidence;
mod field_app;
mod grids;
mod health;
mod idempotency;
mod limits;
mod notifications;
mod openapi;
mod optimize;
mod organisation;
mod progress;
mod results;
mod scores;
mod statistics;
mod storage;
mod sync;
mod tasks;
mod trail;
mod users;
mod validation;
mod workers;
