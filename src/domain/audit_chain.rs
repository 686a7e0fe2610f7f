//! The audit chain's cryptography: how a row's hash is formed — keyed (HMAC-SHA256 with a key
//! kept outside the database) or, for rows written before keying, the public SHA-256 — and the
//! signed checkpoints of the chain's head that are kept outside the database. Pure: the content
//! a row's hash covers is assembled by `repo::audit`; files and HTTP are `services::audit_checkpoints`'.
//!
//! Why a key: with the public formula anyone who can write to the database can edit a row and
//! recompute every later hash, and the chain verifies. With a keyed MAC they cannot produce a
//! hash that verifies without the key, which lives in the service's environment or data
//! directory, not in the database.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Marks a keyed hash (and a checkpoint's signature). A hash without it is the legacy public
/// SHA-256 (64 hex digits), accepted only before the first keyed row and before the first
/// checkpoint.
pub const KEYED_PREFIX: &str = "hmac-sha256:";

/// Version of the checkpoint line format, signed with the rest.
const CHECKPOINT_VERSION: u32 = 1;

/// The audit chain's key. Two keys are derived from the configured secret, one for row hashes
/// and one for checkpoint signatures, so that a value made for one purpose can never be passed
/// off as the other.
#[derive(Clone)]
pub struct AuditKey {
    row: [u8; 32],
    checkpoint: [u8; 32],
}

impl std::fmt::Debug for AuditKey {
    // The key must never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(***)")
    }
}

fn mac(key: &[u8], message: &[u8]) -> HmacSha256 {
    let mut mac = match <HmacSha256 as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        Err(_) => unreachable!("HMAC-SHA256 accepts keys of any length"),
    };
    mac.update(message);
    mac
}

impl AuditKey {
    /// Derive the row and checkpoint keys from a secret (at least 32 random bytes).
    pub fn from_secret(secret: &[u8]) -> AuditKey {
        let derive =
            |label: &str| -> [u8; 32] { mac(secret, label.as_bytes()).finalize().into_bytes().into() };
        AuditKey {
            row: derive("gridassist audit row v1"),
            checkpoint: derive("gridassist audit checkpoint v1"),
        }
    }

    /// The keyed hash of a row's content (which includes the previous row's hash).
    pub fn row_hash(&self, content: &str) -> String {
        format!(
            "{KEYED_PREFIX}{}",
            hex::encode(mac(&self.row, content.as_bytes()).finalize().into_bytes())
        )
    }

    /// Whether `hash` is the keyed hash of `content`, compared in constant time.
    pub fn row_hash_matches(&self, content: &str, hash: &str) -> bool {
        let Some(digest) = hash.strip_prefix(KEYED_PREFIX).and_then(|h| hex::decode(h).ok()) else {
            return false;
        };
        mac(&self.row, content.as_bytes()).verify_slice(&digest).is_ok()
    }

    fn checkpoint_mac(&self, line: &CheckpointLine) -> HmacSha256 {
        // A JSON array in a fixed order: unambiguous, and the version is covered.
        let signed = serde_json::json!([
            "gridassist audit checkpoint",
            line.v,
            line.row_id,
            line.row_count,
            line.head_hash,
            line.at,
        ]);
        mac(&self.checkpoint, signed.to_string().as_bytes())
    }

    /// A checkpoint as one signed JSON line (without the newline).
    pub fn checkpoint_line(&self, checkpoint: &Checkpoint) -> String {
        let mut line = CheckpointLine {
            v: CHECKPOINT_VERSION,
            row_id: checkpoint.row_id,
            row_count: checkpoint.row_count,
            head_hash: checkpoint.head_hash.clone(),
            at: format_at(checkpoint.at),
            sig: String::new(),
        };
        line.sig = format!(
            "{KEYED_PREFIX}{}",
            hex::encode(self.checkpoint_mac(&line).finalize().into_bytes())
        );
        // Serialising a struct of strings and numbers cannot fail.
        serde_json::to_string(&line).unwrap_or_default()
    }

    /// Read one checkpoint line, checking its signature.
    pub fn read_checkpoint_line(&self, text: &str) -> Result<Checkpoint, CheckpointError> {
        let line: CheckpointLine = serde_json::from_str(text).map_err(|_| CheckpointError::Malformed)?;
        if line.v != CHECKPOINT_VERSION {
            return Err(CheckpointError::Malformed);
        }
        let signature = line
            .sig
            .strip_prefix(KEYED_PREFIX)
            .and_then(|s| hex::decode(s).ok())
            .ok_or(CheckpointError::BadSignature)?;
        self.checkpoint_mac(&line)
            .verify_slice(&signature)
            .map_err(|_| CheckpointError::BadSignature)?;
        let at = DateTime::parse_from_rfc3339(&line.at)
            .map_err(|_| CheckpointError::Malformed)?
            .naive_utc();
        if line.row_id < 0 {
            return Err(CheckpointError::Malformed);
        }
        Ok(Checkpoint {
            row_id: line.row_id,
            row_count: line.row_count,
            head_hash: line.head_hash,
            at,
        })
    }
}

