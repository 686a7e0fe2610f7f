//! Test harness: `spawn_app()` starts the real server on a random port against a fresh, migrated
//! database — a temporary SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL` is
//! set — and returns a client for it. Fixture helpers create organisation, grids and users
//! through the API, the way a user would.

use std::collections::HashMap;

use base64::Engine;
use gridassist::config::Config;
use gridassist::domain::{Name, Password, Role, Username};
use gridassist::repo::audit::Actor;
use gridassist::services::accounts::{self, NewAccount};
use gridassist::startup::Application;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::postgres::{self, PostgresDatabase};

/// The JWT secret the test server uses, so tests can forge tokens to attack it.
pub const TEST_JWT_SECRET: [u8; 32] = [42u8; 32];
pub const ADMIN_PASSWORD: &str = "admin-test-password";
pub const PASSWORD: &str = "user-test-password";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub app_state: actix_web::web::Data<gridassist::state::AppState>,
    database_url: String,
    _data_dir: tempfile::TempDir,
    /// The PostgreSQL database this server made for itself (dropped with it), if any.
    _postgres: Option<PostgresDatabase>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// A server with extra configuration (environment-style pairs) and the bootstrap admin.
pub async fn spawn_app_with(extra: &[(&str, String)]) -> TestApp {
    let app = spawn_configured(extra).await;
    app.create_account_directly("admin", Role::Admin, None, None, ADMIN_PASSWORD)
        .await;
    app
}

/// A server on a fresh database with no accounts at all.
pub async fn spawn_empty_app() -> TestApp {
    spawn_configured(&[]).await
}

async fn spawn_configured(extra: &[(&str, String)]) -> TestApp {
    spawn_on(extra, None).await
}

impl TestApp {
    /// Another node of the same deployment: a second server on this one's database, as several
    /// app nodes share one PostgreSQL, with its own in-memory state (rate limiters, caches).
    pub async fn another_node(&self, extra: &[(&str, String)]) -> TestApp {
        spawn_on(extra, Some(self.database_url.clone())).await
    }
}

/// A server on `database` (the database of another node, which owns it), or on a fresh one.
async fn spawn_on(extra: &[(&str, String)], database: Option<String>) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (database_url, postgres) = match (database, postgres::server_url()) {
        (Some(shared), _) => (shared, None),
        (None, Some(server)) => {
            let db = PostgresDatabase::create(&server, "gridassist_test");
            (db.url.clone(), Some(db))
        }
        (None, None) => (
            data_dir
                .path()
                .join("test.sqlite3")
                .to_string_lossy()
                .into_owned(),
            None,
        ),
    };
    let mut env = HashMap::new();
    env.insert("DATABASE_URL", database_url.clone());
    env.insert("GRIDASSIST_BIND", "127.0.0.1:0".to_owned());
    env.insert(
        "GRIDASSIST_DATA_DIR",
        data_dir.path().to_string_lossy().into_owned(),
    );
    env.insert(
        "GRIDASSIST_JWT_SECRET",
        base64::engine::general_purpose::STANDARD.encode(TEST_JWT_SECRET),
    );
    // Tests drive the deadlines sweep with their own clock; keep the real-time one out of the way.
    env.insert("GRIDASSIST_DEADLINE_SWEEP_SECS", "86400".to_owned());
    for (k, v) in extra {
        env.insert(k, v.clone());
    }
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("config");
    let app = Application::build(config).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let app_state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        app_state,
        database_url,
        _data_dir: data_dir,
        _postgres: postgres,
    }
}

