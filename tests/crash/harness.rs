//! The harness: a fresh database of either engine (a SQLite file, or a new PostgreSQL database
//! when `TEST_DATABASE_URL` is set, as in `tests/api`), the real `gridassist` binary as a child
//! process on a fixed port that survives restarts, and a small HTTP client for it. The webhook
//! receiver standing in for the SMS/push gateway is `tests/support/webhook_receiver.rs`.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::postgres::PostgresDatabase;
use crate::process::{free_port, output_with_stdin};

pub const BIN: &str = env!("CARGO_BIN_EXE_gridassist");
pub const ADMIN_PASSWORD: &str = "crash-admin-password";
pub const PASSWORD: &str = "crash-user-password";
pub const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const JWT_SECRET: [u8; 32] = [7u8; 32];

/// A fresh database, dropped (PostgreSQL) or deleted with its directory (SQLite) at the end.
pub struct Database {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
}

impl Database {
    pub fn fresh() -> Database {
        let dir = tempfile::tempdir().expect("temp dir");
        match crate::postgres::server_url() {
            Some(server) => {
                let db = PostgresDatabase::create(&server, "gridassist_crash");
                Database {
                    url: db.url.clone(),
                    dir,
                    postgres: Some(db),
                }
            }
            None => Database {
                url: dir.path().join("crash.sqlite3").to_string_lossy().into_owned(),
                dir,
                postgres: None,
            },
        }
    }

    pub fn engine(&self) -> &'static str {
        if self.postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// The SQLite file, when the engine is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.postgres.is_none().then(|| PathBuf::from(&self.url))
    }
}

/// The real binary serving one database. Its standard error goes to `server.log` in the
/// database's directory (appended across restarts) and is shown when something fails.
pub struct Server {
    pub base: String,
    port: u16,
    url: String,
    data_dir: PathBuf,
    log: PathBuf,
    extra: Vec<(String, String)>,
    child: Option<Child>,
}

impl Server {
    pub fn new(db: &Database, extra: &[(&str, String)]) -> Server {
        let port = free_port();
        Server {
            base: format!("http://127.0.0.1:{port}"),
            port,
            url: db.url.clone(),
            data_dir: db.dir.path().to_path_buf(),
            log: db.dir.path().join("server.log"),
            extra: extra.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            child: None,
        }
    }

