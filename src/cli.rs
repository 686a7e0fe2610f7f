//! The command line: `serve` (default), `migrate`, `admin create`, `import-grids`, `demo`,
//! `audit verify`, `audit checkpoint`, `scores recompute`, `openapi`. Configuration comes from
//! the environment (see `config`).

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::domain::{Name, Password, Role, Username};
use crate::geo::Crs;
use crate::repo::audit::{Actor, CheckpointSummary};
use crate::services::audit_checkpoints::{Checkpointer, Round};
use crate::startup::{Application, checkpoint_receiver, checkpoint_store, open_database};
use crate::{api, demo, services, telemetry};

#[derive(Parser)]
#[command(
    name = "gridassist",
    version,
    about = "Court enforcement assistance by community grid workers (网格+执行)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage administrator accounts.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Import grid polygons from a GeoJSON FeatureCollection file.
    ImportGrids {
        /// The .geojson file.
        file: PathBuf,
        /// The file's coordinate system.
        #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
        crs: Crs,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Scores for the training and incentive scheme.
    Scores {
        #[command(subcommand)]
        action: ScoresAction,
    },
    /// Create (or reuse) a demo county in `<data dir>/demo.sqlite3`, print its logins, and serve.
    Demo,
    /// Print the OpenAPI document (regenerates api-spec/openapi.json).
    Openapi,
}

#[derive(Subcommand)]
pub enum AdminAction {
    /// Create an administrator; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "Administrator")]
        display_name: String,
    },
}

