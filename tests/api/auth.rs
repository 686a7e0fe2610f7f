use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::fixtures::county;
use crate::helpers::{ADMIN_PASSWORD, PASSWORD, TEST_JWT_SECRET, spawn_app};

#[tokio::test]
async fn each_role_can_log_in_and_see_its_own_scope() {
    let app = spawn_app().await;
    let c = county(&app).await;
    app.create_user(&c.admin, "officer.wang", "officer", Some(c.court_id), None)
        .await;
    app.create_user(&c.admin, "super.li", "supervisor", None, Some(c.township_id))
        .await;
    app.create_user(&c.admin, "worker.zhao", "worker", None, Some(c.township_id))
        .await;

    let admin = app.get("/api/v1/me", Some(&c.admin)).await;
    assert_eq!(admin.status, 200, "{}", admin.text);
    assert_eq!(admin.body["user"]["role"], "admin");

    let login = app.login("officer.wang", PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 900);
    assert!(login.body["refresh_token"].as_str().unwrap().len() > 40);
    assert_eq!(login.body["user"]["role"], "officer");
    assert!(login.body["user"].get("password_hash").is_none());
    let officer = login.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me", Some(officer)).await;
    assert_eq!(me.body["scope"]["court"]["id"], c.court_id);

    let supervisor = app.token("super.li", PASSWORD).await;
    let me = app.get("/api/v1/me", Some(&supervisor)).await;
    assert_eq!(me.body["user"]["role"], "supervisor");
    assert_eq!(me.body["scope"]["township"]["code"], "T1");

    let worker = app.token("WORKER.ZHAO", PASSWORD).await;
    let me = app.get("/api/v1/me", Some(&worker)).await;
    assert_eq!(me.body["user"]["username"], "worker.zhao");
    assert_eq!(me.body["scope"]["township"]["id"], c.township_id);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = app.login("admin", "not-the-password").await;
    let unknown = app.login("nobody-here", "not-the-password").await;
    wrong.assert_problem(401, "invalid_credentials");
    unknown.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong.body, unknown.body);
}

#[tokio::test]
async fn a_worker_calling_an_admin_operation_is_forbidden() {
    let app = spawn_app().await;
    let c = county(&app).await;
    app.create_user(&c.admin, "worker.zhao", "worker", None, Some(c.township_id))
        .await;
    let worker = app.token("worker.zhao", PASSWORD).await;
    app.post(
        "/api/v1/courts",
        Some(&worker),
        &json!({"code": "X", "name": "X"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get("/api/v1/users", Some(&worker))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/grids/locate?lat=32.005&lon=120.005", Some(&worker))
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn requests_without_a_valid_token_are_unauthenticated() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/me", None).await;
    r.assert_problem(401, "unauthenticated");
    assert_eq!(r.headers.get("www-authenticate").unwrap(), "Bearer");
    app.get("/api/v1/me", Some("garbage"))
        .await
        .assert_problem(401, "unauthenticated");
}

fn forge(claims: serde_json::Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn claims(sub: i64, offset_exp: i64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": sub.to_string(), "role": "admin", "iss": "gridassist", "aud": "gridassist-api",
           "iat": now, "nbf": now, "exp": now + offset_exp, "typ": "access"})
}

#[tokio::test]
async fn expired_tampered_and_unsigned_tokens_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/me", Some(&admin)).await;
    let id = me.body["user"]["id"].as_i64().unwrap();

    // A well-formed token with the server's own key works: the forgeries below differ in one way.
    assert_eq!(
        app.get("/api/v1/me", Some(&forge(claims(id, 600), &TEST_JWT_SECRET)))
            .await
            .status,
        200
    );

    let expired = forge(claims(id, -3600), &TEST_JWT_SECRET);
    app.get("/api/v1/me", Some(&expired))
        .await
        .assert_problem(401, "unauthenticated");

    let other_key = forge(claims(id, 600), &[7u8; 32]);
    app.get("/api/v1/me", Some(&other_key))
        .await
        .assert_problem(401, "unauthenticated");

    // Change the user in the payload of a genuine token, keeping its signature.
    let parts: Vec<&str> = admin.split('.').collect();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut payload: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    payload["sub"] = json!("999");
    let tampered = format!("{}.{}.{}", parts[0], b64.encode(payload.to_string()), parts[2]);
    app.get("/api/v1/me", Some(&tampered))
        .await
        .assert_problem(401, "unauthenticated");

    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims(id, 600).to_string())
    );
    app.get("/api/v1/me", Some(&none))
        .await
        .assert_problem(401, "unauthenticated");

    let mut no_aud = claims(id, 600);
    no_aud.as_object_mut().unwrap().remove("aud");
    app.get("/api/v1/me", Some(&forge(no_aud, &TEST_JWT_SECRET)))
        .await
        .assert_problem(401, "unauthenticated");

    // Not valid before an hour from now (beyond the 30 s leeway).
    let mut early = claims(id, 7200);
    early["nbf"] = json!(chrono::Utc::now().timestamp() + 3600);
    app.get("/api/v1/me", Some(&forge(early, &TEST_JWT_SECRET)))
        .await
        .assert_problem(401, "unauthenticated");

    // An expiry written as a string is not an expiry.
    let mut string_exp = claims(id, 600);
    string_exp["exp"] = json!((chrono::Utc::now().timestamp() + 600).to_string());
    app.get("/api/v1/me", Some(&forge(string_exp, &TEST_JWT_SECRET)))
        .await
        .assert_problem(401, "unauthenticated");

    // Another audience's or issuer's token, signed with our key, is not ours.
    for (claim, value) in [("aud", "another-api"), ("iss", "someone-else")] {
        let mut foreign = claims(id, 600);
        foreign[claim] = json!(value);
        app.get("/api/v1/me", Some(&forge(foreign, &TEST_JWT_SECRET)))
            .await
            .assert_problem(401, "unauthenticated");
    }
}

