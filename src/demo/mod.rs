//! The demo county: a synthetic but realistic set-up for trying the service — one court, six
//! townships around Taixing (Jiangsu), 384 grid polygons with organic shared borders, officers,
//! supervisors and one grid worker per grid, all with known demo passwords.
//!
//! Seeding goes through the same services as real use (grid import, account rules) and runs in
//! one transaction per step; a database that already holds the demo court is reused as it is.

mod cases;
mod work;

use chrono::NaiveDate;

use crate::auth::password;
use crate::db::{Db, DbConn, write_tx};
use crate::domain::{Availability, Capacity, Code, Name, Password, Role, TaskKind, time};
use crate::error::ApiError;
use crate::geo::{Crs, LatLon, wgs84_to_gcj02};

use crate::repo::{
    self,
    audit::Actor,
    users::NewUser,
    workers::{Certification, WorkerProfile},
};
use crate::services;

pub const COURT_CODE: &str = "JS1283";
pub const ADMIN_PASSWORD: &str = "demo-admin-pass";
pub const OFFICER_PASSWORD: &str = "demo-officer-pass";
pub const SUPERVISOR_PASSWORD: &str = "demo-supervisor-pass";
pub const WORKER_PASSWORD: &str = "demo-worker-pass";

const TOWNSHIPS: [(&str, &str); 6] = [
    ("321283101", "黄桥镇"),
    ("321283102", "分界镇"),
    ("321283103", "虹桥镇"),
    ("321283001", "济川街道"),
    ("321283002", "姚王街道"),
    ("321283104", "根思乡"),
];
/// Townships are laid out 3 across and 2 down, each a block of 8 × 8 grids.
const BLOCK: usize = 8;
const COLS: usize = 3 * BLOCK;
const ROWS: usize = 2 * BLOCK;
const LON0: f64 = 119.93;
const LAT0: f64 = 32.10;
const CELL_LON: f64 = 0.010;
const CELL_LAT: f64 = 0.009;

