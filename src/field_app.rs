//! The field app for grid workers: an offline-first web app for their phones, plain HTML, CSS
//! and ES modules from `web/app/` (and the modules shared with the console, `web/shared/`, as
//! `shared/…`), embedded in the binary like the console ([`crate::web_bundle`]). Like the
//! console it is a client of the REST API only; these routes are not in the OpenAPI document.
//!
//! - `GET /app` redirects (308) to `GET /app/`, the page, revalidated on every load (`no-cache`,
//!   ETag) and carrying its own Content-Security-Policy ([`PAGE_CSP`]);
//! - `GET /app/sw.js`, the service worker, is written from the template `web/app/sw.js` with
//!   this build's version and the list of every URL the app needs offline (the page, the
//!   manifest and every versioned asset), so a new build installs a new worker that caches the
//!   new shell; `no-cache`, `Service-Worker-Allowed: /app/`;
//! - `GET /app/manifest.webmanifest`, the web app manifest, `no-cache`;
//! - `GET /app/<version>/<path>`: every other file, cached for good; another build's version is
//!   a problem 404.
//!
//! One module is not a file: `js/schema.js` is written when the bundle is built, from the
//! OpenAPI document ([`crate::api::ApiDoc`]) and the domain, so the result forms check a result
//! against the server's own schemas, and know its task and evidence kinds, never a copy kept by
//! hand.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use serde_json::{Map, Value};
use utoipa::OpenApi;

use crate::domain::TaskKind;
use crate::domain::media::EvidenceKind;
use crate::web_bundle::{self, ASSET_BASE, Asset, Bundle, Policy};

/// The page's policy: its own scripts, styles and connections only; images also from `blob:`
/// and `data:` (photos taken on the phone, shown before upload), recordings played from
/// `blob:`; its own service worker and manifest; no inline code, no framing, no forms posting
/// elsewhere. The service worker gets the same policy: a worker runs under the policy of its
/// script's response, and the server's default (`default-src 'none'`) would forbid it to fetch
/// the shell it caches.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; \
     manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Where the app lives; its assets are under `/app/<version>/`.
pub const ASSET_PREFIX: &str = "/app";

const INDEX: &str = "index.html";
const SERVICE_WORKER: &str = "sw.js";
const MANIFEST: &str = "manifest.webmanifest";

/// The service worker template's placeholders.
const VERSION_PLACEHOLDER: &str = "{{VERSION}}";
const PRECACHE_PLACEHOLDER: &str = "{{PRECACHE}}";

/// The generated module's path among the assets.
const SCHEMA_JS: &str = "js/schema.js";

/// The components of the OpenAPI document the app needs, with every schema they reference.
const SCHEMA_ROOTS: &[&str] = &["TaskResult", "DeclineReason", "TaskStatus", "Crs"];

/// The components named in [`SCHEMA_ROOTS`] and every component they reference, transitively,
/// keyed by name, exactly as the OpenAPI document has them.
fn result_schemas() -> Map<String, Value> {
    fn references(schema: &Value, out: &mut Vec<String>) {
        match schema {
            Value::Object(fields) => {
                if let Some(name) = fields
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(name.to_owned());
                }
                fields.values().for_each(|v| references(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, out)),
            _ => {}
        }
    }
    let doc = serde_json::to_value(crate::api::ApiDoc::openapi()).unwrap_or_default();
    let components = &doc["components"]["schemas"];
    let mut schemas = Map::new();
    let mut wanted: Vec<String> = SCHEMA_ROOTS.iter().map(|n| (*n).to_owned()).collect();
    while let Some(name) = wanted.pop() {
        if schemas.contains_key(&name) {
            continue;
        }
        if let Some(schema) = components.get(&name) {
            references(schema, &mut wanted);
            schemas.insert(name, schema.clone());
        }
    }
    schemas
}

