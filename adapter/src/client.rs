//! gRPC clients of the directory, sharing one lazily connected channel;
//! each call is a `grpc.client` span whose W3C trace context travels in the
//! request headers to the directory.

use std::time::Duration;

use hrms_api::v1::employee_service_client::EmployeeServiceClient;
use hrms_api::v1::group_service_client::GroupServiceClient;
use hrms_api::v1::organization_service_client::OrganizationServiceClient;
use hrms_api::v1::provisioning_log_service_client::ProvisioningLogServiceClient;
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use std::task::{Context, Poll};

use tonic::transport::{Channel, Endpoint};
use tower::Service;
use tracing::Instrument;
use tracing::instrument::Instrumented;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// A channel whose every call gets a `grpc.client` span, with that span's
/// W3C trace context written into the request headers.
#[derive(Clone, Debug)]
pub struct Traced {
    inner: Channel,
}

impl<B> Service<http::Request<B>> for Traced
where
    Channel: Service<http::Request<B>>,
{
    type Response = <Channel as Service<http::Request<B>>>::Response;
    type Error = <Channel as Service<http::Request<B>>>::Error;
    type Future = Instrumented<<Channel as Service<http::Request<B>>>::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Service::<http::Request<B>>::poll_ready(&mut self.inner, cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let span = tracing::info_span!(
            "grpc.client",
            otel.name = %request.uri().path(),
            otel.kind = "client",
            rpc.system = "grpc",
            rpc.method = %request.uri().path(),
        );
        hrms_api::propagation::inject(&span.context(), request.headers_mut());
        self.inner.call(request).instrument(span)
    }
}

/// The directory's services as the adapter uses them.
#[derive(Clone, Debug)]
pub struct Directory {
    pub employees: EmployeeServiceClient<Traced>,
    pub groups: GroupServiceClient<Traced>,
    pub organization: OrganizationServiceClient<Traced>,
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
        let channel = Traced {
            inner: endpoint.connect_lazy(),
        };
        Ok(Directory {
            employees: EmployeeServiceClient::new(channel.clone()),
            groups: GroupServiceClient::new(channel.clone()),
            organization: OrganizationServiceClient::new(channel.clone()),
            tenants: TenantServiceClient::new(channel.clone()),
            log: ProvisioningLogServiceClient::new(channel),
        })
    }
}
