//! The write load and its ledger. Every write is an intent with its own `Idempotency-Key`: an
//! officer creates a task (automatic assignment), the assigned worker accepts it, then checks in
//! at the target. The ledger remembers what each intent's client saw: acknowledged (a 2xx, with
//! its body), still pending (no answer, `409 request_in_progress`, a 5xx — to be re-sent with
//! the same key, as a phone would), or finally refused (any other answer).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::Mutex as AsyncMutex;

use crate::harness::{Api, PASSWORD, Reply, Sent, TARGET};

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Create,
    Accept { task: i64 },
    CheckIn { task: i64 },
}

#[derive(Debug, Clone)]
pub struct Intent {
    pub key: String,
    pub op: Op,
    pub user: String,
    pub path: String,
    pub body: Option<Value>,
}

impl Intent {
    /// POST it with its `Idempotency-Key`, as the holder of `token`.
    pub async fn send_as(&self, api: &Api, token: &str) -> Sent {
        api.send(
            reqwest::Method::POST,
            &self.path,
            Some(token),
            Some(&self.key),
            self.body.as_ref(),
        )
        .await
    }
}

#[derive(Debug, Clone)]
pub enum State {
    Pending { attempts: u32 },
    Acked(Value),
    Refused(Reply),
}

#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub sent: u64,
    pub resent: u64,
    pub no_answer: u64,
    pub in_progress: u64,
    pub server_errors: u64,
}

#[derive(Default)]
struct Book {
    intents: BTreeMap<String, (Intent, State)>,
    /// Intents never sent yet, per user (workers' accepts and check-ins wait here).
    fresh: HashMap<String, VecDeque<String>>,
    next_create: u64,
    counts: Counts,
}

/// Access tokens per user, renewed on 401 (a long run outlives the 15-minute tokens).
#[derive(Default)]
pub struct Tokens(AsyncMutex<HashMap<String, String>>);

impl Tokens {
    /// The user's token, signing in if needed; None when the server did not answer.
    pub async fn get(&self, api: &Api, user: &str) -> Option<String> {
        let mut tokens = self.0.lock().await;
        if let Some(t) = tokens.get(user) {
            return Some(t.clone());
        }
        let t = api.try_token(user, PASSWORD).await?;
        tokens.insert(user.to_owned(), t.clone());
        Some(t)
    }

    pub async fn forget(&self, user: &str) {
        self.0.lock().await.remove(user);
    }
}

#[derive(Clone)]
pub struct Ledger {
    book: Arc<Mutex<Book>>,
    pub officer: String,
    pub case_id: i64,
    /// Worker user id → username.
    workers: Arc<HashMap<i64, String>>,
    pub tokens: Arc<Tokens>,
}

