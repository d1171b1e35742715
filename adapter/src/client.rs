//! gRPC clients of the directory, sharing one lazily connected channel and
//! carrying the W3C trace context of the calling span.

use std::time::Duration;

use hrms_api::v1::employee_service_client::EmployeeServiceClient;
use hrms_api::v1::group_service_client::GroupServiceClient;
use hrms_api::v1::provisioning_log_service_client::ProvisioningLogServiceClient;
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tracing_opentelemetry::OpenTelemetrySpanExt;

type Traced = InterceptedService<Channel, TraceContext>;

/// Writes the current span's context into each outgoing call.
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceContext;

impl Interceptor for TraceContext {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        let context = tracing::Span::current().context();
        hrms_api::propagation::inject(&context, request.metadata_mut());
        Ok(request)
    }
}

/// The directory's services as the adapter uses them.
#[derive(Clone, Debug)]
pub struct Directory {
    pub employees: EmployeeServiceClient<Traced>,
    pub groups: GroupServiceClient<Traced>,
    pub tenants: TenantServiceClient<Traced>,
    pub log: ProvisioningLogServiceClient<Traced>,
}

/// Why the directory address is unusable.
#[derive(Debug, thiserror::Error)]
#[error("invalid directory address {0:?}")]
pub struct AddressError(String);

impl Directory {
    /// Prepares clients for `url` (e.g. `http://127.0.0.1:50051`). The
    /// connection is made on first use, so the adapter can start before the
    /// directory; calls then fail with UNAVAILABLE (SCIM 503) until it is up.
    pub fn connect_lazy(url: &str, timeout: Duration) -> Result<Self, AddressError> {
        let endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|_| AddressError(url.to_owned()))?
            .connect_timeout(Duration::from_secs(5))
            .timeout(timeout)
            .tcp_nodelay(true);
        let channel = endpoint.connect_lazy();
        Ok(Directory {
            employees: EmployeeServiceClient::with_interceptor(channel.clone(), TraceContext),
            groups: GroupServiceClient::with_interceptor(channel.clone(), TraceContext),
            tenants: TenantServiceClient::with_interceptor(channel.clone(), TraceContext),
            log: ProvisioningLogServiceClient::with_interceptor(channel, TraceContext),
        })
    }
}
