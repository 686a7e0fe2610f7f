//! The web console for officers and township supervisors: plain HTML, CSS and ES modules from
//! `web/`, embedded in the binary at compile time (deployments are often on closed networks, so
//! nothing is fetched from elsewhere and nothing needs a separate web server). The console talks
//! only to the REST API, as the signed-in user; these routes serve files and are not part of the
//! REST contract (not in the OpenAPI document).
//!
//! `GET /` is the page. Its assets live under `/console/<version>/…`, where the version is a
//! digest of every embedded file: the page is revalidated on every load (`no-cache`, ETag), the
//! assets are cached for good (`immutable`), and a new build changes the version, so a browser
//! never mixes an old module with a new one. The page carries its own Content-Security-Policy,
//! strict enough that only the console's own files may run, style, or be fetched.
//!
//! One module is not a file: `js/task_states.js` is written from `domain::task_state` when the
//! bundle is built, so the console's sets of task statuses (open, reassignable by hand) are the
//! server's, never a copy kept by hand.

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, guard, web};
use sha2::{Digest, Sha256};

use crate::domain::task_state::TaskStatus;
use crate::error::ApiError;

/// The page's policy: scripts, styles and connections to this origin only; images also from
/// `blob:` (evidence thumbnails are fetched with the bearer token and shown from memory); no
/// inline code, no plugins, no framing, no forms posting elsewhere.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Where the page's assets are served from (followed by the version).
pub const ASSET_PREFIX: &str = "/console";

/// The page's placeholder for the versioned asset base, replaced when the page is served.
const BASE_PLACEHOLDER: &str = "{{ASSET_BASE}}";

macro_rules! assets {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $path)) as &[u8])),*]
    };
}

/// Every file of `web/` (a unit test checks that none is missing from this list).
const FILES: &[(&str, &[u8])] = assets!(
    "index.html",
    "console.css",
    "favicon.svg",
    "js/api.js",
    "js/app.js",
    "js/chart.js",
    "js/dom.js",
    "js/format.js",
    "js/i18n.js",
    "js/map.js",
    "js/router.js",
    "js/views/common.js",
    "js/views/login.js",
    "js/views/officer.js",
    "js/views/task.js",
    "js/views/supervisor.js",
    "js/views/worker.js",
);

struct Asset {
    body: Vec<u8>,
    content_type: &'static str,
    etag: String,
}

struct Bundle {
    version: String,
    index: Asset,
    files: HashMap<&'static str, Asset>,
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

fn digest_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn asset(path: &str, body: Vec<u8>) -> Asset {
    let etag = format!("\"{}\"", &digest_hex(&body)[..32]);
    Asset {
        content_type: content_type(path),
        etag,
        body,
    }
}

/// The generated module's path among the assets.
const TASK_STATES_JS: &str = "js/task_states.js";

/// The status sets the console needs, as an ES module.
fn task_states_js() -> Vec<u8> {
    let set = |holds: fn(TaskStatus) -> bool| {
        serde_json::to_string(&TaskStatus::names_where(holds)).unwrap_or_else(|_| "[]".into())
    };
    format!(
        "// Written by the server from its task state machine (src/domain/task_state.rs).\n\
         // Statuses of work not yet finished (neither approved nor cancelled).\n\
         export const OPEN = {};\n\
         // Statuses from which an officer or supervisor may give the task to a worker by hand.\n\
         export const REASSIGNABLE = {};\n",
        set(TaskStatus::is_open),
        set(TaskStatus::can_be_assigned_by_hand),
    )
    .into_bytes()
}

fn bundle() -> &'static Bundle {
    static BUNDLE: OnceLock<Bundle> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let generated = task_states_js();
        let mut all = Sha256::new();
        all.update(TASK_STATES_JS.as_bytes());
        all.update((generated.len() as u64).to_le_bytes());
        all.update(&generated);
        for (path, body) in FILES {
            all.update(path.as_bytes());
            all.update((body.len() as u64).to_le_bytes());
            all.update(body);
        }
        let version = hex::encode(all.finalize())[..16].to_owned();
        let base = format!("{ASSET_PREFIX}/{version}");
        let mut files = HashMap::new();
        files.insert(TASK_STATES_JS, asset(TASK_STATES_JS, generated));
        let mut index = None;
        for (path, body) in FILES {
            if *path == "index.html" {
                let page = String::from_utf8_lossy(body).replace(BASE_PLACEHOLDER, &base);
                index = Some(asset(path, page.into_bytes()));
            } else {
                files.insert(*path, asset(path, body.to_vec()));
            }
        }
        Bundle {
            version,
            index: index.unwrap_or_else(|| asset("index.html", Vec::new())),
            files,
        }
    })
}

