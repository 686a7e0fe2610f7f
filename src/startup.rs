//! Building and running the HTTP server: open the database, apply migrations, load the signing
//! and audit keys and the grid map, bind, serve (with the background jobs); stop gracefully on
//! SIGTERM/SIGINT (in-flight requests get up to 30 seconds). Slow clients are cut off: a head not
//! sent within `GRIDASSIST_CLIENT_REQUEST_TIMEOUT_SECS`, a body within
//! `GRIDASSIST_CLIENT_BODY_TIMEOUT_SECS` (`api::body_timeout`).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpMessage, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::api;
use crate::auth::JwtKeys;
use crate::config::{Config, redact_url};
use crate::db::Db;
use crate::services::audit_checkpoints::{CheckpointStore, Checkpointer};
use crate::services::grid_map::{GridMap, GridMapHandle};
use crate::state::AppState;
use crate::telemetry::RequestSpan;

/// How long requests in flight, and then background jobs in a pass, may take to finish at
/// shutdown.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    checkpointer: Checkpointer,
}

/// Open the database and bring its schema up to date. Audit rows written through it are keyed
/// with the audit chain's key (configured, or kept in the data directory).
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let url = config.database_url.clone();
    let key = Arc::new(
        crate::auth::audit_key::load_or_generate(config.audit_key.as_deref(), &config.data_dir)
            .context("the audit chain key")?,
    );
    let db = tokio::task::spawn_blocking(move || -> anyhow::Result<Db> {
        let db = Db::connect(&url)
            .with_context(|| format!("opening database {}", redact_url(&url)))?
            .with_audit_key(key);
        let applied = db.migrate().context("applying migrations")?;
        for version in applied {
            tracing::info!(%version, "applied migration");
        }
        Ok(db)
    })
    .await??;
    Ok(db)
}

/// This node's checkpoints of the audit chain, signed with the key of `db`.
pub fn checkpoint_store(config: &Config, db: &Db) -> anyhow::Result<CheckpointStore> {
    let key = db
        .audit_key()
        .cloned()
        .context("the database was opened without the audit chain key")?;
    Ok(CheckpointStore::new(config.audit_checkpoint_dir.clone(), key))
}

/// The outside receiver of checkpoints, when one is configured: the webhook deliverer, with its
/// SSRF guard, pinned addresses, no redirects and Standard Webhooks signature.
pub fn checkpoint_receiver(config: &Config) -> anyhow::Result<Option<crate::services::webhook::Deliverer>> {
    let (Some(url), Some(secret)) = (&config.audit_checkpoint_url, &config.audit_checkpoint_secret) else {
        return Ok(None);
    };
    let settings = crate::services::webhook::WebhookConfig::new(
        url,
        secret,
        config.webhook_allow_private,
        config.webhook_timeout,
        1,
    )
    .map_err(|e| {
        // The webhook's messages name its own settings; these are the checkpoint receiver's.
        let message = e
            .to_string()
            .replace(
                crate::services::webhook::URL_SETTING,
                "GRIDASSIST_AUDIT_CHECKPOINT_URL",
            )
            .replace(
                crate::services::webhook::SECRET_SETTING,
                "GRIDASSIST_AUDIT_CHECKPOINT_SECRET",
            );
        anyhow::anyhow!(message)
    })?;
    Ok(Some(crate::services::webhook::Deliverer::new(settings)))
}