/// The schemas and kinds the result forms need, as an ES module.
fn schema_js() -> Vec<u8> {
    fn json(value: &impl serde::Serialize) -> String {
        serde_json::to_string(value).unwrap_or_else(|_| "null".into())
    }
    let task_kinds: Vec<&str> = TaskKind::ALL.iter().map(|k| k.as_str()).collect();
    let evidence_kinds: Vec<&str> = EvidenceKind::ALL.iter().map(|k| k.as_str()).collect();
    format!(
        "// Written by the server from its OpenAPI document (api-spec/openapi.json) and its domain\n\
         // (src/domain/task_kind.rs, src/domain/media.rs).\n\
         // The result of each task kind, and every schema it references, keyed by component name.\n\
         export const RESULT_SCHEMAS = {};\n\
         export const TASK_KINDS = {};\n\
         export const EVIDENCE_KINDS = {};\n",
        json(&result_schemas()),
        json(&task_kinds),
        json(&evidence_kinds),
    )
    .into_bytes()
}

struct FieldApp {
    bundle: Bundle,
    index: Asset,
    service_worker: Asset,
    manifest: Asset,
}

/// Every URL the app needs to open with no network: the page, the manifest and every versioned
/// asset.
fn precache(bundle: &Bundle) -> Vec<String> {
    [format!("{ASSET_PREFIX}/"), format!("{ASSET_PREFIX}/{MANIFEST}")]
        .into_iter()
        .chain(bundle.asset_urls())
        .collect()
}

fn app() -> &'static FieldApp {
    static APP: OnceLock<FieldApp> = OnceLock::new();
    APP.get_or_init(|| {
        let bundle = Bundle::new(
            ASSET_PREFIX,
            web_bundle::FIELD_APP,
            vec![(SCHEMA_JS, schema_js())],
            &[INDEX, SERVICE_WORKER, MANIFEST],
        );
        let base = [(ASSET_BASE, bundle.base.as_str())];
        let precache = serde_json::to_string(&precache(&bundle)).unwrap_or_else(|_| "[]".into());
        FieldApp {
            index: bundle.render(INDEX, &base),
            manifest: bundle.render(MANIFEST, &base),
            service_worker: bundle.render(
                SERVICE_WORKER,
                &[
                    (VERSION_PLACEHOLDER, bundle.version.as_str()),
                    (PRECACHE_PLACEHOLDER, &precache),
                ],
            ),
            bundle,
        }
    })
}

fn bundle() -> &'static Bundle {
    &app().bundle
}

/// The version segment of the app's asset URLs in this build.
pub fn version() -> &'static str {
    &bundle().version
}

/// The size budget of the app, in bytes as sent (gzipped where served gzipped): its
/// JavaScript (every module, shared and generated ones included, and the service worker)…
pub const JS_BUDGET: usize = 150_000;
/// …and the whole first load: the page, the service worker and everything it precaches.
pub const FIRST_LOAD_BUDGET: usize = 250_000;

/// One file of the app's first load, and its size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileSize {
    pub url: String,
    /// Bytes as stored.
    pub raw: usize,
    /// Bytes gzipped, when the file is sent gzipped to clients that take it.
    pub gzip: Option<usize>,
}

impl FileSize {
    /// What a phone that takes gzip downloads.
    pub fn sent(&self) -> usize {
        self.gzip.unwrap_or(self.raw)
    }

    pub fn is_javascript(&self) -> bool {
        self.url.ends_with(".js")
    }
}

/// Every file of the app's first load — the page, the service worker, the manifest and every
/// versioned asset — with its size raw and gzipped, in URL order.
pub fn first_load_sizes() -> Vec<FileSize> {
    let app = app();
    let size = |url: String, asset: &Asset| FileSize {
        url,
        raw: asset.body.len(),
        gzip: asset.gzip.as_ref().map(|gz| gz.body.len()),
    };
    let mut sizes = vec![
        size(format!("{ASSET_PREFIX}/"), &app.index),
        size(format!("{ASSET_PREFIX}/{SERVICE_WORKER}"), &app.service_worker),
        size(format!("{ASSET_PREFIX}/{MANIFEST}"), &app.manifest),
    ];
    sizes.extend(
        app.bundle
            .assets
            .iter()
            .map(|(path, asset)| size(format!("{}/{path}", app.bundle.base), asset)),
    );
    sizes.sort_by(|a, b| a.url.cmp(&b.url));
    sizes
}