/// A response's status and JSON body (Null when the body is not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Assert this is a problem document with the given status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "body: {}",
            self.text
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = self.client.get(self.url(path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        Reply::from(request.send().await.expect("request")).await
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path)).json(body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        Reply::from(request.send().await.expect("request")).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send_json(reqwest::Method::POST, path, token, body).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send_json(reqwest::Method::PUT, path, token, body).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send_json(reqwest::Method::PATCH, path, token, body).await
    }

    /// Post raw bytes with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        Reply::from(request.send().await.expect("request")).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// Log in and return the access token; panics if the login fails.
    pub async fn token(&self, username: &str, password: &str) -> String {
        let reply = self.login(username, password).await;
        assert_eq!(reply.status, StatusCode::OK, "login {username}: {}", reply.text);
        reply.body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.token("admin", ADMIN_PASSWORD).await
    }

    /// Create an account without going through HTTP (the bootstrap admin).
    pub async fn create_account_directly(
        &self,
        username: &str,
        role: Role,
        court_id: Option<i64>,
        township_id: Option<i64>,
        password: &str,
    ) -> i64 {
        let account = NewAccount {
            username: Username::parse(username).unwrap(),
            display_name: Name::parse(username).unwrap(),
            password: Password::parse(password).unwrap(),
            role,
            court_id,
            township_id,
        };
        let user = self
            .app_state
            .db
            .run(move |conn| accounts::create(conn, &Actor::cli(), account))
            .await
            .expect("create account");
        user.id
    }

    pub async fn create_court(&self, admin: &str, code: &str) -> i64 {
        let r = self
            .post(
                "/api/v1/courts",
                Some(admin),
                &json!({"code": code, "name": format!("{code}法院")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_i64().unwrap()
    }

    pub async fn create_township(&self, admin: &str, code: &str, court_id: i64) -> i64 {
        let r = self
            .post(
                "/api/v1/townships",
                Some(admin),
                &json!({"code": code, "name": format!("{code}镇"), "court_id": court_id}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_i64().unwrap()
    }

    /// Create a user through the API; returns its id.
    pub async fn create_user(
        &self,
        admin: &str,
        username: &str,
        role: &str,
        court_id: Option<i64>,
        township_id: Option<i64>,
    ) -> i64 {
        let r = self
            .post(
                "/api/v1/users",
                Some(admin),
                &json!({"username": username, "display_name": username, "password": PASSWORD,
                        "role": role, "court_id": court_id, "township_id": township_id}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_i64().unwrap()
    }

    pub async fn import_grids(&self, admin: &str, collection: &Value, crs: &str) -> Reply {
        self.post(
            &format!("/api/v1/grids/import?crs={crs}"),
            Some(admin),
            collection,
        )
        .await
    }
}

/// A square grid feature: lower-left corner (lon, lat), side in degrees, [lon, lat] positions.
pub fn square(code: &str, township_code: &str, lon: f64, lat: f64, side: f64) -> Value {
    json!({
        "type": "Feature",
        "properties": {"code": code, "name": format!("{code}网格"), "township_code": township_code},
        "geometry": {"type": "Polygon", "coordinates": [[
            [lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]
        ]]}
    })
}

pub fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

/// A county with one court, one township (code T1) and a 2 × 2 block of 0.01° grids
/// (G-SW, G-SE, G-NW, G-NE) with the south-west corner at (120.0 E, 32.0 N).
pub struct County {
    pub admin: String,
    pub court_id: i64,
    pub township_id: i64,
}

pub async fn county(app: &TestApp) -> County {
    let admin = app.admin_token().await;
    let court_id = app.create_court(&admin, "C1").await;
    let township_id = app.create_township(&admin, "T1", court_id).await;
    let fc = collection(vec![
        square("G-SW", "T1", 120.00, 32.00, 0.01),
        square("G-SE", "T1", 120.01, 32.00, 0.01),
        square("G-NW", "T1", 120.00, 32.01, 0.01),
        square("G-NE", "T1", 120.01, 32.01, 0.01),
    ]);
    let r = app.import_grids(&admin, &fc, "wgs84").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["created"], 4, "{}", r.text);
    County {
        admin,
        court_id,
        township_id,
    }
}

/// The id of the grid with `code`, as `GET /api/v1/grids` lists it to the token's holder.
pub async fn grid_id(app: &TestApp, token: &str, code: &str) -> i64 {
    let grids = app.get("/api/v1/grids", Some(token)).await;
    grids.body["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code"] == code)
        .and_then(|f| f["properties"]["id"].as_i64())
        .unwrap_or_else(|| panic!("no grid {code}"))
}

/// The county of [`county`] at work: an officer, the township's supervisor, two grid workers
/// covering G-SW and certified to serve documents (ids and tokens), and one open case.
pub struct Field {
    pub officer: String,
    pub supervisor: String,
    pub workers: Vec<(i64, String)>,
    pub case_id: i64,
}

pub async fn field(app: &TestApp) -> Field {
    let c = county(app).await;
    app.create_user(&c.admin, "officer.wang", "officer", Some(c.court_id), None)
        .await;
    app.create_user(&c.admin, "super.li", "supervisor", None, Some(c.township_id))
        .await;
    let sw = grid_id(app, &c.admin, "G-SW").await;
    let mut workers = Vec::new();
    for name in ["worker1", "worker2"] {
        let id = app
            .create_user(&c.admin, name, "worker", None, Some(c.township_id))
            .await;
        let body = json!({"primary_grid_id": sw, "capacity": 10, "availability": "active",
                          "certifications": [{"task_kind": "serve_documents", "certified_on": "2026-01-05"}]});
        let r = app
            .put(&format!("/api/v1/workers/{id}"), Some(&c.admin), &body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        workers.push((id, app.token(name, PASSWORD).await));
    }
    let officer = app.token("officer.wang", PASSWORD).await;
    let case = app
        .post(
            "/api/v1/cases",
            Some(&officer),
            &json!({"case_number": "(2026)苏1283执7号", "amount_owed_fen": 100, "filed_on": "2026-01-10",
                    "parties": [{"role": "applicant", "kind": "person", "name": "甲"}, {"role": "debtor", "kind": "person", "name": "乙"}]}),
        )
        .await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.text);
    Field {
        officer,
        supervisor: app.token("super.li", PASSWORD).await,
        workers,
        case_id: case.body["id"].as_i64().unwrap(),
    }
}

/// A valid national ID number with the right checksum (GB 11643).
pub fn id_number(prefix17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = prefix17
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{prefix17}{check}")
}
