//! The grid workers' field app is served by the same binary under `/app/`: the page with the
//! app's own Content-Security-Policy, the service worker written with this build's version and
//! the list of everything it caches (each of which is served), the manifest and its icons, and
//! another build's files as problem 404s.

use crate::helpers::{TestApp, spawn_app};

/// The app's policy, as agreed with the app's builders.
const APP_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
     media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

/// The service worker's text and the URLs it precaches.
async fn precache(app: &TestApp) -> (String, Vec<String>) {
    let worker = fetch(app, "/app/sw.js").await.text().await.unwrap();
    let list = worker
        .lines()
        .find_map(|l| l.strip_prefix("const PRECACHE = "))
        .expect("the PRECACHE line")
        .trim_end_matches(';');
    let urls: Vec<String> = serde_json::from_str(list).expect("a JSON array");
    (worker, urls)
}

#[tokio::test]
async fn app_without_a_slash_redirects_to_the_page() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client.get(app.url("/app")).send().await.unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(header(&r, "location"), "/app/");
}

#[tokio::test]
async fn the_page_has_the_apps_policy_is_revalidated_and_keeps_the_security_headers() {
    let app = spawn_app().await;
    let r = fetch(&app, "/app/").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&r, "content-security-policy"), APP_CSP);
    assert_ne!(
        header(&r, "content-security-policy"),
        gridassist::console::PAGE_CSP
    );
    assert_eq!(header(&r, "cache-control"), "no-cache");
    let etag = header(&r, "etag").to_owned();
    assert!(etag.starts_with('"'));
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    assert_eq!(header(&r, "x-frame-options"), "DENY");
    assert_eq!(header(&r, "referrer-policy"), "no-referrer");
    assert_eq!(header(&r, "cross-origin-resource-policy"), "same-origin");
    let page = r.text().await.unwrap();
    let base = format!("/app/{}/", gridassist::field_app::version());
    assert!(page.contains(&base), "{page}");
    assert!(!page.contains("{{"), "no placeholder left");
    assert!(!page.contains("<script>"), "no inline script");
    let again = app
        .client
        .get(app.url("/app/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn the_service_worker_carries_the_version_and_every_asset_it_lists_is_served() {
    let app = spawn_app().await;
    let r = fetch(&app, "/app/sw.js").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header(&r, "cache-control"), "no-cache");
    assert_eq!(header(&r, "service-worker-allowed"), "/app/");
    // The worker may fetch what it caches: not the API's `default-src 'none'`.
    assert_eq!(header(&r, "content-security-policy"), APP_CSP);
    let version = gridassist::field_app::version();
    let (worker, urls) = precache(&app).await;
    assert!(
        worker.contains(&format!("const VERSION = '{version}';")),
        "{worker}"
    );
    assert!(urls.contains(&"/app/".to_owned()) && urls.contains(&"/app/manifest.webmanifest".to_owned()));
    for file in ["icons/icon-192.png", "js/i18n.js", "shared/dom.js"] {
        assert!(
            urls.contains(&format!("/app/{version}/{file}")),
            "{file} not in {urls:?}"
        );
    }
    for url in &urls {
        let r = fetch(&app, url).await;
        assert_eq!(r.status(), 200, "{url}");
        assert!(!r.bytes().await.unwrap().is_empty(), "{url}");
    }
    let module = fetch(&app, &format!("/app/{version}/shared/dom.js")).await;
    assert_eq!(
        header(&module, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&module, "content-type"), "text/javascript; charset=utf-8");
}

#[tokio::test]
async fn the_manifest_names_the_app_and_its_icons_resolve() {
    let app = spawn_app().await;
    let r = fetch(&app, "/app/manifest.webmanifest").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/manifest+json");
    assert_eq!(header(&r, "cache-control"), "no-cache");
    let manifest: serde_json::Value = r.json().await.unwrap();
    assert_eq!(manifest["start_url"], "/app/");
    assert_eq!(manifest["scope"], "/app/");
    let icons = manifest["icons"].as_array().unwrap();
    assert!(!icons.is_empty());
    for icon in icons {
        let src = icon["src"].as_str().unwrap();
        let r = fetch(&app, src).await;
        assert_eq!(r.status(), 200, "{src}");
        let expected = icon["type"].as_str().unwrap();
        assert_eq!(header(&r, "content-type"), expected, "{src}");
    }
}

