//! Access tokens: HS256 JWTs, 15 minutes. Validation pins the algorithm and requires `exp`,
//! `nbf`, `iat`, `sub`, `iss`, `aud`, and our own `role` and `typ` (= `access`). The signing key comes from configuration or is generated on
//! first start and kept (mode 0600) in the data directory — there is no built-in default.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::domain::Role;

pub const ISSUER: &str = "gridassist";
pub const AUDIENCE: &str = "gridassist-api";
/// Marks an access token, so no other token we might sign later can stand in for one.
pub const ACCESS_TOKEN_TYPE: &str = "access";
const KEY_FILE: &str = "jwt-secret.key";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a decimal string.
    pub sub: String,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// Token type; always [`ACCESS_TOKEN_TYPE`].
    pub typ: String,
}

/// Signing and verification keys with the pinned validation rules.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl JwtKeys {
    pub fn from_secret(secret: &[u8], ttl: Duration) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_required_spec_claims(&["exp", "nbf", "sub", "iss", "aud"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// Use the configured secret, or the one kept in the data directory, or make and keep one.
    pub fn load_or_generate(
        configured: Option<&[u8]>,
        data_dir: &Path,
        ttl: Duration,
    ) -> anyhow::Result<JwtKeys> {
        if let Some(secret) = configured {
            return Ok(JwtKeys::from_secret(secret, ttl));
        }
        let path = data_dir.join(KEY_FILE);
        if path.exists() {
            let text =
                std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let secret = crate::config::decode_secret(&text)
                .with_context(|| format!("{} is not a valid key", path.display()))?;
            return Ok(JwtKeys::from_secret(&secret, ttl));
        }
        std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        write_private(&path, &base64::engine::general_purpose::STANDARD.encode(secret))?;
        tracing::info!(path = %path.display(), "generated a new token signing key");
        Ok(JwtKeys::from_secret(&secret, ttl))
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Sign an access token for a user; returns the token and its lifetime in seconds.
    pub fn issue(&self, user_id: i64, role: Role) -> anyhow::Result<(String, u64)> {
        let now = chrono::Utc::now().timestamp();
        let ttl = self.ttl.as_secs();
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            nbf: now,
            exp: now + ttl as i64,
            typ: ACCESS_TOKEN_TYPE.into(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("signing access token")?;
        Ok((token, ttl))
    }

    /// Verify an access token: signature, algorithm, issuer, audience, times and type.
    /// Returns `None` for any invalid token; the reason is not given to the client.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let claims = data.claims;
        let now = chrono::Utc::now().timestamp();
        // An `iat` in the future means a forged or badly clocked issuer.
        if claims.typ != ACCESS_TOKEN_TYPE || claims.iat > now + self.validation.leeway as i64 {
            return None;
        }
        Some(claims)
    }
}

#[cfg(unix)]
pub(crate) fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("creating {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: u8) -> JwtKeys {
        JwtKeys::from_secret(&[secret; 32], Duration::from_secs(900))
    }

    fn sign(claims: &serde_json::Value, alg: Algorithm, secret: u8) -> String {
        jsonwebtoken::encode(
            &Header::new(alg),
            claims,
            &EncodingKey::from_secret(&[secret; 32]),
        )
        .unwrap()
    }

    fn good_claims() -> serde_json::Value {
        let now = chrono::Utc::now().timestamp();
        serde_json::json!({"sub": "7", "role": "officer", "iss": ISSUER, "aud": AUDIENCE,
            "iat": now, "nbf": now, "exp": now + 600, "typ": "access"})
    }

    #[test]
    fn an_issued_token_verifies_to_its_user() {
        let k = keys(1);
        let (token, ttl) = k.issue(42, Role::Worker).unwrap();
        assert_eq!(ttl, 900);
        let claims = k.verify(&token).unwrap();
        assert_eq!(claims.sub, "42");
        assert_eq!(claims.role, Role::Worker);
    }

    #[test]
    fn tokens_signed_with_another_key_or_algorithm_are_refused() {
        assert!(
            keys(1)
                .verify(&sign(&good_claims(), Algorithm::HS256, 1))
                .is_some()
        );
        assert!(
            keys(1)
                .verify(&sign(&good_claims(), Algorithm::HS256, 2))
                .is_none()
        );
        assert!(
            keys(1)
                .verify(&sign(&good_claims(), Algorithm::HS512, 1))
                .is_none()
        );
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        let b64 =
            |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let header = serde_json::json!({"alg": "none", "typ": "JWT"});
        let token = format!("{}.{}.", b64(&header), b64(&good_claims()));
        assert!(keys(1).verify(&token).is_none());
    }

    #[test]
    fn each_required_claim_must_be_present_and_right() {
        for missing in ["exp", "iat", "sub", "iss", "aud", "nbf", "typ"] {
            let mut c = good_claims();
            c.as_object_mut().unwrap().remove(missing);
            assert!(
                keys(1).verify(&sign(&c, Algorithm::HS256, 1)).is_none(),
                "{missing}"
            );
        }
        let now = chrono::Utc::now().timestamp();
        let wrong: [(&str, serde_json::Value); 6] = [
            ("exp", serde_json::json!(now - 3600)),
            ("exp", serde_json::json!((now + 600).to_string())),
            ("nbf", serde_json::json!(now + 3600)),
            ("iss", serde_json::json!("someone-else")),
            ("aud", serde_json::json!("another-api")),
            ("typ", serde_json::json!("refresh")),
        ];
        for (claim, value) in wrong {
            let mut c = good_claims();
            c[claim] = value;
            assert!(
                keys(1).verify(&sign(&c, Algorithm::HS256, 1)).is_none(),
                "{claim}"
            );
        }
    }

    #[test]
    fn a_generated_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = JwtKeys::load_or_generate(None, dir.path(), Duration::from_secs(60)).unwrap();
        let (token, _) = first.issue(1, Role::Admin).unwrap();
        let second = JwtKeys::load_or_generate(None, dir.path(), Duration::from_secs(60)).unwrap();
        assert!(second.verify(&token).is_some());
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
