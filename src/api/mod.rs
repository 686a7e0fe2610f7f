//! The HTTP surface: routes, extraction, response shapes and the OpenAPI document generated
//! from the handlers. Handlers only extract, validate into domain types, call a service and
//! shape the response.

pub mod audit;
pub mod auth;
pub mod body_timeout;
pub mod cases;
pub mod check_ins;
pub mod common_responses;
pub mod courts;
pub mod dishonest;
pub mod dto;
pub mod evidence;
pub mod extract;
pub mod grids;
pub mod health;
pub mod idempotency;
pub mod me;
pub mod metrics;
pub mod notifications;
pub mod optimize;
pub mod pagination;
pub mod partner_api;
pub mod partners;
pub mod progress;
pub mod scores;
pub mod statistics;
pub mod submissions;
pub mod sync;
pub mod tagged_unions;
pub mod tasks;
pub mod townships;
pub mod users;
pub mod workers;

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ApiError;
use common_responses::CommonResponses;
use tagged_unions::TaggedUnions;

/// The one list of the API's operations. It generates both the OpenAPI document ([`ApiDoc`]) and
/// the routes ([`configure`]), so an operation cannot be served undocumented or documented but not
/// served; the authorization matrix (`domain::access`) is held to the document by a unit test.
/// Routes are registered in this order.
macro_rules! api_operations {
    ($($module:ident :: $handler:ident),* $(,)?) => {
        /// The OpenAPI document; `api-spec/openapi.json` is this, pretty-printed
        /// (`gridassist openapi > api-spec/openapi.json`), and a test keeps them equal.
        #[derive(OpenApi)]
        #[openapi(
            info(
                title = "gridassist",
                description = "Court enforcement assistance by community grid workers (网格+执行). \
                    Errors are RFC 9457 problem+json with a stable `code`.",
                license(name = "MIT OR Apache-2.0")
            ),
            paths($($module::$handler),*),
            modifiers(&BearerAuth, &CommonResponses, &TaggedUnions),
            components(schemas(crate::domain::media::EvidenceKind, notifications::DeliveryStatus)),
            tags(
                (name = "health", description = "Probes"),
                (name = "auth", description = "Sign-in, tokens, the caller"),
                (name = "organisation", description = "Courts and townships"),
                (name = "grids", description = "The grid map"),
                (name = "users", description = "Accounts (admins)"),
                (name = "workers", description = "Grid-worker profiles"),
                (name = "cases", description = "Enforcement cases (officers)"),
                (name = "applicants", description = "Applicants' access codes and the public progress of a case"),
                (name = "statistics", description = "The court's statistics per period"),
                (name = "tasks", description = "Assistance tasks and their assignment"),
                (name = "results", description = "Workers' results, their review, and outcomes"),
                (name = "sync", description = "The grid worker's phone catching up"),
                (name = "notifications", description = "The notification outbox (admins)"),
                (name = "scores", description = "Scores, leaderboards, incentives and appeals"),
                (name = "training", description = "Training modules, completions and certification"),
                (name = "audit", description = "The tamper-evident audit trail (admins)"),
                (name = "dishonest", description = "The list of dishonest judgment debtors (失信被执行人名单), kept by the courts"),
                (name = "partners", description = "Partner departments and their API keys (admins)"),
                (name = "partner-api", description = "For partner departments' systems, with an API key: checks against the list, webhook subscriptions"),
            )
        )]
        pub struct ApiDoc;

        /// Register every documented operation.
        fn register_operations(cfg: &mut web::ServiceConfig) {
            $(cfg.service($module::$handler);)*
        }
    };
}

