//! The gRPC side as generic tooling and internal services see it.

use hrms_api::v1::employee_service_client::EmployeeServiceClient;
use hrms_api::v1::organization_service_client::OrganizationServiceClient;
use hrms_api::v1::{
    CreateEmployeeRequest, EmployeeAttributes, GetEmployeeRequest, ListDesignationsRequest,
};
use tokio_stream::StreamExt;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_types::StatusExt;

use crate::support::TestApp;

async fn channel(app: &TestApp) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(app.grpc.clone())
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn reflection_lists_the_directory_services() {
    let app = TestApp::spawn().await;
    let mut client = ServerReflectionClient::new(channel(&app).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };

    let mut responses = client
        .server_reflection_info(tokio_stream::once(request))
        .await
        .unwrap()
        .into_inner();
    let response = responses.next().await.unwrap().unwrap();

    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("not a service list");
    };
    let mut names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    names.sort();
    for expected in [
        "grpc.health.v1.Health",
        "runtime.hrms.directory.v1.EmployeeService",
        "runtime.hrms.directory.v1.OrganizationService",
        "runtime.hrms.directory.v1.ProvisioningLogService",
        "runtime.hrms.directory.v1.TenantService",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "{expected} missing from {names:?}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn health_answers_serving() {
    let app = TestApp::spawn().await;
    let mut health = HealthClient::new(channel(&app).await);

    for service in ["", "runtime.hrms.directory.v1.EmployeeService"] {
        let mut status = ServingStatus::Unknown;
        // The reporter starts as the server starts; give it a moment.
        for _ in 0..50 {
            let reply = health
                .check(HealthCheckRequest {
                    service: service.to_owned(),
                })
                .await;
            if let Ok(reply) = reply {
                status = reply.into_inner().status();
                if status == ServingStatus::Serving {
                    break;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(status, ServingStatus::Serving, "service {service:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn grpc_errors_carry_a_machine_readable_reason() {
    let app = TestApp::spawn().await;
    let mut employees = EmployeeServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();

    let missing = employees
        .get_employee(GetEmployeeRequest {
            tenant_id: app.tenant_id.clone(),
            id: "nope".to_owned(),
        })
        .await
        .unwrap_err();
    let bad_title = employees
        .create_employee(CreateEmployeeRequest {
            tenant_id: app.tenant_id.clone(),
            attributes: Some(EmployeeAttributes {
                user_name: "a@example.test".to_owned(),
                title: "Astronaut".to_owned(),
                ..EmployeeAttributes::default()
            }),
        })
        .await
        .unwrap_err();

    assert_eq!(missing.code(), tonic::Code::NotFound);
    assert_eq!(
        missing.get_details_error_info().unwrap().reason,
        "EMPLOYEE_NOT_FOUND"
    );
    assert_eq!(bad_title.code(), tonic::Code::InvalidArgument);
    let info = bad_title.get_details_error_info().unwrap();
    assert_eq!(info.reason, "UNKNOWN_DESIGNATION");
    assert_eq!(info.domain, "directory.hrms.runtime");
    assert_eq!(info.metadata["title"], "Astronaut");
    app.stop().await;
}

#[tokio::test]
async fn internal_services_can_create_employees_directly() {
    let app = TestApp::spawn().await;
    let mut employees = EmployeeServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let mut organization = OrganizationServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();

    let created = employees
        .create_employee(CreateEmployeeRequest {
            tenant_id: app.tenant_id.clone(),
            attributes: Some(EmployeeAttributes {
                user_name: "direct@example.test".to_owned(),
                active: true,
                ..EmployeeAttributes::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    let designations = organization
        .list_designations(ListDesignationsRequest {
            tenant_id: app.tenant_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .designations;

    let attributes = created.attributes.unwrap();
    assert_eq!(attributes.employee_code, "EMP-00001");
    assert_eq!(attributes.title, "Associate");
    assert_eq!(attributes.department, "General");
    let default = designations.iter().find(|d| d.is_default).unwrap();
    assert_eq!(default.id, created.designation_id);
    let found = app.filter("userName eq \"direct@example.test\"").await;
    assert_eq!(found["totalResults"], 1);
    app.stop().await;
}
