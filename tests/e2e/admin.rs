//! The tenant administration API: settings, the Employee Code format, SCIM
//! on/off and status, token rotation, revocation and expiry, departments
//! and designations, and the provisioning log's filters.

use std::time::Duration;

use hrms_api::v1::organization_service_client::OrganizationServiceClient;
use hrms_api::v1::provisioning_log_service_client::ProvisioningLogServiceClient;
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use hrms_api::v1::{
    CreateDepartmentRequest, CreateDesignationRequest, GetScimStatusRequest, IssueScimTokenRequest,
    ListDepartmentsRequest, ListProvisioningEventsRequest, ListScimTokensRequest,
    RenameUnitRequest, RevokeScimTokenRequest, RotateScimTokenRequest,
    SetEmployeeCodeFormatRequest, SetScimEnabledRequest, UnitRequest, UpdateTenantRequest,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tonic::transport::Channel;

use crate::support::{ENTERPRISE, TestApp, entra_user};

async fn tenants(app: &TestApp) -> TenantServiceClient<Channel> {
    TenantServiceClient::connect(app.grpc.clone())
        .await
        .unwrap()
}

async fn organization(app: &TestApp) -> OrganizationServiceClient<Channel> {
    OrganizationServiceClient::connect(app.grpc.clone())
        .await
        .unwrap()
}

/// The status of a SCIM call made with `token`.
async fn with_token(app: &TestApp, token: &str) -> StatusCode {
    app.call_as(token, Method::GET, "/Users?count=0", None)
        .await
        .status
}

#[tokio::test]
async fn settings_and_the_code_format_change_what_comes_next() {
    let app = TestApp::spawn().await;
    let mut client = tenants(&app).await;
    let first = app.create_user(entra_user("a@example.test", "x1")).await;

    let updated = client
        .update_tenant(UpdateTenantRequest {
            tenant_id: app.tenant_id.clone(),
            name: Some("Northbridge Payroll Ltd".into()),
            time_zone: Some("Asia/Kolkata".into()),
            date_of_joining_from_scim: None,
        })
        .await
        .unwrap()
        .into_inner();
    let bad_zone = client
        .update_tenant(UpdateTenantRequest {
            tenant_id: app.tenant_id.clone(),
            time_zone: Some("Mars/Olympus".into()),
            ..UpdateTenantRequest::default()
        })
        .await
        .unwrap_err();
    let formatted = client
        .set_employee_code_format(SetEmployeeCodeFormatRequest {
            tenant_id: app.tenant_id.clone(),
            prefix: "NB-".into(),
            width: 3,
            next_number: 7,
        })
        .await
        .unwrap()
        .into_inner();
    let invisible = organization(&app)
        .await
        .create_department(CreateDepartmentRequest {
            tenant_id: app.tenant_id.clone(),
            name: "Pay\u{202E}roll".into(),
        })
        .await
        .unwrap_err();
    let bad_width = client
        .set_employee_code_format(SetEmployeeCodeFormatRequest {
            tenant_id: app.tenant_id.clone(),
            prefix: "NB-".into(),
            width: 40,
            next_number: 1,
        })
        .await
        .unwrap_err();
    let second = app.create_user(entra_user("b@example.test", "x2")).await;

    assert_eq!(updated.name, "Northbridge Payroll Ltd");
    assert_eq!(updated.time_zone, "Asia/Kolkata");
    // Unchanged fields keep their values.
    assert!(updated.scim_enabled);
    assert_eq!(bad_zone.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        (
            formatted.code_prefix.as_str(),
            formatted.code_width,
            formatted.next_code_number
        ),
        ("NB-", 3, 7)
    );
    assert_eq!(bad_width.code(), tonic::Code::InvalidArgument);
    assert_eq!(invisible.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        app.user(&first).await[ENTERPRISE]["employeeNumber"],
        "EMP-00001"
    );
    assert_eq!(
        app.user(&second).await[ENTERPRISE]["employeeNumber"],
        "NB-007"
    );
    app.stop().await;
}

#[tokio::test]
async fn disabling_scim_refuses_every_token_until_enabled_and_status_tells() {
    let app = TestApp::spawn().await;
    let mut client = tenants(&app).await;
    let status = |client: &mut TenantServiceClient<Channel>| {
        let mut client = client.clone();
        let tenant_id = app.tenant_id.clone();
        async move {
            client
                .get_scim_status(GetScimStatusRequest { tenant_id })
                .await
                .unwrap()
                .into_inner()
        }
    };
    let before = status(&mut client).await;
    assert_eq!(with_token(&app, &app.token).await, StatusCode::OK);
    let used = status(&mut client).await;

    client
        .set_scim_enabled(SetScimEnabledRequest {
            tenant_id: app.tenant_id.clone(),
            enabled: false,
        })
        .await
        .unwrap();
    let off = app.get("/Users").await;
    let off_status = status(&mut client).await;
    client
        .set_scim_enabled(SetScimEnabledRequest {
            tenant_id: app.tenant_id.clone(),
            enabled: true,
        })
        .await
        .unwrap();

    assert!(before.enabled);
    assert!(before.last_request_at.is_none());
    assert_eq!(before.active_tokens, 1);
    assert!(used.last_request_at.is_some());
    assert_eq!(off.status, StatusCode::FORBIDDEN);
    assert!(!off_status.enabled);
    assert_eq!(with_token(&app, &app.token).await, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn rotation_keeps_the_old_token_for_the_overlap_and_revocation_stops_it() {
    let app = TestApp::spawn().await;
    let mut client = tenants(&app).await;
    let tenant_id = app.tenant_id.clone();
    let listed = client
        .list_scim_tokens(ListScimTokensRequest {
            tenant_id: tenant_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens;
    let original_id = listed[0].id.clone();

    let rotated = client
        .rotate_scim_token(RotateScimTokenRequest {
            tenant_id: tenant_id.clone(),
            token_id: original_id.clone(),
            overlap_seconds: 3600,
            expires_in_seconds: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let both = (
        with_token(&app, &app.token).await,
        with_token(&app, &rotated.token).await,
    );
    // Rotating again without overlap stops the previous token at once.
    let again = client
        .rotate_scim_token(RotateScimTokenRequest {
            tenant_id: tenant_id.clone(),
            token_id: rotated.token_id.clone(),
            overlap_seconds: 0,
            expires_in_seconds: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let after_second = (
        with_token(&app, &rotated.token).await,
        with_token(&app, &again.token).await,
    );
    let revoked = client
        .revoke_scim_token(RevokeScimTokenRequest {
            tenant_id: tenant_id.clone(),
            token_id: original_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let rotate_revoked = client
        .rotate_scim_token(RotateScimTokenRequest {
            tenant_id: tenant_id.clone(),
            token_id: original_id.clone(),
            overlap_seconds: 60,
            expires_in_seconds: 0,
        })
        .await
        .unwrap_err();
    let too_long = client
        .rotate_scim_token(RotateScimTokenRequest {
            tenant_id: tenant_id.clone(),
            token_id: again.token_id.clone(),
            overlap_seconds: 31 * 86_400,
            expires_in_seconds: 0,
        })
        .await
        .unwrap_err();
    let tokens = client
        .list_scim_tokens(ListScimTokensRequest {
            tenant_id: tenant_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .tokens;

    assert_eq!(both, (StatusCode::OK, StatusCode::OK));
    assert_eq!(after_second, (StatusCode::UNAUTHORIZED, StatusCode::OK));
    assert_eq!(revoked.state, "revoked");
    assert_eq!(with_token(&app, &app.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(rotate_revoked.code(), tonic::Code::NotFound);
    assert_eq!(too_long.code(), tonic::Code::InvalidArgument);
    let states: Vec<&str> = tokens.iter().map(|t| t.state.as_str()).collect();
    assert_eq!(states, ["active", "expired", "revoked"]);
    assert!(tokens[2].last_used_at.is_some());
    // The list never carries a secret.
    let listing = format!("{tokens:?}");
    for secret in [&app.token, &rotated.token, &again.token] {
        assert!(!listing.contains(secret.as_str()));
    }
    app.stop().await;
}

#[tokio::test]
async fn tokens_issued_with_a_lifetime_stop_when_it_ends() {
    let app = TestApp::spawn().await;
    let mut client = tenants(&app).await;
    let short = client
        .issue_scim_token(IssueScimTokenRequest {
            tenant_id: app.tenant_id.clone(),
            expires_in_seconds: 1,
        })
        .await
        .unwrap()
        .into_inner();
    let fresh = with_token(&app, &short.token).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let later = with_token(&app, &short.token).await;
    let forever = client
        .issue_scim_token(IssueScimTokenRequest {
            tenant_id: app.tenant_id.clone(),
            expires_in_seconds: -5,
        })
        .await
        .unwrap_err();

    assert_eq!(fresh, StatusCode::OK);
    assert_eq!(later, StatusCode::UNAUTHORIZED);
    assert_eq!(forever.code(), tonic::Code::InvalidArgument);
    app.stop().await;
}

#[tokio::test]
async fn departments_and_designations_are_renamed_retired_and_defaulted() {
    let app = TestApp::spawn().await;
    let mut org = organization(&app).await;
    let tenant_id = app.tenant_id.clone();
    let lead = org
        .create_designation(CreateDesignationRequest {
            tenant_id: tenant_id.clone(),
            name: "Payroll Lead".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let audit = org
        .create_department(CreateDepartmentRequest {
            tenant_id: tenant_id.clone(),
            name: "Audit".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut kept = entra_user("kept@example.test", "k1");
    kept["title"] = json!("Payroll Lead");
    kept[ENTERPRISE]["department"] = json!("Audit");
    let kept = app.create_user(kept).await;

    let renamed = org
        .rename_designation(RenameUnitRequest {
            tenant_id: tenant_id.clone(),
            id: lead.id.clone(),
            name: "Payroll Team Lead".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let unit = |id: &str| UnitRequest {
        tenant_id: tenant_id.clone(),
        id: id.to_owned(),
    };
    org.retire_designation(unit(&lead.id)).await.unwrap();
    org.retire_department(unit(&audit.id)).await.unwrap();
    // The employee who has them keeps them through unrelated changes.
    let touched = app
        .patch_user(
            &kept,
            json!([{"op": "replace", "path": "nickName", "value": "K"}]),
        )
        .await;
    let mut newcomer = entra_user("new@example.test", "n1");
    newcomer["title"] = json!("payroll team lead");
    let refused = app.post_user(newcomer.clone()).await;
    newcomer["title"] = json!("Associate");
    newcomer[ENTERPRISE]["department"] = json!("Audit");
    let defaulted = app.post_user(newcomer).await;

    let departments = org
        .list_departments(ListDepartmentsRequest {
            tenant_id: tenant_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .departments;
    let default_department = departments.iter().find(|d| d.is_default).unwrap().clone();
    let retire_default = org
        .retire_department(unit(&default_department.id))
        .await
        .unwrap_err();
    let retired_default = org
        .set_default_department(unit(&audit.id))
        .await
        .unwrap_err();
    let payroll = departments.iter().find(|d| d.name == "Payroll").unwrap();
    let new_default = org
        .set_default_department(unit(&payroll.id))
        .await
        .unwrap()
        .into_inner();
    let blank = app
        .create_user(entra_user("blank@example.test", "b1"))
        .await;
    let clash = org
        .rename_department(RenameUnitRequest {
            tenant_id: tenant_id.clone(),
            id: payroll.id.clone(),
            name: " facilities ".into(),
        })
        .await
        .unwrap_err();
    let foreign = org
        .rename_department(RenameUnitRequest {
            tenant_id: "someone-else".into(),
            id: payroll.id.clone(),
            name: "Mine".into(),
        })
        .await
        .unwrap_err();

    assert_eq!(renamed.name, "Payroll Team Lead");
    assert_eq!(touched.status, StatusCode::OK, "{}", touched.body);
    assert_eq!(touched.body["title"], "Payroll Team Lead");
    assert_eq!(touched.body[ENTERPRISE]["department"], "Audit");
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body["detail"].as_str().unwrap().contains("retired"));
    assert_eq!(defaulted.status, StatusCode::CREATED);
    assert_eq!(defaulted.body[ENTERPRISE]["department"], "General");
    assert!(departments.iter().any(|d| d.name == "Audit" && d.retired));
    assert_eq!(retire_default.code(), tonic::Code::FailedPrecondition);
    assert_eq!(retired_default.code(), tonic::Code::FailedPrecondition);
    assert!(new_default.is_default);
    assert_eq!(app.user(&blank).await[ENTERPRISE]["department"], "Payroll");
    assert_eq!(clash.code(), tonic::Code::AlreadyExists);
    assert_eq!(foreign.code(), tonic::Code::NotFound);
    // The warning says why the default was used.
    let mut log = ProvisioningLogServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let warnings = log
        .list_provisioning_events(ListProvisioningEventsRequest {
            tenant_id: tenant_id.clone(),
            outcome: "warning".into(),
            ..ListProvisioningEventsRequest::default()
        })
        .await
        .unwrap()
        .into_inner()
        .events;
    assert!(warnings[0].detail.contains("Department 'Audit' is retired"));
    // Schemas offer only names a new employee may take.
    let schema = app
        .get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
        .await;
    let titles = schema.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "title")
        .unwrap()["canonicalValues"]
        .clone();
    assert!(
        !titles
            .as_array()
            .unwrap()
            .contains(&json!("Payroll Team Lead"))
    );
    app.stop().await;
}

#[tokio::test]
async fn the_provisioning_log_filters_by_time_operation_outcome_and_employee() {
    let app = TestApp::spawn().await;
    let first = app.create_user(entra_user("a@example.test", "x1")).await;
    let between = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = app.create_user(entra_user("b@example.test", "x2")).await;
    app.patch_user(
        &second,
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    let mut bad = entra_user("c@example.test", "x3");
    bad["title"] = json!("Astronaut");
    app.post_user(bad).await;

    let mut log = ProvisioningLogServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let query = |request: ListProvisioningEventsRequest| {
        let mut log = log.clone();
        async move {
            log.list_provisioning_events(request)
                .await
                .unwrap()
                .into_inner()
                .events
        }
    };
    let base = ListProvisioningEventsRequest {
        tenant_id: app.tenant_id.clone(),
        ..ListProvisioningEventsRequest::default()
    };
    let at = |time: chrono::DateTime<chrono::Utc>| prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: time.timestamp_subsec_nanos() as i32,
    };
    let since = query(ListProvisioningEventsRequest {
        since: Some(at(between)),
        ..base.clone()
    })
    .await;
    let until = query(ListProvisioningEventsRequest {
        until: Some(at(between)),
        ..base.clone()
    })
    .await;
    let creates = query(ListProvisioningEventsRequest {
        operation: "create".into(),
        ..base.clone()
    })
    .await;
    let failures = query(ListProvisioningEventsRequest {
        outcome: "failure".into(),
        ..base.clone()
    })
    .await;
    let of_second = query(ListProvisioningEventsRequest {
        employee_id: second.clone(),
        ..base.clone()
    })
    .await;
    let bad_time = log
        .list_provisioning_events(ListProvisioningEventsRequest {
            since: Some(prost_types::Timestamp {
                seconds: i64::MAX,
                nanos: 0,
            }),
            ..base.clone()
        })
        .await
        .unwrap_err();

    assert_eq!(since.len(), 3);
    assert_eq!(until.len(), 1);
    assert_eq!(until[0].employee_id, first);
    assert_eq!(creates.len(), 3);
    assert_eq!(failures.len(), 1);
    assert!(failures[0].detail.contains("Job Title 'Astronaut'"));
    let operations: Vec<&str> = of_second.iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(operations, ["deactivate", "create"]);
    assert_eq!(bad_time.code(), tonic::Code::InvalidArgument);
    drop(log);
    app.stop().await;
}

/// The /admin pages over plain HTTP: sign-in, session cookie, CSRF.
mod page {
    use reqwest::header::{
        CACHE_CONTROL, CONTENT_SECURITY_POLICY, COOKIE, LOCATION, ORIGIN, SET_COOKIE,
    };
    use reqwest::{StatusCode, redirect::Policy};

    use crate::support::TestApp;

    const PASSWORD: &str = "correct-horse-battery-staple";

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    fn admin_url(app: &TestApp, path: &str) -> String {
        format!("{}{path}", app.scim.replace("/scim/v2", "/admin"))
    }

    /// Signs in; returns the session cookie pair and the page's CSRF token.
    async fn sign_in(app: &TestApp) -> (String, String) {
        let reply = client()
            .post(admin_url(app, "/login"))
            .form(&[("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::SEE_OTHER);
        let set = reply.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        let cookie = set.split(';').next().unwrap().to_owned();
        let page = client()
            .get(admin_url(app, ""))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        (cookie, csrf)
    }

    #[tokio::test]
    async fn the_admin_pages_are_off_without_a_password() {
        let app = TestApp::spawn().await;
        let reply = client().get(admin_url(&app, "")).send().await.unwrap();
        assert_eq!(reply.status(), StatusCode::NOT_FOUND);
        app.stop().await;
    }

    #[tokio::test]
    async fn sign_in_sessions_and_csrf_guard_every_change() {
        let app = TestApp::spawn_with_admin(PASSWORD).await;
        let tenant_page = admin_url(&app, &format!("/tenants/{}", app.tenant_id));
        let switch = admin_url(&app, &format!("/tenants/{}/scim", app.tenant_id));

        let login_page = client().get(admin_url(&app, "")).send().await.unwrap();
        let wrong = client()
            .post(admin_url(&app, "/login"))
            .form(&[("password", "guess")])
            .send()
            .await
            .unwrap();
        let anonymous = client().get(&tenant_page).send().await.unwrap();
        let (cookie, csrf) = sign_in(&app).await;
        let forged_cookie = client()
            .get(&tenant_page)
            .header(COOKIE, cookie.replacen('.', "9.", 1))
            .send()
            .await
            .unwrap();
        let no_csrf = client()
            .post(&switch)
            .header(COOKIE, &cookie)
            .form(&[("enabled", "false")])
            .send()
            .await
            .unwrap();
        let other_origin = client()
            .post(&switch)
            .header(COOKIE, &cookie)
            .header(ORIGIN, "https://attacker.example.test")
            .form(&[("enabled", "false"), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        let still_on = app.get("/Users?count=0").await.status;
        let page_origin = app.scim.replace("/scim/v2", "");
        let switched = client()
            .post(&switch)
            .header(COOKIE, &cookie)
            .header(ORIGIN, &page_origin)
            .form(&[("enabled", "false"), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        let now_off = app.get("/Users?count=0").await.status;
        let issued = client()
            .post(admin_url(
                &app,
                &format!("/tenants/{}/tokens", app.tenant_id),
            ))
            .header(COOKIE, &cookie)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        let issued_headers = issued.headers().clone();
        let issued_page = issued.text().await.unwrap();
        let token = issued_page
            .split("id=\"token\" class=\"secret concealed\">")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap()
            .to_owned();
        let later_page = client()
            .get(&tenant_page)
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();

        assert_eq!(login_page.status(), StatusCode::OK);
        assert!(
            login_page.headers()[CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert!(wrong.headers().get(SET_COOKIE).is_none());
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
        assert_eq!(anonymous.headers()[LOCATION], "/admin");
        assert_eq!(forged_cookie.status(), StatusCode::SEE_OTHER);
        assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
        assert_eq!(other_origin.status(), StatusCode::FORBIDDEN);
        assert_eq!(still_on, StatusCode::OK);
        assert_eq!(switched.status(), StatusCode::SEE_OTHER);
        assert_eq!(now_off, StatusCode::FORBIDDEN);
        assert!(token.starts_with("hrms_scim_"), "{token}");
        assert_eq!(issued_headers[CACHE_CONTROL], "no-store");
        // Shown once: the page read afterwards does not carry it.
        assert!(!later_page.contains(&token));
        assert!(later_page.contains("SCIM provisioning is not enabled"));

        // Signing out ends the session itself, not just this browser's copy.
        let (second_cookie, _) = sign_in(&app).await;
        let out = client()
            .post(admin_url(&app, "/logout"))
            .header(COOKIE, &cookie)
            .header(ORIGIN, &page_origin)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        for old in [&cookie, &second_cookie] {
            let reused = client()
                .get(&tenant_page)
                .header(COOKIE, old)
                .send()
                .await
                .unwrap();
            assert_eq!(reused.status(), StatusCode::SEE_OTHER);
        }
        let (fresh, _) = sign_in(&app).await;
        let again = client()
            .get(&tenant_page)
            .header(COOKIE, &fresh)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::OK);
        app.stop().await;
    }
}
