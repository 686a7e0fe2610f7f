//! Request extraction that fails the way the API promises: [`ApiJson`] reads a JSON body and
//! reports the exact field that is wrong (`features[3].properties.code`), unknown fields and
//! wrong types as 400 problems; the query and path configs do the same for URLs.

use std::future::Future;
use std::pin::Pin;

use std::marker::PhantomData;

use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use tracing_actix_web::RequestId;

use crate::config::Config;
use crate::domain::ValidationError;
use crate::error::ApiError;
use crate::state::AppState;

/// How large a JSON body an operation accepts, taken from the configuration.
pub trait BodyLimit {
    fn limit(config: &Config) -> usize;
}

/// Ordinary operations: `json_limit`.
pub struct StandardBody;
impl BodyLimit for StandardBody {
    fn limit(config: &Config) -> usize {
        config.json_limit
    }
}

/// Bulk imports (a county's grids): `import_limit`.
pub struct ImportBody;
impl BodyLimit for ImportBody {
    fn limit(config: &Config) -> usize {
        config.import_limit
    }
}

/// A JSON body deserialised with field-accurate errors, at most `L`'s limit in size.
pub struct ApiJson<T, L: BodyLimit = StandardBody>(pub T, PhantomData<L>);

impl<T, L: BodyLimit> ApiJson<T, L> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static, L: BodyLimit + 'static> FromRequest for ApiJson<T, L> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<ApiJson<T, L>, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| L::limit(&s.config))
            .unwrap_or(256 * 1024);
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge);
            }
            let body = read_body(&mut payload, limit).await?;
            // An absent body reads as JSON `null`: `ApiJson<Option<T>>` makes a body optional,
            // and a required one is refused as malformed.
            if body.iter().all(u8::is_ascii_whitespace) {
                return parse_json(b"null").map(|v| ApiJson(v, PhantomData));
            }
            if !is_json {
                return Err(ApiError::UnsupportedMediaType("JSON (application/json)".into()));
            }
            parse_json(&body).map(|v| ApiJson(v, PhantomData))
        })
    }
}

/// Read a request body of at most `limit` bytes (413 beyond), without trusting its declared
/// length.
pub async fn read_body(payload: &mut Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::MalformedBody {
            field: None,
            detail: "the request body could not be read".into(),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Deserialise JSON bytes, naming the failing field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != ".").then_some(path);
        ApiError::MalformedBody {
            field,
            detail: e.into_inner().to_string(),
        }
    })?;
    deserializer.end().map_err(|e| ApiError::MalformedBody {
        field: None,
        detail: e.to_string(),
    })?;
    Ok(value)
}

/// For `#[serde(default, deserialize_with = "nullable")]` on an `Option<Option<T>>` field of a
/// PATCH body: a field left out stays `None` (unchanged), `null` is `Some(None)` (cleared, or
/// back to a default), a value is `Some(Some(value))`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// A domain parse result as the API reports it: a refusal becomes 400 `invalid_input` naming
/// the field.
pub fn valid<T>(field: &str, parsed: Result<T, ValidationError>) -> Result<T, ApiError> {
    parsed.map_err(|e| ApiError::invalid(field, e.to_string()))
}

/// Query-string errors as 400 problems.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::InvalidInput {
            field: None,
            detail: format!("query string: {err}"),
        }
        .into()
    })
}

/// Path errors (`/users/abc`) as 400 problems.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        ApiError::InvalidInput {
            field: None,
            detail: format!("path: {err}"),
        }
        .into()
    })
}

/// The request id as a string, for audit rows.
pub fn request_id(id: &RequestId) -> Option<String> {
    Some(id.to_string())
}

/// The phone's id for a request it may retry: the body's `client_id`, else the
/// `Idempotency-Key` header; trimmed, 1–64 characters, no control characters. None when neither
/// is given.
pub fn client_id(given: Option<String>, req: &actix_web::HttpRequest) -> Result<Option<String>, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::HeaderName::from_static(
            "idempotency-key",
        ))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let id = given
        .or(header)
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if id
        .as_deref()
        .is_some_and(|c| c.chars().count() > 64 || c.chars().any(char::is_control))
    {
        return Err(ApiError::invalid(
            "client_id",
            "at most 64 characters, no control characters",
        ));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        code: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
        limit: u32,
    }

    fn field(r: Result<Outer, ApiError>) -> Option<String> {
        match r {
            Err(ApiError::MalformedBody { field, .. }) => field,
            other => panic!("expected MalformedBody, got {other:?}"),
        }
    }

    #[test]
    fn the_failing_field_is_named() {
        assert_eq!(
            field(parse_json(br#"{"items":[{"code":1}],"limit":1}"#)).as_deref(),
            Some("items[0].code")
        );
        assert_eq!(
            field(parse_json(br#"{"items":[],"limit":"x"}"#)).as_deref(),
            Some("limit")
        );
    }

    #[derive(Debug, serde::Deserialize)]
    struct Patch {
        #[serde(default, deserialize_with = "nullable")]
        n: Option<Option<i64>>,
    }

    #[test]
    fn nullable_fields_tell_absent_from_null() {
        assert_eq!(parse_json::<Patch>(b"{}").unwrap().n, None);
        assert_eq!(parse_json::<Patch>(br#"{"n":null}"#).unwrap().n, Some(None));
        assert_eq!(parse_json::<Patch>(br#"{"n":5}"#).unwrap().n, Some(Some(5)));
    }

    #[test]
    fn unknown_fields_and_trailing_garbage_are_refused() {
        let e = parse_json::<Outer>(br#"{"items":[],"limit":1,"extra":2}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `extra`"), "{e}");
        assert!(parse_json::<Outer>(br#"{"items":[],"limit":1} x"#).is_err());
        assert!(parse_json::<Outer>(b"{").is_err());
    }
}
