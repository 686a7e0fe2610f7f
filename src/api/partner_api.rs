//! The operations partner departments call from their own systems, with an API key
//! (`Authorization: ApiKey <key>`) instead of a user's token: checking identities against the
//! list of dishonest debtors, and managing webhook subscriptions for additions and removals.
//! Every call is rate-limited per key (`429 too_many_requests` with `Retry-After`), and checks
//! also spend the key's budget of identities per minute and per day (the same 429 once spent).
//! User tokens are refused here (401), as API keys are everywhere else.

use std::time::Instant;

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::ToSchema;

use super::extract::{ApiJson, request_id};
use super::pagination::Page;
use crate::auth::api_key::PartnerKey;
use crate::auth::rate_limit::retry_after_secs;
use crate::domain::access::Operation;
use crate::domain::dishonest::DebtorIdentity;
use crate::domain::time;
use crate::error::{ApiError, Problem};
use crate::services::partners::{self, BudgetPolicy, CheckAnswer, MAX_BATCH, PartnerCaller, Subscription};
use crate::state::AppState;

/// The partner behind the key, once its scope and its rate limit allow the call.
async fn partner(
    state: &web::Data<AppState>,
    key: PartnerKey,
    rid: &RequestId,
    operation: Operation,
) -> Result<PartnerCaller, ApiError> {
    let rid = request_id(rid);
    let partner = state
        .db
        .run(move |conn| partners::authenticate(conn, &key.key, rid, key.client_ip))
        .await?;
    partner.permit(operation)?;
    state
        .partner_limiter
        .take(partner.key_id, Instant::now())
        .map_err(|wait| ApiError::TooManyRequests(retry_after_secs(wait)))?;
    Ok(partner)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// One national ID number or unified social credit code to check.
    pub id_number: Option<String>,
    /// Or a batch of 1 to 1,000 of them, answered in order.
    pub id_numbers: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourtRef {
    pub code: String,
    pub name: String,
}

/// One listing: the case and the court that listed the debtor.
#[derive(Debug, Serialize, ToSchema)]
pub struct Listing {
    pub case_number: String,
    pub court: CourtRef,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemError {
    /// `id_number`, or `id_numbers[<index>]`.
    pub field: String,
    pub detail: String,
}

/// The answer for one identifier.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    /// Position in the request, from 0.
    pub index: usize,
    /// The identifier, canonical (upper-case `X`); absent when it is invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// Whether it is on the list now; absent when it is invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<bool>,
    /// Where it is listed (empty when not listed); absent when it is invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listings: Option<Vec<Listing>>,
    /// Why the identifier could not be checked; the rest of the batch is answered all the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ItemError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResponse {
    /// One per identifier sent, in order.
    pub results: Vec<CheckResult>,
    /// Identifiers checked (valid ones).
    pub checked: usize,
    /// Of those, how many are listed.
    pub listed: usize,
    /// Identifiers that are not valid national ID numbers or credit codes.
    pub invalid: usize,
}

/// The identifiers of a request, each with the field it came from.
fn identifiers(body: CheckRequest) -> Result<Vec<(String, String)>, ApiError> {
    match (body.id_number, body.id_numbers) {
        (Some(one), None) => Ok(vec![("id_number".to_owned(), one)]),
        (None, Some(many)) if many.is_empty() => Err(ApiError::invalid(
            "id_numbers",
            "must hold at least one identifier",
        )),
        (None, Some(many)) if many.len() > MAX_BATCH => Err(ApiError::invalid(
            "id_numbers",
            format!("at most {MAX_BATCH} identifiers per request; split the batch"),
        )),
        (None, Some(many)) => Ok(many
            .into_iter()
            .enumerate()
            .map(|(i, raw)| (format!("id_numbers[{i}]"), raw))
            .collect()),
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "id_numbers",
            "give either id_number or id_numbers, not both",
        )),
        (None, None) => Err(ApiError::invalid(
            "id_number",
            "give id_number, or id_numbers for a batch",
        )),
    }
}

