//! Checkpoints of the audit chain kept outside the database: signed JSON lines (see
//! `domain::audit_chain`) in `<data dir>/audit-checkpoints/checkpoints-YYYY-MM.jsonl`, each
//! optionally also POSTed to an outside receiver.
//!
//! A chain alone cannot show rows cut from its end, nor a chain rebuilt by someone holding the
//! key; a copy of its head kept elsewhere can. So a background job ([`Checkpointer`], run by
//! `jobs::audit_checkpoints` and by `gridassist audit checkpoint`) checks the rows written since
//! its last checkpoint and, if they verify, writes a new one; `audit verify` compares the whole
//! trail with every checkpoint it can read. Each node writes into its own data directory; nodes
//! sharing one database simply keep separate, consistent sets of checkpoints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use crate::db::Db;
use crate::domain::audit_chain::{AuditKey, Checkpoint};
use crate::domain::time;
use crate::error::ApiError;
use crate::repo;
use crate::repo::audit::Verification;
use crate::services::webhook::{Attempt, Deliverer};

/// Where checkpoints are kept, and the key that signs them.
pub struct CheckpointStore {
    dir: PathBuf,
    key: Arc<AuditKey>,
}

/// The checkpoints read from files, and how many lines were not valid checkpoints.
#[derive(Debug, Default)]
pub struct Loaded {
    pub checkpoints: Vec<Checkpoint>,
    /// Lines that are malformed or whose signature does not verify.
    pub invalid: u64,
}

impl Loaded {
    /// The checkpoint of the furthest row (the latest taken among equals): where the next
    /// incremental check starts.
    pub fn furthest(&self) -> Option<&Checkpoint> {
        self.checkpoints.iter().max_by_key(|c| (c.row_id, c.at))
    }
}

impl CheckpointStore {
    pub fn new(dir: PathBuf, key: Arc<AuditKey>) -> CheckpointStore {
        CheckpointStore { dir, key }
    }

