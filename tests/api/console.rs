//! The web console is served by the same binary: the page at `/` with its own strict
//! Content-Security-Policy, its assets under a versioned path with the right types and caching,
//! conditional requests, and the API's own 404 handling left as it was.

use crate::helpers::spawn_app;

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The asset URLs the page links to (href/src under /console/).
fn asset_urls(page: &str) -> Vec<String> {
    page.split(['"', '\''])
        .filter(|s| s.starts_with("/console/"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_root_serves_the_console_page_with_a_strict_policy() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    let csp = header(&r, "content-security-policy").to_owned();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' blob:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe"), "no unsafe-inline or unsafe-eval: {csp}");
    // The page is revalidated on every load; the other security headers stay.
    assert_eq!(header(&r, "cache-control"), "no-cache");
    assert!(header(&r, "etag").starts_with('"'));
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    assert_eq!(header(&r, "x-frame-options"), "DENY");
    assert_eq!(header(&r, "referrer-policy"), "no-referrer");
    let page = r.text().await.unwrap();
    assert!(page.contains("<main id=\"view\""), "{page}");
    assert!(page.contains("type=\"module\""));
    assert!(!page.contains("<script>"), "no inline script");
}

#[tokio::test]
async fn every_asset_the_page_names_is_served_with_its_type_and_cached_for_good() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let urls = asset_urls(&page);
    assert!(urls.iter().any(|u| u.ends_with("/js/app.js")), "{urls:?}");
    assert!(urls.iter().any(|u| u.ends_with("/console.css")), "{urls:?}");
    for url in &urls {
        let r = app.client.get(app.url(url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        let expected = if url.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else if url.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            "image/svg+xml"
        };
        assert_eq!(header(&r, "content-type"), expected, "{url}");
        assert_eq!(
            header(&r, "cache-control"),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        assert_eq!(header(&r, "x-content-type-options"), "nosniff");
        assert!(!r.bytes().await.unwrap().is_empty(), "{url}");
    }
    // Modules the entry point imports live under the same versioned base.
    let app_js = urls.iter().find(|u| u.ends_with("/js/app.js")).unwrap();
    let base = app_js.trim_end_matches("js/app.js");
    let r = app
        .client
        .get(app.url(&format!("{base}js/views/task.js")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/javascript; charset=utf-8");
}

#[tokio::test]
async fn an_unchanged_page_or_asset_answers_304_to_a_conditional_request() {
    let app = spawn_app().await;
    let first = app.client.get(app.url("/")).send().await.unwrap();
    let etag = header(&first, "etag").to_owned();
    let page = first.text().await.unwrap();
    let again = app
        .client
        .get(app.url("/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "etag"), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    let css = asset_urls(&page)
        .into_iter()
        .find(|u| u.ends_with(".css"))
        .unwrap();
    let r = app.client.get(app.url(&css)).send().await.unwrap();
    let css_etag = header(&r, "etag").to_owned();
    let r = app
        .client
        .get(app.url(&css))
        .header("if-none-match", &css_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    // A stale validator gets the file.
    let r = app
        .client
        .get(app.url(&css))
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn unknown_console_files_and_other_builds_are_problem_404s() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let app_js = asset_urls(&page)
        .into_iter()
        .find(|u| u.ends_with("/js/app.js"))
        .unwrap();
    let base = app_js.trim_end_matches("js/app.js").to_owned();
    for path in [
        format!("{base}js/nope.js"),
        format!("{base}../../Cargo.toml"),
        "/console/0000000000000000/js/app.js".to_owned(),
        "/console/".to_owned(),
    ] {
        let r = app.get(&path, None).await;
        r.assert_problem(404, "not_found");
    }
}

#[tokio::test]
async fn the_api_keeps_its_own_not_found_and_method_handling() {
    let app = spawn_app().await;
    // API paths are untouched by the console: unknown is 404, a wrong method is 405 with Allow.
    app.get("/api/v1/no-such-thing", None)
        .await
        .assert_problem(404, "not_found");
    let r = app.client.delete(app.url("/api/v1/cases")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(header(&r, "allow"), "GET, POST");
    // A POST to the page is not a console route: the API's not-found answer, with its policy.
    let r = app
        .client
        .post(app.url("/"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        header(&r, "content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'"
    );
    // The console is not part of the REST contract.
    let doc = app.get("/api/openapi.json", None).await;
    let paths = doc.body["paths"].as_object().unwrap();
    assert!(paths.keys().all(|p| p.starts_with("/api/")
        || p.starts_with("/healthz")
        || p.starts_with("/readyz")
        || p.starts_with("/metrics")));
}

#[tokio::test]
async fn without_a_tile_source_the_maps_fetch_no_images_from_elsewhere() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/")).send().await.unwrap();
    let csp = header(&r, "content-security-policy").to_owned();
    assert!(csp.contains("img-src 'self' blob:;"), "{csp}");
    let page = r.text().await.unwrap();
    assert!(
        page.contains(r#"<meta name="gridassist-tiles" content="">"#),
        "{page}"
    );
}

#[tokio::test]
async fn a_configured_tile_source_is_named_to_the_page_and_admitted_for_images_only() {
    let app = crate::helpers::spawn_app_with(&[
        (
            "GRIDASSIST_TILE_URL",
            "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}".into(),
        ),
        (
            "GRIDASSIST_TILE_OVERLAY_URL",
            "https://t{s}.tianditu.gov.cn/cva_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}".into(),
        ),
        ("GRIDASSIST_TILE_SUBDOMAINS", "01".into()),
        ("GRIDASSIST_TILE_KEY", "abc123".into()),
        ("GRIDASSIST_TILE_ATTRIBUTION", "天地图 · 国家地理信息公共服务平台".into()),
    ])
    .await;
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = header(&r, "content-security-policy").to_owned();
    assert!(
        csp.contains("img-src 'self' blob: https://t0.tianditu.gov.cn https://t1.tianditu.gov.cn;"),
        "{csp}"
    );
    // Only images: scripts, styles and connections stay this origin's.
    for directive in [
        "script-src 'self';",
        "style-src 'self';",
        "connect-src 'self';",
        "default-src 'none';",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert_eq!(csp.matches("tianditu").count(), 2, "{csp}");
    let page = r.text().await.unwrap();
    assert!(page.contains("tk=abc123"), "the key is filled in: {page}");
    assert!(page.contains("天地图 · 国家地理信息公共服务平台"));

    // The API's own responses keep the server's default policy.
    let api = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(!header(&api, "content-security-policy").contains("tianditu"));
}

#[tokio::test]
async fn a_tile_url_that_could_widen_the_policy_is_refused_at_start() {
    for bad in [
        "https://tiles.example.cn; script-src *;/{z}/{x}/{y}.png",
        "javascript:alert(1)/{z}/{x}/{y}",
        "https://*.example.cn/{z}/{x}/{y}.png",
        "https://tiles.example.cn/no-placeholders.png",
    ] {
        let config = gridassist::config::Config::from_lookup(|key| {
            (key == "GRIDASSIST_TILE_URL").then(|| bad.to_owned())
        });
        assert!(config.is_err(), "{bad} accepted");
    }
}

#[tokio::test]
async fn applicants_have_their_own_page_without_signing_in_and_its_assets_are_served() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/progress")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    let csp = header(&r, "content-security-policy").to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(header(&r, "referrer-policy"), "no-referrer");
    let page = r.text().await.unwrap();
    assert!(page.contains("执行案件进展查询"), "{page}");
    assert!(
        page.contains("id=\"code\""),
        "the code is typed in, never put in the path"
    );
    let assets = asset_urls(&page);
    assert!(
        assets.iter().any(|a| a.ends_with("/public/progress.js")),
        "{assets:?}"
    );
    for asset in assets {
        let r = app.client.get(app.url(&asset)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{asset}");
    }
}