/// The legacy, public hash of a row's content: SHA-256, hex.
pub fn legacy_hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// Whether a stored hash is keyed.
pub fn is_keyed(hash: &str) -> bool {
    hash.starts_with(KEYED_PREFIX)
}

/// What the chain looked like at one moment: its last row, how many rows it held up to and
/// including that row, and that row's hash. Kept outside the database so that rows removed from
/// the end, or a chain rewritten by someone holding the key, can be found later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The id of the chain's last row; 0 for an empty trail.
    pub row_id: i64,
    /// Rows with an id up to `row_id`.
    pub row_count: u64,
    /// The last row's hash; `None` for an empty trail.
    pub head_hash: Option<String>,
    /// When the checkpoint was taken (UTC, microseconds).
    pub at: NaiveDateTime,
}

/// A checkpoint line that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("not a checkpoint line")]
    Malformed,
    #[error("the signature does not match (forged, altered, or signed with another key)")]
    BadSignature,
}

/// The stored form of a checkpoint.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckpointLine {
    v: u32,
    row_id: i64,
    row_count: u64,
    head_hash: Option<String>,
    /// RFC 3339, UTC, microseconds; signed as written.
    at: String,
    sig: String,
}

fn format_at(at: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(at, Utc).to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            row_id: 57,
            row_count: 55,
            head_hash: Some(format!("{KEYED_PREFIX}{}", "ab".repeat(32))),
            at: chrono::NaiveDate::from_ymd_opt(2026, 11, 29)
                .unwrap()
                .and_hms_micro_opt(10, 0, 0, 123_456)
                .unwrap(),
        }
    }

    #[test]
    fn keyed_hashes_depend_on_the_key_and_are_marked() {
        let a = AuditKey::from_secret(&[1; 32]);
        let b = AuditKey::from_secret(&[2; 32]);
        let h = a.row_hash("[\"content\"]");
        assert!(is_keyed(&h) && h.len() == KEYED_PREFIX.len() + 64, "{h}");
        assert_ne!(h, b.row_hash("[\"content\"]"));
        assert!(a.row_hash_matches("[\"content\"]", &h));
        assert!(!b.row_hash_matches("[\"content\"]", &h));
        assert!(!a.row_hash_matches("[\"other\"]", &h));
        // The public formula never passes for a keyed hash.
        let public = legacy_hash("[\"content\"]");
        assert!(!is_keyed(&public));
        assert!(!a.row_hash_matches("[\"content\"]", &public));
        assert!(!a.row_hash_matches("[\"content\"]", &format!("{KEYED_PREFIX}{public}")));
    }

    #[test]
    fn the_legacy_hash_is_the_sha256_the_chain_always_used() {
        assert_eq!(
            legacy_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn row_and_checkpoint_keys_are_separate() {
        let key = AuditKey::from_secret(&[9; 32]);
        assert_ne!(key.row, key.checkpoint);
        assert!(!format!("{key:?}").contains('9'));
    }

    #[test]
    fn a_checkpoint_line_round_trips_and_any_change_is_refused() {
        let key = AuditKey::from_secret(&[1; 32]);
        let line = key.checkpoint_line(&checkpoint());
        assert_eq!(key.read_checkpoint_line(&line), Ok(checkpoint()));
        assert!(line.contains("\"at\":\"2026-11-29T10:00:00.123456Z\""), "{line}");

        let other = AuditKey::from_secret(&[2; 32]);
        assert_eq!(
            other.read_checkpoint_line(&line),
            Err(CheckpointError::BadSignature)
        );
        for (from, to) in [
            ("\"row_id\":57", "\"row_id\":40"),
            ("\"row_count\":55", "\"row_count\":40"),
            ("abab", "abac"),
            ("10:00:00", "09:00:00"),
        ] {
            let altered = line.replacen(from, to, 1);
            assert_ne!(altered, line);
            assert_eq!(
                key.read_checkpoint_line(&altered),
                Err(CheckpointError::BadSignature),
                "{from}"
            );
        }
        for junk in ["", "{}", "not json", &line.replacen("\"v\":1", "\"v\":2", 1)] {
            assert_eq!(
                key.read_checkpoint_line(junk),
                Err(CheckpointError::Malformed),
                "{junk}"
            );
        }
    }

    #[test]
    fn an_empty_trail_has_a_checkpoint_too() {
        let key = AuditKey::from_secret(&[1; 32]);
        let empty = Checkpoint {
            row_id: 0,
            row_count: 0,
            head_hash: None,
            ..checkpoint()
        };
        assert_eq!(key.read_checkpoint_line(&key.checkpoint_line(&empty)), Ok(empty));
    }
}