    /// The binary with exactly this server's environment (nothing inherited but `PATH`).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.url)
            .env("GRIDASSIST_DATA_DIR", &self.data_dir)
            .env("GRIDASSIST_BIND", format!("127.0.0.1:{}", self.port))
            .env(
                "GRIDASSIST_JWT_SECRET",
                base64::engine::general_purpose::STANDARD.encode(JWT_SECRET),
            )
            .env("GRIDASSIST_LOG_FORMAT", "text")
            .env("GRIDASSIST_LOG", "warn")
            .env("GRIDASSIST_DEADLINE_SWEEP_SECS", "86400");
        for (k, v) in &self.extra {
            c.env(k, v);
        }
        c
    }

    /// Run a command-line tool against the database, with `stdin` as its input.
    pub fn cli(&self, args: &[&str], stdin: &str) -> Output {
        output_with_stdin(self.command(args), stdin)
    }

    /// Start serving and wait until `/readyz` answers 200.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("server log");
        let child = self
            .command(&["serve"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn gridassist serve");
        self.child = Some(child);
        let client = reqwest::Client::new();
        let started = Instant::now();
        // A liveness bound for a slow, shared machine, not a speed assertion.
        while started.elapsed() < Duration::from_secs(90) {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await
                && r.status() == 200
            {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("server exited at start-up ({status}):\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server not ready after 90 s:\n{}", self.log_tail());
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL the server");
            child.wait().expect("reap the server");
        }
    }

    /// SIGTERM: ask for a graceful stop.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Wait (at most `bound`) for the process to exit on its own; None if it is still running.
    pub async fn wait_exit(&mut self, bound: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < bound {
            let child = self.child.as_mut().expect("server running");
            if let Some(status) = child.try_wait().expect("poll the server") {
                self.child = None;
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// The end of the server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A response's status and JSON body (Null when it is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
    /// `Idempotent-Replayed: true`: the answer recorded for an earlier copy of the request.
    pub replayed: bool,
}

/// What a client saw: an answer, or no answer at all (refused, reset, cut short).
#[derive(Debug)]
pub enum Sent {
    Answer(Reply),
    NoAnswer(String),
}

/// A client for one server run. Made afresh after every restart, so no pooled connection to a
/// dead process is reused.
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            base: base.to_owned(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Sent {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        if let Some(k) = key {
            request = request.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            request = request.json(b);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Sent::NoAnswer(format!("{e:?}")),
        };
        let status = response.status().as_u16();
        let replayed = response
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true");
        match response.text().await {
            Ok(text) => Sent::Answer(Reply {
                status,
                body: serde_json::from_str(&text).unwrap_or(Value::Null),
                text,
                replayed,
            }),
            Err(e) => Sent::NoAnswer(format!("{e:?}")),
        }
    }

    /// A request that must be answered (seeding, verification): panics otherwise.
    pub async fn must(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        match self.send(method, path, token, None, body).await {
            Sent::Answer(r) => r,
            Sent::NoAnswer(e) => panic!("{path}: no answer: {e}"),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.must(reqwest::Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.must(reqwest::Method::POST, path, token, Some(body)).await
    }

    pub async fn token(&self, username: &str, password: &str) -> String {
        let r = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(r.status, 200, "login {username}: {}", r.text);
        r.body["access_token"].as_str().expect("access_token").to_owned()
    }

    /// Log in while the server may be dying: None when there was no answer.
    pub async fn try_token(&self, username: &str, password: &str) -> Option<String> {
        let body = json!({"username": username, "password": password});
        match self
            .send(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                None,
                Some(&body),
            )
            .await
        {
            Sent::Answer(r) => {
                assert_eq!(r.status, 200, "login {username}: {}", r.text);
                r.body["access_token"].as_str().map(str::to_owned)
            }
            Sent::NoAnswer(_) => None,
        }
    }
}

/// What one test county holds.
pub struct Seed {
    pub officer: String,
    pub workers: Vec<(i64, String)>,
    pub case_id: i64,
}

/// The target point of every task: inside grid G-SW.
pub const TARGET: (f64, f64) = (32.005, 120.005);

/// The first administrator, made the way an operator makes it: `gridassist admin create`.
pub fn create_admin(server: &Server) {
    let out = server.cli(
        &["admin", "create", "--username", "admin"],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Through the API: a court, a township, one grid, an officer, `workers` grid workers covering
/// that grid (capacity 200, certified to serve documents) and an open case.
pub async fn seed(api: &Api, workers: usize) -> Seed {
    let admin = api.token("admin", ADMIN_PASSWORD).await;
    let court = api
        .post(
            "/api/v1/courts",
            Some(&admin),
            &json!({"code": "C1", "name": "C1法院"}),
        )
        .await;
    assert_eq!(court.status, 201, "{}", court.text);
    let court_id = court.body["id"].as_i64().expect("court id");
    let township = api
        .post(
            "/api/v1/townships",
            Some(&admin),
            &json!({"code": "T1", "name": "T1镇", "court_id": court_id}),
        )
        .await;
    assert_eq!(township.status, 201, "{}", township.text);
    let township_id = township.body["id"].as_i64().expect("township id");
    let (lon, lat, side) = (120.0, 32.0, 0.01);
    let grids = json!({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"code": "G-SW", "name": "G-SW网格", "township_code": "T1"},
        "geometry": {"type": "Polygon", "coordinates": [[
            [lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]
        ]]}
    }]});
    let imported = api
        .post("/api/v1/grids/import?crs=wgs84", Some(&admin), &grids)
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    let listed = api.get("/api/v1/grids", &admin).await;
    let grid_id = listed.body["features"][0]["properties"]["id"]
        .as_i64()
        .expect("grid id");
    let user = |username: &str, role: &str| {
        let (court, township) = match role {
            "officer" => (Some(court_id), None),
            _ => (None, Some(township_id)),
        };
        json!({"username": username, "display_name": username, "password": PASSWORD,
               "role": role, "court_id": court, "township_id": township})
    };
    let r = api
        .post("/api/v1/users", Some(&admin), &user("officer.crash", "officer"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut seeded_workers = Vec::new();
    for n in 1..=workers {
        let name = format!("worker{n}");
        let r = api
            .post("/api/v1/users", Some(&admin), &user(&name, "worker"))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_i64().expect("user id");
        let profile = json!({"primary_grid_id": grid_id, "capacity": 200, "availability": "active",
                             "certifications": [{"task_kind": "serve_documents", "certified_on": "2026-01-05"}]});
        let r = api
            .must(
                reqwest::Method::PUT,
                &format!("/api/v1/workers/{id}"),
                Some(&admin),
                Some(&profile),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        seeded_workers.push((id, name));
    }
    let officer = api.token("officer.crash", PASSWORD).await;
    let case = api
        .post(
            "/api/v1/cases",
            Some(&officer),
            &json!({"case_number": "(2026)苏1283执9号", "amount_owed_fen": 100, "filed_on": "2026-01-10",
                    "parties": [{"role": "applicant", "kind": "person", "name": "甲"},
                                {"role": "debtor", "kind": "person", "name": "乙"}]}),
        )
        .await;
    assert_eq!(case.status, 201, "{}", case.text);
    Seed {
        officer: "officer.crash".to_owned(),
        workers: seeded_workers,
        case_id: case.body["id"].as_i64().expect("case id"),
    }
}

/// Every task of the officer's court, through the API, following `next_cursor`.
pub async fn all_tasks(api: &Api, token: &str) -> Vec<Value> {
    let mut tasks = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/tasks?limit=200&cursor={c}"),
            None => "/api/v1/tasks?limit=200".to_owned(),
        };
        let page = api.get(&path, token).await;
        assert_eq!(page.status, 200, "{}", page.text);
        tasks.extend(page.body["items"].as_array().cloned().unwrap_or_default());
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return tasks,
        }
    }
}
