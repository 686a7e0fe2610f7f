//! Serving a bundle of web files embedded in the binary: the web console ([`crate::console`]) and
//! the field app ([`crate::field_app`]) are both one. This module owns what they share:
//!
//! - the embedded files themselves ([`CONSOLE`], [`FIELD_APP`]): `build.rs` walks `web/` at
//!   build time and writes the list, so a new file needs no edit anywhere;
//! - the bundle's version, a digest of every file (embedded or generated): assets live under
//!   `<prefix>/<version>/<path>` and are cached for good, a new build changes the version, and
//!   another build's version is a problem 404 — a browser never mixes an old module with a new one;
//! - pages served at fixed URLs (not under the version) with placeholders filled in
//!   ([`Bundle::render`]), revalidated on every load;
//! - the HTTP side: content types, ETag and `If-None-Match` (304), `Cache-Control`, a page's own
//!   Content-Security-Policy ([`Policy`]) and the routes ([`page`], [`versioned_files`]);
//! - compression: every text file is gzipped once, when the bundle is built, and served so
//!   (`Content-Encoding: gzip`, its own ETag) to clients whose `Accept-Encoding` takes gzip.
//!
//! What a bundle holds (which pages, which generated modules, which policy) is the console's and
//! the app's own business.

use std::collections::BTreeMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Resource, guard, web};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_files.rs"));
}
pub use embedded::{CONSOLE, FIELD_APP};

/// A list of embedded files: (path in the bundle, bytes).
pub type Files = &'static [(&'static str, &'static [u8])];

/// The placeholder in pages for the versioned asset base (`<prefix>/<version>`).
pub const ASSET_BASE: &str = "{{ASSET_BASE}}";

/// One file as served.
pub struct Asset {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    pub etag: String,
    /// The gzipped body and its ETag, for a text file that compresses.
    pub gzip: Option<Gzipped>,
}

/// A file's gzip representation. Its ETag is the file's with `-gz`: a cache must not take one
/// representation's validator for the other's.
pub struct Gzipped {
    pub body: Vec<u8>,
    pub etag: String,
}

impl Asset {
    pub fn new(path: &str, body: Vec<u8>) -> Asset {
        let hash = &digest_hex(&body)[..32];
        let gzip = is_text(path)
            .then(|| gzip(&body))
            .filter(|gz| gz.len() < body.len())
            .map(|gz| Gzipped {
                body: gz,
                etag: format!("\"{hash}-gz\""),
            });
        Asset {
            content_type: content_type(path),
            etag: format!("\"{hash}\""),
            body,
            gzip,
        }
    }

    /// The bytes a client that takes gzip (or not) is sent: (body, ETag, gzipped).
    fn representation(&self, gzip_accepted: bool) -> (&[u8], &str, bool) {
        match &self.gzip {
            Some(gz) if gzip_accepted => (&gz.body, &gz.etag, true),
            _ => (&self.body, &self.etag, false),
        }
    }
}

/// Files worth compressing: text (images other than SVG are compressed already).
fn is_text(path: &str) -> bool {
    matches!(
        path.rsplit_once('.').map(|(_, ext)| ext),
        Some("html" | "js" | "css" | "svg" | "json" | "webmanifest")
    )
}

