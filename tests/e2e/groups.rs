//! Groups over SCIM: create, membership in every PATCH shape, Entra's
//! membership checks, streaming of large groups, isolation and cascades.

use hrms_api::v1::group_service_client::GroupServiceClient;
use hrms_api::v1::{GroupMembersRequest, IsGroupMemberRequest};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{PATCH_OP, TestApp, entra_user};

async fn create_group(app: &TestApp, name: &str) -> String {
    let reply = app
        .call(
            Method::POST,
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                "externalId": format!("ext-{name}"),
                "displayName": name,
                "meta": {"resourceType": "Group"}
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

async fn patch_group(app: &TestApp, id: &str, operations: Value) -> crate::support::Reply {
    let body = json!({"schemas": [PATCH_OP], "Operations": operations});
    app.call(Method::PATCH, &format!("/Groups/{id}"), Some(body))
        .await
}

async fn members(app: &TestApp, id: &str) -> Vec<String> {
    let group = app.get(&format!("/Groups/{id}")).await;
    assert_eq!(group.status, StatusCode::OK, "{}", group.body);
    let mut ids: Vec<String> = group.body["members"]
        .as_array()
        .map(|members| {
            members
                .iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

async fn is_member(app: &TestApp, group: &str, user: &str) -> bool {
    let query = format!(
        "/Groups?excludedAttributes=members&filter=id+eq+%22{group}%22+and+members%5Bvalue+eq+%22{user}%22%5D"
    );
    let reply = app.get(&query).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g.get("members").is_none())
    );
    reply.body["totalResults"] == 1
}

async fn users(app: &TestApp, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 0..count {
        ids.push(
            app.create_user(entra_user(&format!("m{n}@example.test"), &format!("m{n}")))
                .await,
        );
    }
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| (*id).clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn create_group_returns_201_and_a_taken_name_409_ignoring_case() {
    let app = TestApp::spawn().await;
    let id = create_group(&app, "Payroll Team").await;

    let clash = app
        .call(
            Method::POST,
            "/Groups",
            Some(json!({"displayName": "payroll TEAM"})),
        )
        .await;
    let found = app
        .get("/Groups?excludedAttributes=members&filter=displayName+eq+%22Payroll+Team%22")
        .await;
    let read = app
        .get(&format!("/Groups/{id}?excludedAttributes=members"))
        .await;

    assert_eq!(clash.status, StatusCode::CONFLICT);
    assert_eq!(clash.body["scimType"], "uniqueness");
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(found.body["Resources"][0]["externalId"], "ext-Payroll Team");
    assert_eq!(read.body["displayName"], "Payroll Team");
    assert_eq!(read.body["meta"]["resourceType"], "Group");
    assert!(read.body.get("members").is_none());
    app.stop().await;
}

#[tokio::test]
async fn add_members_one_or_many_and_re_adding_is_harmless() {
    let app = TestApp::spawn().await;
    let u = users(&app, 3).await;
    let group = create_group(&app, "Team").await;

    let one = patch_group(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": u[0]}]}]),
    )
    .await;
    let two = patch_group(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"value": u[1]}, {"value": u[2]}]}]),
    )
    .await;
    let again = patch_group(
        &app,
        &group,
        json!([{"op": "add", "path": "members", "value": [{"value": u[0]}]}]),
    )
    .await;

    for reply in [one, two, again] {
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        assert_eq!(reply.body, Value::Null);
    }
    assert_eq!(members(&app, &group).await, sorted(&[&u[0], &u[1], &u[2]]));
    app.stop().await;
}

