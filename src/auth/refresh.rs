//! Opaque refresh tokens: 256 random bits, shown to the client once, stored only as a SHA-256
//! digest. A token belongs to a family (one login); rotation keeps the family, reuse of a spent
//! token revokes it.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix that makes a leaked refresh token recognisable to secret scanners.
const PREFIX: &str = "gart_";

/// A fresh random token for the client.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// A fresh family id for a new login.
pub fn new_family_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The digest stored in the database. The token has full entropy, so a fast hash suffices.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_only_their_digest_is_kept() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert!(a.starts_with("gart_") && a.len() > 40);
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
        assert!(!digest(&a).contains(&a[5..]));
    }
}
