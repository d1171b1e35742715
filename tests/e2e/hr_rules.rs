//! The HR rules SCIM requests meet (DESIGN.md), checked through SCIM and,
//! where SCIM cannot show them, through the directory's gRPC API.

use hrms_api::v1::employee_service_client::EmployeeServiceClient;
use hrms_api::v1::provisioning_log_service_client::ProvisioningLogServiceClient;
use hrms_api::v1::{GetEmployeeRequest, ListProvisioningEventsRequest, ProvisioningEvent};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{ENTERPRISE, TestApp, entra_user};

async fn events(app: &TestApp, employee_id: &str) -> Vec<ProvisioningEvent> {
    let mut log = ProvisioningLogServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let mut events = log
        .list_provisioning_events(ListProvisioningEventsRequest {
            tenant_id: app.tenant_id.clone(),
            limit: 100,
            employee_id: employee_id.to_owned(),
            ..ListProvisioningEventsRequest::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    events.reverse();
    events
}

#[tokio::test]
async fn blank_employee_number_assigns_the_next_free_code() {
    let app = TestApp::spawn().await;
    let mut taken = entra_user("explicit@example.test", "x0");
    taken[ENTERPRISE] = json!({"employeeNumber": "EMP-00002"});
    app.create_user(taken).await;

    let first = app.post_user(entra_user("a@example.test", "x1")).await;
    let second = app.post_user(entra_user("b@example.test", "x2")).await;

    assert_eq!(first.body[ENTERPRISE]["employeeNumber"], "EMP-00001");
    assert_eq!(
        second.body[ENTERPRISE]["employeeNumber"], "EMP-00003",
        "EMP-00002 is taken"
    );
    app.stop().await;
}

#[tokio::test]
async fn taken_employee_code_returns_409_and_assigned_codes_count_as_taken() {
    let app = TestApp::spawn().await;
    let mut user = entra_user("imre@example.test", "x1");
    user[ENTERPRISE] = json!({"employeeNumber": "E-300001"});
    app.create_user(user).await;
    let assigned = app.post_user(entra_user("tamsin@example.test", "x2")).await;
    let assigned_code = assigned.body[ENTERPRISE]["employeeNumber"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut clash = entra_user("bram@example.test", "x3");
    clash[ENTERPRISE] = json!({"employeeNumber": "e-300001 "});
    let explicit = app.post_user(clash).await;
    let mut clash = entra_user("wren@example.test", "x4");
    clash[ENTERPRISE] = json!({"employeeNumber": assigned_code});
    let reused = app.post_user(clash).await;

    for reply in [&explicit, &reused] {
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert_eq!(reply.body["scimType"], "uniqueness");
    }
    assert!(
        explicit.body["detail"]
            .as_str()
            .unwrap()
            .contains("Employee Code")
    );
    assert_eq!(app.list("").await["totalResults"], 2);
    app.stop().await;
}

#[tokio::test]
async fn unknown_department_falls_back_to_the_default_and_is_logged_as_a_warning() {
    let app = TestApp::spawn().await;
    let mut user = entra_user("imre@example.test", "x1");
    user["title"] = json!("Payroll Analyst");
    user[ENTERPRISE] = json!({"employeeNumber": "E-300001", "department": "Treasury"});

    let reply = app.post_user(user).await;
    let id = reply.body["id"].as_str().unwrap();
    let log = events(&app, id).await;

    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body[ENTERPRISE]["department"], "General");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].operation, "create");
    assert_eq!(log[0].outcome, "warning");
    assert_eq!(log[0].reason, "DEFAULT_DEPARTMENT");
    assert!(log[0].detail.contains("Treasury"));
    app.stop().await;
}

#[tokio::test]
async fn department_and_title_match_ignoring_case_and_spaces_in_the_tenant_spelling() {
    let app = TestApp::spawn().await;
    let mut user = entra_user("imre@example.test", "x1");
    user["title"] = json!("Payroll Analyst");
    let id = app.create_user(user).await;

    let reply = app
        .patch_user(
            &id,
            json!([
                {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "  payroll operations "},
                {"op": "Replace", "path": "title", "value": "senior payroll analyst"}
            ]),
        )
        .await;

    assert_eq!(reply.status, StatusCode::OK);
    let stored = app.user(&id).await;
    assert_eq!(stored["title"], "Senior Payroll Analyst");
    assert_eq!(stored[ENTERPRISE]["department"], "Payroll Operations");
    app.stop().await;
}

#[tokio::test]
async fn blank_title_gets_the_default_designation() {
    let app = TestApp::spawn().await;
    let reply = app.post_user(entra_user("tamsin@example.test", "x1")).await;
    assert_eq!(reply.body["title"], "Associate");
    let id = reply.body["id"].as_str().unwrap().to_owned();

    app.patch_user(
        &id,
        json!([{"op": "replace", "path": "title", "value": "Payroll Analyst"}]),
    )
    .await;
    let cleared = app
        .patch_user(
            &id,
            json!([{"op": "replace", "path": "title", "value": ""}]),
        )
        .await;

    assert_eq!(cleared.status, StatusCode::OK);
    assert_eq!(cleared.body["title"], "Associate");
    app.stop().await;
}

