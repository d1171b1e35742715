//! `hrms tenant create`: creates a tenant from a JSON file, switches SCIM on
//! and issues the first bearer token, all over the directory's gRPC API.

use anyhow::Context;
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use hrms_api::v1::{CreateTenantRequest, IssueScimTokenRequest, SetScimEnabledRequest};
use serde::Deserialize;
use serde_json::json;

/// The tenant file, shaped like `shared/entra/tenant.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantFile {
    pub name: String,
    pub time_zone: String,
    pub departments: Vec<String>,
    #[serde(default)]
    pub default_department: String,
    pub designations: Vec<String>,
    #[serde(default)]
    pub default_designation: String,
    /// Employee Code prefix for assigned codes (default "EMP-").
    #[serde(default)]
    pub code_prefix: String,
    /// Digits of assigned codes (default 5).
    #[serde(default)]
    pub code_width: i32,
    /// Whether SCIM clients may set Date of Joining (default false: HR
    /// owns it and the attribute is read-only over SCIM).
    #[serde(default)]
    pub date_of_joining_from_scim: bool,
}

/// Creates the tenant, enables SCIM, issues a token; returns the JSON
/// object printed on stdout.
pub async fn create(directory_url: &str, file: TenantFile) -> anyhow::Result<serde_json::Value> {
    let mut client = TenantServiceClient::connect(directory_url.to_owned())
        .await
        .with_context(|| format!("connecting to the directory at {directory_url}"))?;
    let tenant = client
        .create_tenant(CreateTenantRequest {
            name: file.name,
            time_zone: file.time_zone,
            departments: file.departments,
            default_department: file.default_department,
            designations: file.designations,
            default_designation: file.default_designation,
            code_prefix: file.code_prefix,
            code_width: file.code_width,
            date_of_joining_from_scim: file.date_of_joining_from_scim,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    client
        .set_scim_enabled(SetScimEnabledRequest {
            tenant_id: tenant.id.clone(),
            enabled: true,
        })
        .await
        .map_err(status_error)?;
    let token = client
        .issue_scim_token(IssueScimTokenRequest {
            tenant_id: tenant.id.clone(),
            expires_in_seconds: 0,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(json!({
        "tenant_id": tenant.id,
        "name": tenant.name,
        "scim_enabled": true,
        "token_id": token.token_id,
        "token": token.token,
    }))
}

fn status_error(status: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!(
        "directory refused: {} ({:?})",
        status.message(),
        status.code()
    )
}

/// Reads and parses a tenant file.
pub fn read_file(path: &std::path::Path) -> anyhow::Result<TenantFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}