api_operations! {
    health::healthz,
    health::readyz,
    metrics::metrics,
    auth::login,
    auth::refresh,
    auth::logout,
    me::me,
    courts::create_court,
    courts::list_courts,
    townships::create_township,
    townships::list_townships,
    grids::import_grids,
    grids::locate,
    grids::list_grids,
    users::create_user,
    users::list_users,
    users::get_user,
    users::update_user,
    workers::list_workers,
    workers::get_worker,
    workers::update_worker,
    cases::create_case,
    cases::list_cases,
    cases::get_case,
    cases::close_case,
    progress::issue_access_code,
    progress::access_code_state,
    progress::revoke_access_code,
    progress::case_progress,
    statistics::court_statistics,
    tasks::create_task,
    tasks::list_tasks,
    tasks::get_task,
    tasks::task_events,
    tasks::accept_task,
    tasks::decline_task,
    tasks::cancel_task,
    tasks::assign_task,
    tasks::pin_task,
    optimize::optimize,
    check_ins::create_check_in,
    check_ins::list_check_ins,
    evidence::upload_evidence,
    evidence::download_evidence,
    evidence::list_evidence,
    submissions::submit_result,
    submissions::list_submissions,
    submissions::review_result,
    submissions::record_outcome,
    submissions::get_outcome,
    sync::sync_tasks,
    notifications::list_notifications,
    notifications::retry_notification,
    scores::get_scheme,
    scores::put_scheme,
    scores::get_board,
    scores::close_period,
    scores::worker_scores,
    scores::incentives,
    scores::create_appeal,
    scores::list_appeals,
    scores::decide_appeal,
    scores::create_module,
    scores::list_modules,
    scores::record_completion,
    scores::worker_training,
    scores::dispute_check_in,
    scores::claw_back,
    audit::list_audit_events,
    audit::verify_audit_events,
    dishonest::import_entries,
    dishonest::create_entry,
    dishonest::list_entries,
    dishonest::get_entry,
    dishonest::update_entry,
    dishonest::remove_entry,
    partners::create_partner,
    partners::list_partners,
    partners::issue_key,
    partners::list_keys,
    partners::update_key,
    partners::revoke_key,
    partner_api::check_identities,
    partner_api::create_subscription,
    partner_api::list_subscriptions,
    partner_api::delete_subscription,
}

/// The two ways in: users' bearer tokens, and partner departments' API keys.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "A partner department's API key, sent as `Authorization: ApiKey gapk_…`",
            ))),
        );
    }
}

/// The OpenAPI document as pretty JSON, exactly as checked in.
pub fn openapi_json() -> String {
    let mut text = ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// Serve the OpenAPI document.
#[get("/api/openapi.json")]
async fn openapi_document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(openapi_json())
}

/// Register every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(extract::query_config())
        .app_data(extract::path_config())
        .service(openapi_document);
    register_operations(cfg);
}

/// Unknown paths and methods: a problem document, not an empty body.
pub async fn not_found(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    match allowed_methods(req.path()) {
        // The path fits a route's template and the method is the route's, but the route did not
        // take it (an id that is not a number): nothing there.
        Some(allow) if allow.split(", ").any(|m| m == req.method().as_str()) => {
            Err(ApiError::NotFound("route"))
        }
        Some(allow) => Err(ApiError::MethodNotAllowed(allow)),
        None => Err(ApiError::NotFound("route")),
    }
}