/// The working-day calendar: the configured file, or the one shipped with the service.
pub fn load_calendar(config: &Config) -> anyhow::Result<crate::domain::calendar::WorkCalendar> {
    use crate::domain::calendar::WorkCalendar;
    match &config.calendar_file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            WorkCalendar::from_json(&text).with_context(|| format!("calendar {}", path.display()))
        }
        None => Ok(WorkCalendar::builtin()?),
    }
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = open_database(&config).await?;
        let audit_checkpoints = Arc::new(checkpoint_store(&config, &db)?);
        let checkpointer = Checkpointer::new(audit_checkpoints.clone(), checkpoint_receiver(&config)?);
        let jwt = JwtKeys::load_or_generate(
            config.jwt_secret.as_deref(),
            &config.data_dir,
            config.access_token_ttl,
        )?;
        let map = db.run(GridMap::load).await.context("loading the grid map")?;
        tracing::info!(grids = map.index.len(), "grid map loaded");
        let listener = TcpListener::bind(&config.bind).with_context(|| format!("binding {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let calendar = load_calendar(&config)?;
        let geocoder = match &config.geocoder_url {
            Some(url) => {
                let settings =
                    crate::services::geocoder::GeocoderConfig::new(url.clone(), config.geocoder_key.clone());
                Some(crate::services::geocoder::Geocoder::new(settings).context("GRIDASSIST_GEOCODER_URL")?)
            }
            None => None,
        };
        let webhook = match (&config.webhook_url, &config.webhook_secret) {
            (Some(url), Some(secret)) => {
                let settings = crate::services::webhook::WebhookConfig::new(
                    url,
                    secret,
                    config.webhook_allow_private,
                    config.webhook_timeout,
                    config.webhook_max_attempts,
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                Some(Arc::new(crate::services::webhook::Deliverer::new(settings)))
            }
            _ => None,
        };
        let partner_limiter =
            crate::auth::rate_limit::RateLimiter::new(config.partner_rate_per_minute, config.partner_burst);
        let partner_webhooks = Arc::new(crate::jobs::webhooks::PartnerWebhooks::new(
            config.webhook_allow_private,
            config.webhook_timeout,
            config.webhook_max_attempts,
        ));
        let state = web::Data::new(AppState {
            webhook,
            login_throttle: Default::default(),
            progress_throttle: crate::auth::lookup_throttle::LookupThrottle::new(config.progress_limits),
            partner_limiter,
            partner_webhooks,
            audit_checkpoints,
            db,
            grids: Arc::new(GridMapHandle::new(map)),
            jwt,
            config,
            calendar,
            metrics: Default::default(),
            geocoder,
        });
        let app_state = state.clone();
        let head_timeout = state.config.client_request_timeout;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(api::idempotency::idempotency))
                // Outside the idempotency layer, which reads keyed bodies itself.
                .wrap(actix_web::middleware::from_fn(api::body_timeout::body_timeout))
                .wrap_fn(move |req, srv| {
                    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
                    let method = req.method().to_string();
                    let started = std::time::Instant::now();
                    let state = req.app_data::<web::Data<AppState>>().cloned();
                    let response = srv.call(req);
                    async move {
                        let mut response = response.await?;
                        if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                            response
                                .headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), value);
                        }
                        if let Some(state) = state {
                            // The route pattern, never the concrete path (ids, coordinates).
                            let route = response
                                .request()
                                .match_pattern()
                                .unwrap_or_else(|| "unmatched".into());
                            state.metrics.record(
                                &method,
                                &route,
                                response.status().as_u16(),
                                started.elapsed(),
                            );
                        }
                        Ok(response)
                    }
                })
                .wrap(TracingLogger::<RequestSpan>::new())
                .wrap(security_headers())
                // Without configured origins there is no CORS layer at all: browsers then keep other
                // sites' pages from reading responses, and same-origin pages work untouched.
                .wrap(actix_web::middleware::Condition::new(
                    !app_state.config.cors_origins.is_empty(),
                    cors(&app_state.config.cors_origins),
                ))
                .app_data(app_state.clone())
                .app_data(web::PayloadConfig::new(app_state.config.json_limit))
                .configure(api::configure)
                .configure(crate::console::configure(app_state.config.tiles.as_ref()))
                .configure(crate::field_app::configure)
                .default_service(web::to(api::not_found))
        })
        .listen(listener)?
        .client_request_timeout(head_timeout)
        .client_disconnect_timeout(Duration::from_secs(5))
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .run();
        Ok(Application {
            port,
            server,
            state,
            checkpointer,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serve until a shutdown signal arrives and in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        use crate::jobs;
        let (stopper, shutdown) = jobs::shutdown_signal();
        let config = &self.state.config;
        let mut background = vec![
            jobs::grid_map_refresh::spawn(
                self.state.clone().into_inner(),
                config.grid_refresh_interval,
                shutdown.clone(),
            ),
            jobs::deadlines::spawn(
                self.state.clone().into_inner(),
                config.deadline_sweep_interval,
                shutdown.clone(),
            ),
            jobs::housekeeping::spawn(self.state.clone().into_inner(), shutdown.clone()),
            jobs::audit_checkpoints::spawn(
                self.state.clone().into_inner(),
                self.checkpointer,
                config.audit_checkpoint_interval,
                shutdown.clone(),
            ),
            // Partners' webhooks are delivered whether or not a gateway is configured.
            jobs::webhooks::spawn_partners(
                self.state.clone().into_inner(),
                config.webhook_poll_interval,
                shutdown.clone(),
            ),
        ];
        if let Some(deliverer) = self.state.webhook.clone() {
            background.push(jobs::webhooks::spawn(
                self.state.clone().into_inner(),
                deliverer,
                config.webhook_poll_interval,
                shutdown,
            ));
        }
        let result = self.server.await;
        // Each job finishes the pass it is in (a delivery batch, a sweep) and stops; one that
        // overruns the grace is left to the process exit, which its transaction survives intact
        // (it commits whole or not at all, and an undelivered message is sent again later).
        stopper.stop(background, SHUTDOWN_GRACE).await;
        result
    }
}

/// Headers on every response. The API serves JSON holding personal data: no caching, no framing,
/// no content sniffing, no referrer, nothing to load or run in a page. (HSTS belongs at the TLS
/// proxy, the only place that knows the connection is HTTPS.) These are defaults: the console's
/// and the field app's pages and files (`crate::console`, `crate::field_app`) set their own
/// policy and caching, which are kept.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add((
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"))
}

/// Cross-origin access for the configured web origins only, never a wildcard. Bearer tokens, not
/// cookies, authenticate, so credentials mode is off.
fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::IF_MATCH,
            actix_web::http::header::ACCEPT,
        ])
        .allowed_header("idempotency-key")
        .expose_headers([
            "etag",
            "retry-after",
            "x-request-id",
            "idempotent-replayed",
            "location",
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}