#[tokio::test]
async fn unknown_title_fails_the_create_naming_the_title_and_leaves_nothing() {
    let app = TestApp::spawn().await;
    let mut user = entra_user("odile@example.test", "x1");
    user["title"] = json!("Chief Morale Officer");

    let reply = app.post_user(user).await;
    let log = events(&app, "").await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["scimType"], "invalidValue");
    assert_eq!(
        reply.body["detail"],
        "Job Title 'Chief Morale Officer' does not exist in designations"
    );
    assert_eq!(
        app.filter("userName eq \"odile@example.test\"").await["totalResults"],
        0
    );
    let failure = log.last().unwrap();
    assert_eq!(
        (failure.operation.as_str(), failure.outcome.as_str()),
        ("create", "failure")
    );
    assert_eq!(failure.reason, "UNKNOWN_DESIGNATION");
    assert!(failure.detail.contains("Chief Morale Officer"));
    app.stop().await;
}

#[tokio::test]
async fn unknown_title_fails_an_update_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut user = entra_user("imre@example.test", "x1");
    user["title"] = json!("Payroll Analyst");
    let id = app.create_user(user).await;

    let reply = app
        .patch_user(
            &id,
            json!([
                {"op": "Replace", "path": "displayName", "value": "Changed"},
                {"op": "Replace", "path": "title", "value": "Chief Morale Officer"}
            ]),
        )
        .await;

    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["scimType"], "invalidValue");
    let stored = app.user(&id).await;
    assert_eq!(stored["title"], "Payroll Analyst");
    assert_eq!(stored["displayName"], "Test Person");
    assert_eq!(stored["meta"]["version"], "W/\"1\"");
    app.stop().await;
}

#[tokio::test]
async fn date_of_joining_is_today_in_the_tenant_time_zone() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("a@example.test", "x1")).await;

    let employee = employee_over_grpc(&app, &id).await;

    let london = chrono_today_in_london();
    assert_eq!(employee.date_of_joining, london);
    app.stop().await;
}

