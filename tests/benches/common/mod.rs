//! What the benchmarks share: a company with SCIM on, and employees seeded
//! over gRPC (much faster than over SCIM).

use hrms_api::v1::employee_service_client::EmployeeServiceClient;
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use hrms_api::v1::{
    CreateEmployeeRequest, CreateTenantRequest, EmployeeAttributes, IssueScimTokenRequest,
    SetScimEnabledRequest,
};
use tonic::transport::Channel;

/// Parallel gRPC callers while seeding.
const SEED_CONCURRENCY: usize = 8;

/// A new company with SCIM on: its id and a bearer token.
pub async fn tenant(channel: &Channel, name: &str) -> (String, String) {
    let mut tenants = TenantServiceClient::new(channel.clone());
    let tenant = tenants
        .create_tenant(CreateTenantRequest {
            name: name.to_owned(),
            time_zone: "Europe/London".to_owned(),
            departments: vec!["General".to_owned()],
            designations: vec!["Associate".to_owned()],
            ..CreateTenantRequest::default()
        })
        .await
        .expect("tenant")
        .into_inner();
    tenants
        .set_scim_enabled(SetScimEnabledRequest {
            tenant_id: tenant.id.clone(),
            enabled: true,
        })
        .await
        .expect("enable");
    let token = tenants
        .issue_scim_token(IssueScimTokenRequest {
            tenant_id: tenant.id.clone(),
            expires_in_seconds: 0,
        })
        .await
        .expect("token")
        .into_inner()
        .token;
    (tenant.id, token)
}

/// Creates `count` employees, the nth with `attributes(n)`; their ids in
/// order.
pub async fn seed_employees(
    channel: &Channel,
    tenant_id: &str,
    count: usize,
    attributes: fn(usize) -> EmployeeAttributes,
) -> Vec<String> {
    let per_task = count.div_ceil(SEED_CONCURRENCY);
    let tasks = (0..SEED_CONCURRENCY).map(|task| {
        let mut client = EmployeeServiceClient::new(channel.clone());
        let tenant_id = tenant_id.to_owned();
        tokio::spawn(async move {
            let mut ids = Vec::with_capacity(per_task);
            let start = task * per_task;
            for n in start..(start + per_task).min(count) {
                let employee = client
                    .create_employee(CreateEmployeeRequest {
                        tenant_id: tenant_id.clone(),
                        attributes: Some(attributes(n)),
                    })
                    .await
                    .expect("employee")
                    .into_inner();
                ids.push(employee.id);
            }
            ids
        })
    });
    let mut ids = Vec::with_capacity(count);
    for task in futures::future::join_all(tasks).await {
        ids.extend(task.expect("seed task"));
    }
    ids
}