/// The sizes as a table (for docs: `cargo test --lib field_app::tests::print_sizes -- --ignored
/// --nocapture`).
pub fn size_table() -> String {
    let sizes = first_load_sizes();
    let mut table = String::from("| file | raw bytes | gzip bytes |\n|---|---:|---:|\n");
    for f in &sizes {
        let url = f.url.replace(&format!("{}/", bundle().base), "<v>/");
        let gzip = f.gzip.map_or("—".to_owned(), |g| g.to_string());
        table.push_str(&format!("| `{url}` | {} | {gzip} |\n", f.raw));
    }
    let total = |js: bool, pick: fn(&FileSize) -> usize| -> usize {
        sizes.iter().filter(|f| !js || f.is_javascript()).map(pick).sum()
    };
    table.push_str(&format!(
        "| **JavaScript** | {} | {} (budget {JS_BUDGET}) |\n| **first load** | {} | {} (budget {FIRST_LOAD_BUDGET}) |\n",
        total(true, |f| f.raw),
        total(true, FileSize::sent),
        total(false, |f| f.raw),
        total(false, FileSize::sent),
    ));
    table
}

const SERVICE_WORKER_POLICY: Policy = Policy {
    extra: &[("service-worker-allowed", "/app/")],
    ..Policy::revalidated(Some(PAGE_CSP))
};

