//! Internally tagged unions (`#[serde(tag = "kind")]`, e.g. `TaskResult`) in the OpenAPI
//! document. utoipa writes each variant as `allOf: [$ref Variant, {kind}]`; when the variant's
//! own schema forbids unknown fields (`additionalProperties: false`, from
//! `deny_unknown_fields`), no object can satisfy both halves — the variant forbids `kind`, the
//! other half requires it — so clients and generators cannot build a valid value. serde removes
//! the tag before it reads the variant, so the API does accept it; this writes each such branch
//! as the variant's object with `kind` added, which is what the API reads.

use utoipa::Modify;
use utoipa::openapi::schema::{AdditionalProperties, Object, Schema};
use utoipa::openapi::{OpenApi, RefOr};

pub struct TaggedUnions;

impl Modify for TaggedUnions {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let schemas = components.schemas.clone();
        for schema in components.schemas.values_mut() {
            if let RefOr::T(Schema::OneOf(one_of)) = schema {
                for branch in one_of.items.iter_mut() {
                    if let Some(merged) = merge_branch(branch, &schemas) {
                        *branch = RefOr::T(Schema::Object(merged));
                    }
                }
            }
        }
    }
}

/// `allOf: [$ref V, {tag}]` where V is a closed object → V's object with the tag added.
fn merge_branch(
    branch: &RefOr<Schema>,
    schemas: &std::collections::BTreeMap<String, RefOr<Schema>>,
) -> Option<Object> {
    let RefOr::T(Schema::AllOf(all_of)) = branch else {
        return None;
    };
    let [RefOr::Ref(reference), RefOr::T(Schema::Object(tag))] = all_of.items.as_slice() else {
        return None;
    };
    let name = reference.ref_location.strip_prefix("#/components/schemas/")?;
    let RefOr::T(Schema::Object(variant)) = schemas.get(name)? else {
        return None;
    };
    let closed = matches!(
        variant.additional_properties.as_deref(),
        Some(AdditionalProperties::FreeForm(false))
    );
    if !closed {
        return None;
    }
    let mut merged = variant.clone();
    for (key, value) in &tag.properties {
        merged.properties.insert(key.clone(), value.clone());
    }
    for key in &tag.required {
        if !merged.required.contains(key) {
            merged.required.push(key.clone());
        }
    }
    Some(merged)
}
