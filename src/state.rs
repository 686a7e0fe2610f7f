//! What every request handler shares: the database, the grid map, the token keys, the config,
//! the per-node limits and delivery clients, and the audit chain's checkpoints.

use std::sync::Arc;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::db::Db;
use crate::domain::calendar::WorkCalendar;
use crate::services::grid_map::GridMapHandle;

pub struct AppState {
    pub db: Db,
    pub grids: Arc<GridMapHandle>,
    pub jwt: JwtKeys,
    pub config: Config,
    pub calendar: WorkCalendar,
    pub metrics: crate::metrics::Metrics,
    /// Present when a geocoding service is configured.
    pub geocoder: Option<crate::services::geocoder::Geocoder>,
    /// Present when a notification webhook is configured.
    pub webhook: Option<Arc<crate::services::webhook::Deliverer>>,
    /// Failed sign-ins per username and client address (this node's).
    pub login_throttle: crate::auth::throttle::LoginThrottle,
    /// Public progress look-ups per client address (this node's).
    pub progress_throttle: crate::auth::lookup_throttle::LookupThrottle,
    /// Requests per partner API key (this node's).
    pub partner_limiter: crate::auth::rate_limit::RateLimiter,
    /// How messages to partners' webhooks are delivered.
    pub partner_webhooks: Arc<crate::jobs::webhooks::PartnerWebhooks>,
    /// This node's checkpoints of the audit chain, and the key that signs them.
    pub audit_checkpoints: Arc<crate::services::audit_checkpoints::CheckpointStore>,
}

impl AppState {
    /// The one way from a handler into the services for a signed-in caller: on a blocking
    /// thread, load the account the permit names (as the database holds it now), judge it by the
    /// authorization matrix, and hand the service a [`Caller`] carrying the scope granted.
    ///
    /// [`Caller`]: crate::services::Caller
    pub async fn run_as<T, F>(
        &self,
        permit: crate::auth::Permit,
        request_id: Option<String>,
        f: F,
    ) -> Result<T, crate::error::ApiError>
    where
        F: FnOnce(&mut crate::db::DbConn, &crate::services::Caller) -> Result<T, crate::error::ApiError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        self.db
            .run(move |conn| {
                let caller = crate::services::Caller::load(conn, permit, request_id)?;
                f(conn, &caller)
            })
            .await
    }
}
