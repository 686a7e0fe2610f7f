use gridassist::geo::{LatLon, gcj02_to_bd09, wgs84_to_gcj02};
use serde_json::json;

use crate::fixtures::{FieldBuilder, WorkerProfile, collection, county, grid_id, square};
use crate::helpers::{PASSWORD, spawn_app};

fn locate_path(p: LatLon, crs: &str) -> String {
    format!("/api/v1/grids/locate?lat={}&lon={}&crs={crs}", p.lat, p.lon)
}

#[tokio::test]
async fn a_point_resolves_to_its_grid_in_all_three_coordinate_systems() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let officer_id = app
        .create_user(&c.admin, "officer.wang", "officer", Some(c.court_id), None)
        .await;
    assert!(officer_id > 0);
    let officer = app.token("officer.wang", PASSWORD).await;

    // A house in the middle of G-NE, as WGS-84, and as an Amap (GCJ-02) and Baidu (BD-09) phone
    // would report it. The offsets are hundreds of metres: more than a grid's half-width.
    let wgs = LatLon {
        lat: 32.012,
        lon: 120.016,
    };
    let gcj = wgs84_to_gcj02(wgs);
    let bd = gcj02_to_bd09(gcj);
    for (point, crs) in [(wgs, "wgs84"), (gcj, "gcj02"), (bd, "bd09")] {
        let r = app.get(&locate_path(point, crs), Some(&officer)).await;
        assert_eq!(r.status, 200, "{crs}: {}", r.text);
        assert_eq!(r.body["grid"]["code"], "G-NE", "{crs}");
        assert_eq!(r.body["township"]["code"], "T1");
        assert!(
            (r.body["point_wgs84"]["lat"].as_f64().unwrap() - wgs.lat).abs() < 1e-6,
            "{crs}"
        );
        assert!(
            (r.body["point_wgs84"]["lon"].as_f64().unwrap() - wgs.lon).abs() < 1e-6,
            "{crs}"
        );
    }
    // Read as WGS-84, the GCJ-02 reading lands somewhere else: the system matters.
    let misread = app.get(&locate_path(gcj, "wgs84"), Some(&officer)).await;
    assert_ne!(misread.body["grid"]["code"], "G-NE");
}

#[tokio::test]
async fn grids_imported_in_gcj02_are_stored_in_wgs84() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let court = app.create_court(&admin, "C1").await;
    app.create_township(&admin, "T1", court).await;
    // The square drawn on an Amap base map, so its corners are GCJ-02.
    let corner = wgs84_to_gcj02(LatLon {
        lat: 32.0,
        lon: 120.0,
    });
    let fc = collection(vec![square("G-AMAP", "T1", corner.lon, corner.lat, 0.01)]);
    let r = app.import_grids(&admin, &fc, "gcj02").await;
    assert_eq!(r.body["created"], 1, "{}", r.text);

    let inside_wgs = LatLon {
        lat: 32.002,
        lon: 120.002,
    };
    let r = app.get(&locate_path(inside_wgs, "wgs84"), Some(&admin)).await;
    assert_eq!(r.body["grid"]["code"], "G-AMAP", "{}", r.text);
    let r = app
        .get(&locate_path(wgs84_to_gcj02(inside_wgs), "gcj02"), Some(&admin))
        .await;
    assert_eq!(r.body["grid"]["code"], "G-AMAP", "{}", r.text);

    let listed = app.get("/api/v1/grids", Some(&admin)).await;
    let first = &listed.body["features"][0]["geometry"]["coordinates"][0][0];
    assert!(
        (first[0].as_f64().unwrap() - 120.0).abs() < 1e-6,
        "stored corner {first}"
    );
    assert!(
        (first[1].as_f64().unwrap() - 32.0).abs() < 1e-6,
        "stored corner {first}"
    );
}