/// `bytes` gzipped at the best level (once per file and build, so the time is well spent).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// Whether the request's `Accept-Encoding` takes gzip: named (or `x-gzip`) with a q-value above
/// 0, or not named and `*` accepted.
fn accepts_gzip(req: &HttpRequest) -> bool {
    let mut gzip = None;
    let mut any = None;
    for item in req
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, q)| q.trim().parse::<f32>().unwrap_or(0.0));
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(q);
        } else if coding == "*" {
            any = Some(q);
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn digest_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A bundle: its version and the assets served under `<prefix>/<version>/`, plus the pages
/// served elsewhere (kept as templates for [`Bundle::render`]).
pub struct Bundle {
    pub version: String,
    /// `<prefix>/<version>`: what [`ASSET_BASE`] is replaced with.
    pub base: String,
    /// The versioned assets by path, in path order.
    pub assets: BTreeMap<String, Asset>,
    pages: BTreeMap<&'static str, &'static [u8]>,
}

impl Bundle {
    /// The bundle of `files` and `generated` modules, served under `prefix`; the files named in
    /// `pages` are not served under the version (their owner serves them, rendered).
    pub fn new(
        prefix: &str,
        files: Files,
        generated: Vec<(&'static str, Vec<u8>)>,
        pages: &[&str],
    ) -> Bundle {
        let mut all: Vec<(&str, &[u8])> = files.to_vec();
        all.extend(generated.iter().map(|(p, b)| (*p, b.as_slice())));
        all.sort();
        let mut digest = Sha256::new();
        for (path, body) in &all {
            digest.update(path.as_bytes());
            digest.update((path.len() as u64).to_le_bytes());
            digest.update((body.len() as u64).to_le_bytes());
            digest.update(body);
        }
        let version = hex::encode(digest.finalize())[..16].to_owned();
        let mut assets = BTreeMap::new();
        let mut templates = BTreeMap::new();
        for (path, body) in files {
            if pages.contains(path) {
                templates.insert(*path, *body);
            } else {
                assets.insert((*path).to_owned(), Asset::new(path, body.to_vec()));
            }
        }
        for (path, body) in generated {
            assets.insert(path.to_owned(), Asset::new(path, body));
        }
        Bundle {
            base: format!("{prefix}/{version}"),
            version,
            assets,
            pages: templates,
        }
    }

    /// The page `path` with each (placeholder, value) of `fill` replaced; empty when the bundle
    /// has no such page (a unit test of each bundle checks its pages are there).
    pub fn render(&self, path: &str, fill: &[(&str, &str)]) -> Asset {
        let mut text = self
            .pages
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        for (placeholder, value) in fill {
            text = text.replace(placeholder, value);
        }
        Asset::new(path, text.into_bytes())
    }

    /// The URL of every versioned asset, in path order.
    pub fn asset_urls(&self) -> impl Iterator<Item = String> + '_ {
        self.assets.keys().map(|p| format!("{}/{p}", self.base))
    }

    /// A versioned asset. Another build's version is 404: its files are gone, and serving
    /// today's under yesterday's name would be cached as if they were yesterday's.
    fn versioned(
        &'static self,
        req: &HttpRequest,
        version: &str,
        path: &str,
        what: &'static str,
    ) -> Result<HttpResponse, ApiError> {
        if version != self.version {
            return Err(ApiError::NotFound(what));
        }
        let asset = self.assets.get(path).ok_or(ApiError::NotFound(what))?;
        Ok(serve(req, asset, Policy::IMMUTABLE))
    }
}

/// How a response is cached and what else it carries.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub cache: &'static str,
    /// The page's own Content-Security-Policy, replacing the server's default.
    pub csp: Option<&'static str>,
    /// Further headers.
    pub extra: &'static [(&'static str, &'static str)],
}

impl Policy {
    /// A versioned asset: never changes under its URL.
    pub const IMMUTABLE: Policy = Policy {
        cache: "public, max-age=31536000, immutable",
        csp: None,
        extra: &[],
    };

    /// A page at a fixed URL: revalidated on every load (ETag), so a new build is picked up at once.
    pub const fn revalidated(csp: Option<&'static str>) -> Policy {
        Policy {
            cache: "no-cache",
            csp,
            extra: &[],
        }
    }
}

fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// Answer `req` with `asset`, gzipped when the client takes it (304 when the client holds that
/// representation already).
pub fn serve(req: &HttpRequest, asset: &'static Asset, policy: Policy) -> HttpResponse {
    let (body, etag, gzipped) = asset.representation(accepts_gzip(req));
    let unchanged = not_modified(req, etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, policy.cache));
    if asset.gzip.is_some() {
        response.insert_header((header::VARY, "Accept-Encoding"));
    }
    if let Some(csp) = policy.csp {
        response.insert_header((header::CONTENT_SECURITY_POLICY, csp));
    }
    for header in policy.extra {
        response.insert_header(*header);
    }
    if unchanged {
        return response.finish();
    }
    if gzipped {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    response
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)))
        .body(body)
}

/// GET, and HEAD (answered as GET without the body).
pub fn get_or_head() -> impl guard::Guard {
    guard::Any(guard::Get()).or(guard::Head())
}

/// The route of a page at a fixed `path`. Other methods fall through to the API's not-found
/// handler, as unknown paths do.
pub fn page(path: &str, asset: fn() -> &'static Asset, policy: Policy) -> Resource {
    web::resource(path)
        .guard(get_or_head())
        .to(move |req: HttpRequest| async move { serve(&req, asset(), policy) })
}

/// The route of a bundle's versioned assets, `<prefix>/<version>/<path>`; `what` names them in
/// a 404.
pub fn versioned_files(prefix: &str, bundle: fn() -> &'static Bundle, what: &'static str) -> Resource {
    web::resource(format!("{prefix}/{{version}}/{{path:.+}}"))
        .guard(get_or_head())
        .to(
            move |req: HttpRequest, path: web::Path<(String, String)>| async move {
                let (version, path) = path.into_inner();
                bundle().versioned(&req, &version, &path, what)
            },
        )
}

