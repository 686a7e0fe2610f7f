//! Background tasks that run beside the HTTP server (named `jobs` so they never collide with
//! the grid-worker domain). At shutdown each finishes the pass it is in — a sweep, a delivery
//! batch, a purge — and then stops, rather than being cut off mid-way (see [`Shutdown`]).

pub mod audit_checkpoints;
pub mod deadlines;
pub mod grid_map_refresh;
pub mod housekeeping;
pub mod webhooks;

use std::time::Duration;

use tokio::sync::watch;

/// The signal that tells jobs to stop after their current pass.
#[derive(Clone)]
pub struct Shutdown(watch::Receiver<bool>);

/// Raises [`Shutdown`] for every job that holds a copy.
pub struct Stopper(watch::Sender<bool>);

/// A new stop signal.
pub fn shutdown_signal() -> (Stopper, Shutdown) {
    let (sender, receiver) = watch::channel(false);
    (Stopper(sender), Shutdown(receiver))
}

impl Shutdown {
    /// Wait for the next tick of `ticker`; None once shutdown has been asked for (checked
    /// between passes only, so a pass under way always completes).
    pub async fn tick(&mut self, ticker: &mut tokio::time::Interval) -> Option<()> {
        if *self.0.borrow() {
            return None;
        }
        tokio::select! {
            _ = ticker.tick() => Some(()),
            // A dropped stopper means the server is gone: stop too.
            _ = self.0.changed() => None,
        }
    }
}

impl Stopper {
    /// Ask every job to stop, and wait (up to `grace`) for each to finish its current pass.
    pub async fn stop(self, jobs: Vec<tokio::task::JoinHandle<()>>, grace: Duration) {
        let _ = self.0.send(true);
        for job in jobs {
            if tokio::time::timeout(grace, job).await.is_err() {
                tracing::warn!("a background job did not finish its pass within the shutdown grace");
            }
        }
    }
}

/// A ticker for a job that runs every `interval`; a pass that overruns delays the next one
/// rather than bunching them up.
pub fn ticker(interval: Duration) -> tokio::time::Interval {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker
}