    pub fn key(&self) -> &AuditKey {
        &self.key
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every checkpoint in the directory's `*.jsonl` files and in `extra` files (a receiver's
    /// copy, say). A missing directory holds none.
    pub fn load(&self, extra: &[PathBuf]) -> anyhow::Result<Loaded> {
        let mut loaded = Loaded::default();
        let mut files = Vec::new();
        match std::fs::read_dir(&self.dir) {
            Ok(entries) => {
                for entry in entries {
                    let path = entry
                        .with_context(|| format!("reading {}", self.dir.display()))?
                        .path();
                    if path.extension().is_some_and(|e| e == "jsonl") {
                        files.push(path);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", self.dir.display())),
        }
        files.sort();
        let own = files.len();
        files.extend(extra.iter().cloned());
        for (n, path) in files.into_iter().enumerate() {
            let mut text =
                std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            // Our own lines end with a newline; a last line without one was cut short by a
            // power loss while being written, and is no checkpoint (nor a forgery).
            if n < own && !text.is_empty() && !text.ends_with('\n') {
                let complete = text.rfind('\n').map_or(0, |i| i + 1);
                tracing::warn!(file = %path.display(), "ignoring an incomplete last checkpoint line");
                text.truncate(complete);
            }
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                match self.key.read_checkpoint_line(line) {
                    Ok(checkpoint) => loaded.checkpoints.push(checkpoint),
                    Err(error) => {
                        loaded.invalid += 1;
                        tracing::warn!(file = %path.display(), %error, "invalid audit checkpoint line");
                    }
                }
            }
        }
        Ok(loaded)
    }

    /// Append a checkpoint to this month's file and sync it to disk; returns the signed line.
    /// One `write` of a whole line in append mode, so the server and a command run beside it
    /// do not interleave their lines.
    pub fn append(&self, checkpoint: &Checkpoint) -> anyhow::Result<String> {
        std::fs::create_dir_all(&self.dir).with_context(|| format!("creating {}", self.dir.display()))?;
        let path = self
            .dir
            .join(format!("checkpoints-{}.jsonl", checkpoint.at.format("%Y-%m")));
        let line = self.key.checkpoint_line(checkpoint);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        file.write_all(format!("{line}\n").as_bytes())
            .and_then(|()| file.sync_data())
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(line)
    }
}

/// The checkpoint of a verified head (the whole trail, or `previous` plus the rows after it).
fn head_checkpoint(report: &Verification, previous: Option<&Checkpoint>) -> Checkpoint {
    let before = previous.map_or(0, |p| p.row_count);
    Checkpoint {
        row_id: report.head_id.unwrap_or(0),
        row_count: before + report.rows_checked,
        head_hash: report.head_hash.clone(),
        at: time::now(),
    }
}

fn same_head(a: &Checkpoint, b: &Checkpoint) -> bool {
    a.row_id == b.row_id && a.head_hash == b.head_hash && a.row_count == b.row_count
}

/// Walk the whole trail against every checkpoint in the store and in `extra` files; when it
/// verifies, checkpoint its head (unless the latest checkpoint already has it). Blocking: file
/// reads and writes, on the caller's database thread.
pub fn verify_trail(
    conn: &mut crate::db::DbConn,
    store: &CheckpointStore,
    extra: &[PathBuf],
) -> Result<Verification, ApiError> {
    let loaded = store.load(extra).map_err(ApiError::internal)?;
    let mut report = repo::audit::verify(conn, store.key(), &loaded.checkpoints)?;
    report.invalid_checkpoints = loaded.invalid;
    report.ok = report.first_broken.is_none() && loaded.invalid == 0;
    // The records the rows vouch for (events, check-ins, evidence, …), once the rows hold.
    repo::seals::verify_into(conn, &mut report)?;
    if report.ok {
        let head = head_checkpoint(&report, None);
        if !loaded.furthest().is_some_and(|f| same_head(f, &head)) {
            // The verification stands without it; the next round of the job writes one.
            if let Err(error) = store.append(&head) {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "could not write an audit checkpoint"
                );
            }
        }
    }
    Ok(report)
}

/// Where checkpoints are POSTed, and what was last delivered.
struct Receiver {
    deliverer: Deliverer,
    /// The last checkpoint the receiver acknowledged (this process's knowledge).
    delivered: Option<Checkpoint>,
}

/// One node's checkpointing: the last checkpoint it wrote or read, and the receiver.
pub struct Checkpointer {
    store: Arc<CheckpointStore>,
    /// The checkpoint the next round checks from; read from the directory on the first round.
    anchor: Option<Checkpoint>,
    loaded: bool,
    receiver: Option<Receiver>,
}

/// What one round did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Round {
    /// A checkpoint of a new head was written.
    Written(Checkpoint),
    /// Nothing was written since the last checkpoint.
    Unchanged(Checkpoint),
    /// The rows since the last checkpoint do not verify; nothing was written.
    Broken { id: i64, reason: String },
}

impl Checkpointer {
    pub fn new(store: Arc<CheckpointStore>, receiver: Option<Deliverer>) -> Checkpointer {
        Checkpointer {
            store,
            anchor: None,
            loaded: false,
            receiver: receiver.map(|deliverer| Receiver {
                deliverer,
                delivered: None,
            }),
        }
    }

