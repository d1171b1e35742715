//! The tenant RPCs: creating tenants, switching SCIM on and off, issuing
//! bearer tokens and resolving a presented token to its tenant.
//!
//! Tokens are 256-bit random secrets with a recognisable prefix. Only their
//! SHA-256 is stored; a presented token is hashed and looked up by that
//! hash, so the secret is never compared or kept in the clear. Hashing a
//! high-entropy secret needs no salt or slow KDF: there is nothing to guess.

use chrono::{Duration, Utc};
use hrms_api::v1::tenant_service_server::TenantService;
use hrms_api::v1::{
    AdminSessionKeys, AuthenticateScimTokenRequest, AuthenticateScimTokenResponse,
    CreateTenantRequest, EndAdminSessionsRequest, GetAdminSessionKeysRequest, GetScimStatusRequest,
    GetTenantRequest, IssueScimTokenRequest, IssueScimTokenResponse, ListScimTokensRequest,
    ListScimTokensResponse, ListTenantsRequest, ListTenantsResponse, RevokeScimTokenRequest,
    RotateScimTokenRequest, ScimStatus, ScimToken, SetEmployeeCodeFormatRequest,
    SetScimEnabledRequest, Tenant, UpdateTenantRequest,
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tonic::{Request, Response, Status};

use crate::error::{DirectoryError, token_error};
use crate::organization::{is_visible_text, valid_unit_name};
use crate::store::{
    NewTenant, TenantChanges, TenantRecord, TokenRow, parse_timestamp, timestamp_text,
};
use crate::{Directory, hex, name_key};

/// Every token starts with this, so leaked tokens are easy to recognise.
pub const TOKEN_PREFIX: &str = "hrms_scim_";
/// How stale `last_used_at` may get before a request refreshes it; keeps
/// authentication a read on the hot path.
const TOUCH_INTERVAL_SECS: i64 = 60;
const DEFAULT_CODE_PREFIX: &str = "EMP-";
const DEFAULT_CODE_WIDTH: i32 = 5;
/// Highest next Employee Code number an administrator may set (counters
/// run on past it; the width is a minimum, not a maximum).
const MAX_CODE_NUMBER: i64 = 1_000_000_000_000_000;
const ADMIN_SESSION_SECRET: &str = "admin-session-secret";
const ADMIN_SESSION_EPOCH: &str = "admin-session-epoch";
/// Longest an old token may keep working after a rotation.
const MAX_OVERLAP_SECS: i64 = 30 * 24 * 3600;
/// Longest lifetime a token may be issued with (10 years).
const MAX_TOKEN_LIFETIME_SECS: i64 = 10 * 366 * 24 * 3600;

#[tonic::async_trait]
impl TenantService for Directory {
    async fn create_tenant(
        &self,
        request: Request<CreateTenantRequest>,
    ) -> Result<Response<Tenant>, Status> {
        let new = validate_tenant(request.into_inner())?;
        let record = self
            .store
            .create_tenant(&new)
            .await
            .map_err(DirectoryError::from)?;
        tracing::info!(tenant.id = %record.id, "tenant created");
        Ok(Response::new(to_tenant(record)?))
    }

    async fn get_tenant(
        &self,
        request: Request<GetTenantRequest>,
    ) -> Result<Response<Tenant>, Status> {
        let tenant = self.tenant(&request.into_inner().tenant_id).await?;
        Ok(Response::new(to_tenant(tenant)?))
    }

    async fn set_scim_enabled(
        &self,
        request: Request<SetScimEnabledRequest>,
    ) -> Result<Response<Tenant>, Status> {
        let request = request.into_inner();
        let tenant = self.tenant(&request.tenant_id).await?;
        self.store
            .set_scim_enabled(&tenant.id, request.enabled)
            .await
            .map_err(DirectoryError::from)?;
        tracing::info!(tenant.id = %tenant.id, scim.enabled = request.enabled, "SCIM switched");
        let tenant = self.tenant(&tenant.id).await?;
        Ok(Response::new(to_tenant(tenant)?))
    }

    async fn list_tenants(
        &self,
        _request: Request<ListTenantsRequest>,
    ) -> Result<Response<ListTenantsResponse>, Status> {
        let tenants = self
            .store
            .list_tenants()
            .await
            .map_err(DirectoryError::from)?
            .into_iter()
            .map(to_tenant)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Response::new(ListTenantsResponse { tenants }))
    }

    async fn get_admin_session_keys(
        &self,
        _request: Request<GetAdminSessionKeysRequest>,
    ) -> Result<Response<AdminSessionKeys>, Status> {
        Ok(Response::new(self.admin_session_keys().await?))
    }

    async fn end_admin_sessions(
        &self,
        _request: Request<EndAdminSessionsRequest>,
    ) -> Result<Response<AdminSessionKeys>, Status> {
        self.store
            .renew_server_key(ADMIN_SESSION_EPOCH)
            .await
            .map_err(DirectoryError::from)?;
        tracing::info!("administrator sessions ended");
        Ok(Response::new(self.admin_session_keys().await?))
    }

    async fn update_tenant(
        &self,
        request: Request<UpdateTenantRequest>,
    ) -> Result<Response<Tenant>, Status> {
        let request = request.into_inner();
        let tenant = self.tenant(&request.tenant_id).await?;
        let name = request.name.as_deref().map(valid_tenant_name).transpose()?;
        let time_zone = request
            .time_zone
            .as_deref()
            .map(valid_time_zone)
            .transpose()?;
        let changes = TenantChanges {
            name,
            time_zone,
            date_of_joining_from_scim: request.date_of_joining_from_scim,
        };
        self.store
            .update_tenant(&tenant.id, &changes)
            .await
            .map_err(DirectoryError::from)?;
        tracing::info!(tenant.id = %tenant.id, "tenant settings changed");
        let tenant = self.tenant(&tenant.id).await?;
        Ok(Response::new(to_tenant(tenant)?))
    }

    async fn set_employee_code_format(
        &self,
        request: Request<SetEmployeeCodeFormatRequest>,
    ) -> Result<Response<Tenant>, Status> {
        let request = request.into_inner();
        let tenant = self.tenant(&request.tenant_id).await?;
        let prefix = valid_code_prefix(&request.prefix, "")?;
        if request.width == 0 {
            return Err(DirectoryError::invalid("width", "must be 1 to 12").into());
        }
        let width = valid_code_width(request.width)?;
        if !(1..=MAX_CODE_NUMBER).contains(&request.next_number) {
            return Err(DirectoryError::invalid(
                "next_number",
                format!("must be 1 to {MAX_CODE_NUMBER}"),
            )
            .into());
        }
        self.store
            .set_code_format(&tenant.id, &prefix, i64::from(width), request.next_number)
            .await
            .map_err(DirectoryError::from)?;
        tracing::info!(tenant.id = %tenant.id, "Employee Code format changed");
        let tenant = self.tenant(&tenant.id).await?;
        Ok(Response::new(to_tenant(tenant)?))
    }

    async fn get_scim_status(
        &self,
        request: Request<GetScimStatusRequest>,
    ) -> Result<Response<ScimStatus>, Status> {
        let tenant = self.tenant(&request.into_inner().tenant_id).await?;
        let tokens = self
            .store
            .list_tokens(&tenant.id)
            .await
            .map_err(DirectoryError::from)?;
        let now = timestamp_text(Utc::now());
        let last_request_at = tokens
            .iter()
            .filter_map(|token| token.last_used_at.as_deref())
            .max()
            .map(parse_timestamp)
            .transpose()
            .map_err(DirectoryError::from)?;
        let active_tokens = tokens
            .iter()
            .filter(|token| token_state(token, &now) == "active")
            .count();
        Ok(Response::new(ScimStatus {
            enabled: tenant.scim_enabled != 0,
            last_request_at,
            active_tokens: i32::try_from(active_tokens).unwrap_or(i32::MAX),
        }))
    }

    async fn issue_scim_token(
        &self,
        request: Request<IssueScimTokenRequest>,
    ) -> Result<Response<IssueScimTokenResponse>, Status> {
        let request = request.into_inner();
        let tenant = self.tenant(&request.tenant_id).await?;
        let expires_at = expiry(request.expires_in_seconds)?;
        let token = new_token();
        let (token_id, created_at) = self
            .store
            .insert_token(&tenant.id, &hash_token(&token), expires_at.as_deref())
            .await
            .map_err(DirectoryError::from)?;
        tracing::info!(tenant.id = %tenant.id, token.id = %token_id, "SCIM token issued");
        Ok(Response::new(IssueScimTokenResponse {
            token_id,
            token,
            created_at: Some(parse_timestamp(&created_at).map_err(DirectoryError::from)?),
            expires_at: expires_at
                .as_deref()
                .map(parse_timestamp)
                .transpose()
                .map_err(DirectoryError::from)?,
        }))
    }

    async fn rotate_scim_token(
        &self,
        request: Request<RotateScimTokenRequest>,
    ) -> Result<Response<IssueScimTokenResponse>, Status> {
        let request = request.into_inner();
        let tenant = self.tenant(&request.tenant_id).await?;
        if !(0..=MAX_OVERLAP_SECS).contains(&request.overlap_seconds) {
            return Err(DirectoryError::invalid(
                "overlap_seconds",
                format!("must be 0 to {MAX_OVERLAP_SECS} (30 days)"),
            )
            .into());
        }
        let old_until = timestamp_text(Utc::now() + Duration::seconds(request.overlap_seconds));
        let expires_at = expiry(request.expires_in_seconds)?;
        let token = new_token();
        let (token_id, created_at) = self
            .store
            .rotate_token(
                &tenant.id,
                &request.token_id,
                &old_until,
                &hash_token(&token),
                expires_at.as_deref(),
            )
            .await
            .map_err(token_error)?;
        tracing::info!(
            tenant.id = %tenant.id,
            token.id = %token_id,
            token.replaced = %request.token_id,
            overlap_seconds = request.overlap_seconds,
            "SCIM token rotated"
        );
        Ok(Response::new(IssueScimTokenResponse {
            token_id,
            token,
            created_at: Some(parse_timestamp(&created_at).map_err(DirectoryError::from)?),
            expires_at: expires_at
                .as_deref()
                .map(parse_timestamp)
                .transpose()
                .map_err(DirectoryError::from)?,
        }))
    }

    async fn revoke_scim_token(
        &self,
        request: Request<RevokeScimTokenRequest>,
    ) -> Result<Response<ScimToken>, Status> {
        let request = request.into_inner();
        let tenant = self.tenant(&request.tenant_id).await?;
        let row = self
            .store
            .revoke_token(&tenant.id, &request.token_id)
            .await
            .map_err(token_error)?;
        tracing::info!(tenant.id = %tenant.id, token.id = %row.id, "SCIM token revoked");
        Ok(Response::new(to_token(&row, &timestamp_text(Utc::now()))?))
    }

    async fn list_scim_tokens(
        &self,
        request: Request<ListScimTokensRequest>,
    ) -> Result<Response<ListScimTokensResponse>, Status> {
        let tenant = self.tenant(&request.into_inner().tenant_id).await?;
        let now = timestamp_text(Utc::now());
        let tokens = self
            .store
            .list_tokens(&tenant.id)
            .await
            .map_err(DirectoryError::from)?
            .iter()
            .map(|row| to_token(row, &now))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Response::new(ListScimTokensResponse { tokens }))
    }

    async fn authenticate_scim_token(
        &self,
        request: Request<AuthenticateScimTokenRequest>,
    ) -> Result<Response<AuthenticateScimTokenResponse>, Status> {
        let token = request.into_inner().token;
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
            return Err(DirectoryError::TokenInvalid.into());
        }
        let now = Utc::now();
        let found = self
            .store
            .find_token(&hash_token(&token), &timestamp_text(now))
            .await
            .map_err(DirectoryError::from)?
            .ok_or(DirectoryError::TokenInvalid)?;
        let stale = timestamp_text(now - Duration::seconds(TOUCH_INTERVAL_SECS));
        let due = found
            .last_used_at
            .as_deref()
            .is_none_or(|last| *last < *stale);
        if due
            && let Err(error) = self
                .store
                .touch_token(&found.id, &timestamp_text(now))
                .await
        {
            tracing::warn!(error = ?error, token.id = %found.id, "could not record token use");
        }
        if found.scim_enabled == 0 {
            // Tell the admin why Entra's requests fail, at most once a
            // minute per company so retries do not flood the log.
            self.log_refusal(&found.tenant_id, &stale).await;
            return Err(DirectoryError::ScimDisabled.into());
        }
        Ok(Response::new(AuthenticateScimTokenResponse {
            tenant_id: found.tenant_id,
            token_id: found.id,
            date_of_joining_from_scim: found.date_of_joining_from_scim != 0,
        }))
    }
}