/// The methods the API answers on a path (from the OpenAPI document, whose path templates are
/// the routes), e.g. `GET, POST`; None when no route has that path.
fn allowed_methods(path: &str) -> Option<String> {
    static ROUTES: std::sync::OnceLock<Vec<(Vec<String>, Vec<&'static str>)>> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        let doc = ApiDoc::openapi();
        let mut routes: Vec<(Vec<String>, Vec<&'static str>)> = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template.trim_matches('/').split('/').map(str::to_owned).collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments, methods)
            })
            .collect();
        routes.push((vec!["api".into(), "openapi.json".into()], vec!["GET"]));
        routes
    });
    let wanted: Vec<&str> = path.trim_matches('/').split('/').collect();
    let matching: Vec<(usize, &Vec<&str>)> = routes
        .iter()
        .filter(|(segments, _)| {
            segments.len() == wanted.len()
                && segments
                    .iter()
                    .zip(&wanted)
                    .all(|(s, w)| (s.starts_with('{') && !w.is_empty()) || s == w)
        })
        .map(|(segments, m)| (segments.iter().filter(|s| !s.starts_with('{')).count(), m))
        .collect();
    // A literal segment beats a placeholder: `/dishonest-entries/import` is the import route's,
    // not an entry's.
    let most_specific = matching.iter().map(|(literal, _)| *literal).max().unwrap_or(0);
    let mut methods: Vec<&str> = matching
        .into_iter()
        .filter(|(literal, _)| *literal == most_specific)
        .flat_map(|(_, m)| m.iter().copied())
        .collect();
    if methods.is_empty() {
        return None;
    }
    methods.sort_unstable();
    methods.dedup();
    Some(methods.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Access, Operation};

    /// Every branch of a tagged union (a task result per kind) is a closed object that requires
    /// its own `kind`, so a client can build each one from the document.
    #[test]
    fn every_variant_of_a_tagged_union_admits_its_tag() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let branches = doc["components"]["schemas"]["TaskResult"]["oneOf"]
            .as_array()
            .unwrap();
        assert_eq!(branches.len(), crate::domain::TaskKind::ALL.len());
        for branch in branches {
            assert!(branch.get("allOf").is_none(), "{branch}");
            assert_eq!(branch["additionalProperties"], false);
            assert!(branch["properties"]["kind"]["enum"].is_array(), "{branch}");
            assert!(
                branch["required"]
                    .as_array()
                    .unwrap()
                    .contains(&serde_json::json!("kind"))
            );
        }
    }

    #[test]
    fn every_operation_documents_the_answers_every_operation_can_give() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let assign = &doc["paths"]["/api/v1/tasks/{id}/assign"]["post"];
        for status in ["400", "401", "403", "404", "413", "415", "428"] {
            assert!(
                assign["responses"][status].is_object(),
                "assign_task lacks {status}"
            );
        }
        assert!(
            assign["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "If-Match" && p["in"] == "header" && p["required"] == true)
        );
        let check = &doc["paths"]["/api/v1/dishonest-checks"]["post"];
        assert!(check["responses"]["429"].is_object());
        let health = &doc["paths"]["/healthz"]["get"];
        assert!(
            health["responses"]["401"].is_null(),
            "public operations need no credential"
        );
    }

    /// The authorization matrix and the OpenAPI document name the same operations: an
    /// operation added without a row in the matrix (or a row left behind) fails here.
    #[test]
    fn every_documented_operation_has_a_row_in_the_authorization_matrix() {
        let doc = ApiDoc::openapi();
        let mut documented = Vec::new();
        for (path, item) in &doc.paths.paths {
            for op in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .into_iter()
                .flatten()
            {
                let id = op.operation_id.clone().unwrap_or_default();
                let operation = Operation::from_id(&id)
                    .unwrap_or_else(|| panic!("{path} ({id}) has no row in domain::access"));
                // Public operations are exactly those the document leaves without security.
                let public = op.security.as_ref().is_none_or(|s| s.is_empty());
                assert_eq!(
                    public,
                    operation.access() == Access::Public,
                    "{id}: the document's security and the matrix disagree"
                );
                // Partner operations are exactly those secured by an API key.
                let by_api_key = op.security.as_ref().is_some_and(|list| {
                    serde_json::to_value(list)
                        .map(|v| v.to_string().contains("\"api_key\""))
                        .unwrap_or(false)
                });
                assert_eq!(
                    by_api_key,
                    matches!(operation.access(), Access::Partner(_)),
                    "{id}: the document's API-key security and the matrix disagree"
                );
                documented.push(id);
            }
        }
        for operation in Operation::ALL {
            assert!(
                documented.iter().any(|id| id == operation.id()),
                "{} is in the matrix but not in the OpenAPI document",
                operation.id()
            );
        }
    }
}
