//! Provisioning metrics: one counter of provisioning-log events by tenant,
//! operation, outcome and reason, so dashboards show why users did not
//! arrive without reading the log.

use std::sync::LazyLock;

use opentelemetry::KeyValue;
use opentelemetry::metrics::Counter;

use crate::store::NewEvent;

static EVENTS: LazyLock<Counter<u64>> = LazyLock::new(|| {
    opentelemetry::global::meter("hrms.directory")
        .u64_counter("hrms.provisioning.events")
        .with_description("Provisioning operations by outcome and reason")
        .build()
});

/// Counts one provisioning event.
pub fn record_event(event: &NewEvent<'_>) {
    let resource = if event.group_id.is_some() {
        "group"
    } else {
        "employee"
    };
    EVENTS.add(
        1,
        &[
            KeyValue::new("tenant.id", event.tenant_id.to_owned()),
            KeyValue::new("hrms.resource", resource),
            KeyValue::new("hrms.operation", event.operation.to_owned()),
            KeyValue::new("hrms.outcome", event.outcome.to_owned()),
            KeyValue::new("hrms.reason", event.reason.to_owned()),
        ],
    );
}