#[tokio::test]
async fn a_point_on_a_shared_border_resolves_to_the_smallest_code_every_time() {
    let app = spawn_app().await;
    let c = county(&app).await;
    // On the edge between G-SW and G-SE, and on the corner shared by all four.
    for _ in 0..3 {
        let edge = app
            .get("/api/v1/grids/locate?lat=32.005&lon=120.01", Some(&c.admin))
            .await;
        assert_eq!(edge.body["grid"]["code"], "G-SE", "{}", edge.text);
        let corner = app
            .get("/api/v1/grids/locate?lat=32.01&lon=120.01", Some(&c.admin))
            .await;
        assert_eq!(corner.body["grid"]["code"], "G-NE", "{}", corner.text);
    }
}

#[tokio::test]
async fn a_point_outside_every_grid_names_the_nearest_one() {
    let app = spawn_app().await;
    let c = county(&app).await;
    // About 0.005° (≈ 470 m) east of G-SE's eastern edge.
    let r = app
        .get("/api/v1/grids/locate?lat=32.005&lon=120.025", Some(&c.admin))
        .await;
    r.assert_problem(404, "outside_all_grids");
    assert_eq!(r.body["nearest_grid"]["code"], "G-SE");
    let d = r.body["nearest_grid"]["distance_m"].as_f64().unwrap();
    assert!((440.0..500.0).contains(&d), "distance {d}");
}

#[tokio::test]
async fn impossible_coordinates_are_refused_with_the_field_named() {
    let app = spawn_app().await;
    let c = county(&app).await;
    for (query, field) in [
        ("lat=91&lon=120", "lat"),
        ("lat=32&lon=181", "lon"),
        ("lat=NaN&lon=120", "lat"),
        ("lat=32&lon=inf", "lon"),
    ] {
        let r = app
            .get(&format!("/api/v1/grids/locate?{query}"), Some(&c.admin))
            .await;
        r.assert_problem(400, "invalid_input");
        assert_eq!(r.body["field"], field, "{query}: {}", r.text);
    }
    app.get("/api/v1/grids/locate?lat=32&lon=120&crs=utm", Some(&c.admin))
        .await
        .assert_problem(400, "invalid_input");
    app.get("/api/v1/grids/locate?lat=abc&lon=120", Some(&c.admin))
        .await
        .assert_problem(400, "invalid_input");
}

#[tokio::test]
async fn bad_features_are_rejected_with_reasons_and_good_ones_are_kept() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let court = app.create_court(&admin, "C1").await;
    app.create_township(&admin, "T1", court).await;
    let bowtie = json!({"type": "Feature", "properties": {"code": "G-BOW", "name": "bow", "township_code": "T1"},
        "geometry": {"type": "Polygon", "coordinates": [[[120.0, 32.0], [120.01, 32.01], [120.01, 32.0], [120.0, 32.01], [120.0, 32.0]]]}});
    let open_ring = json!({"type": "Feature", "properties": {"code": "G-OPEN", "name": "open", "township_code": "T1"},
        "geometry": {"type": "Polygon", "coordinates": [[[120.0, 32.0], [120.01, 32.0], [120.01, 32.01], [120.0, 32.01]]]}});
    let fc = collection(vec![
        square("G-OK1", "T1", 120.00, 32.00, 0.01),
        bowtie,
        open_ring,
        square("G-FAR", "T1", 120.0, 95.0, 0.01),
        square("G-NOWHERE", "T9", 120.02, 32.00, 0.01),
        square("G-OK1", "T1", 120.05, 32.00, 0.01),
        json!({"type": "Feature", "properties": {"code": "G-PT", "name": "pt", "township_code": "T1"},
               "geometry": {"type": "Point", "coordinates": [120.0, 32.0]}}),
        square("G-OK2", "T1", 120.01, 32.00, 0.01),
    ]);
    let r = app.import_grids(&admin, &fc, "wgs84").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["created"], 2);
    assert_eq!(r.body["rejected"], 6);
    let reasons: Vec<(String, String)> = r.body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["status"].as_str().unwrap().to_owned(),
                f["reason_code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(reasons[0], ("created".into(), "".into()));
    assert_eq!(reasons[1], ("rejected".into(), "self_intersection".into()));
    assert_eq!(reasons[2], ("rejected".into(), "ring_not_closed".into()));
    assert_eq!(reasons[3], ("rejected".into(), "coordinate_out_of_range".into()));
    assert_eq!(reasons[4], ("rejected".into(), "unknown_township".into()));
    assert_eq!(reasons[5], ("rejected".into(), "duplicate_code".into()));
    assert_eq!(reasons[6], ("rejected".into(), "unsupported_type".into()));
    assert_eq!(reasons[7], ("created".into(), "".into()));
    assert!(r.body["features"][1]["reason"].as_str().unwrap().len() > 10);

    let listed = app.get("/api/v1/grids", Some(&admin)).await;
    let codes: Vec<&str> = listed.body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["G-OK1", "G-OK2"]);
}

