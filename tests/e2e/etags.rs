//! Versioning: ETag on every resource, If-Match on writes, If-None-Match
//! on reads.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{PATCH_OP, TestApp, entra_user};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    header: (&str, &str),
    body: Option<serde_json::Value>,
) -> (StatusCode, String) {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.scim))
        .bearer_auth(&app.token)
        .header(header.0, header.1);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/scim+json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

fn patch_title(title: &str) -> serde_json::Value {
    json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": title}]})
}

#[tokio::test]
async fn get_with_the_current_etag_answers_304() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("a@example.test", "a")).await;
    let path = format!("/Users/{id}");

    let (same, body) = send(&app, Method::GET, &path, ("if-none-match", "W/\"1\""), None).await;
    let (other, _) = send(&app, Method::GET, &path, ("if-none-match", "W/\"7\""), None).await;

    assert_eq!(same, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(other, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn writes_with_a_stale_if_match_answer_412_and_change_nothing() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("a@example.test", "a")).await;
    let path = format!("/Users/{id}");
    app.patch_user(
        &id,
        json!([{"op": "replace", "path": "nickName", "value": "v2"}]),
    )
    .await;

    let (patched, _) = send(
        &app,
        Method::PATCH,
        &path,
        ("if-match", "W/\"1\""),
        Some(patch_title("stale")),
    )
    .await;
    let (put, _) = send(
        &app,
        Method::PUT,
        &path,
        ("if-match", "W/\"1\""),
        Some(entra_user("b@example.test", "a")),
    )
    .await;
    let (deleted, _) = send(&app, Method::DELETE, &path, ("if-match", "W/\"1\""), None).await;

    for status in [patched, put, deleted] {
        assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    }
    let user = app.user(&id).await;
    assert_eq!(user["userName"], "a@example.test");
    assert_eq!(user["meta"]["version"], "W/\"2\"");
    app.stop().await;
}

#[tokio::test]
async fn writes_with_the_current_if_match_or_star_succeed() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("a@example.test", "a")).await;
    let path = format!("/Users/{id}");

    let (patched, _) = send(
        &app,
        Method::PATCH,
        &path,
        ("if-match", "W/\"1\""),
        Some(patch_title("now")),
    )
    .await;
    let (starred, _) = send(
        &app,
        Method::PATCH,
        &path,
        ("if-match", "*"),
        Some(patch_title("any")),
    )
    .await;
    let (deleted, _) = send(&app, Method::DELETE, &path, ("if-match", "\"3\""), None).await;

    assert_eq!(patched, StatusCode::OK);
    assert_eq!(starred, StatusCode::OK);
    assert_eq!(deleted, StatusCode::NO_CONTENT);
    app.stop().await;
}

#[tokio::test]
async fn groups_honour_if_match_and_if_none_match() {
    let app = TestApp::spawn().await;
    let created = app
        .call(
            Method::POST,
            "/Groups",
            Some(json!({"displayName": "Team"})),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.header("etag"), "W/\"1\"");
    let path = format!("/Groups/{id}");
    let rename = json!({"Operations": [{"op": "replace", "path": "displayName", "value": "Crew"}]});

    let (fresh, _) = send(
        &app,
        Method::PATCH,
        &path,
        ("if-match", "W/\"1\""),
        Some(rename.clone()),
    )
    .await;
    let (stale, _) = send(
        &app,
        Method::PATCH,
        &path,
        ("if-match", "W/\"1\""),
        Some(rename),
    )
    .await;
    let (unchanged, _) = send(&app, Method::GET, &path, ("if-none-match", "W/\"2\""), None).await;
    let (stale_delete, _) = send(&app, Method::DELETE, &path, ("if-match", "W/\"1\""), None).await;

    assert_eq!(fresh, StatusCode::NO_CONTENT);
    assert_eq!(stale, StatusCode::PRECONDITION_FAILED);
    assert_eq!(unchanged, StatusCode::NOT_MODIFIED);
    assert_eq!(stale_delete, StatusCode::PRECONDITION_FAILED);
    app.stop().await;
}
