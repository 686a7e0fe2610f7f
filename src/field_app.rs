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
//! - `GET /app/install`: the sign-up sheet an admin prints for workers, with the app's address
//!   as a QR code ([`install_sheet`]).
//!
//! The result forms' copy of the server's rules (`web/app/js/results/rules.js`) is checked
//! against the OpenAPI document by `tests/e2e/results_rules.test.mjs`, not shipped to phones as
//! schemas (they would only weigh on the first load).

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

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
const INSTALL_SHEET: &str = "install.html";

/// The sign-up sheet's placeholders.
const APP_URL_PLACEHOLDER: &str = "{{APP_URL}}";
const QR_CODE_PLACEHOLDER: &str = "{{QR_CODE}}";

/// The service worker template's placeholders.
const VERSION_PLACEHOLDER: &str = "{{VERSION}}";
const PRECACHE_PLACEHOLDER: &str = "{{PRECACHE}}";

struct FieldApp {
    bundle: Bundle,
    index: Asset,
    /// The sign-up sheet with this build's asset base, still holding the address and QR code
    /// placeholders (they depend on the address the sheet is opened under).
    install_sheet: String,
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
            Vec::new(),
            &[INDEX, SERVICE_WORKER, MANIFEST, INSTALL_SHEET],
        );
        let base = [(ASSET_BASE, bundle.base.as_str())];
        let precache = serde_json::to_string(&precache(&bundle)).unwrap_or_else(|_| "[]".into());
        FieldApp {
            index: bundle.render(INDEX, &base),
            install_sheet: String::from_utf8_lossy(&bundle.render(INSTALL_SHEET, &base).body).into_owned(),
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

/// The app's address as the phones will reach it: the scheme and host this request came in
/// under (behind a proxy, as it forwards them).
fn app_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}{ASSET_PREFIX}/", info.scheme(), info.host())
}

/// `text` as HTML text or attribute value.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` as a QR code, an inline SVG element; empty when it cannot be encoded (an address too
/// long for a QR code: the sheet still prints it as text).
fn qr_svg(text: &str) -> String {
    use qrcode::render::svg;
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Inline in HTML: the XML declaration is not wanted there.
    match image.find("<svg") {
        Some(start) => image[start..].replacen("<svg", "<svg role=\"img\" aria-label=\"二维码\"", 1),
        None => String::new(),
    }
}

/// The sign-up sheet an admin prints for grid workers: the app's address as text and as a QR
/// code, and the first steps. Public (it holds nothing but the address), never cached (the
/// address depends on the request).
async fn install_sheet(req: HttpRequest) -> HttpResponse {
    let url = app_url(&req);
    let page = app()
        .install_sheet
        .replace(APP_URL_PLACEHOLDER, &escape_html(&url))
        .replace(QR_CODE_PLACEHOLDER, &qr_svg(&url));
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .content_type("text/html; charset=utf-8")
        .body(page)
}

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
    .service(
        web::resource("/app/install")
            .guard(web_bundle::get_or_head())
            .to(install_sheet),
    )
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
    fn the_sign_up_sheet_has_its_placeholders_and_no_inline_code() {
        let sheet = &app().install_sheet;
        assert!(sheet.contains(APP_URL_PLACEHOLDER) && sheet.contains(QR_CODE_PLACEHOLDER));
        assert!(sheet.contains(&format!("{}/install.css", bundle().base)));
        checks::has_no_inline_code(sheet);
        assert!(bundle().assets.contains_key("install.css"));
    }

    #[test]
    fn the_qr_code_is_an_inline_svg_and_text_is_escaped() {
        let svg = qr_svg("https://zhixing.example.cn/app/");
        assert!(svg.starts_with("<svg role=\"img\""), "{svg}");
        assert!(!svg.contains("<?xml") && !svg.contains("style=") && !svg.contains("<script"));
        assert_eq!(escape_html(r#"a"b<c>&'d"#), "a&quot;b&lt;c&gt;&amp;&#39;d");
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
        let main = sizes.iter().find(|f| f.url.ends_with("js/main.js")).unwrap();
        assert!(main.gzip.is_some_and(|g| g < main.raw));
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
