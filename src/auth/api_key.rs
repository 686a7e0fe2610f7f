//! Partner departments' API keys and the [`PartnerKey`] extractor.
//!
//! A key reads `gapk_<id>_<secret>`: `gapk_` lets secret scanners recognise a leaked one, `<id>`
//! (16 hex characters) is public and finds the key's row, `<secret>` is 32 random bytes
//! (base64url). Only the SHA-256 of the secret is stored, and it is compared in constant time.
//! The key is shown once, when an admin issues it. Partners send it as
//! `Authorization: ApiKey <key>`; it opens the partner operations and nothing else, since the
//! [`crate::auth::AuthUser`] extractor of every other operation accepts only `Bearer` tokens.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// Prefix of every key.
pub const PREFIX: &str = "gapk_";
/// The `Authorization` scheme partners use.
pub const SCHEME: &str = crate::domain::dishonest::API_KEY_SCHEME;
/// Length of the public id, in hex characters.
const ID_CHARS: usize = 16;

/// A freshly issued key: what the partner is given once, and what is stored.
#[derive(Clone)]
pub struct IssuedKey {
    /// The whole key, `gapk_<id>_<secret>`; shown once, never stored.
    pub key: String,
    /// The public id, stored to find the key.
    pub id: String,
    /// Hex SHA-256 of the secret, stored.
    pub secret_hash: String,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A new random key.
pub fn issue() -> IssuedKey {
    let mut id = [0u8; ID_CHARS / 2];
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut id);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let id = hex::encode(id);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    IssuedKey {
        key: format!("{PREFIX}{id}_{secret}"),
        secret_hash: digest(&secret),
        id,
    }
}

/// Split a presented key into its public id and its secret; None when it is not shaped like one
/// of ours (no database lookup is needed to refuse it).
pub fn split(key: &str) -> Option<(&str, &str)> {
    let (id, secret) = key.strip_prefix(PREFIX)?.split_once('_')?;
    let id_ok = id.len() == ID_CHARS && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    (id_ok && (40..=64).contains(&secret.len())).then_some((id, secret))
}

/// The stored digest of a secret. The secret has full entropy, so a fast hash suffices.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` matches the stored digest, compared in constant time.
pub fn matches(secret: &str, stored_digest: &str) -> bool {
    let computed = digest(secret);
    let (a, b) = (computed.as_bytes(), stored_digest.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The key a partner presented (`Authorization: ApiKey <key>`), not yet checked against the
/// database. A missing header or another scheme (a user's `Bearer` token) is 401.
#[derive(Clone)]
pub struct PartnerKey {
    pub key: String,
    /// Where the call came from (as for users: the peer, or the configured proxy header), for
    /// the audit trail.
    pub client_ip: Option<std::net::IpAddr>,
}

impl std::fmt::Debug for PartnerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PartnerKey(***)")
    }
}

impl FromRequest for PartnerKey {
    type Error = ApiError;
    type Future = Ready<Result<PartnerKey, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let client_ip = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .and_then(|state| super::client_ip(req, state.config.client_ip_header.as_deref()));
        let key = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case(SCHEME))
            .map(|(_, key)| PartnerKey {
                key: key.trim().to_owned(),
                client_ip,
            })
            .ok_or(ApiError::ApiKeyRequired);
        ready(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_keys_split_back_and_only_the_digest_is_kept() {
        let a = issue();
        let b = issue();
        assert_ne!(a.key, b.key);
        assert!(a.key.starts_with("gapk_"));
        let (id, secret) = split(&a.key).unwrap();
        assert_eq!(id, a.id);
        assert!(matches(secret, &a.secret_hash));
        assert!(!matches(secret, &b.secret_hash));
        assert!(!a.secret_hash.contains(secret));
        assert!(!format!("{a:?}").contains(secret), "Debug hides the key");
    }

    #[test]
    fn malformed_keys_are_refused_without_a_lookup() {
        let good = issue().key;
        for bad in [
            "",
            "gapk_",
            &good.replacen("gapk_", "gart_", 1),
            &good[..good.len() - 20],
            "gapk_0123456789abcdef",
            "gapk_0123456789ABCDEF_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(split(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_wrong_secret_of_any_length_does_not_match() {
        let key = issue();
        assert!(!matches("", &key.secret_hash));
        assert!(!matches("x", &key.secret_hash));
        assert!(!matches("x", ""));
    }
}
