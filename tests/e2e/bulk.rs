//! `POST /Bulk`: several operations in one request, with bulkId references.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{ENTERPRISE, TestApp, entra_user};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn op_statuses(reply: &Value) -> Vec<String> {
    reply["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["status"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(op: &Value) -> String {
    op["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn bulk_ids_link_new_users_groups_and_managers_in_any_order() {
    let app = TestApp::spawn().await;
    let mut report = entra_user("report@example.test", "r-1");
    report[ENTERPRISE]["manager"] = json!({"value": "bulkId:boss"});
    let request = json!({
        "schemas": [BULK],
        "Operations": [
            // Refers forward to the boss, created two operations later.
            {"method": "POST", "path": "/Groups", "bulkId": "team",
             "data": {"displayName": "Team", "members": [{"value": "bulkId:boss"}, {"value": "bulkId:report"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "report", "data": report},
            {"method": "POST", "path": "/Users", "bulkId": "boss", "data": entra_user("boss@example.test", "b-1")},
            {"method": "PATCH", "path": "/Users/bulkId:boss",
             "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                      "Operations": [{"op": "replace", "path": "title", "value": "Payroll Analyst"}]}}
        ]
    });

    let reply = app.call(Method::POST, "/Bulk", Some(request)).await;

    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
    );
    let ops = reply.body["Operations"].as_array().unwrap();
    assert_eq!(op_statuses(&reply.body), ["201", "201", "201", "200"]);
    let by_bulk_id = |id: &str| {
        ops.iter()
            .find(|op| op["bulkId"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    let (boss, report, team) = (
        id_of(by_bulk_id("boss")),
        id_of(by_bulk_id("report")),
        id_of(by_bulk_id("team")),
    );
    assert!(
        by_bulk_id("boss")["version"]
            .as_str()
            .unwrap()
            .starts_with("W/")
    );
    let report_user = app.user(&report).await;
    assert_eq!(report_user[ENTERPRISE]["manager"]["value"], boss.as_str());
    assert_eq!(app.user(&boss).await["title"], "Payroll Analyst");
    let group = app
        .get(&format!("/Groups/{team}?attributes=members.value"))
        .await;
    let mut members: Vec<&str> = group.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort_unstable();
    let mut expected = [boss.as_str(), report.as_str()];
    expected.sort_unstable();
    assert_eq!(members, expected);
    app.stop().await;
}

#[tokio::test]
async fn failures_are_reported_per_operation_and_fail_on_errors_stops_the_rest() {
    let app = TestApp::spawn().await;
    let existing = app
        .create_user(entra_user("kept@example.test", "k-1"))
        .await;
    let mut bad_title = entra_user("bad@example.test", "x-1");
    bad_title["title"] = json!("Chief Everything Officer");
    let mut cyclic_a = entra_user("a@example.test", "c-a");
    cyclic_a[ENTERPRISE]["manager"] = json!({"value": "bulkId:b"});
    let mut cyclic_b = entra_user("b@example.test", "c-b");
    cyclic_b[ENTERPRISE]["manager"] = json!({"value": "bulkId:a"});
    let everything = json!({
        "schemas": [BULK],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "bad", "data": bad_title},
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"displayName": "G", "members": [{"value": "bulkId:bad"}]}},
            {"method": "PATCH", "path": "/Users/bulkId:nowhere", "data": {"Operations": []}},
            {"method": "DELETE", "path": format!("/Users/{existing}"), "version": "W/\"99\""},
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": cyclic_a},
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": cyclic_b},
            {"method": "DELETE", "path": "/Users/no-such-user"}
        ]
    });
    let stop_early = json!({
        "schemas": [BULK],
        "failOnErrors": 1,
        "Operations": [
            {"method": "DELETE", "path": "/Users/no-such-user"},
            {"method": "POST", "path": "/Users", "bulkId": "late", "data": entra_user("late@example.test", "l-1")}
        ]
    });

    let all = app.call(Method::POST, "/Bulk", Some(everything)).await;
    let stopped = app.call(Method::POST, "/Bulk", Some(stop_early)).await;

    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let ops = all.body["Operations"].as_array().unwrap();
    let status_of = |bulk_id: &str| -> String {
        ops.iter()
            .find(|op| op["bulkId"] == bulk_id)
            .map(|op| op["status"].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(ops.len(), 7);
    assert_eq!(status_of("bad"), "400");
    assert_eq!(
        ops.iter().find(|op| op["bulkId"] == "bad").unwrap()["response"]["scimType"],
        "invalidValue"
    );
    // Refers to a POST that failed.
    assert_eq!(status_of("g"), "409");
    assert_eq!(status_of("a"), "409");
    assert_eq!(status_of("b"), "409");
    let statuses = op_statuses(&all.body);
    // Unknown bulkId, stale version, unknown id.
    assert!(statuses.contains(&"400".to_owned()));
    assert!(statuses.contains(&"412".to_owned()));
    assert!(statuses.contains(&"404".to_owned()));
    // Nothing half-done: the existing user survives, no cyclic user exists.
    assert_eq!(
        app.get(&format!("/Users/{existing}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.filter("userName eq \"a@example.test\"").await["totalResults"],
        0
    );

    assert_eq!(op_statuses(&stopped.body), ["404"]);
    assert_eq!(
        app.filter("userName eq \"late@example.test\"").await["totalResults"],
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn bulk_limits_are_advertised_and_enforced() {
    let app = TestApp::spawn().await;
    let config = app.get("/ServiceProviderConfig").await;
    let max_operations = config.body["bulk"]["maxOperations"].as_u64().unwrap() as usize;
    let max_payload = config.body["bulk"]["maxPayloadSize"].as_u64().unwrap() as usize;
    let delete = json!({"method": "DELETE", "path": "/Users/x"});
    let too_many = json!({"schemas": [BULK], "Operations": vec![delete; max_operations + 1]});
    let too_big = json!({"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "x", "data": {"userName": "a", "nickName": "n".repeat(max_payload)}}
    ]});
    let not_bulk = json!({"schemas": ["urn:x"], "Operations": []});
    let recursive = json!({"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Bulk", "bulkId": "x", "data": {}}
    ]});

    let many = app.call(Method::POST, "/Bulk", Some(too_many)).await;
    let big = app.call(Method::POST, "/Bulk", Some(too_big)).await;
    let wrong = app.call(Method::POST, "/Bulk", Some(not_bulk)).await;
    let nested = app.call(Method::POST, "/Bulk", Some(recursive)).await;
    let anonymous = app
        .call_as(
            "hrms_scim_wrong",
            Method::POST,
            "/Bulk",
            Some(json!({"schemas": [BULK], "Operations": []})),
        )
        .await;

    let get = app.get("/Bulk").await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(get.body["status"], "405");
    assert_eq!(config.body["bulk"]["supported"], true);
    assert_eq!(many.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(many.body["status"], "413");
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(nested.status, StatusCode::BAD_REQUEST);
    assert_eq!(nested.body["scimType"], "invalidPath");
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn references_inside_patch_filters_resolve_and_bad_versions_are_refused() {
    let app = TestApp::spawn().await;
    let existing = app
        .create_user(entra_user("kept@example.test", "k-1"))
        .await;
    let request = json!({
        "schemas": [BULK],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "u", "data": entra_user("u@example.test", "u-1")},
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"displayName": "G", "members": [{"value": "bulkId:u"}]}},
            {"method": "PATCH", "path": "/Groups/bulkId:g", "data": {"Operations": [
                {"op": "remove", "path": "members[value eq \"bulkId:u\"]"}]}},
            // A version that is not a header value must not be dropped.
            {"method": "PATCH", "path": format!("/Users/{existing}"), "version": "W/\"9\"\n",
             "data": {"Operations": [{"op": "replace", "path": "nickName", "value": "x"}]}},
            // bulkId of a PATCH is not something to refer to.
            {"method": "PATCH", "bulkId": "p", "path": format!("/Users/{existing}"),
             "data": {"Operations": [{"op": "replace", "path": "nickName", "value": "y"}]}},
            {"method": "DELETE", "path": "/Users/bulkId:p"}
        ]
    });

    let reply = app.call(Method::POST, "/Bulk", Some(request)).await;

    assert_eq!(
        op_statuses(&reply.body),
        ["201", "201", "204", "400", "200", "400"],
        "{}",
        reply.body
    );
    let group = id_of(&reply.body["Operations"][1]);
    let members = app
        .get(&format!("/Groups/{group}?attributes=members"))
        .await;
    assert!(members.body.get("members").is_none(), "{}", members.body);
    assert_eq!(app.user(&existing).await["nickName"], "y");
    app.stop().await;
}
