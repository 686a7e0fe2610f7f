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
//! strict enough that only the console's own files may run, style, or be fetched; when the
//! deployment configures a tile server for the maps' base layer (`GRIDASSIST_TILE_URL`), the page
//! names it in `<meta name="gridassist-tiles">` and the policy admits images from its origins,
//! and from nowhere else.
//!
//! One module is not a file: `js/task_states.js` is written from `domain::task_state` when the
//! bundle is built, so the console's sets of task statuses (open, reassignable by hand) are the
//! server's, never a copy kept by hand.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use actix_web::web;

use crate::config::TileSource;
use crate::domain::task_state::TaskStatus;
use crate::web_bundle::{self, ASSET_BASE, Asset, Bundle, Policy};

/// The page's policy: scripts, styles and connections to this origin only; images also from
/// `blob:` (evidence thumbnails are fetched with the bearer token and shown from memory); no
/// inline code, no plugins, no framing, no forms posting elsewhere.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The policy of a page whose maps draw tiles from `tiles`: [`PAGE_CSP`] with the tile server's
/// origins added to `img-src` (Leaflet draws tiles as `<img>`; it fetches nothing else).
pub fn page_csp(tiles: Option<&TileSource>) -> String {
    let origins = tiles.map(TileSource::origins).unwrap_or_default();
    if origins.is_empty() {
        return PAGE_CSP.to_owned();
    }
    PAGE_CSP.replace(
        "img-src 'self' blob:;",
        &format!("img-src 'self' blob: {};", origins.join(" ")),
    )
}

/// Where the page's assets are served from (followed by the version).
pub const ASSET_PREFIX: &str = "/console";

/// The page, served at `/`, not under the version.
const INDEX: &str = "index.html";

/// The applicants' progress page (no sign-in; it asks the public progress endpoint with the
/// access code the court gave them), served at [`PROGRESS_PATH`]. It has no map, so it keeps
/// the strict policy whatever the tile source.
const PROGRESS: &str = "progress.html";

/// Where the applicants' page is served; the officer's access-code slip names it.
pub const PROGRESS_PATH: &str = "/progress";

/// The page's placeholder for the tile source (JSON in an attribute; empty for none).
const TILE_SOURCE: &str = "{{TILE_SOURCE}}";

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
        Bundle::new(
            ASSET_PREFIX,
            web_bundle::CONSOLE,
            vec![(TASK_STATES_JS, task_states_js())],
            &[INDEX, PROGRESS],
        )
    })
}

/// The applicants' page as served.
fn progress_page() -> &'static Asset {
    static PAGE: OnceLock<Asset> = OnceLock::new();
    PAGE.get_or_init(|| {
        let bundle = bundle();
        bundle.render(PROGRESS, &[(ASSET_BASE, &bundle.base)])
    })
}

/// The page as served with a tile configuration: the rendered HTML and its policy.
struct Page {
    index: Asset,
    csp: String,
}

/// Escape text for an HTML attribute value in double quotes.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&#39;")
}

/// The page for a tile configuration, built once per configuration seen by this process (one in
/// a deployment; the tests start servers with and without tiles).
fn page(tiles: Option<&TileSource>) -> &'static Page {
    static PAGES: OnceLock<Mutex<HashMap<Option<TileSource>, &'static Page>>> = OnceLock::new();
    let pages = PAGES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut pages = pages.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let key = tiles.cloned();
    if let Some(page) = pages.get(&key) {
        return page;
    }
    let meta = tiles
        .map(|t| {
            serde_json::json!({
                "url": t.url,
                "overlay": t.overlay,
                "subdomains": t.subdomains,
                "attribution": t.attribution,
            })
            .to_string()
        })
        .unwrap_or_default();
    let bundle = bundle();
    let index = bundle.render(
        INDEX,
        &[(ASSET_BASE, &bundle.base), (TILE_SOURCE, &attribute(&meta))],
    );
    let page: &'static Page = Box::leak(Box::new(Page {
        index,
        csp: page_csp(tiles),
    }));
    pages.insert(key, page);
    page
}

/// The version segment of the asset URLs in this build.
pub fn version() -> &'static str {
    &bundle().version
}