/// Register the app's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(ASSET_PREFIX)
            .guard(web_bundle::get_or_head())
            .to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/app/"))
                    .finish()
            }),
    )
    .service(web_bundle::page(
        "/app/",
        || &app().index,
        Policy::revalidated(Some(PAGE_CSP)),
    ))
    .service(web_bundle::page(
        "/app/sw.js",
        || &app().service_worker,
        SERVICE_WORKER_POLICY,
    ))
    .service(web_bundle::page(
        "/app/manifest.webmanifest",
        || &app().manifest,
        Policy::revalidated(None),
    ))
    .service(web_bundle::versioned_files(ASSET_PREFIX, bundle, "app file"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web_bundle::checks;

    #[test]
    fn every_file_of_the_app_and_the_shared_modules_is_embedded() {
        let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut on_disk = checks::files_on_disk(&web.join("app"));
        on_disk.extend(
            checks::files_on_disk(&web.join("shared"))
                .into_iter()
                .map(|p| format!("shared/{p}")),
        );
        checks::embeds_exactly(web_bundle::FIELD_APP, on_disk);
    }

    #[test]
    fn the_page_points_at_this_builds_assets_and_has_no_inline_code() {
        let page = String::from_utf8(app().index.body.clone()).unwrap();
        assert!(page.contains(&format!("{ASSET_PREFIX}/{}/", version())), "{page}");
        checks::has_no_inline_code(&page);
        for page in [INDEX, SERVICE_WORKER, MANIFEST] {
            assert!(
                !bundle().assets.contains_key(page),
                "{page} is not a versioned asset"
            );
        }
        assert!(bundle().assets.contains_key("shared/dom.js"));
    }

    #[test]
    fn the_service_worker_carries_the_version_and_every_asset() {
        let worker = String::from_utf8(app().service_worker.body.clone()).unwrap();
        assert!(!worker.contains(VERSION_PLACEHOLDER) && !worker.contains(PRECACHE_PLACEHOLDER));
        assert!(worker.contains(&format!("'{}'", version())));
        for url in precache(bundle()) {
            assert!(worker.contains(&format!("\"{url}\"")), "{url} not precached");
        }
        assert!(worker.contains(&format!("\"{ASSET_PREFIX}/{}/shared/dom.js\"", version())));
        assert_eq!(
            app().service_worker.content_type,
            "text/javascript; charset=utf-8"
        );
    }

    #[test]
    fn the_manifest_is_json_pointing_at_this_builds_icons() {
        let manifest: serde_json::Value = serde_json::from_slice(&app().manifest.body).unwrap();
        assert_eq!(manifest["start_url"], "/app/");
        for icon in manifest["icons"].as_array().unwrap() {
            let src = icon["src"].as_str().unwrap();
            let path = src
                .strip_prefix(&format!("{}/", bundle().base))
                .unwrap_or_else(|| panic!("{src} is not under this build"));
            assert!(bundle().assets.contains_key(path), "{src}");
        }
        assert_eq!(app().manifest.content_type, "application/manifest+json");
    }

    #[test]
    fn the_schema_module_holds_the_results_schemas_and_kinds_from_the_server() {
        let module = String::from_utf8(schema_js()).unwrap();
        let served = &bundle().assets[SCHEMA_JS];
        assert_eq!(served.content_type, "text/javascript; charset=utf-8");
        assert_eq!(served.body, module.as_bytes());
        // Each export is one line of JSON.
        let export = |name: &str| -> Value {
            let line = module
                .lines()
                .find_map(|l| l.strip_prefix(&format!("export const {name} = ")))
                .unwrap_or_else(|| panic!("no {name}"));
            serde_json::from_str(line.trim_end_matches(';')).unwrap()
        };
        let schemas = export("RESULT_SCHEMAS");
        let kinds = export("TASK_KINDS");
        assert_eq!(
            kinds,
            serde_json::json!([
                "serve_documents",
                "locate_person",
                "locate_assets",
                "urge_performance",
                "facilitate_settlement",
                "publicize_dishonesty",
                "report_refusal",
                "take_down_notice"
            ])
        );
        assert_eq!(
            export("EVIDENCE_KINDS"),
            serde_json::json!(["photo", "signature", "audio", "pdf"])
        );
        // Referenced schemas are there, as the document has them.
        let urge = schemas["UrgeResponse"]["enum"]
            .as_array()
            .expect("UrgeResponse's values");
        for value in ["agreed_to_pay", "paid_in_full", "refused", "not_reached"] {
            assert!(urge.contains(&Value::from(value)), "{value}");
        }
        for name in SCHEMA_ROOTS
            .iter()
            .chain(&["ServiceAttempt", "Witness", "Contact"])
        {
            assert!(schemas.get(name).is_some(), "{name} missing");
        }
        let doc = serde_json::to_value(crate::api::ApiDoc::openapi()).unwrap();
        assert_eq!(schemas["TaskResult"], doc["components"]["schemas"]["TaskResult"]);
        assert!(schemas.get("TaskDto").is_none(), "only what results reference");
        // Every reference in the module resolves within it.
        let text = schemas.to_string();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(schemas.get(name).is_some(), "{name} referenced, not included");
        }
        // One result variant per task kind, in the same order.
        let variants: Vec<Value> = schemas["TaskResult"]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["properties"]["kind"]["enum"][0].clone())
            .collect();
        assert_eq!(Value::from(variants), kinds);
    }

    #[test]
    fn the_app_stays_within_its_size_budget() {
        let sizes = first_load_sizes();
        // Everything the service worker caches is counted, and the worker itself.
        let urls: Vec<&str> = sizes.iter().map(|f| f.url.as_str()).collect();
        for url in precache(bundle()) {
            assert!(urls.contains(&url.as_str()), "{url}");
        }
        assert!(urls.contains(&"/app/sw.js"));
        let js: usize = sizes
            .iter()
            .filter(|f| f.is_javascript())
            .map(FileSize::sent)
            .sum();
        let all: usize = sizes.iter().map(FileSize::sent).sum();
        assert!(
            js <= JS_BUDGET,
            "the app's JavaScript is {js} bytes gzipped\n{}",
            size_table()
        );
        assert!(
            all <= FIRST_LOAD_BUDGET,
            "the first load is {all} bytes\n{}",
            size_table()
        );
        // Text is counted gzipped.
        let schema = sizes.iter().find(|f| f.url.ends_with(SCHEMA_JS)).unwrap();
        assert!(schema.gzip.is_some_and(|g| g < schema.raw));
    }

    #[test]
    #[ignore = "prints the size table for the docs"]
    fn print_sizes() {
        println!("{}", size_table());
    }

    #[test]
    fn every_module_import_names_an_embedded_file() {
        checks::every_import_resolves(bundle());
    }
}
