//! Tenant isolation: company A's credentials on company B's ids and
//! filters, at every SCIM endpoint and every tenant-scoped gRPC method.
//! Each call must answer 404 (or a refusal naming no B data) or an empty
//! result, and B's data must be exactly as before.

use hrms_api::v1::employee_service_client::EmployeeServiceClient;
use hrms_api::v1::group_service_client::GroupServiceClient;
use hrms_api::v1::organization_service_client::OrganizationServiceClient;
use hrms_api::v1::provisioning_log_service_client::ProvisioningLogServiceClient;
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use hrms_api::v1::{
    CreateEmployeeRequest, CreateGroupRequest, DeleteEmployeeRequest, DeleteGroupRequest,
    EmployeeAttributes, EmployeeCondition, EmployeeField, EmployeeFilter, FilterOperator,
    GetEmployeeRequest, GetGroupRequest, GroupChange, GroupMembersRequest, IsGroupMemberRequest,
    ListDepartmentsRequest, ListEmployeesRequest, ListGroupMembersRequest,
    ListProvisioningEventsRequest, ListScimTokensRequest, MemberIds, ModifyGroupRequest,
    RenameGroupRequest, RenameUnitRequest, RevokeScimTokenRequest, RotateScimTokenRequest,
    UnitRequest, UpdateEmployeeRequest, employee_filter, group_change,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tonic::Code;

use crate::support::{ENTERPRISE, PATCH_OP, TestApp, create_tenant, entra_user, url_encode};

/// Everything of company B a caller could read or change.
async fn snapshot(app: &TestApp, token: &str, tenant_id: &str) -> Value {
    let users = app
        .call_as(token, Method::GET, "/Users?count=1000", None)
        .await
        .body;
    let groups = app
        .call_as(
            token,
            Method::GET,
            "/Groups?count=1000&attributes=displayName,externalId,members,meta",
            None,
        )
        .await
        .body;
    let mut org = OrganizationServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let departments = org
        .list_departments(ListDepartmentsRequest {
            tenant_id: tenant_id.to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    let tokens = TenantServiceClient::connect(app.grpc.clone())
        .await
        .unwrap()
        .list_scim_tokens(ListScimTokensRequest {
            tenant_id: tenant_id.to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    let log = ProvisioningLogServiceClient::connect(app.grpc.clone())
        .await
        .unwrap()
        .list_provisioning_events(ListProvisioningEventsRequest {
            tenant_id: tenant_id.to_owned(),
            limit: 1000,
            ..ListProvisioningEventsRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    // Token use times move with every call, including this snapshot's.
    let tokens: Vec<(String, String)> =
        tokens.tokens.into_iter().map(|t| (t.id, t.state)).collect();
    json!({
        "users": users,
        "groups": groups,
        "departments": format!("{departments:?}"),
        "tokens": format!("{tokens:?}"),
        "log": log.events.len(),
    })
}

fn no_b_data(text: &str, b_ids: &[&str]) {
    for id in b_ids {
        assert!(!text.contains(id), "B's {id} appears in: {text}");
    }
}

#[tokio::test]
async fn company_a_cannot_read_or_change_company_b_anywhere() {
    let app = TestApp::spawn().await;
    // Company A is the app's own; company B is another on the same server.
    let (b_tenant, b_token) = create_tenant(&app.grpc, "Beacon Freight").await;
    let mut b_user_body = entra_user("bryn.okafor@example.test", "b-ext-1");
    b_user_body[ENTERPRISE]["employeeNumber"] = json!("B-001");
    b_user_body["nickName"] = json!("Bryn");
    b_user_body["emails"] = json!([{"type": "work", "value": "bryn.okafor@example.test"}]);
    let b_user = app
        .call_as(&b_token, Method::POST, "/Users", Some(b_user_body))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_group = app
        .call_as(
            &b_token,
            Method::POST,
            "/Groups",
            Some(json!({"displayName": "Beacon Team", "externalId": "b-group", "members": [{"value": b_user}]})),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a_user = app
        .create_user(entra_user("ayo@example.test", "a-ext-1"))
        .await;
    let before = snapshot(&app, &b_token, &b_tenant).await;
    let b_ids = [b_user.as_str(), b_group.as_str(), b_tenant.as_str()];

    // SCIM with A's token.
    let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "Stolen"}]});
    let user_body = entra_user("bryn.okafor@example.test", "b-ext-1");
    let mut with_b_manager = entra_user("m@example.test", "a-ext-2");
    with_b_manager[ENTERPRISE]["manager"] = json!({"value": b_user});
    let not_found = [
        (Method::GET, format!("/Users/{b_user}"), None),
        (Method::PUT, format!("/Users/{b_user}"), Some(user_body)),
        (
            Method::PATCH,
            format!("/Users/{b_user}"),
            Some(patch.clone()),
        ),
        (Method::DELETE, format!("/Users/{b_user}"), None),
        (Method::GET, format!("/Groups/{b_group}"), None),
        (
            Method::PUT,
            format!("/Groups/{b_group}"),
            Some(json!({"displayName": "Stolen"})),
        ),
        (
            Method::PATCH,
            format!("/Groups/{b_group}"),
            Some(patch.clone()),
        ),
        (Method::DELETE, format!("/Groups/{b_group}"), None),
    ];
    for (method, path, body) in not_found {
        let reply = app.call(method.clone(), &path, body).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            reply.body
        );
        no_b_data(&reply.body.to_string(), &b_ids);
    }
    let empty_filters = [
        format!("id eq \"{b_user}\""),
        "userName eq \"bryn.okafor@example.test\"".to_owned(),
        "externalId eq \"b-ext-1\"".to_owned(),
        format!("{ENTERPRISE}:employeeNumber eq \"B-001\""),
        format!("manager eq \"{b_user}\""),
        "nickName eq \"bryn\"".to_owned(),
        "emails[type eq \"work\"].value eq \"bryn.okafor@example.test\"".to_owned(),
        "emails[type eq \"work\"].value eq \"bryn.okafor@example.test\" and active eq true"
            .to_owned(),
    ];
    for filter in &empty_filters {
        let reply = app
            .get(&format!("/Users?filter={}", url_encode(filter)))
            .await;
        assert_eq!(reply.body["totalResults"], 0, "{filter}");
    }
    for filter in [
        format!("id eq \"{b_group}\""),
        "displayName eq \"Beacon Team\"".to_owned(),
        format!("members[value eq \"{b_user}\"]"),
    ] {
        let reply = app
            .get(&format!("/Groups?filter={}", url_encode(&filter)))
            .await;
        assert_eq!(reply.body["totalResults"], 0, "{filter}");
    }
    let everywhere = app
        .call(
            Method::POST,
            "/.search",
            Some(json!({"filter": format!("id eq \"{b_user}\" or id eq \"{b_group}\"")})),
        )
        .await;
    assert_eq!(everywhere.body["totalResults"], 0);
    let refused = [
        app.post_user(with_b_manager).await,
        app.call(
            Method::POST,
            "/Groups",
            Some(json!({"displayName": "Mine", "members": [{"value": b_user}]})),
        )
        .await,
        app.patch_user(
            &a_user,
            json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": b_user}]),
        )
        .await,
    ];
    for reply in &refused {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    }
    let bulk = app
        .call(
            Method::POST,
            "/Bulk",
            Some(json!({"Operations": [
                {"method": "DELETE", "path": format!("/Users/{b_user}")},
                {"method": "PATCH", "path": format!("/Groups/{b_group}"), "data": patch},
            ]})),
        )
        .await;
    let statuses: Vec<&str> = bulk.body["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["404", "404"]);

    // gRPC with A's tenant id and B's ids.
    let a = app.tenant_id.clone();
    let mut employees = EmployeeServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let mut groups = GroupServiceClient::connect(app.grpc.clone()).await.unwrap();
    let mut org = OrganizationServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let mut tenants = TenantServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let mut log = ProvisioningLogServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let b_department = org
        .list_departments(ListDepartmentsRequest {
            tenant_id: b_tenant.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .departments[1]
        .id
        .clone();
    let b_token_id = tenants
        .list_scim_tokens(ListScimTokensRequest {
            tenant_id: b_tenant.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens[0]
        .id
        .clone();
    let attributes = EmployeeAttributes {
        user_name: "x@example.test".into(),
        active: true,
        ..EmployeeAttributes::default()
    };
    let members = || vec![b_user.clone()];
    let codes: Vec<(&str, Code)> = vec![
        (
            "GetEmployee",
            employees
                .get_employee(GetEmployeeRequest {
                    tenant_id: a.clone(),
                    id: b_user.clone(),
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "UpdateEmployee",
            employees
                .update_employee(UpdateEmployeeRequest {
                    tenant_id: a.clone(),
                    id: b_user.clone(),
                    attributes: Some(attributes.clone()),
                    ..UpdateEmployeeRequest::default()
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "DeleteEmployee",
            employees
                .delete_employee(DeleteEmployeeRequest {
                    tenant_id: a.clone(),
                    id: b_user.clone(),
                    expected_version: None,
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "CreateEmployee with B's manager",
            employees
                .create_employee(CreateEmployeeRequest {
                    tenant_id: a.clone(),
                    attributes: Some(EmployeeAttributes {
                        manager_id: b_user.clone(),
                        ..attributes.clone()
                    }),
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "GetGroup",
            groups
                .get_group(GetGroupRequest {
                    tenant_id: a.clone(),
                    id: b_group.clone(),
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "ListGroupMembers",
            groups
                .list_group_members(ListGroupMembersRequest {
                    tenant_id: a.clone(),
                    group_id: b_group.clone(),
                    ..ListGroupMembersRequest::default()
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "RenameGroup",
            groups
                .rename_group(RenameGroupRequest {
                    tenant_id: a.clone(),
                    id: b_group.clone(),
                    display_name: "Stolen".into(),
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "AddGroupMembers",
            groups
                .add_group_members(GroupMembersRequest {
                    tenant_id: a.clone(),
                    id: b_group.clone(),
                    member_ids: vec![a_user.clone()],
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "RemoveGroupMembers",
            groups
                .remove_group_members(GroupMembersRequest {
                    tenant_id: a.clone(),
                    id: b_group.clone(),
                    member_ids: members(),
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "ReplaceGroupMembers",
            groups
                .replace_group_members(GroupMembersRequest {
                    tenant_id: a.clone(),
                    id: b_group.clone(),
                    member_ids: vec![],
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "ModifyGroup",
            groups
                .modify_group(ModifyGroupRequest {
                    tenant_id: a.clone(),
                    id: b_group.clone(),
                    changes: vec![GroupChange {
                        kind: Some(group_change::Kind::ReplaceMembers(MemberIds {
                            ids: vec![],
                        })),
                    }],
                    expected_version: None,
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "DeleteGroup",
            groups
                .delete_group(DeleteGroupRequest {
                    tenant_id: a.clone(),
                    id: b_group.clone(),
                    expected_version: None,
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "IsGroupMember",
            groups
                .is_group_member(IsGroupMemberRequest {
                    tenant_id: a.clone(),
                    group_id: b_group.clone(),
                    employee_id: b_user.clone(),
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "CreateGroup with B's member",
            groups
                .create_group(CreateGroupRequest {
                    tenant_id: a.clone(),
                    display_name: "Mine".into(),
                    external_id: String::new(),
                    member_ids: members(),
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "RenameDepartment",
            org.rename_department(RenameUnitRequest {
                tenant_id: a.clone(),
                id: b_department.clone(),
                name: "Stolen".into(),
            })
            .await
            .unwrap_err()
            .code(),
        ),
        (
            "RetireDepartment",
            org.retire_department(UnitRequest {
                tenant_id: a.clone(),
                id: b_department.clone(),
            })
            .await
            .unwrap_err()
            .code(),
        ),
        (
            "SetDefaultDepartment",
            org.set_default_department(UnitRequest {
                tenant_id: a.clone(),
                id: b_department.clone(),
            })
            .await
            .unwrap_err()
            .code(),
        ),
        (
            "RotateScimToken",
            tenants
                .rotate_scim_token(RotateScimTokenRequest {
                    tenant_id: a.clone(),
                    token_id: b_token_id.clone(),
                    overlap_seconds: 0,
                    expires_in_seconds: 0,
                })
                .await
                .unwrap_err()
                .code(),
        ),
        (
            "RevokeScimToken",
            tenants
                .revoke_scim_token(RevokeScimTokenRequest {
                    tenant_id: a.clone(),
                    token_id: b_token_id.clone(),
                })
                .await
                .unwrap_err()
                .code(),
        ),
    ];
    for (method, code) in &codes {
        let expected = if method.contains("with B's") {
            Code::InvalidArgument
        } else {
            Code::NotFound
        };
        assert_eq!(*code, expected, "{method}");
    }
    let by_id = EmployeeFilter {
        kind: Some(employee_filter::Kind::Condition(EmployeeCondition {
            field: EmployeeField::Id as i32,
            operator: FilterOperator::Eq as i32,
            value: b_user.clone(),
            email_type: String::new(),
        })),
    };
    let listed = employees
        .list_employees(ListEmployeesRequest {
            tenant_id: a.clone(),
            filter: Some(by_id),
            limit: 100,
            ..ListEmployeesRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.total_count, 0);
    let events = log
        .list_provisioning_events(ListProvisioningEventsRequest {
            tenant_id: a.clone(),
            employee_id: b_user.clone(),
            ..ListProvisioningEventsRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(events.events.is_empty());

    // B is exactly as it was, and B's token still works.
    let after = snapshot(&app, &b_token, &b_tenant).await;
    assert_eq!(after, before);
    app.stop().await;
}