/// The stored expiry of a token issued now with this lifetime (0: none).
fn expiry(seconds: i64) -> Result<Option<String>, DirectoryError> {
    match seconds {
        0 => Ok(None),
        1..=MAX_TOKEN_LIFETIME_SECS => Ok(Some(timestamp_text(
            Utc::now() + Duration::seconds(seconds),
        ))),
        _ => Err(DirectoryError::invalid(
            "expires_in_seconds",
            "must be 0 (no expiry) or a positive number of seconds up to 10 years",
        )),
    }
}

fn token_state(row: &TokenRow, now: &str) -> &'static str {
    if row.revoked_at.is_some() {
        "revoked"
    } else if row.expires_at.as_deref().is_some_and(|at| at <= now) {
        "expired"
    } else {
        "active"
    }
}

fn to_token(row: &TokenRow, now: &str) -> Result<ScimToken, DirectoryError> {
    let time = |text: Option<&str>| text.map(parse_timestamp).transpose();
    Ok(ScimToken {
        id: row.id.clone(),
        created_at: time(Some(&row.created_at))?,
        last_used_at: time(row.last_used_at.as_deref())?,
        expires_at: time(row.expires_at.as_deref())?,
        revoked_at: time(row.revoked_at.as_deref())?,
        state: token_state(row, now).to_owned(),
    })
}