#[tokio::test]
async fn re_importing_a_code_updates_the_grid_and_the_map() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let r = app
        .get("/api/v1/grids/locate?lat=32.005&lon=120.005", Some(&c.admin))
        .await;
    assert_eq!(r.body["grid"]["code"], "G-SW");
    let grid_id = r.body["grid"]["id"].as_i64().unwrap();

    // G-SW is redrawn 0.1° further east.
    let fc = collection(vec![square("G-SW", "T1", 120.10, 32.00, 0.01)]);
    let r = app.import_grids(&c.admin, &fc, "wgs84").await;
    assert_eq!(r.body["updated"], 1, "{}", r.text);
    assert_eq!(r.body["features"][0]["grid_id"], grid_id);

    let old_place = app
        .get("/api/v1/grids/locate?lat=32.005&lon=120.005", Some(&c.admin))
        .await;
    old_place.assert_problem(404, "outside_all_grids");
    let new_place = app
        .get("/api/v1/grids/locate?lat=32.005&lon=120.105", Some(&c.admin))
        .await;
    assert_eq!(new_place.body["grid"]["id"], grid_id);
}

#[tokio::test]
async fn a_body_that_is_not_a_feature_collection_is_unprocessable() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.import_grids(&admin, &json!({"type": "Feature"}), "wgs84")
        .await
        .assert_problem(422, "invalid_geojson");
    app.import_grids(
        &admin,
        &json!({"type": "FeatureCollection", "features": 3}),
        "wgs84",
    )
    .await
    .assert_problem(422, "invalid_geojson");
    app.import_grids(
        &admin,
        &json!({"type": "FeatureCollection", "features": []}),
        "mercator",
    )
    .await
    .assert_problem(400, "invalid_input");
}

#[tokio::test]
async fn grid_listings_are_geojson_scoped_to_the_caller() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let other_court = app.create_court(&c.admin, "C2").await;
    app.create_township(&c.admin, "T2", other_court).await;
    app.import_grids(
        &c.admin,
        &collection(vec![square("G-OTHER", "T2", 121.0, 32.0, 0.01)]),
        "wgs84",
    )
    .await;
    app.create_user(&c.admin, "officer.wang", "officer", Some(c.court_id), None)
        .await;
    app.create_user(&c.admin, "super.li", "supervisor", None, Some(c.township_id))
        .await;

    let all = app.get("/api/v1/grids", Some(&c.admin)).await;
    assert_eq!(all.content_type(), "application/geo+json");
    assert_eq!(all.body["type"], "FeatureCollection");
    assert_eq!(all.body["features"].as_array().unwrap().len(), 5);

    let officer = app.token("officer.wang", PASSWORD).await;
    let mine = app.get("/api/v1/grids", Some(&officer)).await;
    assert_eq!(mine.body["features"].as_array().unwrap().len(), 4);
    assert!(!mine.text.contains("G-OTHER"));

    let supervisor = app.token("super.li", PASSWORD).await;
    let mine = app.get("/api/v1/grids", Some(&supervisor)).await;
    assert_eq!(mine.body["features"].as_array().unwrap().len(), 4);
    assert_eq!(mine.body["features"][0]["properties"]["township_code"], "T1");
}