    /// Check the rows written since the last checkpoint (the whole trail when there is none),
    /// write a checkpoint of the head if they verify, then deliver the latest checkpoint to the
    /// receiver unless it already has it. A failed delivery is logged and retried next round.
    pub async fn round(&mut self, db: &Db) -> Result<Round, ApiError> {
        let store = self.store.clone();
        let anchor = self.anchor.clone();
        let loaded = self.loaded;
        let (anchor, outcome) = db
            .run(move |conn| -> Result<_, ApiError> {
                let anchor = match (loaded, anchor) {
                    (true, anchor) => anchor,
                    (false, _) => store.load(&[]).map_err(ApiError::internal)?.furthest().cloned(),
                };
                let report = match &anchor {
                    Some(anchor) => repo::audit::verify_since(conn, store.key(), anchor)?,
                    None => repo::audit::verify(conn, store.key(), &[])?,
                };
                if let Some(broken) = report.first_broken {
                    return Ok((
                        anchor,
                        Round::Broken {
                            id: broken.id,
                            reason: broken.reason,
                        },
                    ));
                }
                let head = head_checkpoint(&report, anchor.as_ref());
                match anchor {
                    Some(anchor) if same_head(&anchor, &head) => {
                        Ok((Some(anchor.clone()), Round::Unchanged(anchor)))
                    }
                    _ => {
                        store.append(&head).map_err(ApiError::internal)?;
                        Ok((Some(head.clone()), Round::Written(head)))
                    }
                }
            })
            .await?;
        self.loaded = true;
        self.anchor = anchor;
        match &outcome {
            Round::Written(c) => tracing::info!(
                row_id = c.row_id,
                row_count = c.row_count,
                "audit checkpoint written"
            ),
            Round::Unchanged(_) => {}
            Round::Broken { id, reason } => tracing::error!(
                row_id = id,
                reason = %reason,
                "the audit trail does not verify since the last checkpoint; no checkpoint written \
                 (run `gridassist audit verify`)"
            ),
        }
        self.deliver().await;
        Ok(outcome)
    }

    /// Whether the receiver has acknowledged the latest checkpoint; `None` without a receiver.
    pub fn receiver_has_latest(&self) -> Option<bool> {
        let receiver = self.receiver.as_ref()?;
        Some(self.anchor.is_some() && receiver.delivered == self.anchor)
    }

    async fn deliver(&mut self) {
        let (Some(receiver), Some(latest)) = (&mut self.receiver, &self.anchor) else {
            return;
        };
        if receiver.delivered.as_ref() == Some(latest) {
            return;
        }
        let line = self.store.key().checkpoint_line(latest);
        // The same id on every retry of one checkpoint, so the receiver can drop duplicates.
        let msg_id = format!(
            "audit-checkpoint-{}-{}",
            latest.row_id,
            latest.at.and_utc().timestamp_micros()
        );
        let attempt = receiver
            .deliverer
            .deliver(&msg_id, chrono::Utc::now().timestamp(), &line)
            .await;
        match attempt {
            Attempt::Delivered { .. } => receiver.delivered = Some(latest.clone()),
            // The deliverer has logged why; the next round tries again.
            Attempt::Retry { .. } | Attempt::Permanent { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint(row_id: i64) -> Checkpoint {
        Checkpoint {
            row_id,
            row_count: row_id as u64,
            head_hash: Some(format!("hmac-sha256:{row_id:064}")),
            at: time::now(),
        }
    }

    #[test]
    fn the_store_reads_what_it_wrote_counts_forgeries_and_skips_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let key = Arc::new(AuditKey::from_secret(&[8; 32]));
        let store = CheckpointStore::new(dir.path().join("cp"), key.clone());
        assert_eq!(store.load(&[]).unwrap().checkpoints, []);
        store.append(&checkpoint(3)).unwrap();
        let line = store.append(&checkpoint(9)).unwrap();
        let loaded = store.load(&[]).unwrap();
        assert_eq!((loaded.checkpoints.len(), loaded.invalid), (2, 0));
        assert_eq!(loaded.furthest().map(|c| c.row_id), Some(9));

        let file = std::fs::read_dir(store.dir())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str(&line.replacen("\"row_id\":9", "\"row_id\":2", 1));
        text.push('\n');
        text.push_str(&line[..line.len() / 2]);
        std::fs::write(&file, &text).unwrap();
        let loaded = store.load(&[]).unwrap();
        assert_eq!((loaded.checkpoints.len(), loaded.invalid), (2, 1));

        // Another file (a receiver's copy) needs no final newline and is read too.
        let extra = dir.path().join("copy.txt");
        std::fs::write(&extra, key.checkpoint_line(&checkpoint(12))).unwrap();
        let loaded = store.load(&[extra]).unwrap();
        assert_eq!(loaded.furthest().map(|c| c.row_id), Some(12));
    }
}
