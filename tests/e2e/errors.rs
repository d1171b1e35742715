//! Failures: every one a SCIM Error body with the right status and type.

use hrms_api::v1::SetScimEnabledRequest;
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Reply, TestApp, entra_user};

const UNKNOWN: &str = "d849559e-9083-43b0-b603-7b003e156334";

fn assert_scim_error(reply: &Reply, status: StatusCode, scim_type: Option<&str>) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(
        reply
            .header("content-type")
            .starts_with("application/scim+json")
    );
    assert_eq!(
        reply.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(reply.body["status"], status.as_str());
    assert!(!reply.body["detail"].as_str().unwrap_or_default().is_empty());
    match scim_type {
        Some(scim_type) => assert_eq!(reply.body["scimType"], scim_type),
        None => assert!(reply.body.get("scimType").is_none()),
    }
}

#[tokio::test]
async fn missing_or_wrong_tokens_get_401() {
    let app = TestApp::spawn().await;

    let wrong = app
        .call_as("hrms_scim_0000", Method::GET, "/Users", None)
        .await;
    let garbage = app.call_as("x", Method::GET, "/Users", None).await;
    let none = app
        .http
        .get(format!("{}/Users", app.scim))
        .send()
        .await
        .unwrap();

    assert_scim_error(&wrong, StatusCode::UNAUTHORIZED, None);
    assert_scim_error(&garbage, StatusCode::UNAUTHORIZED, None);
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    app.stop().await;
}

