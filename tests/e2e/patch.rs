//! PATCH in every shape Entra sends, checked through the stored result.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{ENTERPRISE, TestApp, entra_user};

const ENTERPRISE_PATH: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn full_user(app: &TestApp) -> String {
    let mut user = entra_user("ayla@example.test", "a");
    user["title"] = json!("Payroll Analyst");
    user["addresses"] = json!([{"type": "work", "streetAddress": "14 Quarry Lane", "locality": "Eastmere", "postalCode": "WS1 4QL"}]);
    user["phoneNumbers"] =
        json!([{"type": "work", "value": "+1"}, {"type": "mobile", "value": "+2"}]);
    user[ENTERPRISE] =
        json!({"employeeNumber": "E-1", "department": "Payroll", "costCenter": "CC-1"});
    app.create_user(user).await
}

#[tokio::test]
async fn capitalised_replace_with_filtered_sub_attribute_and_urn_paths() {
    let app = TestApp::spawn().await;
    let id = full_user(&app).await;

    let reply = app
        .patch_user(
            &id,
            json!([
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@example.test"},
                {"op": "Replace", "path": "name.familyName", "value": "Moss"},
                {"op": "Replace", "path": format!("{ENTERPRISE_PATH}:employeeNumber"), "value": "E-1-A"},
                {"op": "Replace", "path": format!("{ENTERPRISE_PATH}:department"), "value": "Payroll and Benefits"},
                {"op": "Replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "16 Quarry Lane"},
                {"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+3"},
                {"op": "Replace", "path": "userName", "value": "ayla.moss@example.test"}
            ]),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    let user = app.user(&id).await;
    assert_eq!(
        user["emails"],
        json!([{"primary": true, "type": "work", "value": "new@example.test"}])
    );
    assert_eq!(user["name"]["familyName"], "Moss");
    assert_eq!(user["name"]["givenName"], "Test");
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "E-1-A");
    assert_eq!(user[ENTERPRISE]["department"], "Payroll and Benefits");
    assert_eq!(user[ENTERPRISE]["costCenter"], "CC-1");
    assert_eq!(
        user["addresses"],
        json!([{"type": "work", "streetAddress": "16 Quarry Lane", "locality": "Eastmere", "postalCode": "WS1 4QL"}])
    );
    assert_eq!(
        user["phoneNumbers"],
        json!([{"type": "work", "value": "+3"}, {"type": "mobile", "value": "+2"}])
    );
    assert_eq!(
        app.filter("userName eq \"ayla.moss@example.test\"").await["totalResults"],
        1
    );
    assert_eq!(
        app.filter("userName eq \"ayla@example.test\"").await["totalResults"],
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn add_creates_missing_typed_elements_and_replaces_single_values() {
    let app = TestApp::spawn().await;
    let id = full_user(&app).await;

    app.patch_user(
        &id,
        json!([
            {"op": "Add", "path": "nickName", "value": "Ayls"},
            {"op": "Add", "path": "phoneNumbers[type eq \"fax\"].value", "value": "+9"},
            {"op": "Add", "path": "emails[type eq \"other\"].value", "value": "other@example.test"},
            {"op": "Add", "path": format!("{ENTERPRISE_PATH}:costCenter"), "value": "CC-2"}
        ]),
    )
    .await;

    let user = app.user(&id).await;
    assert_eq!(user["nickName"], "Ayls");
    assert_eq!(user["phoneNumbers"].as_array().unwrap().len(), 3);
    assert_eq!(
        user["phoneNumbers"][2],
        json!({"type": "fax", "value": "+9"})
    );
    assert_eq!(
        user["emails"][1],
        json!({"type": "other", "value": "other@example.test"})
    );
    assert_eq!(user[ENTERPRISE]["costCenter"], "CC-2");
    app.stop().await;
}

#[tokio::test]
async fn one_add_per_address_sub_attribute_builds_a_single_address() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("rune@example.test", "r")).await;
    let operations: Vec<_> = [
        ("formatted", "Depot 2, Bay 7"),
        ("streetAddress", "3 Kiln Street"),
        ("locality", "Northbridge"),
        ("region", "Westshire"),
        ("postalCode", "WS9 2KS"),
        ("country", "GB"),
    ]
    .iter()
    .map(|(sub, value)| json!({"op": "Add", "path": format!("addresses[type eq \"work\"].{sub}"), "value": value}))
    .chain([json!({"op": "Add", "path": "title", "value": "Facilities Contractor"})])
    .collect();

    let reply = app.patch_user(&id, json!(operations)).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body["addresses"],
        json!([{"type": "work", "formatted": "Depot 2, Bay 7", "streetAddress": "3 Kiln Street",
                "locality": "Northbridge", "region": "Westshire", "postalCode": "WS9 2KS", "country": "GB"}])
    );
    assert_eq!(reply.body["title"], "Facilities Contractor");
    app.stop().await;
}

