//! The Runtime HRMS SCIM 2.0 adapter: speaks SCIM to Microsoft Entra ID
//! and gRPC to the directory service. It keeps no state and has no database.
//!
//! - [`auth`] resolves the bearer token to a tenant through the directory.
//! - [`json`] reads request bodies and writes `application/scim+json`.
//! - [`filter`] parses SCIM filters and PATCH paths; [`query`] turns them
//!   into directory filters, paging and projections.
//! - [`user`] maps SCIM Users to employees and back; [`patch`] applies
//!   PATCH operations; [`group`] maps Groups and their PATCHes.
//! - [`routes`] holds the handlers; [`error`] maps every failure, including
//!   gRPC statuses, to a SCIM Error body in one place.

pub mod admin;
pub mod auth;
pub mod client;
pub mod error;
pub mod etag;
pub mod extract;
pub mod filter;
pub mod group;
pub mod json;
pub mod metrics;
pub mod patch;
pub mod query;
pub mod routes;
pub mod schema;
pub mod user;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use axum::http::{Request, header};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::error::ScimError;

/// Where SCIM is served.
pub const BASE_PATH: &str = "/scim/v2";

/// Settings of the adapter.
#[derive(Debug, Clone)]
pub struct AdapterConfig {
    /// The directory's gRPC address, e.g. `http://127.0.0.1:50051`.
    pub directory_url: String,
    /// The public SCIM base URL (e.g. `https://hr.example.test/scim/v2`)
    /// used in `Location` and `meta.location`; when unset, it is built from
    /// the request's Host header.
    pub public_url: Option<String>,
    /// Longest a directory call may take.
    pub directory_timeout: Duration,
    /// The administrator password of the `/admin` pages; None turns them
    /// off.
    pub admin_password: Option<String>,
}

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    pub directory: client::Directory,
    public_url: Option<String>,
    admin: Option<std::sync::Arc<admin::AdminKeys>>,
}

impl AppState {
    pub fn new(config: &AdapterConfig) -> Result<Self, StartError> {
        let admin = config
            .admin_password
            .as_deref()
            .map(admin::AdminKeys::new)
            .transpose()?
            .map(std::sync::Arc::new);
        Ok(AppState {
            admin,
            directory: client::Directory::connect_lazy(
                &config.directory_url,
                config.directory_timeout,
            )?,
            public_url: config
                .public_url
                .as_deref()
                .map(|url| url.trim_end_matches('/').to_owned()),
        })
    }
}

/// Why the adapter cannot start with its configuration.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Address(#[from] client::AddressError),
    #[error(transparent)]
    AdminPassword(#[from] admin::WeakPassword),
}

/// The SCIM base URL of the current request.
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

impl FromRequestParts<AppState> for BaseUrl {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ScimError> {
        if let Some(url) = &state.public_url {
            return Ok(BaseUrl(url.clone()));
        }
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .filter(|host| is_plain_host(host))
            .unwrap_or("localhost");
        Ok(BaseUrl(format!("http://{host}{BASE_PATH}")))
    }
}

/// A host[:port] made only of the characters host names and IP literals
/// use, so a hostile Host header cannot inject text into links.
pub(crate) fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

/// The SCIM endpoints, relative to [`BASE_PATH`], without the HTTP layers;
/// `/Bulk` runs its operations through these (it refuses `/Bulk` itself as
/// an operation's path).
pub(crate) fn scim_routes() -> Router<AppState> {
    use routes::{discovery, groups, users};
    Router::new()
        .route("/Users", get(users::list).post(users::create))
        .route("/Users/.search", post(users::search))
        .route("/Groups/.search", post(groups::search))
        .route("/.search", post(routes::search::search))
        .route("/Bulk", post(routes::bulk::bulk))
        .route(
            "/Users/{id}",
            get(users::get)
                .put(users::replace)
                .patch(users::patch)
                .delete(users::delete),
        )
        .route("/Groups", get(groups::list).post(groups::create))
        .route(
            "/Groups/{id}",
            get(groups::get)
                .put(groups::replace)
                .patch(groups::patch)
                .delete(groups::delete),
        )
        .route(
            "/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema))
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{id}", get(discovery::resource_type))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

/// The SCIM routes under [`BASE_PATH`], with request limits, metrics and
/// tracing.
pub fn router(state: AppState) -> Router {
    let scim = scim_routes();
    Router::new()
        .nest(BASE_PATH, scim)
        .merge(admin::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(json::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let route = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    let span = tracing::info_span!(
                        "http.request",
                        otel.name = %format_args!("{} {route}", request.method()),
                        otel.kind = "server",
                        otel.status_code = tracing::field::Empty,
                        http.method = %request.method(),
                        http.route = route,
                        http.response.status_code = tracing::field::Empty,
                        tenant.id = tracing::field::Empty,
                    );
                    // A caller that is itself traced continues its trace.
                    let _ = span.set_parent(hrms_api::propagation::extract(request.headers()));
                    span
                })
                // Failures are logged once, where they become a response.
                .on_failure(())
                .on_response(
                    |response: &axum::response::Response,
                     latency: Duration,
                     span: &tracing::Span| {
                        span.record("http.response.status_code", response.status().as_u16());
                        if response.status().is_server_error() {
                            span.record("otel.status_code", "ERROR");
                        }
                        tracing::info!(
                            http.status = response.status().as_u16(),
                            latency_ms = latency.as_secs_f64() * 1000.0,
                            "request"
                        );
                    },
                ),
        )
        .with_state(state)
}

async fn not_found() -> ScimError {
    ScimError::not_found("no such SCIM endpoint; the base path is /scim/v2")
}

async fn method_not_allowed() -> ScimError {
    ScimError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        None,
        "this method is not supported on this endpoint",
    )
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Responses must not wait for the client's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::is_plain_host;

    #[test]
    fn only_plain_hosts_make_links() {
        assert!(is_plain_host("hr.example.test:8443"));
        assert!(is_plain_host("[::1]:8080"));
        assert!(!is_plain_host("evil.example\"><script>"));
        assert!(!is_plain_host(""));
    }
}
