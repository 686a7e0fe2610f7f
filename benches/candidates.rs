//! Candidate selection for automatic assignment: `domain::assignment::choose` over 100, 1,000 and
//! 30,000 synthetic candidates, about 40 % of them ineligible (inactive, on leave, not certified,
//! at capacity or recused; a few for two reasons at once).
//!
//! In the service the candidates are only the workers covering one grid — a handful — so the
//! 30,000 case bounds the worst case (every worker of a large county offered at once) rather than
//! a typical call.
//!
//! Run with `cargo bench --bench candidates` (add `-- --quick` for a short run).

use std::hint::black_box;

use chrono::{Days, NaiveDate};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gridassist::domain::assignment::{Candidate, choose};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 15).expect("valid date")
}

fn candidates(n: usize, seed: u64) -> Vec<Candidate> {
    let mut rng = StdRng::seed_from_u64(seed);
    let today = today();
    // Unique worker ids, in no particular order.
    let mut ids: Vec<i64> = (1..=n as i64).map(|i| 10_000 + 7 * i).collect();
    ids.shuffle(&mut rng);
    ids.into_iter()
        .map(|worker_id| {
            let capacity = rng.gen_range(1..=10u32);
            let mut c = Candidate {
                worker_id,
                name: format!("网格员 {worker_id}"),
                active: true,
                // Some eligible workers had a leave that has ended.
                on_leave_until: rng.gen_bool(0.1).then(|| today - Days::new(rng.gen_range(1..60))),
                certified: true,
                // Small integers, so equal loads (and the later tie-breaks) are common.
                open_tasks: rng.gen_range(0..capacity),
                capacity,
                recused: false,
                recent_declines: if rng.gen_bool(0.7) { 0 } else { rng.gen_range(1..4) },
                last_check_in_distance_m: rng.gen_bool(0.85).then(|| rng.gen_range(0.0..8000.0_f64).round()),
            };
            // 8 % each of five reasons = 40 % ineligible; 1 in 5 of those has a second reason.
            let roll = rng.gen_range(0..100);
            let reasons = if roll < 40 {
                let first = roll / 8;
                if rng.gen_bool(0.2) {
                    vec![first, (first + 1) % 5]
                } else {
                    vec![first]
                }
            } else {
                Vec::new()
            };
            for why in reasons {
                match why {
                    0 => c.active = false,
                    1 => c.on_leave_until = Some(today + Days::new(rng.gen_range(0..30))),
                    2 => c.certified = false,
                    3 => c.open_tasks = c.capacity + rng.gen_range(0..2),
                    _ => c.recused = true,
                }
            }
            c
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("assignment");
    for n in [100usize, 1_000, 30_000] {
        let cs = candidates(n, 42 + n as u64);
        let choice = choose(&cs, today());
        let eligible = choice.candidates.iter().filter(|v| v.eligible).count();
        assert!(choice.winner.is_some());
        eprintln!(
            "{n} candidates: {eligible} eligible ({:.1} %), winner {:?}: {}",
            100.0 * eligible as f64 / n as f64,
            choice.winner,
            choice.reason
        );
        group.bench_function(BenchmarkId::new("choose", n), |b| {
            b.iter(|| choose(black_box(&cs), black_box(today())))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