#[tokio::test]
async fn empty_null_and_remove_clear_only_their_targets() {
    let app = TestApp::spawn().await;
    let id = full_user(&app).await;
    app.patch_user(
        &id,
        json!([
            {"op": "Add", "path": "nickName", "value": "Ayls"},
            {"op": "Add", "path": "phoneNumbers[type eq \"fax\"].value", "value": "+9"},
            {"op": "Add", "path": "emails[type eq \"other\"].value", "value": "o@example.test"}
        ]),
    )
    .await;

    let null = app
        .patch_user(&id, json!([{"op": "replace", "path": format!("{ENTERPRISE_PATH}:costCenter"), "value": null}]))
        .await;
    let removed = app
        .patch_user(
            &id,
            json!([
                {"op": "Remove", "path": "phoneNumbers[type eq \"fax\"].value"},
                {"op": "Remove", "path": "nickName"},
                {"op": "Remove", "path": "emails[type eq \"other\"]"}
            ]),
        )
        .await;

    assert_eq!(null.status, StatusCode::OK);
    assert_eq!(removed.status, StatusCode::OK);
    let user = app.user(&id).await;
    assert!(user[ENTERPRISE].get("costCenter").is_none());
    assert_eq!(user[ENTERPRISE]["employeeNumber"], "E-1");
    assert!(user.get("nickName").is_none());
    assert_eq!(
        user["phoneNumbers"],
        json!([{"type": "work", "value": "+1"}, {"type": "mobile", "value": "+2"}])
    );
    assert_eq!(user["emails"].as_array().unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn manager_in_every_shape_is_stored_and_returned_as_a_value_object() {
    let app = TestApp::spawn().await;
    let boss = app.create_user(entra_user("boss@example.test", "b")).await;
    let id = app.create_user(entra_user("ayla@example.test", "a")).await;
    let path = format!("{ENTERPRISE_PATH}:manager");

    for value in [
        json!(boss),
        json!({"value": boss}),
        json!([{"value": boss}]),
    ] {
        app.patch_user(&id, json!([{"op": "Replace", "path": path, "value": ""}]))
            .await;
        let reply = app
            .patch_user(&id, json!([{"op": "Add", "path": path, "value": value}]))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{value}");
        assert_eq!(
            reply.body[ENTERPRISE]["manager"]["value"],
            boss.as_str(),
            "{value}"
        );
    }
    let by_filter = app
        .patch_user(
            &id,
            json!([{"op": "Remove", "path": format!("{path}[value eq \"{boss}\"]")}]),
        )
        .await;
    assert!(by_filter.body[ENTERPRISE].get("manager").is_none());
    app.patch_user(&id, json!([{"op": "Add", "path": path, "value": boss}]))
        .await;
    let removed = app
        .patch_user(&id, json!([{"op": "Remove", "path": path}]))
        .await;
    assert!(removed.body[ENTERPRISE].get("manager").is_none());
    app.patch_user(&id, json!([{"op": "Add", "path": path, "value": boss}]))
        .await;
    let emptied = app
        .patch_user(
            &id,
            json!([{"op": "Replace", "path": path, "value": {"value": null}}]),
        )
        .await;
    assert!(emptied.body[ENTERPRISE].get("manager").is_none());
    app.stop().await;
}

#[tokio::test]
async fn pathless_replace_with_dotted_urn_and_nested_keys() {
    let app = TestApp::spawn().await;
    let id = full_user(&app).await;

    let reply = app
        .patch_user(
            &id,
            json!([{"op": "replace", "value": {
                "name.givenName": "Ada",
                "displayName": "Ada T",
                "active": "False",
                format!("{ENTERPRISE_PATH}:department"): "Facilities",
                ENTERPRISE_PATH: {"division": "Ops"},
                "name": {"honorificPrefix": "Dr"}
            }}]),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["name"]["givenName"], "Ada");
    assert_eq!(reply.body["name"]["familyName"], "Person");
    assert_eq!(reply.body["name"]["honorificPrefix"], "Dr");
    assert_eq!(reply.body["displayName"], "Ada T");
    assert_eq!(reply.body["active"], false);
    assert_eq!(reply.body[ENTERPRISE]["department"], "Facilities");
    assert_eq!(reply.body[ENTERPRISE]["division"], "Ops");
    app.stop().await;
}

#[tokio::test]
async fn op_names_any_case_and_booleans_as_strings_or_json() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("a@example.test", "a")).await;

    for (op, value, expected) in [
        ("REPLACE", json!("false"), false),
        ("add", json!("TRUE"), true),
        ("Replace", json!(false), false),
        ("replace", json!(true), true),
    ] {
        let reply = app
            .patch_user(&id, json!([{"op": op, "path": "active", "value": value}]))
            .await;
        assert_eq!(reply.body["active"], expected, "{op} {value}");
    }
    let reply = app
        .patch_user(&id, json!([{"op": "replace", "path": "emails[type eq \"work\"].primary", "value": "False"}]))
        .await;
    assert_eq!(reply.body["emails"][0]["primary"], false);
    app.stop().await;
}

