//! Evidence: photos, signatures, audio and PDFs a worker uploads for a task. The bytes are
//! stored content-addressed (`<dir>/<aa>/<bb>/<sha256>`, written to a temporary file, synced and
//! renamed, so a crash never leaves a half file under a real name); the database keeps the
//! metadata. Evidence is append-only: a correction is a new item. At download the bytes are
//! hashed again and a file altered on disk is reported, never served.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::evidence;
use crate::db::{DbConn, task_tx};
use crate::domain::media::EvidenceKind;
use crate::domain::task_record::EventAction;
use crate::domain::task_state::TaskStatus;
use crate::domain::{Role, time};
use crate::error::ApiError;
use crate::repo;
use crate::repo::seals::Sealed;
use crate::services::Caller;
use crate::services::task_log::TaskChange;
use crate::services::tasks::{View, get};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence)]
pub struct Evidence {
    pub id: i64,
    pub task_id: i64,
    pub uploader_id: i64,
    pub kind: EvidenceKind,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub captured_at: Option<NaiveDateTime>,
    pub received_at: NaiveDateTime,
    pub client_id: Option<String>,
}

/// The content-addressed file store.
#[derive(Debug, Clone)]
pub struct EvidenceStore {
    root: PathBuf,
}

/// Why stored bytes could not be served.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the stored file is missing")]
    Missing,
    #[error("the stored file no longer matches its SHA-256")]
    Altered,
    #[error("storage failed: {0}")]
    Io(#[from] std::io::Error),
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl EvidenceStore {
    pub fn new(root: impl Into<PathBuf>) -> EvidenceStore {
        EvidenceStore { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        // Only our own 64-hex-digit names ever reach the file system.
        if sha256.len() != 64
            || !sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return None;
        }
        Some(self.root.join(&sha256[..2]).join(&sha256[2..4]).join(sha256))
    }

    /// Store bytes whose digest is `sha256` (already computed by the caller). An existing file
    /// with that name is kept if intact and replaced if it was damaged.
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.path_of(sha256).ok_or(StoreError::Missing)?;
        if let Ok(existing) = std::fs::read(&path)
            && sha256_hex(&existing) == sha256
        {
            return Ok(());
        }
        let dir = path.parent().ok_or(StoreError::Missing)?;
        std::fs::create_dir_all(dir)?;
        let temp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, &path)?;
        sync_dir(dir);
        Ok(())
    }

    /// The bytes, checked against their recorded digest.
    pub fn get(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path_of(sha256).ok_or(StoreError::Missing)?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StoreError::Missing),
            Err(e) => return Err(e.into()),
        };
        if sha256_hex(&bytes) != sha256 {
            return Err(StoreError::Altered);
        }
        Ok(bytes)
    }

    /// Where a digest's file lives (for operators and tests).
    pub fn file_path(&self, sha256: &str) -> Option<PathBuf> {
        self.path_of(sha256)
    }
}