#[tokio::test]
async fn a_refresh_token_works_once_and_its_reuse_revokes_the_whole_sign_in() {
    let app = spawn_app().await;
    let login = app.login("admin", ADMIN_PASSWORD).await;
    let first = login.body["refresh_token"].as_str().unwrap().to_owned();

    let rotated = app
        .post("/api/v1/auth/refresh", None, &json!({"refresh_token": first}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let second = rotated.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let access = rotated.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", Some(access)).await.status, 200);

    // Someone replays the first token: refused, and the legitimate holder's token dies too.
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": first}))
        .await
        .assert_problem(401, "invalid_refresh_token");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": second}))
        .await
        .assert_problem(401, "invalid_refresh_token");

    // Another sign-in is unaffected.
    let other = app.login("admin", ADMIN_PASSWORD).await;
    let other_token = other.body["refresh_token"].as_str().unwrap();
    assert_eq!(
        app.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": other_token})
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn an_access_token_is_not_a_refresh_token_and_vice_versa() {
    let app = spawn_app().await;
    let login = app.login("admin", ADMIN_PASSWORD).await;
    let access = login.body["access_token"].as_str().unwrap();
    let refresh = login.body["refresh_token"].as_str().unwrap();
    app.get("/api/v1/me", Some(refresh))
        .await
        .assert_problem(401, "unauthenticated");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": access}))
        .await
        .assert_problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn logout_ends_the_sign_in() {
    let app = spawn_app().await;
    let login = app.login("admin", ADMIN_PASSWORD).await;
    let access = login.body["access_token"].as_str().unwrap();
    let refresh = login.body["refresh_token"].as_str().unwrap();
    let r = app
        .post(
            "/api/v1/auth/logout",
            Some(access),
            &json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh}))
        .await
        .assert_problem(401, "invalid_refresh_token");
}

#[tokio::test]
async fn a_deactivated_user_can_neither_log_in_nor_refresh() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let id = app
        .create_user(&c.admin, "officer.gone", "officer", Some(c.court_id), None)
        .await;
    let login = app.login("officer.gone", PASSWORD).await;
    let refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
    let access = login.body["access_token"].as_str().unwrap().to_owned();

    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            Some(&c.admin),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], false);

    app.login("officer.gone", PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh}))
        .await
        .assert_problem(401, "invalid_refresh_token");
    // Operations that read the caller's scope refuse at once.
    app.get("/api/v1/me", Some(&access))
        .await
        .assert_problem(401, "unauthenticated");

    // Reactivated, the same password works again.
    app.patch(
        &format!("/api/v1/users/{id}"),
        Some(&c.admin),
        &json!({"active": true}),
    )
    .await;
    assert_eq!(app.login("officer.gone", PASSWORD).await.status, 200);
}

