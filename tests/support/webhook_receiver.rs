//! A webhook receiver on 127.0.0.1 standing in for an outside service (the SMS/push gateway, a
//! partner department, the audit checkpoint store): a real HTTP server in the test process that
//! remembers every delivery — headers, raw body and when it came — and answers 503 to its first
//! `failures` calls, then 204. Shared by `tests/api` and `tests/crash` (included with `#[path]`).

use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde_json::Value;

/// One call the receiver took.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// When it arrived (Unix seconds): a signature is judged as of then.
    pub received_at: i64,
}

impl Delivery {
    /// The value of header `name` (lower case), or "" when it was not sent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn webhook_id(&self) -> &str {
        self.header("webhook-id")
    }

    /// Whether the delivery carries a valid Standard Webhooks signature for `secret`
    /// (`whsec_` and base64), checked as of its arrival with the usual five minutes' tolerance.
    pub fn signed_with(&self, secret: &str) -> bool {
        let key = base64::engine::general_purpose::STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .expect("a whsec_ secret");
        gridassist::services::webhook::verify(
            &key,
            self.webhook_id(),
            self.header("webhook-timestamp"),
            self.header("webhook-signature"),
            &self.body,
            self.received_at,
            300,
        )
    }

    /// The body as JSON (Null when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// A running receiver: its URL and what it has taken so far.
pub struct Receiver {
    pub url: String,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    /// Listen on 127.0.0.1 for POSTs to `path`; the first `failures` calls get 503, the rest 204.
    pub async fn start(path: &str, failures: usize) -> Receiver {
        let deliveries: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let state = (
            deliveries.clone(),
            Arc::new(Mutex::new(failures)),
            path.to_owned(),
        );
        let server = actix_web::HttpServer::new(move || {
            let (deliveries, failures, path) = state.clone();
            actix_web::App::new().route(
                &path,
                web::post().to(move |req: HttpRequest, body: String| {
                    let (deliveries, failures) = (deliveries.clone(), failures.clone());
                    async move {
                        let headers = req
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
                            .collect();
                        deliveries.lock().expect("receiver lock").push(Delivery {
                            headers,
                            body,
                            received_at: chrono::Utc::now().timestamp(),
                        });
                        let mut left = failures.lock().expect("receiver lock");
                        if *left > 0 {
                            *left -= 1;
                            HttpResponse::ServiceUnavailable().finish()
                        } else {
                            HttpResponse::NoContent().finish()
                        }
                    }
                }),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind the receiver");
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Receiver {
            url: format!("http://127.0.0.1:{port}{path}"),
            deliveries,
        }
    }

    /// Every delivery so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().expect("receiver lock").clone()
    }

    pub fn count(&self) -> usize {
        self.deliveries.lock().expect("receiver lock").len()
    }
}