#[tokio::test]
async fn operations_before_schemas_and_plain_json_content_type_are_accepted() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("a@example.test", "a")).await;
    let body = r#"{"Operations":[{"op":"Replace","path":"active","value":"False"}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}"#;

    let reply = app
        .call_raw(
            reqwest::Method::PATCH,
            &format!("/Users/{id}"),
            "application/json",
            body.into(),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["active"], false);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_patches_of_one_user_never_lose_each_others_changes() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("a@example.test", "a")).await;
    let attributes = [
        "nickName",
        "displayName",
        "locale",
        "timezone",
        "userType",
        "preferredLanguage",
        "profileUrl",
    ];

    let patches = attributes.iter().map(|attr| {
        let (app, id) = (&app, &id);
        async move {
            app.patch_user(
                id,
                json!([{"op": "replace", "path": attr, "value": format!("set-{attr}")}]),
            )
            .await
        }
    });
    let replies = futures::future::join_all(patches).await;

    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let user = app.user(&id).await;
    for attr in attributes {
        assert_eq!(user[attr], format!("set-{attr}"), "{attr} was lost");
    }
    assert_eq!(
        user["meta"]["version"],
        format!("W/\"{}\"", attributes.len() + 1)
    );
    app.stop().await;
}

#[tokio::test]
async fn the_enterprise_urn_as_path_updates_the_extension() {
    let app = TestApp::spawn().await;
    let id = full_user(&app).await;

    let reply = app
        .patch_user(
            &id,
            json!([{"op": "add", "path": ENTERPRISE_PATH, "value": {"department": "Facilities", "employeeNumber": "T8-1"}}]),
        )
        .await;
    let junk = app
        .patch_user(
            &id,
            json!([{"op": "add", "path": ENTERPRISE_PATH, "value": "str"}]),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body[ENTERPRISE]["department"], "Facilities");
    assert_eq!(reply.body[ENTERPRISE]["employeeNumber"], "T8-1");
    assert_eq!(junk.status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn a_patch_that_changes_nothing_writes_nothing() {
    let app = TestApp::spawn().await;
    let id = full_user(&app).await;

    let reply = app
        .patch_user(
            &id,
            json!([{"op": "Replace", "path": "title", "value": "Payroll Analyst"}]),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["meta"]["version"], "W/\"1\"");
    app.stop().await;
}
