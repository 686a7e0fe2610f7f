//! A PostgreSQL database of its own for one test, made under the server `TEST_DATABASE_URL`
//! points at and dropped (closing any connection still open to it) when the test is done.
//! Shared by `tests/api` and `tests/crash` (included with `#[path]`); without
//! `TEST_DATABASE_URL` the tests run on a SQLite file instead.

use diesel::{Connection, PgConnection, connection::SimpleConnection};
use rand::RngCore;

/// The server to make test databases on: `TEST_DATABASE_URL`, when it is set and not empty.
pub fn server_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// A database made for one test; dropped with this value.
pub struct PostgresDatabase {
    pub url: String,
    server: String,
    name: String,
}

impl PostgresDatabase {
    /// A fresh database named `{prefix}_{random}` on the server at `server`.
    pub fn create(server: &str, prefix: &str) -> PostgresDatabase {
        let mut suffix = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut suffix);
        let name = format!("{prefix}_{}", hex::encode(suffix));
        let mut admin = PgConnection::establish(server).expect("TEST_DATABASE_URL must reach PostgreSQL");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create test database");
        let (base, _) = server
            .rsplit_once('/')
            .expect("TEST_DATABASE_URL needs a database path");
        PostgresDatabase {
            url: format!("{base}/{name}"),
            server: server.to_owned(),
            name,
        }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.server) {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name));
        }
    }
}
