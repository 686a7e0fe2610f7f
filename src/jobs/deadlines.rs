//! Runs the deadlines sweep (`services::deadlines`) on a timer, as of the real clock.

use std::sync::Arc;
use std::time::Duration;

use super::Shutdown;
use crate::domain::time;
pub use crate::services::deadlines::{REMINDER_LEAD, SweepReport, sweep};
use crate::state::AppState;

/// Sweep every `interval` in the background, as of the real clock.
pub fn spawn(
    state: Arc<AppState>,
    interval: Duration,
    mut shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = super::ticker(interval);
        while shutdown.tick(&mut ticker).await.is_some() {
            match state.db.run(|conn| sweep(conn, time::now())).await {
                Ok(r) if r.reminded + r.overdue > 0 => {
                    tracing::info!(reminded = r.reminded, overdue = r.overdue, "deadline sweep")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(code = error.code(), "deadline sweep failed"),
            }
        }
    })
}
