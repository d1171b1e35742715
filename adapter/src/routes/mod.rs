//! HTTP handlers, one module per SCIM resource area, and what they share.

pub mod bulk;
pub mod discovery;
pub mod groups;
pub mod search;
pub mod users;

use hrms_api::v1::RecordProvisioningEventRequest;

use crate::AppState;
use crate::auth::Tenant;
use crate::error::ScimError;

/// What a refused request was about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// An employee id, or "" for a create.
    Employee(&'a str),
    /// A group id, or "" for a create.
    Group(&'a str),
}

/// Passes `result` through; when it is a refusal, first writes it to the
/// tenant's provisioning log, so an admin sees why a user or group did not
/// arrive.
pub async fn logged<T>(
    state: &AppState,
    tenant: &Tenant,
    operation: &str,
    subject: Subject<'_>,
    result: Result<T, ScimError>,
) -> Result<T, ScimError> {
    if let Err(error) = &result {
        record_refusal(state, tenant, operation, subject, error).await;
    }
    result
}

/// Writes a refused request to the provisioning log. Best effort.
async fn record_refusal(
    state: &AppState,
    tenant: &Tenant,
    operation: &str,
    subject: Subject<'_>,
    error: &ScimError,
) {
    let (employee_id, group_id) = match subject {
        Subject::Employee(id) => (id, ""),
        Subject::Group(id) => ("", id),
    };
    let request = RecordProvisioningEventRequest {
        tenant_id: tenant.id.clone(),
        operation: operation.to_owned(),
        employee_id: employee_id.to_owned(),
        group_id: group_id.to_owned(),
        outcome: "failure".to_owned(),
        reason: error.scim_type.unwrap_or("invalidRequest").to_owned(),
        detail: error.detail.clone(),
    };
    if let Err(status) = state
        .directory
        .log
        .clone()
        .record_provisioning_event(request)
        .await
    {
        tracing::warn!(grpc.code = ?status.code(), "could not record a refused request");
    }
}
