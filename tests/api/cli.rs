//! The command line, run as the real binary: migrate, create an administrator from stdin,
//! import grids from a file next to a live server, and stop that server with SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::fixtures::{CaseBuilder, Party, collection, id_number, square};
use crate::helpers::Reply;
use crate::postgres::PostgresDatabase;
use crate::process::{free_port, output_with_stdin};

const BIN: &str = env!("CARGO_BIN_EXE_gridassist");

/// Environment for a CLI run: a fresh database (SQLite file, or a new PostgreSQL database when
/// TEST_DATABASE_URL is set) in a fresh data directory.
struct Env {
    dir: tempfile::TempDir,
    database_url: String,
    _postgres: Option<PostgresDatabase>,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        match crate::postgres::server_url() {
            Some(server) => {
                let db = PostgresDatabase::create(&server, "gridassist_test");
                Env {
                    dir,
                    database_url: db.url.clone(),
                    _postgres: Some(db),
                }
            }
            None => {
                let url = dir.path().join("cli.sqlite3").to_string_lossy().into_owned();
                Env {
                    dir,
                    database_url: url,
                    _postgres: None,
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

#[tokio::test]
async fn an_operator_sets_up_a_server_from_the_command_line() {
    let env = Env::new();

    let out = env.command(&["migrate"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The password comes from standard input, never from the command line.
    let out = output_with_stdin(
        env.command(&["admin", "create", "--username", "Ops"]),
        "an-operator-password\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created administrator ops"));

    // A short password is refused and creates nothing.
    let out = output_with_stdin(env.command(&["admin", "create", "--username", "ops2"]), "short\n");
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

/// Start `gridassist serve` with every log line (debug level, JSON) going to a file.
async fn serve_logging_to(env: &Env, log: &std::path::Path) -> (std::process::Child, String) {
    let port = free_port();
    let file = std::fs::File::create(log).unwrap();
    let mut server = env
        .command(&["serve"])
        .env("GRIDASSIST_BIND", format!("127.0.0.1:{port}"))
        .env("GRIDASSIST_LOG", "debug")
        .env("GRIDASSIST_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::from(file))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await
            && r.status() == 200
        {
            return (server, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    panic!("server did not become ready");
}

#[tokio::test]
async fn a_full_run_logs_no_personal_data_and_no_secrets() {
    let env = Env::new();
    assert!(env.command(&["migrate"]).output().unwrap().status.success());
    let out = output_with_stdin(
        env.command(&["admin", "create", "--username", "ops"]),
        "an-operator-password\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = env.dir.path().join("server.log");
    let (mut server, base) = serve_logging_to(&env, &log).await;
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut r = client.request(method, format!("{base}{path}"));
        if !body.is_null() {
            r = r.json(&body);
        }
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move { Reply::from(r.send().await.unwrap()).await }
    };
    let post = reqwest::Method::POST;
    let login = |user: &str, password: &str| {
        call(
            post.clone(),
            "/api/v1/auth/login",
            None,
            json!({"username": user, "password": password}),
        )
    };

    let admin_login = login("ops", "an-operator-password").await;
    let admin = admin_login.body["access_token"].as_str().unwrap().to_owned();
    let court = call(
        post.clone(),
        "/api/v1/courts",
        Some(&admin),
        json!({"code": "C1", "name": "法院"}),
    )
    .await;
    let court_id = court.body["id"].as_i64().unwrap();
    call(
        post.clone(),
        "/api/v1/townships",
        Some(&admin),
        json!({"code": "T1", "name": "镇", "court_id": court_id}),
    )
    .await;
    let grids = collection(vec![square("G1", "T1", 120.0, 32.0, 0.01)]);
    let imported = call(post.clone(), "/api/v1/grids/import", Some(&admin), grids).await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let grid_id = call(reqwest::Method::GET, "/api/v1/grids", Some(&admin), json!(null))
        .await
        .body["features"][0]["properties"]["id"]
        .as_i64()
        .unwrap();
    let township_id = call(
        reqwest::Method::GET,
        "/api/v1/townships",
        Some(&admin),
        json!(null),
    )
    .await
    .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    for (name, role) in [("officer.sun", "officer"), ("worker.zhou", "worker")] {
        let mut body =
            json!({"username": name, "display_name": name, "role": role, "password": "a-user-password-1"});
        if role == "officer" {
            body["court_id"] = json!(court_id);
        } else {
            body["township_id"] = json!(township_id);
        }
        let r = call(post.clone(), "/api/v1/users", Some(&admin), body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        if role == "worker" {
            let id = r.body["id"].as_i64().unwrap();
            let p = call(
                reqwest::Method::PUT,
                &format!("/api/v1/workers/{id}"),
                Some(&admin),
                json!({"primary_grid_id": grid_id, "capacity": 5, "availability": "active",
                       "certifications": [{"task_kind": "serve_documents", "certified_on": "2026-01-05"}]}),
            )
            .await;
            assert_eq!(p.status, 200, "{}", p.text);
        }
    }
    let officer = login("officer.sun", "a-user-password-1").await.body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let worker_login = login("worker.zhou", "a-user-password-1").await;
    let worker = worker_login.body["access_token"].as_str().unwrap().to_owned();
    let refresh = worker_login.body["refresh_token"].as_str().unwrap().to_owned();

    let id_number = id_number("32128319850607123");
    let phone = "13912345678";
    let address = "黄桥镇隐私路77号";
    let case = call(
        post.clone(),
        "/api/v1/cases",
        Some(&officer),
        CaseBuilder::new("(2026)苏1283执5号")
            .debtor(
                Party::person("王五")
                    .id_number(&id_number)
                    .phone(phone)
                    .address_at(address, 32.005, 120.005),
            )
            .body(),
    )
    .await;
    assert_eq!(case.status, 201, "{}", case.text);
    // A wrong ID number is refused without being echoed (nor logged).
    let mut wrong = id_number.clone();
    wrong.replace_range(17..18, if wrong.ends_with('0') { "1" } else { "0" });
    let refused = call(
        post.clone(),
        "/api/v1/cases",
        Some(&officer),
        json!({
        "case_number": "(2026)苏1283执6号", "amount_owed_fen": 100, "filed_on": "2026-01-10",
        "parties": [{"role": "debtor", "kind": "person", "name": "赵六", "id_number": wrong}]}),
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(!refused.text.contains(&wrong));
    let debtor = case.body["parties"][1]["id"].as_i64().unwrap();
    let task = call(
        post.clone(),
        &format!("/api/v1/cases/{}/tasks", case.body["id"]),
        Some(&officer),
        json!({"kind": "serve_documents", "party_id": debtor, "target": {"lat": 32.00512, "lon": 120.00634}}),
    )
    .await;
    let task_id = task.body["task"]["id"].as_i64().unwrap();
    let seen = call(
        reqwest::Method::GET,
        &format!("/api/v1/tasks/{task_id}"),
        Some(&worker),
        json!(null),
    )
    .await;
    assert_eq!(seen.body["party"]["phones"][0], phone);
    call(
        post.clone(),
        &format!("/api/v1/tasks/{task_id}/accept"),
        Some(&worker),
        json!({}),
    )
    .await;
    let checked = call(
        post.clone(),
        &format!("/api/v1/tasks/{task_id}/check-ins"),
        Some(&worker),
        json!({"client_id": "c1", "lat": 32.00577, "lon": 120.00688, "accuracy_m": 6.0,
               "captured_at": chrono::Utc::now().to_rfc3339()}),
    )
    .await;
    assert_eq!(checked.status, 201, "{}", checked.text);
    call(
        reqwest::Method::GET,
        "/api/v1/me/tasks",
        Some(&worker),
        json!(null),
    )
    .await;
    call(
        post.clone(),
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": refresh}),
    )
    .await;
    // A bad password and a forged token are logged as failures, without the secrets.
    login("worker.zhou", "not-the-password-9").await;
    call(
        reqwest::Method::GET,
        "/api/v1/me",
        Some("forged.token.value"),
        json!(null),
    )
    .await;

    let pid = server.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    for _ in 0..100 {
        if server.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.lines().count() > 20, "the run logged: {text}");
    for secret in [
        id_number.as_str(),
        &id_number[..14],
        wrong.as_str(),
        phone,
        address,
        "32.00577",
        "120.00688",
        "32.00512",
        "an-operator-password",
        "a-user-password-1",
        "not-the-password-9",
        admin.as_str(),
        officer.as_str(),
        worker.as_str(),
        refresh.as_str(),
        "forged.token.value",
    ] {
        assert!(!text.contains(secret), "the log holds {secret:?}");
    }
}
