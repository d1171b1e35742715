//! The provisioning log RPCs: reading a tenant's log and recording requests
//! an adapter refused before they reached the directory.

use hrms_api::v1::provisioning_log_service_server::ProvisioningLogService;
use hrms_api::v1::{
    ListProvisioningEventsRequest, ListProvisioningEventsResponse, ProvisioningEvent,
    RecordProvisioningEventRequest,
};
use tonic::{Request, Response, Status};

use crate::Directory;
use crate::error::DirectoryError;
use crate::store::{EventQuery, EventRecord, NewEvent, parse_timestamp};

const OPERATIONS: &[&str] = &["create", "update", "deactivate", "reactivate", "delete"];
const OUTCOMES: &[&str] = &["success", "warning", "failure"];

/// A protobuf timestamp as stored (RFC 3339 UTC, microseconds).
fn time_text(at: &prost_types::Timestamp) -> Result<String, DirectoryError> {
    let nanos = u32::try_from(at.nanos).unwrap_or(0);
    chrono::DateTime::from_timestamp(at.seconds, nanos)
        .map(crate::store::timestamp_text)
        .ok_or_else(|| DirectoryError::invalid("since/until", "is not a valid time"))
}

#[tonic::async_trait]
impl ProvisioningLogService for Directory {
    async fn list_provisioning_events(
        &self,
        request: Request<ListProvisioningEventsRequest>,
    ) -> Result<Response<ListProvisioningEventsResponse>, Status> {
        let request = request.into_inner();
        let tenant = self.tenant(&request.tenant_id).await?;
        let query = EventQuery {
            employee_id: Some(request.employee_id).filter(|id| !id.is_empty()),
            group_id: Some(request.group_id).filter(|id| !id.is_empty()),
            outcome: Some(request.outcome).filter(|outcome| !outcome.is_empty()),
            operation: Some(request.operation).filter(|operation| !operation.is_empty()),
            since: request.since.as_ref().map(time_text).transpose()?,
            until: request.until.as_ref().map(time_text).transpose()?,
            limit: match request.limit {
                1..=1000 => i64::from(request.limit),
                limit if limit > 1000 => 1000,
                _ => 100,
            },
        };
        let events = self
            .store
            .list_events(&tenant.id, &query)
            .await
            .map_err(DirectoryError::from)?
            .into_iter()
            .map(to_event)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Response::new(ListProvisioningEventsResponse { events }))
    }

    async fn record_provisioning_event(
        &self,
        request: Request<RecordProvisioningEventRequest>,
    ) -> Result<Response<ProvisioningEvent>, Status> {
        let request = request.into_inner();
        let tenant = self.tenant(&request.tenant_id).await?;
        if !OPERATIONS.contains(&request.operation.as_str()) {
            return Err(DirectoryError::invalid("operation", "is not a known operation").into());
        }
        if !OUTCOMES.contains(&request.outcome.as_str()) {
            return Err(DirectoryError::invalid("outcome", "is not a known outcome").into());
        }
        let reason: String = request.reason.chars().take(100).collect();
        let detail: String = request.detail.chars().take(1000).collect();
        let event = NewEvent {
            tenant_id: &tenant.id,
            operation: &request.operation,
            employee_id: Some(request.employee_id.as_str()).filter(|id| !id.is_empty()),
            group_id: Some(request.group_id.as_str()).filter(|id| !id.is_empty()),
            outcome: &request.outcome,
            reason: &reason,
            detail: &detail,
        };
        let record = self
            .store
            .record_event(&event)
            .await
            .map_err(DirectoryError::from)?;
        Ok(Response::new(to_event(record)?))
    }
}

fn to_event(record: EventRecord) -> Result<ProvisioningEvent, DirectoryError> {
    Ok(ProvisioningEvent {
        at: Some(parse_timestamp(&record.at)?),
        id: record.id,
        tenant_id: record.tenant_id,
        operation: record.operation,
        employee_id: record.employee_id.unwrap_or_default(),
        group_id: record.group_id.unwrap_or_default(),
        outcome: record.outcome,
        reason: record.reason,
        detail: record.detail,
    })
}
