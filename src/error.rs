//! The one error type of the HTTP surface. Every failure a client can see is an [`ApiError`]
//! rendered as RFC 9457 `application/problem+json` with a stable snake_case `code`. Internal
//! causes (SQL, paths, panics) are logged with their whole chain and never put in a response.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbError;

/// The nearest grid, reported with `outside_all_grids` so a clerk can see how far off a point is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NearestGrid {
    pub grid_id: i64,
    pub code: String,
    pub name: String,
    /// Distance in metres from the point to the grid's boundary.
    pub distance_m: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A field of the request is not acceptable.
    #[error("{detail}")]
    InvalidInput { field: Option<String>, detail: String },
    /// The body could not be read as the JSON the operation expects.
    #[error("{detail}")]
    MalformedBody { field: Option<String>, detail: String },
    #[error("authentication required")]
    Unauthenticated,
    /// A partner operation without a valid, unrevoked API key (`Authorization: ApiKey <key>`).
    #[error("a valid partner API key is required: Authorization: ApiKey <key>")]
    ApiKeyRequired,
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("refresh token is invalid, expired or revoked")]
    InvalidRefreshToken,
    #[error("your role does not allow this operation")]
    Forbidden,
    /// The partner's API key lacks the scope the operation needs.
    #[error("this API key does not have the `{0}` scope")]
    MissingScope(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the point is outside every grid")]
    OutsideAllGrids { nearest: Option<NearestGrid> },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("{detail}")]
    Unprocessable { code: &'static str, detail: String },
    /// The path exists, the method does not; carries the `Allow` header's value.
    #[error("this path does not accept this method; it accepts {0}")]
    MethodNotAllowed(String),
    /// Too many failed sign-ins; carries the seconds to wait (`Retry-After`).
    #[error("too many failed sign-ins; try again in {0} seconds")]
    TooManyAttempts(u64),
    /// Too many progress look-ups from one address; carries the seconds to wait.
    #[error("too many look-ups from your address; try again in {0} seconds")]
    TooManyLookups(u64),
    /// A partner key's rate limit is spent; carries the seconds to wait (`Retry-After`).
    #[error("too many requests for this API key; try again in {0} seconds")]
    TooManyRequests(u64),
    /// A partner key's budget of identities is spent for now; the detail names the budget, and
    /// `retry_after` the seconds until the request fits (`Retry-After`).
    #[error("{detail}")]
    BudgetSpent { detail: String, retry_after: u64 },
    #[error("request body is too large")]
    PayloadTooLarge,
    /// The client did not send the request (its body) within the configured time.
    #[error("the request was not received in time; the connection is closed")]
    RequestTimeout,
    #[error("the object changed since you read it; reload it and try again")]
    PreconditionFailed,
    #[error("this operation needs an If-Match header with the ETag you last read")]
    PreconditionRequired,
    /// The body is not of a type the operation takes; carries what it does take, in words the
    /// operation supplies (`JSON (application/json)`, `CSV (text/csv)`, the file types a kind of
    /// evidence accepts), so the answer never names a type the operation does not accept.
    #[error("the body must be {0}")]
    UnsupportedMediaType(std::borrow::Cow<'static, str>),
    /// A stored evidence file no longer matches its recorded digest (or is gone).
    #[error("{0}; it has not been served — the incident is logged and audited")]
    EvidenceIntegrity(String),
    #[error("the service is temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The problem document (RFC 9457) as sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// URI naming the problem type; stable per `code`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `invalid_input`, `outside_all_grids`.
    pub code: String,
    /// The offending field (a JSON path such as `features[3].properties.code`), when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `outside_all_grids`: the nearest grid and its distance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_grid: Option<NearestGrid>,
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> ApiError {
        ApiError::InvalidInput {
            field: Some(field.into()),
            detail: detail.into(),
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Unprocessable {
            code,
            detail: detail.into(),
        }
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> ApiError {
        ApiError::Internal(cause.into())
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidInput { .. } => "invalid_input",
            ApiError::MalformedBody { .. } => "malformed_body",
            ApiError::Unauthenticated | ApiError::ApiKeyRequired => "unauthenticated",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::InvalidRefreshToken => "invalid_refresh_token",
            ApiError::Forbidden | ApiError::MissingScope(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::OutsideAllGrids { .. } => "outside_all_grids",
            ApiError::Conflict { code, .. } | ApiError::Unprocessable { code, .. } => code,
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::TooManyAttempts(_) | ApiError::TooManyLookups(_) => "too_many_attempts",
            ApiError::TooManyRequests(_) | ApiError::BudgetSpent { .. } => "too_many_requests",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::PreconditionFailed => "stale_etag",
            ApiError::PreconditionRequired => "if_match_required",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::EvidenceIntegrity(_) => "evidence_integrity_failed",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::InvalidInput { .. } => "Invalid input",
            ApiError::MalformedBody { .. } => "Malformed request body",
            ApiError::Unauthenticated | ApiError::ApiKeyRequired => "Authentication required",
            ApiError::InvalidCredentials => "Invalid credentials",
            ApiError::InvalidRefreshToken => "Invalid refresh token",
            ApiError::Forbidden | ApiError::MissingScope(_) => "Forbidden",
            ApiError::NotFound(_) => "Not found",
            ApiError::OutsideAllGrids { .. } => "Outside all grids",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::Unprocessable { .. } => "Unprocessable content",
            ApiError::MethodNotAllowed(_) => "Method not allowed",
            ApiError::TooManyAttempts(_) | ApiError::TooManyLookups(_) => "Too many attempts",
            ApiError::TooManyRequests(_) | ApiError::BudgetSpent { .. } => "Too many requests",
            ApiError::PayloadTooLarge => "Payload too large",
            ApiError::RequestTimeout => "Request timeout",
            ApiError::PreconditionFailed => "Precondition failed",
            ApiError::PreconditionRequired => "Precondition required",
            ApiError::UnsupportedMediaType(_) => "Unsupported media type",
            ApiError::Unavailable(_) => "Service unavailable",
            ApiError::EvidenceIntegrity(_) => "Evidence integrity check failed",
            ApiError::Internal(_) => "Internal error",
        }
    }

    pub fn problem(&self) -> Problem {
        let (field, nearest_grid) = match self {
            ApiError::InvalidInput { field, .. } | ApiError::MalformedBody { field, .. } => {
                (field.clone(), None)
            }
            ApiError::OutsideAllGrids { nearest } => (None, nearest.clone()),
            _ => (None, None),
        };
        Problem {
            type_: format!("urn:gridassist:problem:{}", self.code()),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            // Display of internal variants is generic; their causes go to the log only.
            detail: self.to_string(),
            code: self.code().to_owned(),
            field,
            nearest_grid,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidInput { .. } | ApiError::MalformedBody { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated
            | ApiError::ApiKeyRequired
            | ApiError::InvalidCredentials
            | ApiError::InvalidRefreshToken => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::MissingScope(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::OutsideAllGrids { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooManyAttempts(_)
            | ApiError::TooManyLookups(_)
            | ApiError::TooManyRequests(_)
            | ApiError::BudgetSpent { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::EvidenceIntegrity(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) | ApiError::Unavailable(cause) => {
                tracing::error!(code = self.code(), cause = ?cause, "request failed");
            }
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        if matches!(self, ApiError::Unauthenticated) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if matches!(self, ApiError::ApiKeyRequired) {
            response.insert_header(("WWW-Authenticate", crate::domain::dishonest::API_KEY_SCHEME));
        }
        if let ApiError::MethodNotAllowed(allow) = self {
            response.insert_header(("Allow", allow.as_str()));
        }
        if let ApiError::TooManyAttempts(seconds)
        | ApiError::TooManyLookups(seconds)
        | ApiError::TooManyRequests(seconds)
        | ApiError::BudgetSpent {
            retry_after: seconds, ..
        } = self
        {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.json(self.problem())
    }
}

impl From<crate::domain::task_state::InvalidTransition> for ApiError {
    fn from(e: crate::domain::task_state::InvalidTransition) -> ApiError {
        ApiError::conflict("invalid_transition", e.to_string())
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> ApiError {
        match error {
            DbError::Query(e) => ApiError::from(e),
            DbError::Pool(e) => ApiError::Unavailable(e.into()),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> ApiError {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => ApiError::NotFound("resource"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::conflict("already_exists", "an object with the same key already exists")
            }
            // A retry with the same Idempotency-Key took this request over; it is the one to
            // answer, and its client is the same as ours.
            Error::QueryBuilderError(e) if e.is::<crate::db::ClaimLost>() => ApiError::conflict(
                "request_in_progress",
                "a request with this Idempotency-Key is still being handled; retry in a moment",
            ),
            other => ApiError::Internal(other.into()),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
