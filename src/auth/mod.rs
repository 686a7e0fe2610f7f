//! Authentication and authorization: password hashing, access tokens (JWT), opaque refresh
//! tokens, the signing key, and the [`AuthUser`] extractor with role checks.

pub mod extractor;
pub mod jwt;
pub mod password;
pub mod refresh;
pub mod throttle;

pub use extractor::{AuthUser, client_ip};
pub use jwt::{Claims, JwtKeys};
