//! Audit checkpoints: every `GRIDASSIST_AUDIT_CHECKPOINT_SECS` (600), check the audit rows
//! written since the last checkpoint and write (and send) a signed checkpoint of the new head
//! (`services::audit_checkpoints`). The first round runs at start.

use std::sync::Arc;
use std::time::Duration;

use super::Shutdown;
use crate::error::ApiError;
use crate::services::audit_checkpoints::Checkpointer;
use crate::state::AppState;

pub fn spawn(
    state: Arc<AppState>,
    mut checkpointer: Checkpointer,
    interval: Duration,
    mut shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = super::ticker(interval);
        while shutdown.tick(&mut ticker).await.is_some() {
            if let Err(error) = checkpointer.round(&state.db).await {
                match &error {
                    ApiError::Internal(cause) | ApiError::Unavailable(cause) => {
                        tracing::warn!(code = error.code(), cause = ?cause, "audit checkpoint round failed");
                    }
                    _ => tracing::warn!(code = error.code(), "audit checkpoint round failed"),
                }
            }
        }
    })
}