impl Directory {
    async fn admin_session_keys(&self) -> Result<AdminSessionKeys, DirectoryError> {
        Ok(AdminSessionKeys {
            secret: self.store.server_key(ADMIN_SESSION_SECRET).await?,
            epoch: self.store.server_key(ADMIN_SESSION_EPOCH).await?,
        })
    }

    async fn log_refusal(&self, tenant_id: &str, since: &str) {
        let reason = hrms_api::reason::SCIM_DISABLED;
        match self.store.has_recent_event(tenant_id, reason, since).await {
            Ok(false) => {}
            Ok(true) => return,
            Err(error) => {
                tracing::warn!(error = ?error, "could not read the provisioning log");
                return;
            }
        }
        let detail = DirectoryError::ScimDisabled.to_string();
        let event = crate::store::NewEvent {
            tenant_id,
            operation: "request",
            employee_id: None,
            group_id: None,
            outcome: "failure",
            reason,
            detail: &detail,
        };
        if let Err(error) = self.store.record_event(&event).await {
            tracing::warn!(error = ?error, "could not log a refused SCIM request");
        }
    }
}

/// A fresh bearer token: the prefix and 32 random bytes in hex.
fn new_token() -> String {
    let mut secret = [0_u8; 32];
    rand::rng().fill_bytes(&mut secret);
    format!("{TOKEN_PREFIX}{}", hex(&secret))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn valid_tenant_name(name: &str) -> Result<String, DirectoryError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || !is_visible_text(name) {
        return Err(DirectoryError::invalid(
            "name",
            "must be 1 to 200 characters without control or invisible formatting characters",
        ));
    }
    Ok(name.to_owned())
}

