//! The audit chain's key (see `domain::audit_chain`): `GRIDASSIST_AUDIT_KEY`, or generated on
//! first start and kept (mode 0600) in `<data dir>/audit-chain.key`, as the token signing key
//! is. It is never stored in the database: that is the point of it.

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use rand::RngCore;

use crate::domain::audit_chain::AuditKey;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "audit-chain.key";

/// Use the configured secret, or the one kept in the data directory, or make and keep one.
pub fn load_or_generate(configured: Option<&[u8]>, data_dir: &Path) -> anyhow::Result<AuditKey> {
    if let Some(secret) = configured {
        return Ok(AuditKey::from_secret(secret));
    }
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let secret = crate::config::decode_secret(&text)
            .with_context(|| format!("{} is not a valid key", path.display()))?;
        return Ok(AuditKey::from_secret(&secret));
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    super::jwt::write_private(&path, &base64::engine::general_purpose::STANDARD.encode(secret))?;
    tracing::info!(path = %path.display(), "generated a new audit chain key; back it up: without it the trail cannot be verified");
    Ok(AuditKey::from_secret(&secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_kept_and_reused_and_a_configured_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_generate(None, dir.path()).unwrap();
        let second = load_or_generate(None, dir.path()).unwrap();
        assert_eq!(first.row_hash("x"), second.row_hash("x"));
        let configured = load_or_generate(Some(&[5; 32]), dir.path()).unwrap();
        assert_ne!(configured.row_hash("x"), first.row_hash("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