async fn employee_over_grpc(app: &TestApp, id: &str) -> hrms_api::v1::Employee {
    let mut employees = EmployeeServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    employees
        .get_employee(GetEmployeeRequest {
            tenant_id: app.tenant_id.clone(),
            id: id.to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
}

fn chrono_today_in_london() -> String {
    let zone: chrono_tz::Tz = "Europe/London".parse().expect("zone");
    chrono::Utc::now()
        .with_timezone(&zone)
        .date_naive()
        .to_string()
}

#[tokio::test]
async fn manager_must_be_an_employee_of_the_same_tenant() {
    let app = TestApp::spawn().await;
    let mut user = entra_user("a@example.test", "x1");
    user[ENTERPRISE] = json!({"manager": "00000000-0000-0000-0000-000000000000"});

    let unknown = app.post_user(user).await;
    let id = app.create_user(entra_user("b@example.test", "x2")).await;
    let own = app
        .patch_user(
            &id,
            json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": id}]),
        )
        .await;

    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["scimType"], "invalidValue");
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn removing_a_manager_clears_it_from_the_reports() {
    let app = TestApp::spawn().await;
    let manager = app.create_user(entra_user("boss@example.test", "m")).await;
    let mut user = entra_user("a@example.test", "x1");
    user[ENTERPRISE] = json!({"manager": manager});
    let id = app.create_user(user).await;

    app.call(Method::DELETE, &format!("/Users/{manager}"), None)
        .await;

    assert!(app.user(&id).await[ENTERPRISE].get("manager").is_none());
    app.stop().await;
}

#[tokio::test]
async fn concurrent_creates_with_blank_codes_get_distinct_codes() {
    let app = TestApp::spawn().await;
    let creates = (0..24).map(|n| {
        let app = &app;
        async move {
            app.post_user(entra_user(&format!("p{n}@example.test"), &format!("e{n}")))
                .await
        }
    });

    let replies = futures::future::join_all(creates).await;

    let mut codes: Vec<String> = replies
        .iter()
        .map(|reply| {
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
            reply.body[ENTERPRISE]["employeeNumber"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    codes.sort();
    let expected: Vec<String> = (1..=24).map(|n| format!("EMP-{n:05}")).collect();
    assert_eq!(codes, expected, "no duplicates and no gaps");
    app.stop().await;
}

#[tokio::test]
async fn every_write_is_in_the_provisioning_log() {
    let app = TestApp::spawn().await;
    let id = app.create_user(entra_user("a@example.test", "x1")).await;
    app.patch_user(
        &id,
        json!([{"op": "replace", "path": "displayName", "value": "A"}]),
    )
    .await;
    app.patch_user(
        &id,
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    app.patch_user(
        &id,
        json!([{"op": "replace", "path": "active", "value": true}]),
    )
    .await;
    app.patch_user(&id, json!([{"op": "Frobnicate", "path": "title"}]))
        .await;
    app.call(Method::DELETE, &format!("/Users/{id}"), None)
        .await;

    let log: Vec<(String, String)> = events(&app, &id)
        .await
        .into_iter()
        .map(|event| (event.operation, event.outcome))
        .collect();

    let expected = [
        ("create", "success"),
        ("update", "success"),
        ("deactivate", "success"),
        ("reactivate", "success"),
        ("update", "failure"),
        ("delete", "success"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(op, outcome)| ((*op).to_owned(), (*outcome).to_owned()))
        .collect();
    assert_eq!(log, expected);
    app.stop().await;
}

#[tokio::test]
async fn date_of_joining_is_not_offered_unless_the_company_allows_it() {
    use crate::support::HRMS;
    let app = TestApp::spawn().await;
    let mut user = entra_user("a@example.test", "x1");
    user[HRMS] = json!({"dateOfJoining": "2025-04-01"});
    let created = app.post_user(user.clone()).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let replaced = app
        .call(Method::PUT, &format!("/Users/{id}"), Some(user))
        .await;
    let patched = app
        .patch_user(
            &id,
            json!([{"op": "replace", "path": format!("{HRMS}:dateOfJoining"), "value": "2025-05-01"}]),
        )
        .await;
    let removed = app
        .patch_user(
            &id,
            json!([{"op": "remove", "path": format!("{HRMS}:dateOfJoining")}]),
        )
        .await;
    let filtered = app
        .call(
            Method::GET,
            &format!(
                "/Users?filter={}",
                crate::support::url_encode(&format!("{HRMS}:dateOfJoining lt \"2030-01-01\""))
            ),
            None,
        )
        .await;
    let user_type = app.get("/ResourceTypes/User").await;
    let stored = employee_over_grpc(&app, &id).await;

    // POST and PUT ignore it; the User has no HRMS extension.
    assert_eq!(created.status, StatusCode::CREATED);
    assert!(created.body.get(HRMS).is_none());
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(stored.date_of_joining, chrono_today_in_london());
    // A PATCH that would set it is refused and changes nothing.
    for refused in [&patched, &removed] {
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(refused.body["scimType"], "invalidPath");
    }
    assert_eq!(filtered.status, StatusCode::BAD_REQUEST);
    assert_eq!(filtered.body["scimType"], "invalidFilter");
    assert_eq!(
        user_type.body["schemaExtensions"],
        json!([{"schema": ENTERPRISE, "required": true}])
    );
    app.stop().await;
}

#[tokio::test]
async fn date_of_joining_can_be_set_changed_filtered_and_is_validated() {
    use crate::support::HRMS;
    let app = TestApp::spawn_with_scim_joining_dates().await;
    let mut user = entra_user("a@example.test", "x1");
    user[HRMS] = json!({"dateOfJoining": "2025-04-01"});
    let given = app.post_user(user).await;
    let defaulted = app.post_user(entra_user("b@example.test", "x2")).await;
    let id = given.body["id"].as_str().unwrap().to_owned();

    let changed = app
        .patch_user(
            &id,
            json!([{"op": "replace", "path": format!("{HRMS}:dateOfJoining"), "value": "2025-05-31T23:30:00Z"}]),
        )
        .await;
    let earlier = app
        .list(&format!(
            "filter={}",
            crate::support::url_encode(&format!("{HRMS}:dateOfJoining lt \"2025-12-31\""))
        ))
        .await;
    let mut bad = entra_user("c@example.test", "x3");
    bad[HRMS] = json!({"dateOfJoining": "31/05/2025"});
    let refused = app.post_user(bad).await;

    assert_eq!(given.status, StatusCode::CREATED);
    assert_eq!(given.body[HRMS]["dateOfJoining"], "2025-04-01");
    assert_eq!(
        defaulted.body[HRMS]["dateOfJoining"],
        chrono_today_in_london()
    );
    // Named without its URN, it still lands in the extension.
    let bare = app
        .patch_user(
            &id,
            json!([{"op": "replace", "path": "dateOfJoining", "value": "2025-07-01"}]),
        )
        .await;
    assert_eq!(bare.body[HRMS]["dateOfJoining"], "2025-07-01");
    assert!(bare.body.get("dateOfJoining").is_none());
    // 23:30 UTC on 31 May is 00:30 on 1 June in London (summer time).
    assert_eq!(changed.body[HRMS]["dateOfJoining"], "2025-06-01");
    assert_eq!(earlier["totalResults"], 1);
    assert_eq!(earlier["Resources"][0]["id"], id.as_str());
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["scimType"], "invalidValue");
    let user_type = app.get("/ResourceTypes/User").await;
    assert_eq!(user_type.body["schemaExtensions"][1]["schema"], HRMS);
    app.stop().await;
}