/// The account decides, not the token: an administrator deactivated mid-token is refused at once
/// by every operation — also those that read no scope (the user list, a user, the courts, the
/// grid lookup) — and a token naming a role its account no longer holds is refused.
#[tokio::test]
async fn the_account_not_the_token_decides_on_every_operation() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let second = app.create_user(&c.admin, "admin.two", "admin", None, None).await;
    let token = app.token("admin.two", PASSWORD).await;
    for path in [
        "/api/v1/users",
        &format!("/api/v1/users/{second}"),
        "/api/v1/courts",
    ] {
        assert_eq!(
            app.get(path, Some(&token)).await.status,
            200,
            "{path} while active"
        );
    }
    let r = app
        .patch(
            &format!("/api/v1/users/{second}"),
            Some(&c.admin),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for path in [
        "/api/v1/users",
        &format!("/api/v1/users/{second}"),
        "/api/v1/courts",
        "/api/v1/grids/locate?lat=32.005&lon=120.005",
        "/api/v1/training/modules",
        "/api/v1/me",
    ] {
        app.get(path, Some(&token))
            .await
            .assert_problem(401, "unauthenticated");
    }

    // A role changed under a live token (an administrator moved to an officer's post): the
    // token's claim no longer holds, for the old role's operations and the new role's alike.
    let moved = app
        .create_user(&c.admin, "admin.moved", "admin", None, None)
        .await;
    let token = app.token("admin.moved", PASSWORD).await;
    assert_eq!(app.get("/api/v1/users", Some(&token)).await.status, 200);
    let court = c.court_id;
    app.run_sql(format!(
        "UPDATE users SET role = 'officer', court_id = {court} WHERE id = {moved}"
    ))
    .await;
    for path in [
        "/api/v1/users",
        "/api/v1/cases",
        "/api/v1/grids/locate?lat=32.005&lon=120.005",
    ] {
        app.get(path, Some(&token))
            .await
            .assert_problem(401, "unauthenticated");
    }
}

#[tokio::test]
async fn logout_without_a_body_ends_every_sign_in_of_the_caller() {
    let app = spawn_app().await;
    let phone = app.login("admin", ADMIN_PASSWORD).await;
    let desk = app.login("admin", ADMIN_PASSWORD).await;
    let access = desk.body["access_token"].as_str().unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    for session in [&phone, &desk] {
        let token = session.body["refresh_token"].as_str().unwrap();
        app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": token}))
            .await
            .assert_problem(401, "invalid_refresh_token");
    }
    // Someone else's refresh token cannot be used to log them out.
    let other = app.login("admin", ADMIN_PASSWORD).await;
    let theirs = other.body["refresh_token"].as_str().unwrap();
    app.create_account_directly(
        "second.admin",
        gridassist::domain::Role::Admin,
        None,
        None,
        ADMIN_PASSWORD,
    )
    .await;
    let second = app.token("second.admin", ADMIN_PASSWORD).await;
    app.post(
        "/api/v1/auth/logout",
        Some(&second),
        &json!({"refresh_token": theirs}),
    )
    .await
    .assert_problem(401, "invalid_refresh_token");
    let still = app
        .post("/api/v1/auth/refresh", None, &json!({"refresh_token": theirs}))
        .await;
    assert_eq!(still.status, 200, "{}", still.text);
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled_per_username() {
    let app = spawn_app().await;
    let county = crate::fixtures::county(&app).await;
    app.create_user(
        &county.admin,
        "officer.qian",
        "officer",
        Some(county.court_id),
        None,
    )
    .await;
    for _ in 0..5 {
        app.login("officer.qian", "wrong-password-here")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    // Even the right password waits now, and is told how long.
    let refused = app.login("officer.qian", crate::helpers::PASSWORD).await;
    refused.assert_problem(429, "too_many_attempts");
    let wait: u64 = refused.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // Case does not help; another account is not affected.
    app.login("OFFICER.QIAN", crate::helpers::PASSWORD)
        .await
        .assert_problem(429, "too_many_attempts");
    assert_eq!(
        app.login("admin", crate::helpers::ADMIN_PASSWORD).await.status,
        200
    );
}
