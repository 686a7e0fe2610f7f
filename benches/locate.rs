//! Point location among grid polygons: `GridIndex::locate` (R-tree + quantised rings) against a
//! naive linear scan, and the index build, at 2,000 / 100,000 / 1,000,000 grids.
//!
//! Synthetic grids: a jittered lattice of ~560 m × 560 m cells starting at 30° N 115° E. Interior
//! lattice nodes move by up to ±15 % of a cell; every cell side is a polyline of 12 segments whose
//! 11 inner vertices wobble by up to ±5 % of a cell (tapered towards the corners), so each grid is
//! a simple polygon of 48 vertices. Neighbouring cells share their sides vertex for vertex and the
//! outer border is straight, so the grids tile a rectangle exactly and every random query point lies
//! in exactly one grid. The setup checks that (validity with `geo::Validation`, and the index
//! against the linear scan) before anything is timed.
//!
//! Run with `cargo bench --bench locate`. `LOCATE_SIZES=2000,100000` limits the sizes (the
//! 1,000,000-grid setup needs ~4 GB and a minute). Besides criterion's numbers it prints (stderr)
//! a latency distribution from 100,000 individually timed lookups per size.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use geo::{Coord, Intersects, LineString, MultiPolygon, Polygon, Validation};
use gridassist::geo::{GridIndex, GridShape, LatLon};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const LAT0: f64 = 30.0;
const LON0: f64 = 115.0;
/// Cell size: 0.005° of latitude (556 m) × 0.006° of longitude (577 m at 30° N).
const DLAT: f64 = 0.005;
const DLON: f64 = 0.006;
/// Segments per cell side.
const SEGMENTS: usize = 12;
/// Largest move of an interior lattice node, as a fraction of the cell.
const NODE_JITTER: f64 = 0.15;
/// Largest sideways wobble of a side's inner vertices, as a fraction of the cell.
const SIDE_WOBBLE: f64 = 0.05;
const SEED: u64 = 0x5EED_1A7E_0000_0001;

