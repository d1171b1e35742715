//! Request metrics: a counter and a latency histogram per route, method,
//! status and tenant, exported by whatever meter provider the process
//! installed (OTLP when configured, nothing otherwise).

use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram};

struct Instruments {
    requests: Counter<u64>,
    duration: Histogram<f64>,
}

static INSTRUMENTS: LazyLock<Instruments> = LazyLock::new(|| {
    let meter = opentelemetry::global::meter("hrms.adapter");
    Instruments {
        requests: meter
            .u64_counter("scim.requests")
            .with_description("SCIM requests answered")
            .build(),
        duration: meter
            .f64_histogram("scim.request.duration")
            .with_unit("s")
            .with_description("Time to answer a SCIM request")
            .build(),
    }
});

/// Where the bearer-token check leaves the tenant for the metrics layer.
#[derive(Clone, Debug, Default)]
pub struct TenantSlot(Arc<OnceLock<String>>);

impl TenantSlot {
    pub fn set(&self, tenant_id: &str) {
        let _ = self.0.set(tenant_id.to_owned());
    }
}

/// Middleware: counts and times every request.
pub async fn track(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = request.method().to_string();
    let slot = TenantSlot::default();
    request.extensions_mut().insert(slot.clone());

    let response = next.run(request).await;

    let mut attributes = vec![
        KeyValue::new("http.route", route),
        KeyValue::new("http.request.method", method),
        KeyValue::new(
            "http.response.status_code",
            i64::from(response.status().as_u16()),
        ),
    ];
    if let Some(tenant) = slot.0.get() {
        attributes.push(KeyValue::new("tenant.id", tenant.clone()));
    }
    INSTRUMENTS.requests.add(1, &attributes);
    INSTRUMENTS
        .duration
        .record(started.elapsed().as_secs_f64(), &attributes);
    response
}