fn sync_dir(dir: &Path) {
    // Makes the rename durable on Linux; not all platforms can open a directory, and the file
    // itself is already synced, so a failure here is not fatal.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A validated upload.
pub struct Upload {
    pub kind: EvidenceKind,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub captured_at: Option<NaiveDateTime>,
    pub client_id: Option<String>,
}

pub enum Stored {
    Created(Evidence),
    Replayed(Evidence),
}

/// Statuses in which the assignee may add evidence.
const OPEN_FOR_EVIDENCE: [TaskStatus; 3] =
    [TaskStatus::Accepted, TaskStatus::InProgress, TaskStatus::Returned];

fn find_by_client_id(conn: &mut DbConn, uploader: i64, client_id: &str) -> QueryResult<Option<Evidence>> {
    evidence::table
        .filter(evidence::uploader_id.eq(uploader))
        .filter(evidence::client_id.eq(client_id))
        .select(Evidence::as_select())
        .first(conn)
        .optional()
}

/// Store an upload for a task the caller holds.
pub fn upload(
    conn: &mut DbConn,
    store: &EvidenceStore,
    caller: &Caller,
    task_id: i64,
    upload: Upload,
) -> Result<Stored, ApiError> {
    if let Some(client_id) = &upload.client_id
        && let Some(existing) = find_by_client_id(conn, caller.id, client_id)?
    {
        if existing.task_id == task_id && existing.sha256 == upload.sha256 && existing.kind == upload.kind {
            return Ok(Stored::Replayed(existing));
        }
        return Err(ApiError::unprocessable(
            "idempotency_conflict",
            "this client_id was already used for other evidence",
        ));
    }
    let (task, view) = get(conn, caller, task_id)?;
    if view != View::Worker {
        return Err(ApiError::Forbidden);
    }
    let status = task.status;
    if !OPEN_FOR_EVIDENCE.contains(&status) {
        return Err(ApiError::conflict(
            "invalid_transition",
            format!(
                "evidence can be added to an accepted or ongoing task; this one is {}",
                status.as_str()
            ),
        ));
    }
    // Bytes first: a row must never point at a file that is not there.
    store
        .put(&upload.sha256, &upload.bytes)
        .map_err(ApiError::internal)?;
    let stored = task_tx(conn, |conn| {
        let now = time::now();
        let row: Evidence = diesel::insert_into(evidence::table)
            .values((
                evidence::task_id.eq(task.id),
                evidence::uploader_id.eq(caller.id),
                evidence::kind.eq(upload.kind),
                evidence::media_type.eq(upload.media_type),
                evidence::size_bytes.eq(upload.bytes.len() as i64),
                evidence::sha256.eq(&upload.sha256),
                evidence::captured_at.eq(upload.captured_at),
                evidence::received_at.eq(now),
                evidence::client_id.eq(upload.client_id.as_deref()),
            ))
            .returning(evidence::all_columns)
            .get_result(conn)?;
        TaskChange::new(task.id, EventAction::Evidence, status)
            .by(caller.actor())
            .from(status)
            .assignee(Some(caller.id))
            .detail(&serde_json::json!({"evidence_id": row.id, "kind": row.kind, "sha256": row.sha256, "size_bytes": row.size_bytes}))
            .at(now)
            .about(Sealed::Evidence, row.id)
            .record(conn)?;
        Ok::<_, ApiError>(row)
    });
    match stored {
        Ok(row) => Ok(Stored::Created(row)),
        // The same upload raced in twice: the other copy is now recorded.
        Err(ApiError::Conflict {
            code: "already_exists",
            ..
        }) => {
            let client_id = upload.client_id.as_deref().unwrap_or_default();
            find_by_client_id(conn, caller.id, client_id)?
                .map(Stored::Replayed)
                .ok_or(ApiError::NotFound("evidence"))
        }
        Err(e) => Err(e),
    }
}

/// The evidence of a task, oldest first, for whoever may see the task.
pub fn list(conn: &mut DbConn, caller: &Caller, task_id: i64) -> Result<Vec<Evidence>, ApiError> {
    get(conn, caller, task_id)?;
    Ok(evidence::table
        .filter(evidence::task_id.eq(task_id))
        .select(Evidence::as_select())
        .order(evidence::id)
        .load(conn)?)
}

/// Evidence metadata and verified bytes, for officers of the case's court. Every download is
/// audited; a damaged file is reported and audited, never served.
pub fn download(
    conn: &mut DbConn,
    store: &EvidenceStore,
    caller: &Caller,
    evidence_id: i64,
) -> Result<(Evidence, Vec<u8>), ApiError> {
    let row: Evidence = evidence::table
        .find(evidence_id)
        .select(Evidence::as_select())
        .first(conn)
        .optional()?
        .ok_or(ApiError::NotFound("evidence"))?;
    let (_, view) = get(conn, caller, row.task_id).map_err(|_| ApiError::NotFound("evidence"))?;
    if view != View::Full || !matches!(caller.role, Role::Officer | Role::Admin) {
        return Err(ApiError::NotFound("evidence"));
    }
    match store.get(&row.sha256) {
        Ok(bytes) => {
            repo::audit::record_read(
                conn,
                &caller.actor(),
                ("evidence.download", "evidence", Some(row.id.to_string())),
                &format!("task:{}", row.task_id),
                &["evidence.content"],
                None,
            )?;
            Ok((row, bytes))
        }
        Err(StoreError::Io(e)) => Err(ApiError::internal(e)),
        Err(failure) => {
            tracing::error!(evidence_id = row.id, failure = %failure, "evidence integrity check failed");
            repo::audit::record(
                conn,
                &caller.actor(),
                "evidence.integrity_failure",
                "evidence",
                Some(row.id.to_string()),
                Some(serde_json::json!({"failure": failure.to_string()})),
            )?;
            Err(ApiError::EvidenceIntegrity(failure.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_bytes_come_back_and_damage_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let store = EvidenceStore::new(dir.path());
        let bytes = b"%PDF-1.7 a court document".to_vec();
        let sha = sha256_hex(&bytes);
        store.put(&sha, &bytes).unwrap();
        assert_eq!(store.get(&sha).unwrap(), bytes);
        let path = store.file_path(&sha).unwrap();
        let mut damaged = bytes.clone();
        damaged[3] ^= 1;
        std::fs::write(&path, &damaged).unwrap();
        assert!(matches!(store.get(&sha), Err(StoreError::Altered)));
        // Storing the same content again repairs it.
        store.put(&sha, &bytes).unwrap();
        assert_eq!(store.get(&sha).unwrap(), bytes);
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(store.get(&sha), Err(StoreError::Missing)));
        assert!(store.file_path("../../etc/passwd").is_none());
    }
}
