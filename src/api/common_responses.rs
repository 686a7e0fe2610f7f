//! The answers every operation can give for reasons that are not its own — no credential, a
//! role the matrix refuses, unreadable input, an oversized or mistyped body, an id that names
//! nothing, a spent rate limit — added to the OpenAPI document so that it states every status the
//! server really sends (the contract fuzzer holds it to that). Derived from the operation's shape
//! (parameters, body, path) and from the authorization matrix, so a new handler cannot forget
//! them. Also documents the `If-Match` header on the operations that require it (those answering
//! `428`).

use utoipa::Modify;
use utoipa::openapi::path::{Operation as DocOperation, ParameterBuilder, ParameterIn};
use utoipa::openapi::{
    ContentBuilder, HttpMethod, OpenApi, Ref, RefOr, Required, ResponseBuilder, Type, schema::ObjectBuilder,
};

use crate::domain::access::{Access, Operation};

pub struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_path_id = path.contains('{');
            for method in [
                HttpMethod::Get,
                HttpMethod::Post,
                HttpMethod::Put,
                HttpMethod::Patch,
                HttpMethod::Delete,
            ] {
                let slot = match method {
                    HttpMethod::Get => &mut item.get,
                    HttpMethod::Post => &mut item.post,
                    HttpMethod::Put => &mut item.put,
                    HttpMethod::Patch => &mut item.patch,
                    HttpMethod::Delete => &mut item.delete,
                    _ => continue,
                };
                if let Some(op) = slot.as_mut() {
                    complete(op, has_path_id);
                }
            }
        }
    }
}

/// Add what `op` can answer besides its own outcomes.
fn complete(op: &mut DocOperation, has_path_id: bool) {
    let access = op
        .operation_id
        .as_deref()
        .and_then(Operation::from_id)
        .map(Operation::access);
    let has_input = op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || has_path_id;
    let has_body = op.request_body.is_some();
    let mut add = |status: &str, why: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| problem(why));
    };
    match access {
        Some(Access::Granted(_)) => {
            add("401", "`unauthenticated`: no valid access token");
            add(
                "403",
                "`forbidden`: the caller's role or scope does not allow this",
            );
        }
        Some(Access::Partner(_)) => {
            add("401", "`unauthenticated`: no valid partner API key");
            add("403", "`forbidden`: the key lacks the scope this needs");
            add(
                "429",
                "`too_many_requests`: the key's rate limit is spent; see `Retry-After`",
            );
        }
        Some(Access::Public) | None => {}
    }
    if has_input || has_body {
        add(
            "400",
            "`invalid_input` or `malformed_body`: `field` names what is wrong",
        );
    }
    if has_path_id {
        add(
            "404",
            "`not_found`: nothing with that id, or not in the caller's scope",
        );
    }
    if has_body {
        add("413", "`payload_too_large`: the body exceeds the limit");
        add(
            "415",
            "`unsupported_media_type`: the body's Content-Type is not one accepted here",
        );
    }
    if op.responses.responses.contains_key("428") {
        let header = ParameterBuilder::new()
            .name("If-Match")
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some("The ETag last read; a stale one is answered 412"))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build();
        let parameters = op.parameters.get_or_insert_with(Vec::new);
        if !parameters.iter().any(|p| p.name == "If-Match") {
            parameters.push(header);
        }
    }
}

fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}
