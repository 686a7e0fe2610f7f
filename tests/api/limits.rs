//! Slow clients are cut off: a request head trickled byte by byte (slowloris) and a body that is
//! announced but never sent both end in 408 and a closed connection, so they cannot hold a
//! connection and a request forever. The timeouts are set to 2 s here; the waits are bounded
//! generously (liveness, not speed).

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, spawn_app_with};

async fn app() -> TestApp {
    spawn_app_with(&[
        ("GRIDASSIST_CLIENT_REQUEST_TIMEOUT_SECS", "2".to_owned()),
        ("GRIDASSIST_CLIENT_BODY_TIMEOUT_SECS", "2".to_owned()),
    ])
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    TcpStream::connect(address).await.expect("connect")
}

/// Everything the server sends until it closes the connection; panics if it is still open after
/// `bound`.
async fn read_to_close(stream: &mut tokio::net::tcp::OwnedReadHalf, bound: Duration) -> String {
    let mut seen = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(bound, read)
        .await
        .expect("the server kept the slow connection open");
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn a_request_head_trickled_byte_by_byte_is_cut_off() {
    let app = app().await;
    let (mut reader, mut writer) = connect(&app).await.into_split();
    let trickle = tokio::spawn(async move {
        let head = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n";
        if writer.write_all(head).await.is_err() {
            return;
        }
        // One more header byte every 100 ms, never the blank line that ends the head.
        for _ in 0..600 {
            if writer.write_all(b"x").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let answer = read_to_close(&mut reader, Duration::from_secs(30)).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    trickle.abort();
}

#[tokio::test]
async fn a_body_announced_but_never_sent_gets_408_and_the_connection_is_closed() {
    let app = app().await;
    let (mut reader, mut writer) = connect(&app).await.into_split();
    writer
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"username\":",
        )
        .await
        .expect("write");
    let answer = read_to_close(&mut reader, Duration::from_secs(30)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    drop(writer);
}

#[tokio::test]
async fn a_keyed_request_whose_body_times_out_leaves_its_key_free_for_the_retry() {
    let app = app().await;
    let admin = app.admin_token().await;
    let body = json!({"code": "C9", "name": "C9法院"}).to_string();
    let (mut reader, mut writer) = connect(&app).await.into_split();
    let head = format!(
        "POST /api/v1/courts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {admin}\r\n\
         Idempotency-Key: slow-court\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    writer.write_all(head.as_bytes()).await.expect("write head");
    writer
        .write_all(&body.as_bytes()[..body.len() / 2])
        .await
        .expect("write half the body");
    let answer = read_to_close(&mut reader, Duration::from_secs(30)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    drop(writer);

    // The phone sends it again, whole, with the same key: it runs (nothing was claimed or made).
    let retry = app
        .client
        .post(app.url("/api/v1/courts"))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "slow-court")
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("retry");
    assert_eq!(retry.status(), 201);
    let courts = app.get("/api/v1/courts", Some(&admin)).await;
    let made = courts.body["items"]
        .as_array()
        .map_or(0, |items| items.iter().filter(|c| c["code"] == "C9").count());
    assert_eq!(made, 1, "{}", courts.text);
}
