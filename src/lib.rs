//! gridassist: a REST backend that helps courts enforce civil judgments with the help of
//! community grid workers (网格+执行).
//!
//! Layers point one way: [`api`] → [`services`] → [`repo`] → [`db`], with [`domain`] and [`geo`]
//! pure. See `docs/API-DESIGN.md` for the conventions of the HTTP surface. [`console`] serves the
//! web console for officers and supervisors (`web/`, embedded), a client of that same API;
//! [`field_app`] the grid workers' offline-first phone app (`web/app/`), another; both through
//! [`web_bundle`].

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod field_app;
pub mod geo;
pub mod jobs;
pub mod metrics;
pub mod repo;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web_bundle;

/// The layers point one way — `api → services → repo → db`, with `domain` and `geo` pure — and
/// this keeps them so: each file's `crate::` paths (and, for the pure layers, its crates) are
/// read from the source and held to the rule.
#[cfg(test)]
mod layers {
    use std::path::Path;

    /// What each layer must not reach.
    const RULES: &[(&str, &[&str])] = &[
        (
            "domain",
            &[
                "crate::api",
                "crate::services",
                "crate::repo",
                "crate::db",
                "crate::jobs",
                "crate::state",
                "crate::auth",
                "actix",
                "diesel",
            ],
        ),
        (
            "geo",
            &[
                "crate::api",
                "crate::services",
                "crate::repo",
                "crate::db",
                "crate::jobs",
                "crate::state",
                "actix",
                "diesel",
            ],
        ),
        (
            "db",
            &[
                "crate::api",
                "crate::services",
                "crate::repo",
                "crate::jobs",
                "crate::state",
            ],
        ),
        (
            "repo",
            &["crate::api", "crate::services", "crate::jobs", "crate::state"],
        ),
        ("services", &["crate::api", "crate::jobs", "crate::startup"]),
        // Jobs are timers around services: no HTTP types (they get the state as an `Arc`).
        ("jobs", &["crate::api", "crate::startup", "actix_web"]),
        ("api", &["crate::repo"]),
    ];

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The code of a file, without comments and with `use a::{b, c}` groups still readable as
    /// `a::` prefixes (enough for a prefix check).
    fn code(text: &str) -> String {
        text.lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn layers_point_one_way() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut problems = Vec::new();
        for (layer, forbidden) in RULES {
            let mut files = Vec::new();
            sources(&src.join(layer), &mut files);
            assert!(!files.is_empty(), "no sources under src/{layer}");
            for file in files {
                let name = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                let text = code(&std::fs::read_to_string(&file).unwrap_or_default());
                for bad in *forbidden {
                    let pure_crate = !bad.starts_with("crate::");
                    let hit = if pure_crate {
                        text.contains(&format!("use {bad}")) || text.contains(&format!("{bad}::"))
                    } else {
                        text.contains(&format!("{bad}::")) || text.contains(&format!("{bad};"))
                    };
                    if hit {
                        problems.push(format!("src/{layer}/{name} reaches {bad}"));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
    }
}