/// A deterministic pseudo-random value in [-1, 1) for a key (splitmix64).
fn wobble(key: u64) -> f64 {
    let mut z = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// A lattice corner, nudged so borders look drawn rather than ruled. Neighbouring grids share
/// corners, so their borders coincide exactly.
fn corner(i: usize, j: usize) -> (f64, f64) {
    let key = (i as u64) << 32 | j as u64;
    (
        LON0 + i as f64 * CELL_LON + 0.0012 * wobble(key * 2),
        LAT0 + j as f64 * CELL_LAT + 0.0010 * wobble(key * 2 + 1),
    )
}

/// The bend in the middle of the edge between two corners; keyed by the edge so both grids
/// that share it draw it the same.
fn bend(a: (usize, usize), b: (usize, usize)) -> (f64, f64) {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let (pa, pb) = (corner(a.0, a.1), corner(b.0, b.1));
    let key = ((a.0 * 31 + a.1) as u64) << 20 | (b.0 * 31 + b.1) as u64;
    (
        (pa.0 + pb.0) / 2.0 + 0.0007 * wobble(key * 3 + 7),
        (pa.1 + pb.1) / 2.0 + 0.0006 * wobble(key * 3 + 8),
    )
}

/// The polygon of lattice cell (i, j), counter-clockwise, closed.
fn cell_ring(i: usize, j: usize) -> Vec<[f64; 2]> {
    let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
    let mut ring = Vec::with_capacity(9);
    for k in 0..4 {
        let p = corner(c[k].0, c[k].1);
        ring.push([p.0, p.1]);
        let m = bend(c[k], c[(k + 1) % 4]);
        ring.push([m.0, m.1]);
    }
    ring.push(ring[0]);
    ring
}

fn grid_code(township: usize, n: usize) -> String {
    format!("{}-{:03}", TOWNSHIPS[township].0, n)
}

/// The demo county's grids as a GeoJSON FeatureCollection in WGS-84.
pub fn county_geojson() -> serde_json::Value {
    let mut features = Vec::with_capacity(COLS * ROWS);
    for (t, (township_code, township_name)) in TOWNSHIPS.iter().enumerate() {
        let (bi, bj) = ((t % 3) * BLOCK, (t / 3) * BLOCK);
        for n in 0..BLOCK * BLOCK {
            let (i, j) = (bi + n % BLOCK, bj + n / BLOCK);
            features.push(serde_json::json!({
                "type": "Feature",
                "properties": {
                    "code": grid_code(t, n + 1),
                    "name": format!("{township_name}第{:02}网格", n + 1),
                    "township_code": township_code,
                },
                "geometry": {"type": "Polygon", "coordinates": [cell_ring(i, j)]},
            }));
        }
    }
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

/// A point well inside grid `n` (1-based) of township `t` (0-based), in WGS-84.
pub fn point_in_grid(t: usize, n: usize) -> LatLon {
    let (i, j) = (
        (t % 3) * BLOCK + (n - 1) % BLOCK,
        (t / 3) * BLOCK + (n - 1) / BLOCK,
    );
    LatLon {
        lat: LAT0 + (j as f64 + 0.5) * CELL_LAT,
        lon: LON0 + (i as f64 + 0.5) * CELL_LON,
    }
}

fn hash(p: &str) -> anyhow::Result<String> {
    password::hash(&Password::parse(p).map_err(|e| anyhow::anyhow!("demo password: {e}"))?)
}

/// Create the demo county unless it is there. Returns true when it was created now.
pub fn seed(db: &Db, evidence_dir: &std::path::Path) -> anyhow::Result<bool> {
    let mut conn = db.get()?;
    if repo::courts::find_by_code(&mut conn, COURT_CODE)?.is_some() {
        return Ok(false);
    }
    // Never mix demo accounts with known passwords into a real court's database.
    if repo::users::count(&mut conn)? > 0 {
        anyhow::bail!(
            "this database already holds accounts but no demo county; the demo only seeds an empty database \
             (unset DATABASE_URL to use <data dir>/demo.sqlite3)"
        );
    }
    let actor = Actor {
        user_id: None,
        role: Some("demo".into()),
        request_id: None,
        client_ip: None,
    };
    let api = |e: ApiError| anyhow::anyhow!("{e}: {:?}", e.problem().field);
    let court = services::organisation::create_court(
        &mut conn,
        &actor,
        Code::parse(COURT_CODE)?,
        Name::parse("泰兴市人民法院")?,
    )
    .map_err(api)?;
    let mut township_ids = Vec::new();
    for (code, name) in TOWNSHIPS {
        let t = services::organisation::create_township(
            &mut conn,
            &actor,
            Code::parse(code)?,
            Name::parse(name)?,
            court.id,
        )
        .map_err(api)?;
        township_ids.push(t.id);
    }
    let report =
        services::grid_import::import(&mut conn, &actor, &county_geojson(), Crs::Wgs84).map_err(api)?;
    if report.rejected > 0 {
        anyhow::bail!(
            "demo grids rejected: {:?}",
            report.features.iter().find(|f| f.reason.is_some())
        );
    }
    // One hash per role: hashing is deliberately slow and every demo account of a role shares
    // its published password anyway.
    let hashes = [
        hash(ADMIN_PASSWORD)?,
        hash(OFFICER_PASSWORD)?,
        hash(SUPERVISOR_PASSWORD)?,
        hash(WORKER_PASSWORD)?,
    ];
    write_tx(&mut conn, |conn| {
        seed_people(conn, court.id, &township_ids, &report, &hashes)
    })?;
    let accepted = cases::seed(&mut conn, court.id).map_err(api)?;
    let store = services::evidence::EvidenceStore::new(evidence_dir);
    work::seed(&mut conn, court.id, &store, &accepted).map_err(api)?;
    Ok(true)
}

fn seed_people(
    conn: &mut DbConn,
    court_id: i64,
    township_ids: &[i64],
    report: &services::grid_import::ImportReport,
    hashes: &[String; 4],
) -> anyhow::Result<()> {
    let now = time::now();
    let add = |conn: &mut DbConn,
               username: &str,
               display: &str,
               role: Role,
               court: Option<i64>,
               township: Option<i64>| {
        let hash = &hashes[match role {
            Role::Admin => 0,
            Role::Officer => 1,
            Role::Supervisor => 2,
            Role::Worker => 3,
        }];
        repo::users::insert(
            conn,
            &NewUser {
                username,
                display_name: display,
                password_hash: hash,
                role: role.as_str(),
                court_id: court,
                township_id: township,
                active: true,
                created_at: now,
                updated_at: now,
            },
        )
    };
    add(conn, "admin", "系统管理员", Role::Admin, None, None)?;
    for (k, name) in ["王警官", "李警官", "陈警官"].iter().enumerate() {
        add(
            conn,
            &format!("officer-{}", k + 1),
            name,
            Role::Officer,
            Some(court_id),
            None,
        )?;
    }
    let since = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
    for (t, &township_id) in township_ids.iter().enumerate() {
        let (_, township_name) = TOWNSHIPS[t];
        add(
            conn,
            &format!("supervisor-{}", t + 1),
            &format!("{township_name}负责人"),
            Role::Supervisor,
            None,
            Some(township_id),
        )?;
        for n in 1..=BLOCK * BLOCK {
            let worker = add(
                conn,
                &format!("worker-{}-{n:02}", t + 1),
                &format!("{township_name}网格员{n:02}"),
                Role::Worker,
                None,
                Some(township_id),
            )?;
            let grid_id = report
                .features
                .iter()
                .find(|f| f.code.as_deref() == Some(grid_code(t, n).as_str()))
                .and_then(|f| f.grid_id)
                .ok_or_else(|| anyhow::anyhow!("demo grid {} missing", grid_code(t, n)))?;
            repo::workers::save_profile(
                conn,
                &WorkerProfile {
                    user_id: worker.id,
                    capacity: Capacity::DEFAULT.get(),
                    availability: Availability::Active,
                    on_leave_until: None,
                    updated_at: now,
                },
            )?;
            repo::workers::set_grids(conn, worker.id, Some(grid_id), &[])?;
            // Everyone serves documents and urges performance; every third worker is also
            // trained to trace people and assets.
            let mut kinds = vec![
                TaskKind::ServeDocuments,
                TaskKind::UrgePerformance,
                TaskKind::PublicizeDishonesty,
            ];
            if n % 3 == 0 {
                kinds.extend([TaskKind::LocatePerson, TaskKind::LocateAssets]);
            }
            let certs: Vec<Certification> = kinds
                .into_iter()
                .map(|k| Certification {
                    worker_id: worker.id,
                    task_kind: k,
                    certified_on: since,
                    expires_on: None,
                })
                .collect();
            repo::workers::set_certifications(conn, worker.id, &certs)?;
        }
    }
    Ok(())
}

/// The text printed when the demo starts: logins and a few requests to try.
pub fn banner(base_url: &str) -> String {
    let p = point_in_grid(0, 28);
    let g = wgs84_to_gcj02(p);
    format!(
        "\n  gridassist demo county — 泰兴市人民法院 ({COURT_CODE}), 6 townships, 384 grids\n\n\
         \x20 open the console in a browser:   {base_url}/\n\
         \x20 grid workers' field app (phone): {base_url}/app/\n\n\
         \x20 logins (username / password):\n\
         \x20   admin                              / {ADMIN_PASSWORD}\n\
         \x20   officer-1 … officer-3              / {OFFICER_PASSWORD}\n\
         \x20   supervisor-1 … supervisor-6        / {SUPERVISOR_PASSWORD}\n\
         \x20   worker-1-01 … worker-6-64          / {WORKER_PASSWORD}\n\n\
         \x20 try:\n\
         \x20   TOKEN=$(curl -s {base_url}/api/v1/auth/login -H 'Content-Type: application/json' \\\n\
         \x20     -d '{{\"username\":\"officer-1\",\"password\":\"{OFFICER_PASSWORD}\"}}' | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n\
         \x20   curl -s -H \"Authorization: Bearer $TOKEN\" '{base_url}/api/v1/grids/locate?lat={:.6}&lon={:.6}&crs=gcj02'\n\n\
         \x20 API document: {base_url}/api/openapi.json\n",
        g.lat, g.lon
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{GridIndex, GridShape, parse_polygonal};

    #[test]
    fn every_demo_grid_is_valid_and_each_sample_point_falls_in_its_own_grid() {
        let fc = county_geojson();
        let features = fc["features"].as_array().unwrap();
        assert_eq!(features.len(), 384);
        let shapes: Vec<GridShape> = features
            .iter()
            .enumerate()
            .map(|(k, f)| GridShape {
                grid_id: k as i64,
                code: f["properties"]["code"].as_str().unwrap().to_owned(),
                township_id: 0,
                geometry: parse_polygonal(&f["geometry"], Crs::Wgs84).unwrap(),
            })
            .collect();
        let index = GridIndex::build(shapes);
        for t in 0..6 {
            for n in 1..=64 {
                let found = index.locate(point_in_grid(t, n)).unwrap();
                assert_eq!(found.code, grid_code(t, n));
            }
        }
    }
}
