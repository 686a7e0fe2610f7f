//! Password hashing with Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::Password;

fn hasher() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1 for Argon2id.
    // The constants are valid; were they not, the crate defaults (also Argon2id) would apply.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hash a new password into a PHC string (algorithm, parameters and salt included).
pub fn hash(password: &Password) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Check a login attempt against a stored PHC string. A malformed stored hash is a mismatch.
pub fn verify(stored: &str, attempt: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher().verify_password(attempt.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Spend the same effort as a real check when the username is unknown, so response time does
/// not reveal which usernames exist.
pub fn verify_against_dummy(attempt: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        Password::parse("no account has this password")
            .ok()
            .and_then(|p| hash(&p).ok())
            .unwrap_or_default()
    });
    let _ = verify(dummy, attempt);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let p = Password::parse("correct horse battery").unwrap();
        let h = hash(&p).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&h, "correct horse battery"));
        assert!(!verify(&h, "correct horse batterY"));
        assert!(!verify("not a hash", "correct horse battery"));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        let p = Password::parse("correct horse battery").unwrap();
        assert_ne!(hash(&p).unwrap(), hash(&p).unwrap());
    }
}