#[tokio::test]
async fn remove_by_list_by_filter_all_and_of_non_members() {
    let app = TestApp::spawn().await;
    let u = users(&app, 4).await;
    let group = create_group(&app, "Team").await;
    patch_group(&app, &group, json!([{"op": "Add", "path": "members", "value": u.iter().map(|id| json!({"value": id})).collect::<Vec<_>>()}])).await;

    let listed = patch_group(
        &app,
        &group,
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": u[0]}]}]),
    )
    .await;
    let filtered = patch_group(
        &app,
        &group,
        json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", u[1])}]),
    )
    .await;
    let absent = patch_group(
        &app,
        &group,
        json!([{"op": "Remove", "path": "members", "value": [{"value": u[0]}]}]),
    )
    .await;

    for reply in [listed, filtered, absent] {
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
    }
    assert_eq!(members(&app, &group).await, sorted(&[&u[2], &u[3]]));
    let all = patch_group(&app, &group, json!([{"op": "Remove", "path": "members"}])).await;
    assert_eq!(all.status, StatusCode::NO_CONTENT);
    assert!(members(&app, &group).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn replace_members_and_empty_list_empties_the_group() {
    let app = TestApp::spawn().await;
    let u = users(&app, 3).await;
    let group = create_group(&app, "Team").await;
    patch_group(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"value": u[0]}]}]),
    )
    .await;

    patch_group(
        &app,
        &group,
        json!([{"op": "Replace", "path": "members", "value": [{"value": u[1]}, {"value": u[2]}]}]),
    )
    .await;
    assert_eq!(members(&app, &group).await, sorted(&[&u[1], &u[2]]));
    patch_group(
        &app,
        &group,
        json!([{"op": "replace", "path": "members", "value": []}]),
    )
    .await;
    assert!(members(&app, &group).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn rename_by_path_and_pathless_keeps_members() {
    let app = TestApp::spawn().await;
    let u = users(&app, 1).await;
    let group = create_group(&app, "Payroll Team").await;
    patch_group(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"value": u[0]}]}]),
    )
    .await;

    let by_path = patch_group(
        &app,
        &group,
        json!([{"op": "Replace", "path": "displayName", "value": "Payroll and Benefits Team"}]),
    )
    .await;
    let old = app
        .get("/Groups?filter=displayName+eq+%22Payroll+Team%22")
        .await;
    let pathless = patch_group(
        &app,
        &group,
        json!([{"op": "replace", "value": {"displayName": "Payroll Benefits Team"}}]),
    )
    .await;
    let new = app
        .get("/Groups?excludedAttributes=members&filter=displayName+eq+%22Payroll+Benefits+Team%22")
        .await;

    assert_eq!(by_path.status, StatusCode::NO_CONTENT);
    assert_eq!(pathless.status, StatusCode::NO_CONTENT);
    assert_eq!(old.body["totalResults"], 0);
    assert_eq!(new.body["Resources"][0]["id"], group.as_str());
    assert!(is_member(&app, &group, &u[0]).await);
    app.stop().await;
}

#[tokio::test]
async fn membership_check_filters_in_every_form() {
    let app = TestApp::spawn().await;
    let u = users(&app, 2).await;
    let group = create_group(&app, "Team").await;
    let other = create_group(&app, "Other").await;
    patch_group(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"value": u[0]}]}]),
    )
    .await;

    let legacy = app
        .get(&format!(
            "/Groups?attributes=id&filter=id+eq+%22{group}%22+and+members+eq+%22{}%22",
            u[0]
        ))
        .await;
    let member_only = app
        .get(&format!(
            "/Groups?excludedAttributes=members&filter=members%5Bvalue+eq+%22{}%22%5D",
            u[0]
        ))
        .await;

    assert!(is_member(&app, &group, &u[0]).await);
    assert!(!is_member(&app, &group, &u[1]).await);
    assert!(!is_member(&app, &other, &u[0]).await);
    assert_eq!(legacy.body["totalResults"], 1);
    assert_eq!(
        legacy.body["Resources"][0],
        json!({"id": group, "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]})
    );
    assert_eq!(member_only.body["totalResults"], 1);
    assert_eq!(member_only.body["Resources"][0]["id"], group.as_str());
    app.stop().await;
}

#[tokio::test]
async fn unknown_and_foreign_member_ids_are_400_naming_the_id_and_change_nothing() {
    let app = TestApp::spawn().await;
    let u = users(&app, 1).await;
    let group = create_group(&app, "Team").await;
    let (_, other_token) = crate::support::create_tenant(&app.grpc, "Other Company").await;
    let foreign = app
        .call_as(
            &other_token,
            Method::POST,
            "/Users",
            Some(entra_user("f@example.test", "f")),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for stranger in ["00000000-0000-0000-0000-000000000000", foreign.as_str()] {
        let reply = patch_group(&app, &group, json!([{"op": "Add", "path": "members", "value": [{"value": u[0]}, {"value": stranger}]}])).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.body["scimType"], "invalidValue");
        assert!(reply.body["detail"].as_str().unwrap().contains(stranger));
    }
    assert!(members(&app, &group).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn other_tenants_cannot_see_or_change_a_group() {
    let app = TestApp::spawn().await;
    let group = create_group(&app, "Team").await;
    let (_, other) = crate::support::create_tenant(&app.grpc, "Other Company").await;
    let patch =
        json!({"Operations": [{"op": "replace", "path": "displayName", "value": "Stolen"}]});

    let read = app
        .call_as(&other, Method::GET, &format!("/Groups/{group}"), None)
        .await;
    let listed = app
        .call_as(
            &other,
            Method::GET,
            &format!("/Groups?filter=id+eq+%22{group}%22"),
            None,
        )
        .await;
    let patched = app
        .call_as(
            &other,
            Method::PATCH,
            &format!("/Groups/{group}"),
            Some(patch),
        )
        .await;
    let deleted = app
        .call_as(&other, Method::DELETE, &format!("/Groups/{group}"), None)
        .await;
    let same_name = app
        .call_as(
            &other,
            Method::POST,
            "/Groups",
            Some(json!({"displayName": "Team"})),
        )
        .await;

    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert_eq!(listed.body["totalResults"], 0);
    assert_eq!(patched.status, StatusCode::NOT_FOUND);
    assert_eq!(deleted.status, StatusCode::NOT_FOUND);
    assert_eq!(same_name.status, StatusCode::CREATED);
    assert_eq!(
        app.get(&format!("/Groups/{group}")).await.body["displayName"],
        "Team"
    );
    app.stop().await;
}

#[tokio::test]
async fn deleting_a_user_removes_its_memberships_and_deactivating_does_not() {
    let app = TestApp::spawn().await;
    let u = users(&app, 2).await;
    let group = create_group(&app, "Team").await;
    patch_group(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"value": u[0]}, {"value": u[1]}]}]),
    )
    .await;

    app.patch_user(
        &u[0],
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    )
    .await;
    app.call(Method::DELETE, &format!("/Users/{}", u[1]), None)
        .await;

    assert!(is_member(&app, &group, &u[0]).await);
    assert!(!is_member(&app, &group, &u[1]).await);
    assert_eq!(members(&app, &group).await, vec![u[0].clone()]);
    app.stop().await;
}

