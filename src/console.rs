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

use std::sync::OnceLock;

use actix_web::web;

use crate::domain::task_state::TaskStatus;
use crate::web_bundle::{self, ASSET_BASE, Asset, Bundle, Policy};

/// The page's policy: scripts, styles and connections to this origin only; images also from
/// `blob:` (evidence thumbnails are fetched with the bearer token and shown from memory); no
/// inline code, no plugins, no framing, no forms posting elsewhere.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Where the page's assets are served from (followed by the version).
pub const ASSET_PREFIX: &str = "/console";

/// The page, served at `/`, not under the version.
const INDEX: &str = "index.html";

/// The applicants' progress page (no sign-in; it asks the public progress endpoint with the
/// access code the court gave them), served at [`PROGRESS_PATH`].
const PROGRESS: &str = "progress.html";

/// Where the applicants' page is served; the officer's access-code slip names it.
pub const PROGRESS_PATH: &str = "/progress";

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

struct Console {
    bundle: Bundle,
    index: Asset,
    progress: Asset,
}

fn console() -> &'static Console {
    static CONSOLE: OnceLock<Console> = OnceLock::new();
    CONSOLE.get_or_init(|| {
        let bundle = Bundle::new(
            ASSET_PREFIX,
            web_bundle::CONSOLE,
            vec![(TASK_STATES_JS, task_states_js())],
            &[INDEX, PROGRESS],
        );
        let index = bundle.render(INDEX, &[(ASSET_BASE, &bundle.base)]);
        let progress = bundle.render(PROGRESS, &[(ASSET_BASE, &bundle.base)]);
        Console {
            bundle,
            index,
            progress,
        }
    })
}

fn bundle() -> &'static Bundle {
    &console().bundle
}

/// The version segment of the asset URLs in this build.
pub fn version() -> &'static str {
    &bundle().version
}

/// Register the console's routes: the page (revalidated on every load so a new build is picked
/// up at once) and its versioned files. Other methods on these paths fall through to the API's
/// not-found handler, as unknown paths do.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web_bundle::page(
        "/",
        || &console().index,
        Policy::revalidated(Some(PAGE_CSP)),
    ))
    .service(web_bundle::page(
        PROGRESS_PATH,
        || &console().progress,
        Policy::revalidated(Some(PAGE_CSP)),
    ))
    .service(web_bundle::versioned_files(ASSET_PREFIX, bundle, "console file"));
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
        let page = String::from_utf8(console().index.body.clone()).unwrap();
        assert!(page.contains(&format!("{ASSET_PREFIX}/{}/js/app.js", version())));
        checks::has_no_inline_code(&page);
        assert!(
            !bundle().assets.contains_key(INDEX),
            "the page is not a versioned asset"
        );
    }

    #[test]
    fn the_applicants_page_points_at_this_builds_assets_and_has_no_inline_code() {
        let page = String::from_utf8(console().progress.body.clone()).unwrap();
        assert!(page.contains(&format!("{ASSET_PREFIX}/{}/public/progress.js", version())));
        checks::has_no_inline_code(&page);
        assert!(!bundle().assets.contains_key(PROGRESS));
    }

    #[test]
    fn every_module_import_names_an_embedded_file() {
        checks::every_import_resolves(bundle());
    }
}
