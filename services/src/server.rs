//! Assembles the directory's gRPC server: the four API services, the
//! standard health service (which follows the database) and reflection
//! (v1 and v1alpha, so grpcurl and older clients both work).

use std::future::Future;
use std::time::Duration;

use hrms_api::v1::employee_service_server::EmployeeServiceServer;
use hrms_api::v1::group_service_server::GroupServiceServer;
use hrms_api::v1::organization_service_server::OrganizationServiceServer;
use hrms_api::v1::provisioning_log_service_server::ProvisioningLogServiceServer;
use hrms_api::v1::tenant_service_server::TenantServiceServer;
use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::{Directory, Store};

/// How often the health service re-checks the database.
const HEALTH_INTERVAL: Duration = Duration::from_secs(5);

/// Settings of the directory server itself (the store has its own).
#[derive(Debug, Clone)]
pub struct DirectoryConfig {
    /// Longest a single RPC may run before it is cancelled.
    pub request_timeout: Duration,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        DirectoryConfig {
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("reflection descriptors are invalid")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("gRPC transport failed")]
    Transport(#[from] tonic::transport::Error),
}

/// Serves the directory on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    config: DirectoryConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let directory = Directory::new(store.clone());
    let (reporter, health) = tonic_health::server::health_reporter();
    let watcher = tokio::spawn(watch_health(reporter, store));

    let descriptors = [
        hrms_api::v1::FILE_DESCRIPTOR_SET,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
    ];
    let mut reflection_v1 = tonic_reflection::server::Builder::configure();
    let mut reflection_v1alpha = tonic_reflection::server::Builder::configure();
    for set in descriptors {
        reflection_v1 = reflection_v1.register_encoded_file_descriptor_set(set);
        reflection_v1alpha = reflection_v1alpha.register_encoded_file_descriptor_set(set);
    }

    let result = Server::builder()
        .timeout(config.request_timeout)
        .trace_fn(|request| {
            let span = tracing::info_span!(
                "grpc.server",
                otel.name = %request.uri().path(),
                otel.kind = "server",
                rpc.system = "grpc",
                rpc.method = %request.uri().path(),
            );
            let _ = span.set_parent(hrms_api::propagation::extract(request.headers()));
            span
        })
        .add_service(health)
        .add_service(reflection_v1.build_v1()?)
        .add_service(reflection_v1alpha.build_v1alpha()?)
        .add_service(EmployeeServiceServer::new(directory.clone()))
        .add_service(GroupServiceServer::new(directory.clone()))
        .add_service(OrganizationServiceServer::new(directory.clone()))
        .add_service(TenantServiceServer::new(directory.clone()))
        .add_service(ProvisioningLogServiceServer::new(directory))
        // Small gRPC frames must not wait for the peer's delayed ACK.
        .serve_with_incoming_shutdown(
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        )
        .await;
    watcher.abort();
    Ok(result?)
}

/// Reports SERVING while the database answers, NOT_SERVING while not.
async fn watch_health(reporter: HealthReporter, store: Store) {
    let services = [
        "",
        "runtime.hrms.directory.v1.EmployeeService",
        "runtime.hrms.directory.v1.GroupService",
        "runtime.hrms.directory.v1.OrganizationService",
        "runtime.hrms.directory.v1.TenantService",
        "runtime.hrms.directory.v1.ProvisioningLogService",
    ];
    let mut last = None;
    loop {
        let status = match store.ping().await {
            Ok(()) => ServingStatus::Serving,
            Err(_) => ServingStatus::NotServing,
        };
        if last != Some(status) {
            if status == ServingStatus::NotServing {
                tracing::warn!("database not answering; health is NOT_SERVING");
            }
            for service in services {
                reporter.set_service_status(service, status).await;
            }
            last = Some(status);
        }
        tokio::time::sleep(HEALTH_INTERVAL).await;
    }
}
