//! SIGTERM: the server stops taking connections, finishes the requests it has accepted, and
//! exits 0 within its shutdown timeout. "Accepted" is made exact with `Expect: 100-continue`:
//! the server answers `100 Continue` only once it has read the request head and started the
//! request, so a request whose client saw it is in flight for certain. Those requests send the
//! rest of their body only after the signal, and must still be answered and stored.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{self, Api, Database, Sent, Server, TARGET};
use crate::load::{Ledger, State};

/// Requests held open across the signal.
const HELD: usize = 6;

/// Read from `stream` until `buf` holds a whole response head, then its `Content-Length` body.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> (u16, String) {
    let read = async {
        loop {
            if let Some(end) = find(buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                let status: u16 = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + length]).into_owned();
                    buf.drain(..end + 4 + length);
                    return (status, body);
                }
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.expect("read (connection reset?)");
            assert!(
                n > 0,
                "connection closed before a whole response: {:?}",
                String::from_utf8_lossy(buf)
            );
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("no response within 60 s")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One connection with a task-creation request started before the signal: the server has
/// answered an earlier request on it (so it took the connection) and `100 Continue` to this one
/// (so it took the request); half the body is still to come.
struct Held {
    stream: TcpStream,
    buf: Vec<u8>,
    rest: Vec<u8>,
    marker: String,
}

async fn hold(port: u16, token: &str, case_id: i64, n: usize) -> Held {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let mut buf = Vec::new();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let (status, _) = read_response(&mut stream, &mut buf).await;
    assert_eq!(status, 200);
    let marker = format!("sigterm-held-{n}");
    let body = json!({"kind": "serve_documents", "instructions": marker,
                      "target": {"lat": TARGET.0, "lon": TARGET.1}})
    .to_string()
    .into_bytes();
    let head = format!(
        "POST /api/v1/cases/{case_id}/tasks HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Idempotency-Key: {marker}\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write head");
    let continued = async {
        loop {
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                let line = String::from_utf8_lossy(&buf[..end]).into_owned();
                buf.drain(..end + 4);
                return line;
            }
            let mut chunk = [0u8; 1024];
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "closed before 100 Continue");
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    let line = tokio::time::timeout(Duration::from_secs(30), continued)
        .await
        .expect("no 100 Continue");
    assert!(line.starts_with("HTTP/1.1 100"), "{line}");
    let half = body.len() / 2;
    stream.write_all(&body[..half]).await.expect("write body");
    Held {
        stream,
        buf,
        rest: body[half..].to_vec(),
        marker,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_requests_in_flight_and_exits_cleanly() {
    let db = Database::fresh();
    let mut server = Server::new(&db, &[]);
    harness::create_admin(&server);
    server.start().await;
    let api = Api::new(&server.base);
    let seed = harness::seed(&api, 2).await;
    let ledger = Ledger::new(&seed.officer, seed.case_id, &seed.workers);
    let officer = api.token(&seed.officer, harness::PASSWORD).await;
    let port: u16 = server
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");

    let mut held = Vec::new();
    for n in 0..HELD {
        held.push(hold(port, &officer, seed.case_id, n).await);
    }
    // Other writers keep the server busy across the signal.
    let stop = Arc::new(AtomicBool::new(false));
    let writers = ledger.spawn_writers(&api, 3, stop.clone());
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let signalled = Instant::now();
    server.terminate();
    // The listener closes: new connections are refused from now on.
    let refusing = async {
        while TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), refusing)
        .await
        .expect("still accepting connections 20 s after SIGTERM");

    // The requests taken before the signal are finished: answered, not reset.
    let mut created = HashMap::new();
    for h in &mut held {
        h.stream
            .write_all(&h.rest)
            .await
            .expect("write the rest of the body");
        let (status, body) = read_response(&mut h.stream, &mut h.buf).await;
        assert_eq!(status, 201, "{}: {body}", h.marker);
        let body: Value = serde_json::from_str(&body).expect("json");
        created.insert(h.marker.clone(), body["task"]["id"].clone());
    }
    // Then the process exits 0, well within its 30-second shutdown timeout (bound generously).
    let status = server
        .wait_exit(Duration::from_secs(60))
        .await
        .unwrap_or_else(|| panic!("still running 60 s after SIGTERM:\n{}", server.log_tail()));
    assert!(status.success(), "exit status {status}:\n{}", server.log_tail());
    let stopped_after = signalled.elapsed();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }

    // Everything answered 2xx is stored, exactly once.
    server.start().await;
    let api = Api::new(&server.base);
    let officer = api.token(&seed.officer, harness::PASSWORD).await;
    // What went unanswered around the signal was never started: sent again with its key, it
    // runs now for the first time (no recorded answer, no claim left over).
    let unanswered = ledger.pending(false);
    for intent in &unanswered {
        let token = api.token(&intent.user, harness::PASSWORD).await;
        let sent = intent.send_as(&api, &token).await;
        match sent {
            Sent::Answer(r) => assert!(
                (200..300).contains(&r.status) && !r.replayed,
                "{}: {} (replayed: {}): the server had taken it and its answer was lost: {}",
                intent.key,
                r.status,
                r.replayed,
                r.text
            ),
            Sent::NoAnswer(e) => panic!("{}: {e}", intent.key),
        }
    }
    let tasks = harness::all_tasks(&api, &officer).await;
    let count = |marker: &str| tasks.iter().filter(|t| t["instructions"] == marker).count();
    for (marker, id) in &created {
        assert_eq!(count(marker), 1, "{marker}");
        assert!(
            tasks
                .iter()
                .any(|t| &t["id"] == id && t["instructions"] == marker.as_str())
        );
    }
    let mut acknowledged = 0;
    for (intent, state) in ledger.snapshot() {
        if let State::Acked(body) = state {
            acknowledged += 1;
            if matches!(intent.op, crate::load::Op::Create) {
                let marker = Ledger::marker(&intent.key);
                assert_eq!(count(&marker), 1, "{marker}");
                assert!(tasks.iter().any(|t| t["id"] == body["task"]["id"]));
            }
        }
    }
    server.terminate();
    let status = server.wait_exit(Duration::from_secs(60)).await.expect("exit");
    assert!(status.success(), "exit status {status}");
    eprintln!(
        "sigterm test on {}: {HELD} held requests finished after the signal; other writers: \
         {acknowledged} acknowledged, {} unanswered (never started: they ran when sent again); \
         stopped {:.1} s after SIGTERM",
        db.engine(),
        unanswered.len(),
        stopped_after.as_secs_f64()
    );
}
