//! The command line, run as the real binary: migrate, create an administrator from stdin,
//! import grids from a file next to a live server, and stop that server with SIGTERM.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::helpers::{Reply, collection, square};

const BIN: &str = env!("CARGO_BIN_EXE_gridassist");

/// Environment for a CLI run: a fresh database (SQLite file, or a new PostgreSQL database when
/// TEST_DATABASE_URL is set) in a fresh data directory.
struct Env {
    dir: tempfile::TempDir,
    database_url: String,
    postgres: Option<(String, String)>,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(base) => {
                let (url, base, name) = crate::helpers::fresh_postgres(&base);
                Env {
                    dir,
                    database_url: url,
                    postgres: Some((base, name)),
                }
            }
            None => {
                let url = dir.path().join("cli.sqlite3").to_string_lossy().into_owned();
                Env {
                    dir,
                    database_url: url,
                    postgres: None,
                }
            }
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("GRIDASSIST_DATA_DIR", self.dir.path())
            .env("GRIDASSIST_LOG_FORMAT", "text")
            .env_remove("GRIDASSIST_JWT_SECRET")
            .env_remove("GRIDASSIST_BIND");
        c
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((base, name)) = self.postgres.take() {
            crate::helpers::drop_postgres(&base, &name);
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn an_operator_sets_up_a_server_from_the_command_line() {
    let env = Env::new();

    let out = env.command(&["migrate"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The password comes from standard input, never from the command line.
    let mut child = env
        .command(&["admin", "create", "--username", "Ops"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"an-operator-password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created administrator ops"));

    // A short password is refused and creates nothing.
    let mut child = env
        .command(&["admin", "create", "--username", "ops2"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));

    // Serve, with a short interval for noticing grid changes made outside the server.
    let port = free_port();
    let mut server = env
        .command(&["serve"])
        .env("GRIDASSIST_BIND", format!("127.0.0.1:{port}"))
        .env("GRIDASSIST_GRID_REFRESH_SECS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "server did not become ready");
    // The signing key was generated and kept in the data directory.
    assert!(env.dir.path().join("jwt-secret.key").exists());

    let login = Reply::from(
        client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "ops", "password": "an-operator-password"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let token = login.body["access_token"].as_str().unwrap().to_owned();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let court = Reply::from(
        post("/api/v1/courts", json!({"code": "C1", "name": "法院"}))
            .await
            .unwrap(),
    )
    .await;
    let court_id = court.body["id"].as_i64().unwrap();
    let t = post(
        "/api/v1/townships",
        json!({"code": "T1", "name": "镇", "court_id": court_id}),
    )
    .await
    .unwrap();
    assert_eq!(t.status(), 201);

    // Import a GCJ-02 file from the command line while the server runs.
    let corner = gridassist::geo::wgs84_to_gcj02(gridassist::geo::LatLon {
        lat: 32.0,
        lon: 120.0,
    });
    let file = env.dir.path().join("grids.geojson");
    let fc = collection(vec![
        square("G-CLI", "T1", corner.lon, corner.lat, 0.01),
        square("G-BAD", "T404", corner.lon, corner.lat, 0.01),
    ]);
    std::fs::write(&file, fc.to_string()).unwrap();
    let out = env
        .command(&["import-grids", file.to_str().unwrap(), "--crs", "gcj02"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("created 1, updated 0, rejected 1"), "{stdout}");
    assert!(stdout.contains("G-BAD"), "{stdout}");

    // The live server notices the change on its own.
    let mut located = None;
    for _ in 0..50 {
        let r = client
            .get(format!("{base}/api/v1/grids/locate?lat=32.005&lon=120.005"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            located = Some(Reply::from(r).await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let located = located.expect("the server never saw the imported grid");
    assert_eq!(located.body["grid"]["code"], "G-CLI");

    // SIGTERM: the server drains and exits cleanly.
    let pid = server.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = server.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = match exited {
        Some(status) => status,
        None => {
            let _ = server.kill();
            panic!("server did not stop after SIGTERM");
        }
    };
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

#[test]
fn the_openapi_subcommand_prints_the_checked_in_document() {
    let out = Command::new(BIN).arg("openapi").output().unwrap();
    assert!(out.status.success());
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/api-spec/openapi.json")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), checked_in);
}
