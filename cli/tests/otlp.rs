//! OTLP export end to end: a collector on 127.0.0.1 receives the spans and
//! metrics of one SCIM create, and the spans form one trace from the HTTP
//! request through the gRPC client and server spans to the directory's.
//!
//! Its own test binary, because telemetry installs process-wide state.

use std::sync::{Arc, Mutex};

use hrms::telemetry::{Export, init_with};
use hrms::{DatabaseArgs, Embedded, open_store};
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use hrms_api::v1::{CreateTenantRequest, IssueScimTokenRequest, SetScimEnabledRequest};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::trace::v1::Span;
use tokio::net::TcpListener;
use tonic::{Request, Response, Status};

#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<Span>>>,
    metrics: Arc<Mutex<Vec<String>>>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let mut spans = self.spans.lock().unwrap();
        for resource in request.into_inner().resource_spans {
            for scope in resource.scope_spans {
                spans.extend(scope.spans);
            }
        }
        Ok(Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Collector {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let mut metrics = self.metrics.lock().unwrap();
        for resource in request.into_inner().resource_metrics {
            for scope in resource.scope_metrics {
                metrics.extend(scope.metrics.into_iter().map(|m| m.name));
            }
        }
        Ok(Response::new(ExportMetricsServiceResponse::default()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_scim_create_is_one_trace_and_metrics_reach_the_collector() {
    let collector = Collector::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let server = tonic::transport::Server::builder()
        .add_service(TraceServiceServer::new(collector.clone()))
        .add_service(MetricsServiceServer::new(collector.clone()))
        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
    let server = tokio::spawn(server);
    let telemetry = init_with("hrms-test", Some(Export::Endpoint(endpoint))).unwrap();

    let folder = tempfile::tempdir().unwrap();
    let database = DatabaseArgs {
        database_url: format!("sqlite://{}/h.db?mode=rwc", folder.path().display()),
        db_max_connections: 2,
        skip_migrations: false,
    };
    let store = open_store(&database).await.unwrap();
    let grpc = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scim = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = Embedded::start_both(store, grpc, scim, None).unwrap();
    let token = tenant_token(&format!("http://{}", running.grpc_addr.unwrap())).await;
    let created = reqwest::Client::new()
        .post(format!(
            "http://{}/scim/v2/Users",
            running.scim_addr.unwrap()
        ))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .body(r#"{"userName":"rosalind.quarry@example.test"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    running.stop().await;
    // Shutting down flushes both exporters; it blocks, so off the runtime.
    tokio::task::spawn_blocking(move || drop(telemetry))
        .await
        .unwrap();
    server.abort();

    let spans = collector.spans.lock().unwrap().clone();
    let root = spans
        .iter()
        .find(|s| s.name == "POST /scim/v2/Users")
        .expect("the HTTP request span");
    let trace: Vec<&Span> = spans
        .iter()
        .filter(|s| s.trace_id == root.trace_id)
        .collect();
    let named = |name: &str, kind: i32| {
        trace
            .iter()
            .find(|s| s.name == name && s.kind == kind)
            .unwrap_or_else(|| panic!("no {name} span of kind {kind} in the trace"))
    };
    const SERVER: i32 = 2;
    const CLIENT: i32 = 3;
    let create = "/runtime.hrms.directory.v1.EmployeeService/CreateEmployee";
    let client = named(create, CLIENT);
    let server = named(create, SERVER);
    assert_eq!(
        server.parent_span_id, client.span_id,
        "server span is the client span's child"
    );
    named(
        "/runtime.hrms.directory.v1.TenantService/AuthenticateScimToken",
        SERVER,
    );
    assert!(trace.iter().any(|s| s.name == "directory.create_employee"));
    assert!(trace.iter().any(|s| s.name == "scim.create_user"));
    let text = format!("{spans:?}");
    assert!(!text.contains("rosalind"), "no personal data in spans");
    assert!(!text.contains(&token), "no token in spans");

    let metrics = collector.metrics.lock().unwrap().clone();
    for expected in [
        "scim.requests",
        "scim.request.duration",
        "hrms.provisioning.events",
    ] {
        assert!(
            metrics.iter().any(|m| m == expected),
            "{expected} missing from {metrics:?}"
        );
    }
}

async fn tenant_token(grpc: &str) -> String {
    let mut tenants = TenantServiceClient::connect(grpc.to_owned()).await.unwrap();
    let tenant = tenants
        .create_tenant(CreateTenantRequest {
            name: "Trace Test".into(),
            time_zone: "UTC".into(),
            departments: vec!["General".into()],
            designations: vec!["Associate".into()],
            ..CreateTenantRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    tenants
        .set_scim_enabled(SetScimEnabledRequest {
            tenant_id: tenant.id.clone(),
            enabled: true,
        })
        .await
        .unwrap();
    tenants
        .issue_scim_token(IssueScimTokenRequest {
            tenant_id: tenant.id,
            expires_in_seconds: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .token
}
