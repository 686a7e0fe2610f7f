//! Authentication and authorization: password hashing, access tokens (JWT), opaque refresh
//! tokens, the signing key, and the [`AuthUser`] extractor with role checks; applicants' access
//! codes and the rate limits that keep them from being guessed; partner departments' API keys
//! and their rate limits; the audit chain's key.

pub mod access_code;
pub mod api_key;
pub mod audit_key;
pub mod extractor;
pub mod jwt;
pub mod lookup_throttle;
pub mod password;
pub mod rate_limit;
pub mod refresh;
pub mod throttle;

pub use extractor::{AuthUser, Permit, client_ip};
pub use jwt::{Claims, JwtKeys};