/// The version segment of the asset URLs in this build.
pub fn version() -> &'static str {
    &bundle().version
}

fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

fn serve(req: &HttpRequest, asset: &Asset, cache: &'static str, csp: Option<&'static str>) -> HttpResponse {
    let unchanged = not_modified(req, &asset.etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, asset.etag.clone()))
        .insert_header((header::CACHE_CONTROL, cache));
    if let Some(csp) = csp {
        response.insert_header((header::CONTENT_SECURITY_POLICY, csp));
    }
    if unchanged {
        return response.finish();
    }
    response
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)))
        .body(asset.body.clone())
}

/// The console's page. Revalidated on every load so a new build is picked up at once.
async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, &bundle().index, "no-cache", Some(PAGE_CSP))
}

/// A file of the console, by version and path. Another build's version is 404: its files are
/// gone, and serving today's under yesterday's name would be cached as if they were yesterday's.
async fn file(req: HttpRequest, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (version, path) = path.into_inner();
    let bundle = bundle();
    if version != bundle.version {
        return Err(ApiError::NotFound("console file"));
    }
    let asset = bundle
        .files
        .get(path.as_str())
        .ok_or(ApiError::NotFound("console file"))?;
    Ok(serve(&req, asset, "public, max-age=31536000, immutable", None))
}

fn get_or_head() -> impl guard::Guard {
    guard::Any(guard::Get()).or(guard::Head())
}

/// Register the console's routes. Other methods on these paths fall through to the API's
/// not-found handler, as unknown paths do.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").guard(get_or_head()).to(index))
        .service(
            web::resource(format!("{ASSET_PREFIX}/{{version}}/{{path:.+}}"))
                .guard(get_or_head())
                .to(file),
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consoles_status_sets_come_from_the_state_machine() {
        let module = String::from_utf8(task_states_js()).unwrap();
        assert!(module.contains(
            r#"export const OPEN = ["created","queued","assigned","accepted","in_progress","submitted","returned"];"#
        ));
        assert!(module.contains(
            r#"export const REASSIGNABLE = ["queued","assigned","accepted","in_progress","returned"];"#
        ));
        let served = &bundle().files[TASK_STATES_JS];
        assert_eq!(served.content_type, "text/javascript; charset=utf-8");
        assert_eq!(served.body, module.as_bytes());
    }

    fn files_under(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_under(&path, root, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }

    #[test]
    fn every_file_of_web_is_embedded_and_nothing_else() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut on_disk = Vec::new();
        files_under(&root, &root, &mut on_disk);
        // web/app/ is the field app's, served by its own module.
        on_disk.retain(|p| !p.starts_with("app/"));
        on_disk.sort();
        let mut embedded: Vec<String> = FILES.iter().map(|(p, _)| (*p).to_owned()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk, "list every file of web/ in console::FILES");
    }

    #[test]
    fn the_page_points_at_this_builds_assets_and_has_no_inline_code() {
        let page = String::from_utf8(bundle().index.body.clone()).unwrap();
        assert!(page.contains(&format!("{ASSET_PREFIX}/{}/js/app.js", version())));
        assert!(!page.contains(BASE_PLACEHOLDER));
        // The CSP allows no inline script or style: the page must not need any.
        assert!(!page.contains("<script>") && !page.contains("style=") && !page.contains("<style"));
        assert!(!page.contains("onclick=") && !page.contains("onload="));
    }

    #[test]
    fn every_module_import_names_an_embedded_file() {
        // Relative imports resolve under the same versioned base; a typo would only show in a
        // browser, so check them here.
        let names: std::collections::HashSet<&str> =
            FILES.iter().map(|(p, _)| *p).chain([TASK_STATES_JS]).collect();
        for (path, body) in FILES.iter().filter(|(p, _)| p.ends_with(".js")) {
            let text = std::str::from_utf8(body).unwrap();
            let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            for line in text.lines().filter(|l| l.trim_start().starts_with("import ")) {
                let Some(spec) = line.split(['\'', '"']).nth(1) else {
                    continue;
                };
                let mut parts: Vec<&str> = if dir.is_empty() {
                    vec![]
                } else {
                    dir.split('/').collect()
                };
                for seg in spec.split('/') {
                    match seg {
                        "." => {}
                        ".." => {
                            parts.pop();
                        }
                        s => parts.push(s),
                    }
                }
                let target = parts.join("/");
                assert!(
                    names.contains(target.as_str()),
                    "{path} imports {spec}: no such file"
                );
            }
        }
    }
}