#[tokio::test]
async fn grids_can_be_imported_from_the_command_line_code_path_too() {
    // The CLI calls the same service; here it is driven directly against the app's database.
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let court = app.create_court(&admin, "C1").await;
    app.create_township(&admin, "T1", court).await;
    let fc = collection(vec![square("G-CLI", "T1", 120.0, 32.0, 0.01)]);
    let report = app
        .app_state
        .db
        .run(move |conn| {
            gridassist::services::grid_import::import(
                conn,
                &gridassist::repo::audit::Actor::cli(),
                &fc,
                gridassist::geo::Crs::Wgs84,
            )
        })
        .await
        .unwrap();
    assert_eq!(report.created, 1);
    let listed = app.get("/api/v1/grids", Some(&admin)).await;
    assert_eq!(listed.body["features"][0]["properties"]["code"], "G-CLI");
}

/// The codes of the grids a listing holds, in order, each checked to carry its polygon.
fn listed_codes(listing: &serde_json::Value) -> Vec<String> {
    listing["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["geometry"]["type"], "Polygon", "{f}");
            assert_eq!(
                f["geometry"]["coordinates"][0].as_array().unwrap().len(),
                5,
                "{f}"
            );
            f["properties"]["code"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_worker_lists_exactly_the_grids_they_cover_with_their_shapes() {
    let app = spawn_app().await;
    // worker1 in G-SW, worker2 in G-NE.
    let f = FieldBuilder::new()
        .workers_in(&["G-SW", "G-NE"])
        .build(&app)
        .await;
    let (worker1, worker2) = (&f.workers[0], &f.workers[1]);
    let sw = grid_id(&app, &f.admin, "G-SW").await;
    let se = grid_id(&app, &f.admin, "G-SE").await;
    // worker1 also covers G-SE.
    WorkerProfile::in_grid(sw)
        .also_in(&[se])
        .set(&app, &f.admin, worker1.0)
        .await;

    let mine = app.get("/api/v1/grids", Some(&worker1.1)).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(listed_codes(&mine.body), ["G-SE", "G-SW"]);
    assert_eq!(mine.body["features"][0]["properties"]["id"], se);
    assert_eq!(mine.body["features"][0]["properties"]["township_code"], "T1");
    // The same grids as the officer sees them.
    let officers = app.get("/api/v1/grids", Some(&f.officer)).await;
    let officers_se = officers.body["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["properties"]["code"] == "G-SE")
        .unwrap()
        .clone();
    assert_eq!(mine.body["features"][0], officers_se);

    // worker2, of another grid of the same township, sees only theirs.
    let theirs = app.get("/api/v1/grids", Some(&worker2.1)).await;
    assert_eq!(listed_codes(&theirs.body), ["G-NE"]);
    // Their own township may be named; it narrows nothing further.
    let named = app
        .get(
            &format!("/api/v1/grids?township_id={}", f.township_id),
            Some(&worker2.1),
        )
        .await;
    assert_eq!(listed_codes(&named.body), ["G-NE"]);

    // Another township's is refused, as for a supervisor.
    let other = app.create_township(&f.admin, "T2", f.court_id).await;
    app.get(&format!("/api/v1/grids?township_id={other}"), Some(&worker2.1))
        .await
        .assert_problem(403, "forbidden");

    // A worker who covers no grid lists none.
    app.create_user(&f.admin, "worker.idle", "worker", None, Some(f.township_id))
        .await;
    let idle = app.token("worker.idle", PASSWORD).await;
    let none = app.get("/api/v1/grids", Some(&idle)).await;
    assert_eq!(none.status, 200, "{}", none.text);
    assert!(listed_codes(&none.body).is_empty());
}