/// Register the console's routes: the page (revalidated on every load so a new build is picked
/// up at once) and its versioned files. Other methods on these paths fall through to the API's
/// not-found handler, as unknown paths do.
pub fn configure(tiles: Option<&TileSource>) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
    let page = page(tiles);
    move |cfg: &mut web::ServiceConfig| {
        cfg.service(web::resource("/").guard(web_bundle::get_or_head()).to(
            move |req: actix_web::HttpRequest| async move {
                web_bundle::serve(&req, &page.index, Policy::revalidated(Some(&page.csp)))
            },
        ))
        .service(web_bundle::page(
            PROGRESS_PATH,
            progress_page,
            Policy::revalidated(Some(PAGE_CSP)),
        ))
        .service(web_bundle::versioned_files(ASSET_PREFIX, bundle, "console file"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web_bundle::checks;

    #[test]
    fn the_consoles_status_sets_come_from_the_state_machine() {
        let module = String::from_utf8(task_states_js()).unwrap();
        assert!(module.contains(
            r#"export const OPEN = ["created","queued","assigned","accepted","in_progress","submitted","returned"];"#
        ));
        assert!(module.contains(
            r#"export const REASSIGNABLE = ["queued","assigned","accepted","in_progress","returned"];"#
        ));
        let served = &bundle().assets[TASK_STATES_JS];
        assert_eq!(served.content_type, "text/javascript; charset=utf-8");
        assert_eq!(served.body, module.as_bytes());
    }

    #[test]
    fn every_file_of_web_is_embedded_and_nothing_else() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut on_disk = checks::files_on_disk(&root);
        // web/app/ is the field app's, served by its own module.
        on_disk.retain(|p| !p.starts_with("app/"));
        checks::embeds_exactly(web_bundle::CONSOLE, on_disk);
    }

    #[test]
    fn the_page_points_at_this_builds_assets_and_has_no_inline_code() {
        let page = String::from_utf8(page(None).index.body.clone()).unwrap();
        assert!(page.contains(&format!("{ASSET_PREFIX}/{}/js/app.js", version())));
        checks::has_no_inline_code(&page);
        assert!(
            !bundle().assets.contains_key(INDEX),
            "the page is not a versioned asset"
        );
    }

    #[test]
    fn the_applicants_page_points_at_this_builds_assets_and_has_no_inline_code() {
        let page = String::from_utf8(progress_page().body.clone()).unwrap();
        assert!(page.contains(&format!("{ASSET_PREFIX}/{}/public/progress.js", version())));
        checks::has_no_inline_code(&page);
        assert!(!bundle().assets.contains_key(PROGRESS));
    }

    fn tiles(url: &str, subdomains: &str) -> TileSource {
        TileSource {
            url: url.into(),
            overlay: None,
            subdomains: subdomains.into(),
            attribution: "天地图 & <测试>".into(),
        }
    }

    #[test]
    fn without_a_tile_source_images_come_from_the_console_only() {
        assert_eq!(page_csp(None), PAGE_CSP);
        let page = String::from_utf8(page(None).index.body.clone()).unwrap();
        assert!(page.contains(r#"<meta name="gridassist-tiles" content="">"#));
    }

    #[test]
    fn a_tile_source_opens_img_src_to_its_origins_only() {
        let source = tiles(
            "https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}&tk=k1",
            "01",
        );
        let csp = page_csp(Some(&source));
        assert!(csp.contains("img-src 'self' blob: https://t0.tianditu.gov.cn https://t1.tianditu.gov.cn;"));
        // Nothing else is widened.
        assert_eq!(
            csp.replace(" https://t0.tianditu.gov.cn https://t1.tianditu.gov.cn", ""),
            PAGE_CSP
        );
        let served = page(Some(&source));
        assert_eq!(served.csp, csp);
        let html = String::from_utf8(served.index.body.clone()).unwrap();
        assert!(html.contains("&quot;url&quot;:&quot;https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&amp;y={y}&amp;l={z}&amp;tk=k1&quot;"));
        assert!(
            html.contains("天地图 &amp; &lt;测试&gt;"),
            "the attribution is escaped"
        );
        checks::has_no_inline_code(&html);
    }

    #[test]
    fn a_tile_server_on_this_origin_needs_no_new_source() {
        assert_eq!(page_csp(Some(&tiles("/tiles/{z}/{x}/{y}.png", "abc"))), PAGE_CSP);
    }

    #[test]
    fn every_module_import_names_an_embedded_file() {
        checks::every_import_resolves(bundle());
    }
}