#[derive(Subcommand)]
pub enum AuditAction {
    /// Walk the keyed hash chain of the audit trail and compare it with every signed checkpoint
    /// (`<data dir>/audit-checkpoints`, and any `--checkpoints` file); prints a JSON report and
    /// fails at the first broken link, a truncation or a forged checkpoint. A trail that
    /// verifies is checkpointed.
    Verify {
        /// More checkpoint lines to compare with, e.g. the outside receiver's copy (repeatable).
        #[arg(long = "checkpoints", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// Check the rows written since the last checkpoint, write a signed checkpoint of the head
    /// and send it to `GRIDASSIST_AUDIT_CHECKPOINT_URL` if set (what the server does every
    /// `GRIDASSIST_AUDIT_CHECKPOINT_SECS`); prints it as JSON.
    Checkpoint,
}

#[derive(Subcommand)]
pub enum ScoresAction {
    /// Rebuild a period from task events and score lines and compare with what is stored and
    /// with closed snapshots; prints a JSON report and fails when anything differs. Writes nothing.
    Recompute {
        /// `2026-03`, `2026-Q1` or `2026`.
        #[arg(long, value_parser = parse_period)]
        period: crate::domain::period::Period,
    },
}

fn parse_period(s: &str) -> Result<crate::domain::period::Period, String> {
    crate::domain::period::Period::parse(s)
        .ok_or_else(|| "a month (2026-03), a quarter (2026-Q1) or a year (2026)".to_owned())
}

fn parse_crs(s: &str) -> Result<Crs, String> {
    s.parse::<Crs>().map_err(|e| e.to_string())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", api::openapi_json());
        return Ok(());
    }
    let mut config = Config::from_env()?;
    let _log = telemetry::init(config.log_json && !matches!(command, Command::Demo));
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let url = config.database_url.clone();
            let applied = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
                Ok(crate::db::Db::connect(&url)?.migrate()?)
            })
            .await??;
            if applied.is_empty() {
                println!("database is up to date; no migration was pending");
            } else {
                println!("applied {} migration(s): {}", applied.len(), applied.join(", "));
            }
            Ok(())
        }
        Command::Admin {
            action:
                AdminAction::Create {
                    username,
                    display_name,
                },
        } => {
            let username = Username::parse(&username).map_err(|e| anyhow::anyhow!("username {e}"))?;
            let display_name = Name::parse(&display_name).map_err(|e| anyhow::anyhow!("display name {e}"))?;
            eprintln!("Password for {} (read from standard input):", username.as_str());
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password")?;
            let password = Password::parse(line.trim_end_matches(['\r', '\n']))
                .map_err(|e| anyhow::anyhow!("password {e}"))?;
            let db = open_database(&config).await?;
            let account = services::accounts::NewAccount {
                username,
                display_name,
                password,
                role: Role::Admin,
                court_id: None,
                township_id: None,
            };
            let user = db
                .run(move |conn| services::accounts::create(conn, &Actor::cli(), account))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created administrator {} (id {})", user.username, user.id);
            Ok(())
        }
        Command::ImportGrids { file, crs } => {
            let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let collection: serde_json::Value =
                api::extract::parse_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let db = open_database(&config).await?;
            let report = db
                .run(move |conn| services::grid_import::import(conn, &Actor::cli(), &collection, crs))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for f in report.features.iter().filter(|f| f.reason.is_some()) {
                println!(
                    "rejected feature {} ({}): {}",
                    f.index,
                    f.code.as_deref().unwrap_or("no code"),
                    f.reason.as_deref().unwrap_or("")
                );
            }
            println!(
                "created {}, updated {}, rejected {}",
                report.created, report.updated, report.rejected
            );
            if report.rejected > 0 && report.created + report.updated == 0 {
                bail!("no feature could be imported");
            }
            Ok(())
        }
        Command::Audit {
            action: AuditAction::Verify { checkpoints },
        } => {
            require_audit_key(&config)?;
            let db = open_database(&config).await?;
            let store = checkpoint_store(&config, &db)?;
            let report = db
                .run(move |conn| {
                    let report = services::audit_checkpoints::verify_trail(conn, &store, &checkpoints)?;
                    let detail = serde_json::json!({ "ok": report.ok, "rows_checked": report.rows_checked });
                    crate::repo::audit::record(
                        conn,
                        &Actor::cli(),
                        "audit.verify",
                        "audit_events",
                        None,
                        Some(detail),
                    )?;
                    Ok::<_, crate::error::ApiError>(report)
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if let Some(broken) = &report.first_broken {
                bail!(
                    "the audit trail is broken at row {} ({})",
                    broken.id,
                    broken.reason
                );
            }
            if report.invalid_checkpoints > 0 {
                bail!(
                    "{} checkpoint line(s) do not verify: forged, altered, or signed with another key",
                    report.invalid_checkpoints
                );
            }
            Ok(())
        }
        Command::Audit {
            action: AuditAction::Checkpoint,
        } => {
            require_audit_key(&config)?;
            let db = open_database(&config).await?;
            let store = std::sync::Arc::new(checkpoint_store(&config, &db)?);
            let mut checkpointer = Checkpointer::new(store, checkpoint_receiver(&config)?);
            let round = checkpointer
                .round(&db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let (checkpoint, written) = match round {
                Round::Written(c) => (c, true),
                Round::Unchanged(c) => (c, false),
                Round::Broken { id, reason } => {
                    bail!(
                        "the audit trail is broken at row {id} ({reason}) since the last checkpoint; none written"
                    )
                }
            };
            let shown = serde_json::json!({
                "checkpoint": CheckpointSummary::from(&checkpoint),
                "written": written,
                "sent": checkpointer.receiver_has_latest(),
            });
            println!("{}", serde_json::to_string_pretty(&shown)?);
            Ok(())
        }
        Command::Scores {
            action: ScoresAction::Recompute { period },
        } => {
            let db = open_database(&config).await?;
            let report = db
                .run(move |conn| services::scoring::recompute(conn, period))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if !report.identical {
                bail!("{period} does not recompute to the stored numbers");
            }
            Ok(())
        }
        Command::Demo => {
            if std::env::var("DATABASE_URL")
                .map(|v| v.trim().is_empty())
                .unwrap_or(true)
            {
                config.database_url = config
                    .data_dir
                    .join("demo.sqlite3")
                    .to_string_lossy()
                    .into_owned();
            }
            let db = open_database(&config).await?;
            let evidence_dir = config.evidence_dir.clone();
            let seeded = tokio::task::spawn_blocking(move || demo::seed(&db, &evidence_dir)).await??;
            eprintln!(
                "{} the demo county in {}",
                if seeded { "created" } else { "reusing" },
                crate::config::redact_url(&config.database_url)
            );
            eprintln!("{}", demo::banner(&format!("http://{}", config.bind)));
            serve(config).await
        }
        Command::Openapi => Ok(()),
    }
}

/// Checking the trail needs the key that wrote it: a key generated now (a mistyped data
/// directory) would make every keyed row look altered.
fn require_audit_key(config: &Config) -> anyhow::Result<()> {
    let file = config.data_dir.join(crate::auth::audit_key::KEY_FILE);
    if config.audit_key.is_none() && !file.exists() {
        bail!(
            "no audit chain key: set GRIDASSIST_AUDIT_KEY, or GRIDASSIST_DATA_DIR to the server's data directory \
             (no {} there)",
            file.display()
        );
    }
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let bind = config.bind.clone();
    let app = Application::build(config).await?;
    tracing::info!(%bind, port = app.port(), "serving");
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}