/// Query points: enough that at 100,000 and 1,000,000 grids each lookup hits a cold, effectively
/// random part of the index rather than a small set of grids that stays in cache.
const QUERY_POINTS: usize = 1_000_000;
/// Lookups timed one by one for the percentile report.
const TIMED_LOOKUPS: usize = 100_000;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Deterministic noise in [-1, 1) for a key.
fn noise(key: u64) -> f64 {
    let bits = splitmix(key ^ SEED) >> 11; // 53 bits
    (bits as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

struct Lattice {
    cols: usize,
    rows: usize,
}

impl Lattice {
    fn for_grids(n: usize) -> Lattice {
        let (cols, rows) = match n {
            2_000 => (50, 40),
            100_000 => (400, 250),
            1_000_000 => (1000, 1000),
            _ => {
                let cols = (n as f64).sqrt().ceil() as usize;
                (cols, n.div_ceil(cols))
            }
        };
        Lattice { cols, rows }
    }

    /// Lattice node (i, j), i = 0..=cols along longitude, j = 0..=rows along latitude. Nodes on the
    /// outer border stay put so that the union of all cells is exactly the rectangle.
    fn node(&self, i: usize, j: usize) -> Coord<f64> {
        let mut x = i as f64;
        let mut y = j as f64;
        if i > 0 && i < self.cols && j > 0 && j < self.rows {
            let key = ((i * (self.rows + 1) + j) as u64) << 8;
            x += NODE_JITTER * noise(key);
            y += NODE_JITTER * noise(key | 1);
        }
        Coord { x, y }
    }

    /// Inner vertex k (1..SEGMENTS) of the side from node (i, j) to (i + 1, j) (horizontal) or to
    /// (i, j + 1) (vertical), in lattice units. Computed from the side's identity alone, so both
    /// cells sharing the side get the same vertices.
    fn side_vertex(&self, i: usize, j: usize, horizontal: bool, k: usize) -> Coord<f64> {
        let a = self.node(i, j);
        let b = if horizontal {
            self.node(i + 1, j)
        } else {
            self.node(i, j + 1)
        };
        let t = k as f64 / SEGMENTS as f64;
        let mut c = Coord {
            x: a.x + (b.x - a.x) * t,
            y: a.y + (b.y - a.y) * t,
        };
        let on_border = if horizontal {
            j == 0 || j == self.rows
        } else {
            i == 0 || i == self.cols
        };
        if !on_border {
            let key = ((((i * (self.rows + 1) + j) as u64) << 8) | (u64::from(horizontal) << 7) | k as u64)
                ^ 0xABCD_0000_0000_0000;
            let wobble = SIDE_WOBBLE * (std::f64::consts::PI * t).sin() * noise(key);
            if horizontal {
                c.y += wobble;
            } else {
                c.x += wobble;
            }
        }
        c
    }

    /// The counter-clockwise outer ring of cell (c, r), in degrees (x = lon, y = lat).
    fn cell(&self, c: usize, r: usize) -> Polygon<f64> {
        let mut ring: Vec<Coord<f64>> = Vec::with_capacity(4 * SEGMENTS + 1);
        // Bottom side, left to right.
        ring.push(self.node(c, r));
        ring.extend((1..SEGMENTS).map(|k| self.side_vertex(c, r, true, k)));
        // Right side, upwards.
        ring.push(self.node(c + 1, r));
        ring.extend((1..SEGMENTS).map(|k| self.side_vertex(c + 1, r, false, k)));
        // Top side, right to left.
        ring.push(self.node(c + 1, r + 1));
        ring.extend((1..SEGMENTS).rev().map(|k| self.side_vertex(c, r + 1, true, k)));
        // Left side, downwards.
        ring.push(self.node(c, r + 1));
        ring.extend((1..SEGMENTS).rev().map(|k| self.side_vertex(c, r, false, k)));
        ring.push(ring[0]);
        for p in &mut ring {
            *p = Coord {
                x: LON0 + p.x * DLON,
                y: LAT0 + p.y * DLAT,
            };
        }
        Polygon::new(LineString::new(ring), Vec::new())
    }

    fn shapes(&self, n: usize) -> Vec<GridShape> {
        (0..n)
            .map(|id| {
                let (c, r) = (id % self.cols, id / self.cols);
                GridShape {
                    grid_id: id as i64 + 1,
                    code: format!("G{:07}", id + 1),
                    township_id: (id / 1000) as i64 + 1,
                    geometry: MultiPolygon::new(vec![self.cell(c, r)]),
                }
            })
            .collect()
    }

    /// Uniform random points in the part of the rectangle that is covered (a partial last row is
    /// excluded by covering only full rows).
    fn points(&self, n: usize, count: usize, seed: u64) -> Vec<LatLon> {
        let full_rows = n / self.cols;
        let mut rng = StdRng::seed_from_u64(seed);
        (0..count)
            .map(|_| {
                LatLon::new(
                    LAT0 + rng.gen_range(0.0..full_rows as f64) * DLAT,
                    LON0 + rng.gen_range(0.0..self.cols as f64) * DLON,
                )
            })
            .collect()
    }
}

/// The naive baseline: test every polygon of every grid, no bounding-box prefilter (it calls
/// `Polygon::intersects(&Coord)`, i.e. geo's winding-number test, directly; `MultiPolygon`'s
/// `intersects` would first compute the bounding box). Same answer as `locate`: boundary counts
/// as inside, and of several matches the smallest code wins, so it always scans all grids.
fn linear_locate(shapes: &[GridShape], p: LatLon) -> Option<&GridShape> {
    let c = Coord { x: p.lon, y: p.lat };
    let mut best: Option<&GridShape> = None;
    for s in shapes {
        if s.geometry.0.iter().any(|poly| poly.intersects(&c))
            && best.is_none_or(|b| s.code.as_bytes() < b.code.as_bytes())
        {
            best = Some(s);
        }
    }
    best
}

fn rss_mb() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or_else(|| "?".to_string(), |kb| format!("{} MB", kb / 1024))
    };
    format!("RSS {}, peak {}", field("VmRSS:"), field("VmHWM:"))
}

