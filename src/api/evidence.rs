//! Evidence upload (the assignee, from the phone) and download (officers of the case's court).
//! The upload body is the file itself; its type is recognised from its bytes.

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::extract::{read_body, request_id};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::media::{EvidenceKind, sniff};
use crate::domain::time;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::evidence::{Evidence, EvidenceStore, Stored, Upload, sha256_hex};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    pub kind: EvidenceKind,
    /// The SHA-256 the phone computed (hex); the upload is refused if the bytes differ.
    pub sha256: Option<String>,
    /// When the photo or recording was taken (the phone's clock).
    pub captured_at: Option<DateTime<Utc>>,
    /// The phone's id for this upload; a retry with the same id records nothing new. May be
    /// given as the `Idempotency-Key` header instead.
    pub client_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: i64,
    pub task_id: i64,
    pub kind: String,
    /// As recognised from the bytes.
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub captured_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
}

fn dto(e: Evidence) -> EvidenceDto {
    EvidenceDto {
        id: e.id,
        task_id: e.task_id,
        kind: e.kind.as_str().to_owned(),
        media_type: e.media_type,
        size_bytes: e.size_bytes,
        sha256: e.sha256,
        captured_at: e.captured_at.map(time::to_utc),
        received_at: time::to_utc(e.received_at),
    }
}

/// Upload a photo (JPEG, PNG, HEIC), signature (PNG), audio recording or PDF for a task you
/// hold. The body is the file. Returns its id; a retry with the same client id answers 200 with
/// the first upload.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path), UploadQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"), security(("bearer" = [])), responses(
    (status = 201, body = EvidenceDto),
    (status = 200, description = "A replay of an upload already recorded", body = EvidenceDto),
    (status = 400, description = "digest_mismatch", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not a file type this kind of evidence accepts; the answer names those it does", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "evidence_kind_mismatch or idempotency_conflict", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/evidence")]
pub async fn upload_evidence(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<i64>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::UploadEvidence)?;
    let limit = state.config.evidence_max_bytes;
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge);
    }
    let bytes = read_body(&mut payload.into_inner(), limit).await?.to_vec();
    if bytes.is_empty() {
        return Err(ApiError::invalid("body", "the file is empty"));
    }
    let q = query.into_inner();
    // The body is the file, whatever its Content-Type says: a refusal names the types this kind
    // of evidence takes, never the JSON that other operations do.
    let media_type =
        sniff(&bytes).ok_or_else(|| ApiError::UnsupportedMediaType(q.kind.expected_body().into()))?;
    if !q.kind.accepts(media_type) {
        return Err(ApiError::unprocessable(
            "evidence_kind_mismatch",
            format!("a {} cannot be a {media_type} file", q.kind.as_str()),
        ));
    }
    let sha256 = sha256_hex(&bytes);
    if let Some(claimed) = &q.sha256
        && !claimed.eq_ignore_ascii_case(&sha256)
    {
        return Err(ApiError::invalid(
            "sha256",
            "the file's SHA-256 differs from the one sent: it was damaged on the way",
        ));
    }
    let client_id = super::extract::client_id(q.client_id, &req)?;
    let upload = Upload {
        kind: q.kind,
        media_type,
        bytes,
        sha256,
        captured_at: q.captured_at.map(|t| t.naive_utc()),
        client_id,
    };
    let task_id = path.into_inner();
    let store = EvidenceStore::new(state.config.evidence_dir.clone());
    let rid = request_id(&rid);
    let stored = state
        .run_as(permit, rid, move |conn, caller| {
            services::evidence::upload(conn, &store, caller, task_id, upload)
        })
        .await?;
    Ok(match stored {
        Stored::Created(e) => HttpResponse::Created().json(dto(e)),
        Stored::Replayed(e) => HttpResponse::Ok().json(dto(e)),
    })
}

/// Download evidence (officers of the case's court). The bytes are checked against their
/// recorded SHA-256 first: a file altered on disk is answered 500 `evidence_integrity_failed`
/// and never served. The digest is in `Repr-Digest`.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, description = "The file, in the media type it was stored as (`EvidenceKind::media_types`)", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "image/heic"), (Vec<u8> = "audio/mpeg"), (Vec<u8> = "audio/mp4"), (Vec<u8> = "audio/wav"), (Vec<u8> = "audio/amr"), (Vec<u8> = "audio/ogg"), (Vec<u8> = "audio/webm"), (Vec<u8> = "application/pdf"))),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 500, description = "evidence_integrity_failed", body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/evidence/{id}")]
pub async fn download_evidence(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::DownloadEvidence)?;
    let id = path.into_inner();
    let store = EvidenceStore::new(state.config.evidence_dir.clone());
    let rid = request_id(&rid);
    let (row, bytes) = state
        .run_as(permit, rid, move |conn, caller| {
            services::evidence::download(conn, &store, caller, id)
        })
        .await?;
    let digest = hex::decode(&row.sha256).unwrap_or_default();
    let digest = base64::engine::general_purpose::STANDARD.encode(digest);
    Ok(HttpResponse::Ok()
        .content_type(row.media_type.as_str())
        .insert_header(("Repr-Digest", format!("sha-256=:{digest}:")))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

/// The evidence of a task (metadata only), for the officer, the township supervisor and the
/// assignee.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Vec<EvidenceDto>),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/tasks/{id}/evidence")]
pub async fn list_evidence(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListEvidence)?;
    let task_id = path.into_inner();
    let rows = state
        .run_as(permit, None, move |conn, caller| {
            services::evidence::list(conn, caller, task_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(dto).collect::<Vec<_>>()))
}