#[tokio::test]
async fn deleted_group_is_gone_and_its_members_remain_employees() {
    let app = TestApp::spawn().await;
    let u = users(&app, 1).await;
    let group = create_group(&app, "Team").await;
    patch_group(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"value": u[0]}]}]),
    )
    .await;

    let deleted = app
        .call(Method::DELETE, &format!("/Groups/{group}"), None)
        .await;
    let read = app
        .get(&format!("/Groups/{group}?excludedAttributes=members"))
        .await;
    let again = app
        .call(Method::DELETE, &format!("/Groups/{group}"), None)
        .await;

    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(app.user(&u[0]).await["id"], u[0].as_str());
    app.stop().await;
}

#[tokio::test]
async fn large_groups_stream_every_member_across_pages() {
    let app = TestApp::spawn().await;
    // More than one page (1000) of members.
    let u = users(&app, 1500).await;
    let group = create_group(&app, "Everyone").await;
    let mut grpc = GroupServiceClient::connect(app.grpc.clone()).await.unwrap();
    for chunk in u.chunks(1000) {
        grpc.add_group_members(GroupMembersRequest {
            tenant_id: app.tenant_id.clone(),
            id: group.clone(),
            member_ids: chunk.to_vec(),
        })
        .await
        .unwrap();
    }

    let listed = members(&app, &group).await;
    let list = app
        .get("/Groups?filter=displayName+eq+%22Everyone%22")
        .await;

    let mut expected = u.clone();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(
        list.body["Resources"][0]["members"]
            .as_array()
            .unwrap()
            .len(),
        1500
    );
    let is = grpc
        .is_group_member(IsGroupMemberRequest {
            tenant_id: app.tenant_id.clone(),
            group_id: group.clone(),
            employee_id: u[1234].clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(is.member);
    app.stop().await;
}

#[tokio::test]
async fn patch_with_attributes_answers_200_with_the_group() {
    let app = TestApp::spawn().await;
    let u = users(&app, 1).await;
    let group = create_group(&app, "Team").await;
    let body =
        json!({"Operations": [{"op": "Add", "path": "members", "value": [{"value": u[0]}]}]});

    let reply = app
        .call(
            Method::PATCH,
            &format!("/Groups/{group}?attributes=displayName,members"),
            Some(body),
        )
        .await;

    let displayed = app
        .get(&format!(
            "/Groups/{group}?attributes=members.value,members.display"
        ))
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["displayName"], "Team");
    assert_eq!(reply.body["members"][0]["value"], u[0].as_str());
    // `display` is `returned: request`: only when named.
    assert!(reply.body["members"][0].get("display").is_none());
    assert_eq!(
        displayed.body["members"],
        json!([{"value": u[0], "display": "Test Person"}])
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_group_requests_get_scim_errors() {
    let app = TestApp::spawn().await;
    let group = create_group(&app, "Team").await;

    let no_name = app
        .call(Method::POST, "/Groups", Some(json!({"externalId": "x"})))
        .await;
    let bad_filter = app.get("/Groups?filter=displayName+eq").await;
    let bad_attr = app.get("/Groups?filter=userName+eq+%22x%22").await;
    let bad_patch = patch_group(
        &app,
        &group,
        json!([{"op": "remove", "path": "displayName"}]),
    )
    .await;
    let unknown = patch_group(
        &app,
        "d849559e-9083-43b0-b603-7b003e156334",
        json!([{"op": "add", "path": "members", "value": []}]),
    )
    .await;

    assert_eq!(
        (no_name.status, no_name.body["scimType"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalidValue"))
    );
    assert_eq!(bad_filter.body["scimType"], "invalidFilter");
    assert_eq!(bad_attr.body["scimType"], "invalidFilter");
    assert_eq!(bad_patch.body["scimType"], "mutability");
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn a_group_patch_that_changes_nothing_writes_nothing() {
    let app = TestApp::spawn().await;
    let u = users(&app, 1).await;
    let group = create_group(&app, "Team").await;
    patch_group(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"value": u[0]}]}]),
    )
    .await;

    patch_group(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"value": u[0]}]}]),
    )
    .await;
    patch_group(
        &app,
        &group,
        json!([{"op": "Replace", "path": "displayName", "value": "Team"}]),
    )
    .await;
    patch_group(
        &app,
        &group,
        json!([{"op": "Remove", "path": "members", "value": [{"value": "not-a-member"}]}]),
    )
    .await;

    let read = app
        .get(&format!("/Groups/{group}?excludedAttributes=members"))
        .await;
    assert_eq!(read.body["meta"]["version"], "W/\"2\"");
    app.stop().await;
}

