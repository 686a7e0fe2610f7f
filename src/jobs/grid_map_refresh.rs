//! Keeps this node's grid map in step with the database when grids change elsewhere — another
//! app node, or `gridassist import-grids` run beside a live server. Changes made through this
//! node's API rebuild the map at once; this job catches the rest within one interval.

use std::sync::Arc;
use std::time::Duration;

use super::Shutdown;
use crate::state::AppState;

/// Check every `interval`; rebuild only when the database's grids differ from the map's.
pub fn spawn(
    state: Arc<AppState>,
    interval: Duration,
    mut shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = super::ticker(interval);
        ticker.tick().await; // the first tick is immediate; the map was just loaded
        while shutdown.tick(&mut ticker).await.is_some() {
            let grids = state.grids.clone();
            match state
                .db
                .run(move |conn| grids.refresh_if_changed_blocking(conn))
                .await
            {
                Ok(true) => tracing::info!(
                    grids = state.grids.current().index.len(),
                    "grid map reloaded after an outside change"
                ),
                Ok(false) => {}
                // A database hiccup must not kill the job; the next tick tries again.
                Err(error) => tracing::warn!(error = %error, "grid map refresh check failed"),
            }
        }
    })
}
