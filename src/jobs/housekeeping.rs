//! Housekeeping: drops idempotency keys past their retention, hourly.

use std::sync::Arc;
use std::time::Duration;

use super::Shutdown;
use crate::domain::time;
use crate::error::ApiError;
use crate::repo;
use crate::state::AppState;

pub fn spawn(state: Arc<AppState>, mut shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = super::ticker(Duration::from_secs(3600));
        while shutdown.tick(&mut ticker).await.is_some() {
            let purged = state
                .db
                .run(|conn| {
                    Ok::<_, ApiError>(repo::idempotency::purge(
                        conn,
                        time::now() - repo::idempotency::RETENTION,
                    )?)
                })
                .await;
            match purged {
                Ok(n) if n > 0 => tracing::info!(purged = n, "idempotency keys purged"),
                Ok(_) => {}
                Err(error) => tracing::warn!(code = error.code(), "idempotency purge failed"),
            }
        }
    })
}