/// Check identities against the list of dishonest debtors (scope `dishonest:check`). Each answer
/// says whether the identity is listed and, if so, on which case by which court — nothing else.
/// An invalid identifier is answered with an error and does not fail the batch. Every check is
/// audited. The well-formed identifiers (`checked` in the answer) are spent from the key's
/// budgets of identities per minute and per day; a request they cannot take is refused whole and
/// spends nothing.
#[utoipa::path(tag = "partner-api", request_body = CheckRequest, security(("api_key" = [])), responses(
    (status = 200, body = CheckResponse),
    (status = 400, description = "Neither or both of `id_number` and `id_numbers`, an empty batch, more than 1,000, or more identities than the key's whole budget per minute or per day (`field` = `id_numbers`)", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid, unrevoked API key (`WWW-Authenticate: ApiKey`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The key lacks the `dishonest:check` scope", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "`too_many_requests`: the key's rate limit, or its budget of identities per minute or per day, is spent; `Retry-After` says in how many seconds the request fits", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/dishonest-checks")]
pub async fn check_identities(
    state: web::Data<AppState>,
    key: PartnerKey,
    rid: RequestId,
    body: ApiJson<CheckRequest>,
) -> Result<HttpResponse, ApiError> {
    let partner = partner(&state, key, &rid, Operation::CheckIdentities).await?;
    let items = identifiers(body.0)?;
    let today = time::today_local();
    let fields: Vec<String> = items.iter().map(|(f, _)| f.clone()).collect();
    let checked: Vec<Result<String, String>> = items
        .iter()
        .map(|(_, raw)| DebtorIdentity::lookup_key(raw, today).map_err(|e| e.0))
        .collect();
    let policy = BudgetPolicy {
        defaults: state.config.partner_budgets,
        alert_percent: state.config.partner_budget_alert_percent,
    };
    let answers = state
        .db
        .run(move |conn| partners::check(conn, &partner, checked, &policy))
        .await?;
    let mut response = CheckResponse {
        results: Vec::with_capacity(answers.len()),
        checked: 0,
        listed: 0,
        invalid: 0,
    };
    for (index, (answer, field)) in answers.into_iter().zip(fields).enumerate() {
        let result = match answer {
            CheckAnswer::Checked { id_number, listed_in } => {
                response.checked += 1;
                response.listed += usize::from(!listed_in.is_empty());
                CheckResult {
                    index,
                    id_number: Some(id_number),
                    listed: Some(!listed_in.is_empty()),
                    listings: Some(
                        listed_in
                            .into_iter()
                            .map(|l| Listing {
                                case_number: l.case_number,
                                court: CourtRef {
                                    code: l.court_code,
                                    name: l.court_name,
                                },
                            })
                            .collect(),
                    ),
                    error: None,
                }
            }
            CheckAnswer::Invalid { detail } => {
                response.invalid += 1;
                CheckResult {
                    index,
                    id_number: None,
                    listed: None,
                    listings: None,
                    error: Some(ItemError { field, detail }),
                }
            }
        };
        response.results.push(result);
    }
    Ok(HttpResponse::Ok().json(response))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSubscription {
    /// Where to send `dishonest.listed` and `dishonest.removed` events: `https`, to a public
    /// address — a URL whose host is or resolves to a loopback, private or link-local address is
    /// refused (plain `http` and private addresses only where the server allows an on-premises
    /// receiver).
    pub url: String,
    /// Your signing secret, `whsec_<base64>` (at least 16 bytes); when absent, one is made and
    /// returned this once.
    pub secret: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionDto {
    pub id: i64,
    pub url: String,
    /// The key that registered it; revoking that key ends the subscription.
    pub key_id: i64,
    pub created_at: DateTime<Utc>,
    /// The signing secret, only in the answer that created it, and only when it was made here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn subscription_dto(s: Subscription, secret: Option<String>) -> SubscriptionDto {
    SubscriptionDto {
        id: s.id,
        url: s.url,
        key_id: s.key_id,
        created_at: time::to_utc(s.created_at),
        secret,
    }
}

/// Register a webhook for additions to and removals from the list (scope `dishonest:subscribe`).
/// Events are Standard Webhooks messages signed with the subscription's secret: `{type,
/// timestamp, data: {entry_id, id_number, kind, case_number, court: {code, name}, listed_on,
/// removed_on}}`.
#[utoipa::path(tag = "partner-api", request_body = CreateSubscription, security(("api_key" = [])), responses(
    (status = 201, body = SubscriptionDto),
    (status = 400, description = "A bad URL (not https, user info, a host that is or resolves to a loopback, private or link-local address, ...) or secret, named by `field`", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The key lacks the `dishonest:subscribe` scope", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`subscription_limit`: at most 5 per partner", body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/dishonest-subscriptions")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    key: PartnerKey,
    rid: RequestId,
    body: ApiJson<CreateSubscription>,
) -> Result<HttpResponse, ApiError> {
    let partner = partner(&state, key, &rid, Operation::CreateSubscription).await?;
    let b = body.0;
    let target = partners::vet_target(
        &b.url,
        b.secret,
        state.config.webhook_allow_private,
        state.config.webhook_timeout,
    )
    .await?;
    let (subscription, secret) = state
        .db
        .run(move |conn| partners::subscribe(conn, &partner, target))
        .await?;
    Ok(HttpResponse::Created().json(subscription_dto(subscription, secret)))
}

/// The partner's webhook subscriptions (scope `dishonest:subscribe`).
#[utoipa::path(tag = "partner-api", security(("api_key" = [])), responses(
    (status = 200, body = Page<SubscriptionDto>),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/dishonest-subscriptions")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    key: PartnerKey,
    rid: RequestId,
) -> Result<HttpResponse, ApiError> {
    let partner = partner(&state, key, &rid, Operation::ListSubscriptions).await?;
    let rows = state
        .db
        .run(move |conn| partners::subscriptions(conn, &partner))
        .await?;
    // At most five: one page.
    Ok(HttpResponse::Ok().json(Page {
        items: rows
            .into_iter()
            .map(|s| subscription_dto(s, None))
            .collect::<Vec<_>>(),
        next_cursor: None,
    }))
}

/// Delete a webhook subscription (scope `dishonest:subscribe`); events still waiting for it are
/// not sent.
#[utoipa::path(tag = "partner-api", params(("id" = i64, Path)), security(("api_key" = [])), responses(
    (status = 204, description = "Deleted"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json")
))]
#[delete("/api/v1/dishonest-subscriptions/{id}")]
pub async fn delete_subscription(
    state: web::Data<AppState>,
    key: PartnerKey,
    rid: RequestId,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let partner = partner(&state, key, &rid, Operation::DeleteSubscription).await?;
    let id = path.into_inner();
    state
        .db
        .run(move |conn| partners::unsubscribe(conn, &partner, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(one: Option<&str>, many: Option<usize>) -> CheckRequest {
        CheckRequest {
            id_number: one.map(str::to_owned),
            id_numbers: many.map(|n| vec!["x".to_owned(); n]),
        }
    }

    #[test]
    fn a_request_carries_one_identifier_or_a_batch_of_at_most_a_thousand() {
        assert_eq!(identifiers(request(Some("a"), None)).unwrap()[0].0, "id_number");
        let batch = identifiers(request(None, Some(MAX_BATCH))).unwrap();
        assert_eq!(batch.len(), 1000);
        assert_eq!(batch[999].0, "id_numbers[999]");
        for (bad, field) in [
            (request(None, Some(MAX_BATCH + 1)), "id_numbers"),
            (request(None, Some(0)), "id_numbers"),
            (request(Some("a"), Some(1)), "id_numbers"),
            (request(None, None), "id_number"),
        ] {
            let e = identifiers(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input");
            assert_eq!(e.problem().field.as_deref(), Some(field));
        }
        let e = identifiers(request(None, Some(1001))).unwrap_err();
        assert!(e.to_string().contains("1000"), "names the limit: {e}");
    }
}
