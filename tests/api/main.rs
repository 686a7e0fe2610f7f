//! Integration tests: each drives the real server over HTTP on a fresh database
//! (SQLite by default; PostgreSQL when TEST_DATABASE_URL is set).

mod helpers;

mod auth;
mod check_ins;
mod cli;
mod demo;
mod evidence;
mod grids;
mod health;
mod openapi;
mod organisation;
mod storage;
mod tasks;
mod users;
mod validation;
mod workers;