#[tokio::test]
async fn another_builds_files_and_unknown_files_are_problem_404s() {
    let app = spawn_app().await;
    let version = gridassist::field_app::version();
    for path in [
        "/app/0000000000000000/js/i18n.js".to_owned(),
        format!("/app/{version}/js/nope.js"),
        format!("/app/{version}/index.html"),
        format!("/app/{version}/sw.js"),
        // The console's files are not the app's.
        format!("/app/{version}/console.css"),
        "/app/js/i18n.js".to_owned(),
    ] {
        app.get(&path, None).await.assert_problem(404, "not_found");
    }
    // Other methods are not the app's routes.
    let r = app.client.post(app.url("/app/")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn text_is_sent_gzipped_to_clients_that_take_it_and_as_it_is_to_others() {
    let app = spawn_app().await;
    let version = gridassist::field_app::version();
    let console = gridassist::console::version();
    for path in [
        "/app/".to_owned(),
        "/app/sw.js".to_owned(),
        "/app/manifest.webmanifest".to_owned(),
        format!("/app/{version}/js/main.js"),
        "/".to_owned(),
        format!("/console/{console}/js/views/task.js"),
    ] {
        let plain = fetch(&app, &path).await;
        assert_eq!(plain.status(), 200, "{path}");
        assert_eq!(header(&plain, "content-encoding"), "", "{path}");
        assert_eq!(header(&plain, "vary"), "Accept-Encoding", "{path}");
        let plain_etag = header(&plain, "etag").to_owned();
        let plain_body = plain.bytes().await.unwrap();

        let get = |encoding: &'static str| app.client.get(app.url(&path)).header("accept-encoding", encoding);
        let gz = get("gzip, deflate, br").send().await.unwrap();
        assert_eq!(gz.status(), 200, "{path}");
        assert_eq!(header(&gz, "content-encoding"), "gzip", "{path}");
        assert_eq!(header(&gz, "vary"), "Accept-Encoding", "{path}");
        let gz_etag = header(&gz, "etag").to_owned();
        assert_eq!(gz_etag, format!("{}-gz\"", plain_etag.trim_end_matches('"')));
        let gz_body = gz.bytes().await.unwrap();
        assert!(gz_body.len() < plain_body.len(), "{path}");
        let mut decoded = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz_body[..]), &mut decoded).unwrap();
        assert_eq!(decoded, plain_body, "{path}");

        // Each representation revalidates against its own ETag.
        let r = get("gzip")
            .header("if-none-match", &gz_etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304, "{path}");
        let r = get("identity")
            .header("if-none-match", &gz_etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(header(&r, "content-encoding"), "");
        let r = get("gzip;q=0").send().await.unwrap();
        assert_eq!(header(&r, "content-encoding"), "", "{path}");
    }
    // Images are compressed already: sent as they are.
    let r = app
        .client
        .get(app.url(&format!("/app/{version}/icons/icon-192.png")))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-encoding"), "");
}

#[tokio::test]
async fn the_sign_up_sheet_shows_the_address_it_was_opened_under_as_text_and_qr_code() {
    let app = spawn_app().await;
    let r = fetch(&app, "/app/install").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&r, "cache-control"), "no-store");
    assert_eq!(header(&r, "content-security-policy"), APP_CSP);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!("<figcaption>{}</figcaption>", app.url("/app/"))),
        "{page}"
    );
    assert!(page.contains("<svg role=\"img\""), "the QR code");
    assert!(page.contains("网格员协助执行应用") && page.contains("添加到主屏幕"));
    assert!(!page.contains("{{"), "every placeholder filled");

    // Behind a proxy the forwarded host is shown — as text, never as markup.
    let r = app
        .client
        .get(app.url("/app/install"))
        .header("x-forwarded-host", "court.example\"><b>x</b>")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(
        page.contains("https://court.example&quot;&gt;&lt;b&gt;x&lt;/b&gt;/app/"),
        "{page}"
    );
    assert!(!page.contains("<b>x</b>"));
}
