//! Logs, traces and metrics for the `hrms` process.
//!
//! Logs are structured JSON on stderr (stdout is kept for command output),
//! filtered by `RUST_LOG` (default `info`). When `OTEL_EXPORTER_OTLP_ENDPOINT`
//! (or the traces- or metrics-specific variable) is set, spans and metrics
//! are exported over OTLP/gRPC using the standard `OTEL_*` variables, and W3C
//! trace context is propagated between the adapter and the directory.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Flushes and stops the exporters when dropped.
pub struct Telemetry {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(tracer) = self.tracer.take() {
            let _ = tracer.shutdown();
        }
        if let Some(meter) = self.meter.take() {
            let _ = meter.shutdown();
        }
    }
}

/// Where OTLP data goes.
#[derive(Debug, Clone)]
pub enum Export {
    /// The standard `OTEL_EXPORTER_OTLP_*` variables.
    FromEnvironment,
    /// This endpoint (tests use it; deployments set the variables).
    Endpoint(String),
}

fn otlp_configured() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    ]
    .iter()
    .any(|name| std::env::var(name).is_ok_and(|value| !value.trim().is_empty()))
}

/// Installs logging and, when configured, OTLP export. Call once, inside
/// the Tokio runtime.
pub fn init(service_name: &'static str) -> anyhow::Result<Telemetry> {
    let export = otlp_configured().then_some(Export::FromEnvironment);
    init_with(service_name, export)
}

/// Like [`init`], with the export decided by the caller.
pub fn init_with(service_name: &'static str, export: Option<Export>) -> anyhow::Result<Telemetry> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_writer(std::io::stderr);

    let Some(export) = export else {
        tracing_subscriber::registry()
            .with(filter)
            .with(logs)
            .try_init()?;
        return Ok(Telemetry {
            tracer: None,
            meter: None,
        });
    };

    let mut spans = opentelemetry_otlp::SpanExporter::builder().with_tonic();
    let mut metrics = opentelemetry_otlp::MetricExporter::builder().with_tonic();
    if let Export::Endpoint(endpoint) = &export {
        spans = spans.with_endpoint(endpoint.clone());
        metrics = metrics.with_endpoint(endpoint.clone());
    }
    let resource = Resource::builder().with_service_name(service_name).build();
    let tracer = SdkTracerProvider::builder()
        .with_batch_exporter(spans.build()?)
        .with_resource(resource.clone())
        .build();
    let meter = SdkMeterProvider::builder()
        .with_periodic_exporter(metrics.build()?)
        .with_resource(resource)
        .build();
    opentelemetry::global::set_tracer_provider(tracer.clone());
    opentelemetry::global::set_meter_provider(meter.clone());
    let otel = tracing_opentelemetry::layer().with_tracer(tracer.tracer(service_name));
    tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(otel)
        .try_init()?;
    Ok(Telemetry {
        tracer: Some(tracer),
        meter: Some(meter),
    })
}
