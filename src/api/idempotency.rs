//! `Idempotency-Key` for POSTs: a phone on a bad network retries, and a retry must not do the
//! thing twice. The first request with a key claims it (an insert into a table keyed by user and
//! key, so of two concurrent copies exactly one wins); its answer is stored and every later copy
//! gets that answer back with `Idempotent-Replayed: true`, creating nothing. The same key with a
//! different request is 422 `idempotency_conflict`; a copy arriving while the first is still
//! running is 409 `request_in_progress` (retry shortly). Failures on our side (5xx) release the
//! key so a retry runs again. Keys are kept [`RETENTION`] and then purged.
//!
//! A crash between the request's effect and the stored answer must not let a retry act twice:
//! the request runs with its claim attached ([`db::with_claim`]), so each of its write
//! transactions stamps the claim as it commits. A retry finding a claim unanswered for
//! [`ABANDONED_AFTER`] runs the request again only if nothing was stamped; otherwise the effect
//! happened and the answer is gone with the process: 409 `answer_lost`.
//!
//! Requests without the header, without a valid bearer token (they fail on their own), or not
//! POSTs pass straight through. An answer carrying a secret shown only once (an applicant's
//! access code) is marked [`NotReplayable`]: it is never stored, and its key is released, so a
//! retry runs again (and issues a fresh secret) instead of reading the secret back from the
//! table.
//!
//! This module is the HTTP side (the header, the request's digest, replaying a stored answer);
//! claiming, storing and releasing keys is `services::idempotency`.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::auth::AuthUser;
use crate::db;
use crate::error::ApiError;
use crate::services::idempotency::{self as keys, Claim, KeyRecord};
use crate::state::AppState;

/// The request header.
pub const KEY_HEADER: &str = "idempotency-key";
/// The header marking a replayed answer.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
pub use crate::services::idempotency::{ABANDONED_AFTER, RETENTION};
/// Response headers a replay repeats.
const REPLAYED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::ETAG, header::LOCATION];

/// Marks a response (in its extensions) whose body must never be stored for replay.
#[derive(Debug, Clone, Copy)]
pub struct NotReplayable;

fn boxed<B: MessageBody + 'static>(res: ServiceResponse<B>) -> ServiceResponse<BoxBody> {
    res.map_into_boxed_body()
}

fn refuse(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(error.error_response())
}

/// The middleware (wrap with `actix_web::middleware::from_fn`).
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get(KEY_HEADER) {
        Some(value) if req.method() == Method::POST => value.to_str().map(|k| k.trim().to_owned()),
        _ => return next.call(req).await.map(boxed),
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.chars().count() <= 255 && !k.chars().any(char::is_control) => k,
        _ => {
            let error = ApiError::invalid("Idempotency-Key", "1–255 visible characters");
            return Ok(refuse(req, error));
        }
    };
    let (Some(state), Ok(user)) = (
        req.app_data::<web::Data<AppState>>().cloned(),
        req.extract::<AuthUser>().await,
    ) else {
        return next.call(req).await.map(boxed);
    };
    let limit = state
        .config
        .json_limit
        .max(state.config.import_limit)
        .max(state.config.evidence_max_bytes + 64 * 1024);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        // Too large for any operation: the handler refuses it (413) without reading it.
        return next.call(req).await.map(boxed);
    }
    let body = match read_body(&mut req, limit).await {
        Ok(body) => body,
        Err(error) => return Ok(refuse(req, error)),
    };
    let digest = request_digest(&req, &body);
    req.set_payload(Payload::from(body));

    let (user_id, claim_key) = (user.id, key.clone());
    let claim = state
        .db
        .run(move |conn| keys::claim(conn, user_id, &claim_key, &digest))
        .await;
    match claim {
        Err(error) => Ok(refuse(req, error)),
        Ok(Claim::Replay(record)) => {
            let response = replay(&record);
            Ok(req.into_response(response))
        }
        Ok(Claim::Run(claimed_at)) => {
            let claim = db::RequestClaim {
                user_id,
                key: key.clone(),
                claimed_at,
            };
            let response = db::with_claim(claim, next.call(req)).await?;
            finish(&state, (user_id, key, claimed_at), response).await
        }
    }
}

async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, ApiError> {
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid("body", "the request body could not be read"))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// What makes two requests "the same": method, path and query, content type, body.
fn request_digest(req: &ServiceRequest, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b"\n");
    hasher.update(req.uri().path_and_query().map_or("", |p| p.as_str()));
    hasher.update(b"\n");
    hasher.update(
        req.headers()
            .get(header::CONTENT_TYPE)
            .map_or(&b""[..], HeaderValue::as_bytes),
    );
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

fn replay(record: &KeyRecord) -> HttpResponse {
    let status = record
        .status_code
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    let headers: serde_json::Map<String, serde_json::Value> = record
        .response_headers
        .as_deref()
        .and_then(|h| serde_json::from_str(h).ok())
        .unwrap_or_default();
    for (name, value) in headers {
        if let Some(value) = value.as_str() {
            response.insert_header((name, value.to_owned()));
        }
    }
    response.insert_header((REPLAYED_HEADER, "true"));
    response.body(record.body.clone().unwrap_or_default())
}

/// Store the answer (or release the key after a failure of ours, or when the answer holds a
/// secret) and pass the answer on.
async fn finish(
    state: &web::Data<AppState>,
    (user_id, key, claimed_at): (i64, String, chrono::NaiveDateTime),
    response: ServiceResponse<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let status = response.status();
    let secret = response.response().extensions().get::<NotReplayable>().is_some();
    if status.is_server_error() || secret {
        let released = state
            .db
            .run(move |conn| keys::release(conn, (user_id, &key, claimed_at), secret))
            .await;
        if let Err(error) = released {
            tracing::error!(code = error.code(), "could not release an idempotency key");
        }
        return Ok(boxed(response));
    }
    let (req, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("response body unreadable"))?;
    let headers: serde_json::Map<String, serde_json::Value> = REPLAYED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = head.headers().get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), value.into()))
        })
        .collect();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let stored = state
        .db
        .run(move |conn| {
            let headers = serde_json::Value::Object(headers).to_string();
            let code = i32::from(status.as_u16());
            let answer = (code, headers.as_str(), text.as_str());
            keys::complete(conn, (user_id, &key, claimed_at), answer)
        })
        .await;
    if let Err(error) = stored {
        // The effect happened; only the replay copy is missing. The claim is stamped, so a retry
        // is told `answer_lost` rather than run again.
        tracing::error!(code = error.code(), "could not store an idempotent answer");
    }
    Ok(ServiceResponse::new(
        req,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}