#[tokio::test]
async fn member_projections_and_urn_exclusions_are_honoured() {
    let app = TestApp::spawn().await;
    let u = users(&app, 1).await;
    let group = create_group(&app, "Team").await;
    patch_group(
        &app,
        &group,
        json!([{"op": "Add", "path": "members", "value": [{"value": u[0]}]}]),
    )
    .await;

    let urn = app
        .get(&format!(
            "/Groups/{group}?excludedAttributes=urn:ietf:params:scim:schemas:core:2.0:Group:members"
        ))
        .await;
    let values = app
        .get(&format!("/Groups/{group}?attributes=members.value"))
        .await;
    let no_display = app
        .get(&format!(
            "/Groups/{group}?excludedAttributes=members.display"
        ))
        .await;
    let either = app
        .get(&format!("/Groups?filter=members%5Bvalue+eq+%22x%22+or+value+eq+%22{}%22%5D&excludedAttributes=members", u[0]))
        .await;

    assert!(urn.body.get("members").is_none());
    assert_eq!(values.body["members"], json!([{"value": u[0]}]));
    assert!(no_display.body["members"][0].get("display").is_none());
    assert!(no_display.body["members"][0].get("value").is_some());
    assert_eq!(either.body["totalResults"], 1);
    app.stop().await;
}

#[tokio::test]
async fn oversized_member_ids_and_valueless_replace_are_400() {
    let app = TestApp::spawn().await;
    let group = create_group(&app, "Team").await;

    let long = patch_group(
        &app,
        &group,
        json!([{"op": "add", "path": "members", "value": [{"value": "z".repeat(5000)}]}]),
    )
    .await;
    let no_value = patch_group(&app, &group, json!([{"op": "replace", "path": "members"}])).await;
    let long_ext = app
        .call(
            Method::POST,
            "/Groups",
            Some(json!({"displayName": "Other", "externalId": "x".repeat(1000)})),
        )
        .await;

    for reply in [long, no_value, long_ext] {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert_eq!(reply.body["scimType"], "invalidValue");
        assert!(reply.body["detail"].as_str().unwrap().len() < 200);
    }
    app.stop().await;
}

#[tokio::test]
async fn refused_group_writes_are_in_the_provisioning_log() {
    use hrms_api::v1::ListProvisioningEventsRequest;
    use hrms_api::v1::provisioning_log_service_client::ProvisioningLogServiceClient;
    let app = TestApp::spawn().await;
    let group = create_group(&app, "Team").await;

    app.call(
        Method::POST,
        "/Groups",
        Some(json!({"displayName": "TEAM"})),
    )
    .await;
    patch_group(
        &app,
        &group,
        json!([{"op": "add", "path": "members", "value": [{"value": "nobody"}]}]),
    )
    .await;

    let mut log = ProvisioningLogServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let events = log
        .list_provisioning_events(ListProvisioningEventsRequest {
            tenant_id: app.tenant_id.clone(),
            limit: 10,
            outcome: "failure".to_owned(),
            ..ListProvisioningEventsRequest::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    let seen: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| (e.operation.as_str(), e.reason.as_str(), e.group_id.as_str()))
        .collect();
    assert!(
        seen.contains(&("create", "GROUP_NAME_TAKEN", "")),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("update", "UNKNOWN_MEMBER", group.as_str())),
        "{seen:?}"
    );
    app.stop().await;
}