fn valid_time_zone(zone: &str) -> Result<String, DirectoryError> {
    let zone = zone.trim();
    if zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(DirectoryError::invalid(
            "time_zone",
            "must be an IANA time zone such as Europe/London",
        ));
    }
    Ok(zone.to_owned())
}

/// An Employee Code prefix; blank means `blank` (the default at creation,
/// no prefix when the format is set later).
fn valid_code_prefix(prefix: &str, blank: &str) -> Result<String, DirectoryError> {
    match prefix.trim() {
        "" => Ok(blank.to_owned()),
        prefix if prefix.chars().count() <= 20 && is_visible_text(prefix) => Ok(prefix.to_owned()),
        _ => Err(DirectoryError::invalid(
            "code_prefix",
            "must be at most 20 characters",
        )),
    }
}

/// Digits of assigned codes; 0 means the default.
fn valid_code_width(width: i32) -> Result<i32, DirectoryError> {
    match width {
        0 => Ok(DEFAULT_CODE_WIDTH),
        width @ 1..=12 => Ok(width),
        _ => Err(DirectoryError::invalid("code_width", "must be 1 to 12")),
    }
}

fn validate_tenant(request: CreateTenantRequest) -> Result<NewTenant, DirectoryError> {
    let name = valid_tenant_name(&request.name)?;
    let time_zone = valid_time_zone(&request.time_zone)?;
    let departments = unit_list("departments", &request.departments)?;
    let designations = unit_list("designations", &request.designations)?;
    let default_department = default_index(
        "default_department",
        &departments,
        &request.default_department,
    )?;
    let default_designation = default_index(
        "default_designation",
        &designations,
        &request.default_designation,
    )?;
    let code_prefix = valid_code_prefix(&request.code_prefix, DEFAULT_CODE_PREFIX)?;
    let code_width = valid_code_width(request.code_width)?;
    Ok(NewTenant {
        name,
        time_zone,
        departments,
        designations,
        default_department,
        default_designation,
        code_prefix,
        code_width: i64::from(code_width),
        date_of_joining_from_scim: request.date_of_joining_from_scim,
    })
}

