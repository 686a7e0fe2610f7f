//! Batch assignment: exact min-cost max-flow (`optimal`) against the greedy baseline on a synthetic
//! county (~40 km × 40 km around 32.1° N 120.2° E), capacities 1–4, ~90 % eligibility.
//!
//! Run with `cargo bench --bench batch_assign` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gridassist::domain::batch_assign::{Options, TaskIn, WorkerIn, greedy, optimal};
use gridassist::geo::LatLon;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Half the county's side in degrees: 20 km of latitude, and of longitude at 32.1° N.
const HALF_LAT_DEG: f64 = 20_000.0 / 111_195.0;
const HALF_LON_DEG: f64 = 20_000.0 / (111_195.0 * 0.847);

fn county_point(rng: &mut StdRng) -> LatLon {
    LatLon::new(
        32.1 + rng.gen_range(-HALF_LAT_DEG..HALF_LAT_DEG),
        120.2 + rng.gen_range(-HALF_LON_DEG..HALF_LON_DEG),
    )
}

fn instance(tasks: usize, workers: usize, seed: u64) -> (Vec<TaskIn>, Vec<WorkerIn>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let tasks = (0..tasks)
        .map(|i| TaskIn {
            id: i as i64 + 1,
            point: county_point(&mut rng),
        })
        .collect();
    let workers = (0..workers)
        .map(|i| WorkerIn {
            id: i as i64 + 1,
            point: county_point(&mut rng),
            capacity: rng.gen_range(1..=4),
        })
        .collect();
    (tasks, workers)
}

/// Cheap hash predicate: about 90 % of pairs are eligible.
fn eligible(t: usize, w: usize) -> bool {
    let mut x =
        (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (w as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    x % 100 >= 10
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch_assign");
    group.sample_size(10);
    for (nt, nw) in [(1000usize, 500usize), (10_000, 5000)] {
        let (tasks, workers) = instance(nt, nw, 42);
        let label = format!("{nt}x{nw}");

        let opt = optimal(&tasks, &workers, eligible, Options::default());
        let gr = greedy(&tasks, &workers, eligible);
        let improvement = 100.0 * (gr.total_distance_m - opt.total_distance_m) / gr.total_distance_m;
        eprintln!(
            "{label}: optimal {:.1} km ({} assigned, {} unassigned, rounds {}, edges {}), \
             greedy {:.1} km ({} assigned, {} unassigned): {improvement:.2} % shorter",
            opt.total_distance_m / 1000.0,
            opt.assignments.len(),
            opt.unassigned.len(),
            opt.rounds,
            opt.edges,
            gr.total_distance_m / 1000.0,
            gr.assignments.len(),
            gr.unassigned.len(),
        );

        group.bench_function(BenchmarkId::new("optimal", &label), |b| {
            b.iter(|| {
                optimal(
                    black_box(&tasks),
                    black_box(&workers),
                    eligible,
                    Options::default(),
                )
            })
        });
        group.bench_function(BenchmarkId::new("greedy", &label), |b| {
            b.iter(|| greedy(black_box(&tasks), black_box(&workers), eligible))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
