//! Test harness: `spawn_app()` starts the real server on a random port against a fresh, migrated
//! database — a temporary SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL` is
//! set — and returns a client for it: plain HTTP verbs, sign-in, and [`Reply`], an answer with
//! the assertions tests make of every answer. The worlds tests run in are built in
//! [`crate::fixtures`].

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

    /// The body, after asserting the answer is `status`: the server's answer is in the message
    /// when it is not.
    #[track_caller]
    pub fn expect_status(self, status: u16, what: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "{what}: {}", self.text);
        self.body
    }

    /// The body, after asserting the answer is a success (2xx).
    #[track_caller]
    pub fn expect_success(self, what: &str) -> Value {
        assert!(self.status.is_success(), "{what}: {} {}", self.status, self.text);
        self.body
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

/// Send a request built on [`TestApp::client`] and read the answer as a [`Reply`].
pub trait SendForReply {
    async fn reply(self) -> Reply;
}

impl SendForReply for reqwest::RequestBuilder {
    async fn reply(self) -> Reply {
        Reply::from(self.send().await.expect("request")).await
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
        request.reply().await
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
        request.reply().await
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
        request.reply().await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = self.client.delete(self.url(path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.reply().await
    }

    /// A POST carrying `If-Match: tag` (when given), as reassignment wants.
    pub async fn post_if_match(&self, path: &str, token: &str, tag: Option<&str>, body: &Value) -> Reply {
        let mut request = self.client.post(self.url(path)).bearer_auth(token).json(body);
        if let Some(tag) = tag {
            request = request.header("If-Match", tag);
        }
        request.reply().await
    }

    /// A POST carrying `Idempotency-Key: key`.
    pub async fn post_with_key(&self, path: &str, token: &str, key: &str, body: &Value) -> Reply {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .reply()
            .await
    }

    /// A request with `Authorization: {authorization}` as given (a partner's `ApiKey …`, a
    /// `Bearer …` of the wrong kind) or none at all.
    pub async fn send_as(
        &self,
        method: reqwest::Method,
        path: &str,
        authorization: Option<String>,
        body: Option<&Value>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(a) = authorization {
            request = request.header("authorization", a);
        }
        if let Some(b) = body {
            request = request.json(b);
        }
        request.reply().await
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
}