/// Checks both bundles' unit tests make of their files.
#[cfg(test)]
pub mod checks {
    use std::collections::HashSet;

    use super::*;

    /// The files under `dir` (relative, `/`-separated), without hidden files and backups.
    pub fn files_on_disk(dir: &std::path::Path) -> Vec<String> {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy();
                if name.starts_with('.') || name.ends_with('~') {
                    continue;
                }
                if path.is_dir() {
                    walk(&path, root, out);
                } else {
                    out.push(
                        path.strip_prefix(root)
                            .unwrap()
                            .to_string_lossy()
                            .replace('\\', "/"),
                    );
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    /// `files` are exactly `expected` (the build script walked what is on disk now).
    pub fn embeds_exactly(files: Files, mut expected: Vec<String>) {
        expected.sort();
        let mut embedded: Vec<String> = files.iter().map(|(p, _)| (*p).to_owned()).collect();
        embedded.sort();
        assert_eq!(
            embedded, expected,
            "the embedded files are not those on disk (build.rs walks web/)"
        );
    }

    /// A page the CSP lets run: no inline script or style, no inline handlers, no placeholder
    /// left.
    pub fn has_no_inline_code(page: &str) {
        assert!(!page.contains(ASSET_BASE), "a placeholder is left");
        assert!(!page.contains("<script>") && !page.contains("style=") && !page.contains("<style"));
        assert!(!page.contains("onclick=") && !page.contains("onload="));
    }

    /// The relative module specifiers of a module (`from '…'`, `import '…'`, `import('…')`).
    fn imports(text: &str) -> Vec<&str> {
        let mut specs = Vec::new();
        for opener in [
            "from '",
            "from \"",
            "import '",
            "import \"",
            "import('",
            "import(\"",
        ] {
            let quote = &opener[opener.len() - 1..];
            for (at, _) in text.match_indices(opener) {
                let rest = &text[at + opener.len()..];
                if let Some(end) = rest.find(quote) {
                    let spec = &rest[..end];
                    if spec.starts_with("./") || spec.starts_with("../") {
                        specs.push(spec);
                    }
                }
            }
        }
        specs
    }

    /// Relative imports resolve under the same versioned base; a typo would only show in a
    /// browser, so check every module's imports name an asset of the bundle.
    pub fn every_import_resolves(bundle: &Bundle) {
        let names: HashSet<&str> = bundle.assets.keys().map(String::as_str).collect();
        for (path, asset) in bundle.assets.iter().filter(|(p, _)| p.ends_with(".js")) {
            let text = std::str::from_utf8(&asset.body).unwrap();
            let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            for spec in imports(text) {
                let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
                for seg in spec.split('/') {
                    match seg {
                        "." => {}
                        ".." => {
                            assert!(parts.pop().is_some(), "{path} imports {spec}: above the bundle");
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

    #[test]
    fn gzip_is_taken_when_the_client_says_so() {
        use actix_web::test::TestRequest;
        let takes = |value: Option<&str>| {
            let mut req = TestRequest::default();
            if let Some(v) = value {
                req = req.insert_header((header::ACCEPT_ENCODING, v));
            }
            accepts_gzip(&req.to_http_request())
        };
        assert!(takes(Some("gzip, deflate, br")));
        assert!(takes(Some("br;q=1.0, GZIP;q=0.5")));
        assert!(takes(Some("*")));
        assert!(takes(Some("x-gzip")));
        assert!(!takes(None));
        assert!(!takes(Some("identity")));
        assert!(!takes(Some("br")));
        assert!(!takes(Some("gzip;q=0")));
        assert!(!takes(Some("gzip;q=0, *")));
    }

    #[test]
    fn text_is_gzipped_once_with_its_own_etag_and_images_are_not() {
        let text = "export const A = 1;\n".repeat(50).into_bytes();
        let js = Asset::new("js/a.js", text.clone());
        let gz = js.gzip.as_ref().expect("a gzip representation");
        assert!(gz.body.len() < text.len());
        assert_eq!(gz.etag, format!("{}-gz\"", js.etag.trim_end_matches('"')));
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz.body.as_slice()), &mut back).unwrap();
        assert_eq!(back, text);
        assert!(Asset::new("icons/a.png", text.clone()).gzip.is_none());
        // Nothing to gain: served as it is.
        assert!(Asset::new("a.js", b"1".to_vec()).gzip.is_none());
    }

    #[test]
    fn imports_are_found_in_every_form() {
        let text = "import { a } from './a.js';\nimport {\n  b,\n} from \"../b.js\";\nimport './c.js';\n\
                    const d = await import('./d.js');\nimport x from 'bare';";
        assert_eq!(imports(text), ["./a.js", "../b.js", "./c.js", "./d.js"]);
    }
}