fn sizes() -> Vec<usize> {
    std::env::var("LOCATE_SIZES")
        .ok()
        .map(|s| {
            s.split(',')
                .filter_map(|x| x.trim().replace('_', "").parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![2_000, 100_000, 1_000_000])
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Time `TIMED_LOOKUPS` lookups one at a time with `Instant` and print percentiles. The timer's
/// own cost (two `Instant::now()` calls around nothing) is measured the same way and printed, not
/// subtracted.
fn timed_lookups(label: &str, index: &GridIndex, points: &[LatLon]) {
    let mut overhead = Vec::with_capacity(TIMED_LOOKUPS);
    for _ in 0..TIMED_LOOKUPS {
        let t = Instant::now();
        black_box(());
        overhead.push(t.elapsed().as_nanos() as u64);
    }
    overhead.sort_unstable();

    let mut ns = Vec::with_capacity(TIMED_LOOKUPS);
    // Start half-way through the query points: criterion's run used the first ones.
    let offset = points.len() / 2;
    for k in 0..TIMED_LOOKUPS {
        let p = points[(offset + k) % points.len()];
        let t = Instant::now();
        let hit = index.locate(black_box(p)).map(|s| s.grid_id);
        let elapsed = t.elapsed();
        black_box(hit);
        ns.push(elapsed.as_nanos() as u64);
    }
    ns.sort_unstable();
    let mean = ns.iter().sum::<u64>() as f64 / ns.len() as f64;
    eprintln!(
        "{label}: {TIMED_LOOKUPS} timed lookups: p50 {} ns, p90 {} ns, p99 {} ns, p99.9 {} ns, max {} ns, \
         mean {mean:.0} ns (timer overhead p50 {} ns, p99 {} ns, included)",
        percentile(&ns, 0.50),
        percentile(&ns, 0.90),
        percentile(&ns, 0.99),
        percentile(&ns, 0.999),
        ns[ns.len() - 1],
        percentile(&overhead, 0.50),
        percentile(&overhead, 0.99),
    );
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("locate");
    for n in sizes() {
        let lattice = Lattice::for_grids(n);
        let t = Instant::now();
        let shapes = lattice.shapes(n);
        let generated = t.elapsed();
        let vertices: usize = shapes
            .iter()
            .flat_map(|s| &s.geometry.0)
            .map(|p| p.exterior().0.len() - 1)
            .sum();

        // Validity: every grid up to 20,000, else an evenly spread sample of 20,000.
        let step = (n / 20_000).max(1);
        let invalid = shapes
            .iter()
            .step_by(step)
            .filter(|s| !s.geometry.is_valid())
            .count();
        assert_eq!(invalid, 0, "{n}: {invalid} invalid synthetic grids");

        let input = shapes.clone();
        let t = Instant::now();
        let index = GridIndex::build(input);
        let built = t.elapsed();
        assert_eq!(index.len(), n);
        eprintln!(
            "{n} grids ({}×{} lattice, {:.1} vertices per grid): generated in {:.2} s, first build {:.2} s; {}",
            lattice.cols,
            lattice.rows,
            vertices as f64 / n as f64,
            generated.as_secs_f64(),
            built.as_secs_f64(),
            rss_mb()
        );

        let points = lattice.points(n, QUERY_POINTS, 7 + n as u64);
        // Every query point is in some grid, and the index agrees with the linear scan.
        let located = points.iter().filter(|&&p| index.locate(p).is_some()).count();
        assert_eq!(located, points.len(), "{n}: some query points found no grid");
        let checks = if n <= 100_000 { 300 } else { 20 };
        for &p in points.iter().step_by(points.len() / checks) {
            let fast = index.locate(p).map(|s| s.grid_id);
            let slow = linear_locate(&shapes, p).map(|s| s.grid_id);
            assert_eq!(fast, slow, "{n}: index and linear scan disagree at {p:?}");
        }

        // Per-lookup time: each iteration locates the next query point.
        group.sampling_mode(SamplingMode::Auto);
        group.sample_size(100);
        group.warm_up_time(Duration::from_secs(2));
        group.measurement_time(Duration::from_secs(5));
        group.bench_function(BenchmarkId::new("rtree", n), |b| {
            let mut i = 0usize;
            b.iter(|| {
                let p = points[i];
                i += 1;
                if i == points.len() {
                    i = 0;
                }
                index.locate(black_box(p)).map(|s| s.grid_id)
            })
        });
        timed_lookups(&format!("locate/rtree/{n}"), &index, &points);
        // The same over the first 10,000 points only, cycled: a hot set that stays in cache.
        timed_lookups(
            &format!("locate/rtree/{n} (10,000-point hot set)"),
            &index,
            &points[..10_000],
        );

        // The linear scan: 10 samples; at 1,000,000 grids one lookup takes about a tenth of a second.
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if n >= 1_000_000 { 2 } else { 3 }));
        group.bench_function(BenchmarkId::new("linear", n), |b| {
            let mut i = 0usize;
            b.iter(|| {
                let p = points[i];
                i = (i + 7919) % points.len();
                linear_locate(black_box(&shapes), black_box(p)).map(|s| s.grid_id)
            })
        });

        // Build. The input is cloned outside the timed region; the index is dropped outside it.
        drop(index);
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs_f64((built.as_secs_f64() * 20.0).max(2.0)));
        group.bench_function(BenchmarkId::new("build", n), |b| {
            b.iter_batched(|| shapes.clone(), GridIndex::build, BatchSize::PerIteration)
        });
        eprintln!("after locate/build/{n}: {}", rss_mb());
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