#[tokio::test]
async fn scim_turned_off_gets_403_at_once_and_on_again_works() {
    let app = TestApp::spawn().await;
    let mut tenants = TenantServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let switch = |enabled| SetScimEnabledRequest {
        tenant_id: app.tenant_id.clone(),
        enabled,
    };

    tenants.set_scim_enabled(switch(false)).await.unwrap();
    let off = app.get("/Users").await;
    tenants.set_scim_enabled(switch(true)).await.unwrap();
    let on = app.get("/Users").await;

    assert_scim_error(&off, StatusCode::FORBIDDEN, None);
    assert!(off.body["detail"].as_str().unwrap().contains("turned off"));
    assert_eq!(on.status, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn malformed_json_is_400_invalid_syntax() {
    let app = TestApp::spawn().await;
    let truncated = br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"#;

    let reply = app
        .call_raw(
            Method::POST,
            "/Users",
            "application/scim+json; charset=utf-8",
            truncated.to_vec(),
        )
        .await;
    let array = app
        .call_raw(
            Method::POST,
            "/Users",
            "application/json",
            b"[1,2]".to_vec(),
        )
        .await;
    let deep = app
        .call_raw(
            Method::POST,
            "/Users",
            "application/json",
            "[".repeat(50_000).into_bytes(),
        )
        .await;

    assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    assert_scim_error(&array, StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    assert_scim_error(&deep, StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    app.stop().await;
}

#[tokio::test]
async fn missing_user_name_and_wrong_types_are_400_invalid_value() {
    let app = TestApp::spawn().await;
    let mut no_name = entra_user("x@example.test", "x");
    no_name.as_object_mut().unwrap().remove("userName");
    let mut wrong_type = entra_user("y@example.test", "y");
    wrong_type["emails"] = json!("not a list");

    assert_scim_error(
        &app.post_user(no_name).await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    assert_scim_error(
        &app.post_user(wrong_type).await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    app.stop().await;
}

#[tokio::test]
async fn broken_and_unsupported_filters_are_400_invalid_filter() {
    let app = TestApp::spawn().await;

    for query in [
        "filter=userName+eq+%22unterminated",
        "filter=userName+like+%22x%22",
        "filter=ims+eq+%22x%22",
        "filter=active+gt+true",
        "filter=meta.created+gt+%22yesterday%22",
        "filter=",
    ] {
        let reply = app.get(&format!("/Users?{query}")).await;
        if query == "filter=" {
            // An empty filter parameter is no filter at all.
            assert_eq!(reply.status, StatusCode::OK);
            continue;
        }
        assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidFilter"));
    }
    let long = format!("filter=userName+eq+%22{}%22", "a".repeat(5000));
    assert_scim_error(
        &app.get(&format!("/Users?{long}")).await,
        StatusCode::BAD_REQUEST,
        Some("invalidFilter"),
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_patch_requests_are_400_and_change_nothing() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("a@example.test", "a")).await;

    let unknown_op = app
        .patch_user(
            &id,
            json!([{"op": "Frobnicate", "path": "title", "value": "x"}]),
        )
        .await;
    let no_ops = app
        .call(
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({"schemas": []})),
        )
        .await;
    let bad_path = app
        .patch_user(
            &id,
            json!([{"op": "add", "path": "emails[type", "value": "x"}]),
        )
        .await;
    let read_only = app
        .patch_user(&id, json!([{"op": "replace", "path": "id", "value": "x"}]))
        .await;

    assert_scim_error(&unknown_op, StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    assert_scim_error(&no_ops, StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    assert_scim_error(&bad_path, StatusCode::BAD_REQUEST, Some("invalidPath"));
    assert_scim_error(&read_only, StatusCode::BAD_REQUEST, Some("mutability"));
    assert_eq!(app.user(&id).await["meta"]["version"], "W/\"1\"");
    app.stop().await;
}

#[tokio::test]
async fn unknown_ids_are_404_for_every_method() {
    let app = TestApp::spawn().await;
    let patch = json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]});

    let get = app.get(&format!("/Users/{UNKNOWN}")).await;
    let patched = app
        .call(Method::PATCH, &format!("/Users/{UNKNOWN}"), Some(patch))
        .await;
    let deleted = app
        .call(Method::DELETE, &format!("/Users/{UNKNOWN}"), None)
        .await;
    let put = app
        .call(
            Method::PUT,
            &format!("/Users/{UNKNOWN}"),
            Some(entra_user("a@example.test", "a")),
        )
        .await;
    let group = app
        .get(&format!("/Groups/{UNKNOWN}?excludedAttributes=members"))
        .await;

    for reply in [get, patched, deleted, put, group] {
        assert_scim_error(&reply, StatusCode::NOT_FOUND, None);
    }
    app.stop().await;
}

#[tokio::test]
async fn other_content_types_oversized_bodies_and_unknown_routes_get_scim_errors() {
    let app = TestApp::spawn().await;

    let text = app
        .call_raw(Method::POST, "/Users", "text/plain", b"{}".to_vec())
        .await;
    let huge = app
        .call_raw(
            Method::POST,
            "/Users",
            "application/json",
            vec![b' '; 2 * 1024 * 1024],
        )
        .await;
    let nowhere = app.get("/Nowhere").await;
    let method = app.call(Method::DELETE, "/Users", None).await;
    let bad_count = app.get("/Users?count=many").await;

    assert_scim_error(
        &text,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Some("invalidSyntax"),
    );
    assert_scim_error(&huge, StatusCode::PAYLOAD_TOO_LARGE, None);
    assert_scim_error(&nowhere, StatusCode::NOT_FOUND, None);
    assert_scim_error(&method, StatusCode::METHOD_NOT_ALLOWED, None);
    assert_scim_error(&bad_count, StatusCode::BAD_REQUEST, Some("invalidValue"));
    app.stop().await;
}

#[tokio::test]
async fn directory_down_gives_503_with_retry_after() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let free = listener.local_addr().unwrap();
    drop(listener);
    let scim = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = hrms_adapter::AdapterConfig {
        directory_url: format!("http://{free}"),
        public_url: None,
        directory_timeout: std::time::Duration::from_secs(5),
        admin_password: None,
    };
    let running = hrms::Embedded::start_adapter(&config, scim).unwrap();
    let url = format!("http://{}/scim/v2/Users", running.scim_addr.unwrap());

    let reply = reqwest::Client::new()
        .get(url)
        .bearer_auth("hrms_scim_x")
        .send()
        .await
        .unwrap();

    assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.headers()["retry-after"], "5");
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(body["status"], "503");
    running.stop().await;
}

#[tokio::test]
async fn framework_rejections_are_scim_errors_too() {
    let app = TestApp::spawn().await;

    let repeated = app.get("/Users?count=5&count=6").await;
    let bad_utf8 = app.get("/Users/%ff%fe").await;

    assert_scim_error(&repeated, StatusCode::BAD_REQUEST, Some("invalidValue"));
    assert_scim_error(&bad_utf8, StatusCode::NOT_FOUND, None);
    app.stop().await;
}

#[tokio::test]
async fn long_flat_filters_up_to_the_limit_work() {
    let app = TestApp::spawn().await;
    app.create_user(entra_user("a@example.test", "a")).await;
    let mut terms = vec!["id+eq+%22x%22"; 149];
    terms.push("userName+eq+%22a%40example.test%22");
    let terms = terms.join("+or+");

    let reply = app.get(&format!("/Users?filter={terms}")).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["totalResults"], 1);
    app.stop().await;
}

#[tokio::test]
async fn hostile_host_headers_do_not_reach_links() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("a@example.test", "a")).await;

    let reply = app
        .http
        .get(format!("{}/Users/{id}", app.scim))
        .bearer_auth(&app.token)
        .header("host", "evil.example\"><script>")
        .send()
        .await
        .unwrap();

    let body: serde_json::Value = reply.json().await.unwrap();
    let location = body["meta"]["location"].as_str().unwrap();
    assert!(
        location.starts_with("http://localhost/scim/v2/Users/"),
        "{location}"
    );
    app.stop().await;
}