/// Validates a list of names into (name, key) pairs; duplicates refused.
fn unit_list(
    field: &'static str,
    names: &[String],
) -> Result<Vec<(String, String)>, DirectoryError> {
    if names.is_empty() {
        return Err(DirectoryError::invalid(field, "at least one is required"));
    }
    let mut units: Vec<(String, String)> = Vec::with_capacity(names.len());
    for name in names {
        let name = valid_unit_name(name)?;
        let key = name_key(&name);
        if units.iter().any(|(_, existing)| *existing == key) {
            return Err(DirectoryError::invalid(
                field,
                format!("'{name}' is listed twice"),
            ));
        }
        units.push((name, key));
    }
    Ok(units)
}

fn default_index(
    field: &'static str,
    units: &[(String, String)],
    wanted: &str,
) -> Result<usize, DirectoryError> {
    if wanted.trim().is_empty() {
        return Ok(0);
    }
    let key = name_key(wanted);
    units
        .iter()
        .position(|(_, existing)| *existing == key)
        .ok_or_else(|| DirectoryError::invalid(field, "must be one of the names listed"))
}

fn to_tenant(record: TenantRecord) -> Result<Tenant, DirectoryError> {
    Ok(Tenant {
        created_at: Some(parse_timestamp(&record.created_at)?),
        id: record.id,
        name: record.name,
        time_zone: record.time_zone,
        scim_enabled: record.scim_enabled != 0,
        default_department_id: record.default_department_id.unwrap_or_default(),
        default_designation_id: record.default_designation_id.unwrap_or_default(),
        code_prefix: record.code_prefix,
        code_width: i32::try_from(record.code_width).unwrap_or(DEFAULT_CODE_WIDTH),
        date_of_joining_from_scim: record.date_of_joining_from_scim != 0,
        next_code_number: record.next_code_number,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> CreateTenantRequest {
        CreateTenantRequest {
            name: "Northwind".to_owned(),
            time_zone: "Europe/London".to_owned(),
            departments: vec!["General".to_owned(), "Payroll".to_owned()],
            default_department: "payroll".to_owned(),
            designations: vec!["Associate".to_owned()],
            ..CreateTenantRequest::default()
        }
    }

    #[test]
    fn tokens_are_prefixed_long_and_distinct() {
        let (a, b) = (new_token(), new_token());
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(a, b);
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn defaults_are_matched_ignoring_case() {
        let new = validate_tenant(request()).unwrap();
        assert_eq!(new.default_department, 1);
        assert_eq!(new.default_designation, 0);
        assert_eq!(new.code_prefix, "EMP-");
    }

    #[test]
    fn a_blank_prefix_is_the_default_at_creation_and_none_later() {
        assert_eq!(valid_code_prefix(" ", DEFAULT_CODE_PREFIX).unwrap(), "EMP-");
        assert_eq!(valid_code_prefix("", "").unwrap(), "");
        assert!(valid_code_prefix("X\u{202E}", "").is_err());
        assert!(valid_code_prefix(&"x".repeat(21), "").is_err());
    }

    #[test]
    fn unknown_time_zones_and_duplicate_names_are_refused() {
        let mut bad_zone = request();
        bad_zone.time_zone = "Mars/Olympus".to_owned();
        assert!(validate_tenant(bad_zone).is_err());
        let mut twice = request();
        twice.departments.push(" general ".to_owned());
        assert!(validate_tenant(twice).is_err());
    }
}