impl Ledger {
    pub fn new(officer: &str, case_id: i64, workers: &[(i64, String)]) -> Ledger {
        Ledger {
            book: Arc::default(),
            officer: officer.to_owned(),
            case_id,
            workers: Arc::new(workers.iter().cloned().collect()),
            tokens: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().expect("ledger lock")
    }

    /// The marker a created task carries in its instructions, found again by reading tasks back.
    pub fn marker(key: &str) -> String {
        format!("crash-test {key}")
    }

    /// A new task-creation intent.
    pub fn new_create(&self) -> Intent {
        let mut book = self.lock();
        book.next_create += 1;
        let key = format!("create-{:06}", book.next_create);
        let intent = Intent {
            op: Op::Create,
            user: self.officer.clone(),
            path: format!("/api/v1/cases/{}/tasks", self.case_id),
            body: Some(
                json!({"kind": "serve_documents", "instructions": Self::marker(&key),
                              "target": {"lat": TARGET.0, "lon": TARGET.1}}),
            ),
            key: key.clone(),
        };
        book.intents
            .insert(key, (intent.clone(), State::Pending { attempts: 0 }));
        intent
    }

    /// The next never-sent intent of `user`.
    pub fn next_fresh(&self, user: &str) -> Option<Intent> {
        let mut book = self.lock();
        let key = book.fresh.get_mut(user)?.pop_front()?;
        book.intents.get(&key).map(|(i, _)| i.clone())
    }

    fn add(&self, book: &mut Book, intent: Intent) {
        if book.intents.contains_key(&intent.key) {
            return;
        }
        book.fresh
            .entry(intent.user.clone())
            .or_default()
            .push_back(intent.key.clone());
        book.intents
            .insert(intent.key.clone(), (intent, State::Pending { attempts: 0 }));
    }

    /// Intents that were sent and are still unanswered (to re-send with the same key); with
    /// `all`, also those never sent.
    pub fn pending(&self, all: bool) -> Vec<Intent> {
        let book = self.lock();
        book.intents
            .values()
            .filter(|(_, s)| matches!(s, State::Pending { attempts } if all || *attempts > 0))
            .map(|(i, _)| i.clone())
            .collect()
    }

    pub fn snapshot(&self) -> Vec<(Intent, State)> {
        self.lock().intents.values().cloned().collect()
    }

    pub fn counts(&self) -> Counts {
        self.lock().counts.clone()
    }

    /// Send one intent and record what came back. Returns false when there was no answer (the
    /// server is gone): a writer then stops until the next round.
    pub async fn send(&self, api: &Api, intent: &Intent) -> bool {
        let Some(token) = self.tokens.get(api, &intent.user).await else {
            self.record(intent, Sent::NoAnswer("could not sign in".to_owned()));
            return false;
        };
        let sent = intent.send_as(api, &token).await;
        if let Sent::Answer(r) = &sent
            && r.status == 401
        {
            self.tokens.forget(&intent.user).await;
        }
        let answered = matches!(sent, Sent::Answer(_));
        self.record(intent, sent);
        answered
    }

    fn record(&self, intent: &Intent, sent: Sent) {
        let mut book = self.lock();
        book.counts.sent += 1;
        let attempts = match book.intents.get(&intent.key) {
            Some((_, State::Pending { attempts })) => *attempts,
            // Already settled (a copy raced it): keep the first outcome.
            _ => return,
        };
        if attempts > 0 {
            book.counts.resent += 1;
        }
        let state = match sent {
            Sent::NoAnswer(_) => {
                book.counts.no_answer += 1;
                State::Pending {
                    attempts: attempts + 1,
                }
            }
            Sent::Answer(r) if (200..300).contains(&r.status) => State::Acked(r.body),
            Sent::Answer(r) if r.status == 409 && r.body["code"] == "request_in_progress" => {
                book.counts.in_progress += 1;
                State::Pending {
                    attempts: attempts + 1,
                }
            }
            Sent::Answer(r) if r.status >= 500 || r.status == 401 => {
                book.counts.server_errors += 1;
                State::Pending {
                    attempts: attempts + 1,
                }
            }
            Sent::Answer(r) => State::Refused(r),
        };
        // What an acknowledgement makes possible next: the assignee accepts, then checks in.
        let follow_up = match (&intent.op, &state) {
            (Op::Create, State::Acked(body)) => {
                let task = body["task"]["id"].as_i64();
                let worker = body["task"]["assignee_id"]
                    .as_i64()
                    .and_then(|w| self.workers.get(&w).cloned());
                task.zip(worker).map(|(task, user)| Intent {
                    key: format!("accept-{task}"),
                    op: Op::Accept { task },
                    user,
                    path: format!("/api/v1/tasks/{task}/accept"),
                    body: None,
                })
            }
            (Op::Accept { task }, State::Acked(_)) => Some(Intent {
                key: format!("check-in-{task}"),
                op: Op::CheckIn { task: *task },
                user: intent.user.clone(),
                path: format!("/api/v1/tasks/{task}/check-ins"),
                body: Some(json!({"lat": TARGET.0, "lon": TARGET.1, "accuracy_m": 8.0,
                                  "captured_at": chrono::Utc::now().to_rfc3339()})),
            }),
            _ => None,
        };
        if let Some((_, s)) = book.intents.get_mut(&intent.key) {
            *s = state;
        }
        if let Some(next) = follow_up {
            self.add(&mut book, next);
        }
    }

    /// Re-send the given intents with their keys, a few at a time.
    pub async fn resend(&self, api: &Api, intents: Vec<Intent>) {
        futures_util::stream::iter(intents)
            .for_each_concurrent(8, |intent| async move {
                self.send(api, &intent).await;
            })
            .await;
    }

    /// Writers until `stop` is set or the server stops answering: `creators` officers' loops
    /// creating tasks, and one loop per worker accepting and checking in.
    pub fn spawn_writers(
        &self,
        api: &Api,
        creators: usize,
        stop: Arc<AtomicBool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let mut handles = Vec::new();
        for _ in 0..creators {
            let (ledger, api, stop) = (self.clone(), api.clone(), stop.clone());
            handles.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let intent = ledger.new_create();
                    if !ledger.send(&api, &intent).await {
                        break;
                    }
                }
            }));
        }
        for user in self.workers.values() {
            let (ledger, api, stop, user) = (self.clone(), api.clone(), stop.clone(), user.clone());
            handles.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    match ledger.next_fresh(&user) {
                        Some(intent) => {
                            if !ledger.send(&api, &intent).await {
                                break;
                            }
                        }
                        None => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
                    }
                }
            }));
        }
        handles
    }
}
