//! Diesel queries, one file per aggregate. Functions take `&mut DbConn` so a service can compose
//! several of them inside one transaction; none of them opens a transaction itself.

pub mod access_codes;
pub mod audit;
pub mod cases;
pub mod check_ins;
pub mod courts;
pub mod dishonest;
pub mod grids;
pub mod idempotency;
pub mod outbox;
pub mod partners;
pub mod progress;
pub mod refresh_tokens;
pub mod scores;
pub mod seals;
pub mod statistics;
pub mod submissions;
pub mod sync_feed;
pub mod tasks;
pub mod townships;
pub mod users;
pub mod workers;

/// Keyset pagination: rows with `id > after`, at most `limit` of them, in id order.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub after: Option<i64>,
    pub limit: i64,
}

impl PageRequest {
    /// Ask the database for one row more than the page, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }
}
