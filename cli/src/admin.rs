//! Tenant administration from the command line, over the directory's gRPC
//! API: tenant settings, SCIM on/off and status, tokens, departments and
//! designations, the Employee Code format, and the provisioning log. Every
//! command prints one JSON value on stdout.

use anyhow::Context;
use clap::{Args, Subcommand};
use hrms_api::v1::organization_service_client::OrganizationServiceClient;
use hrms_api::v1::provisioning_log_service_client::ProvisioningLogServiceClient;
use hrms_api::v1::tenant_service_client::TenantServiceClient;
use hrms_api::v1::{
    CreateDepartmentRequest, CreateDesignationRequest, Department, Designation,
    GetScimStatusRequest, GetTenantRequest, IssueScimTokenRequest, IssueScimTokenResponse,
    ListDepartmentsRequest, ListDesignationsRequest, ListProvisioningEventsRequest,
    ListScimTokensRequest, ProvisioningEvent, RenameUnitRequest, RevokeScimTokenRequest,
    RotateScimTokenRequest, ScimToken, SetEmployeeCodeFormatRequest, SetScimEnabledRequest, Tenant,
    UnitRequest, UpdateTenantRequest,
};
use serde_json::{Value, json};
use tonic::transport::Channel;

/// Where the directory is and which tenant a command is about.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// The tenant's id (as printed by `hrms tenant create`).
    #[arg(long, env = "HRMS_TENANT_ID")]
    pub tenant: String,
    /// The directory's gRPC URL.
    #[arg(
        long,
        env = "HRMS_DIRECTORY_URL",
        default_value = "http://127.0.0.1:50051"
    )]
    pub directory: String,
}

#[derive(Debug, Subcommand)]
pub enum ScimCommand {
    /// Lets the company's tokens in.
    Enable(Target),
    /// Refuses every SCIM request of the company (403) until enabled.
    Disable(Target),
    /// Whether SCIM is on, when a request last came in, how many tokens work.
    Status(Target),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issues a new token (printed once; only its hash is kept).
    Issue {
        #[command(flatten)]
        target: Target,
        /// Lifetime, e.g. 90d, 12h, 3600s; none: no expiry.
        #[arg(long, value_parser = parse_duration)]
        expires_in: Option<i64>,
    },
    /// Issues a new token; the old one keeps working for the overlap.
    Rotate {
        #[command(flatten)]
        target: Target,
        /// The token being replaced.
        #[arg(long)]
        token_id: String,
        /// How long the old token keeps working, e.g. 24h (0 stops it now).
        #[arg(long, default_value = "24h", value_parser = parse_duration)]
        overlap: i64,
        /// Lifetime of the new token; none: no expiry.
        #[arg(long, value_parser = parse_duration)]
        expires_in: Option<i64>,
    },
    /// Stops a token at once.
    Revoke {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        token_id: String,
    },
    /// Lists the company's tokens: created, last used (to the minute),
    /// expires, state.
    List(Target),
}

#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// Lists them with their ids (which rename, retire and default take).
    List(Target),
    /// Adds one.
    Add {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        name: String,
    },
    /// Renames one; employees that have it keep it under the new name.
    Rename {
        #[command(flatten)]
        target: Target,
        /// Its id, from `list`.
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
    },
    /// Keeps it on the employees that have it; new ones cannot choose it.
    Retire {
        #[command(flatten)]
        target: Target,
        /// Its id, from `list`.
        #[arg(long)]
        id: String,
    },
    /// Makes it the one used when none (or an unknown one) is given.
    Default {
        #[command(flatten)]
        target: Target,
        /// Its id, from `list`.
        #[arg(long)]
        id: String,
    },
}

/// Filters of `hrms log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    #[command(flatten)]
    pub target: Target,
    /// Only events at or after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z).
    #[arg(long)]
    pub since: Option<String>,
    /// Only events before this time (RFC 3339).
    #[arg(long)]
    pub until: Option<String>,
    /// create, update, deactivate, reactivate, delete, or request (a
    /// request refused before it reached an employee, e.g. SCIM switched
    /// off).
    #[arg(long)]
    pub operation: Option<String>,
    /// success, warning or failure.
    #[arg(long)]
    pub outcome: Option<String>,
    #[arg(long)]
    pub employee: Option<String>,
    #[arg(long)]
    pub group: Option<String>,
    /// Newest first, at most this many (up to 1000).
    #[arg(long, default_value_t = 100)]
    pub limit: i32,
}

/// `hrms tenant show|set|code-format`.
#[derive(Debug, Subcommand)]
pub enum TenantSettings {
    /// Prints the tenant's settings.
    Show(Target),
    /// Changes the settings given; others stay.
    Set {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        name: Option<String>,
        /// IANA time zone, e.g. Europe/London.
        #[arg(long)]
        time_zone: Option<String>,
        /// Whether SCIM clients may set Date of Joining.
        #[arg(long)]
        date_of_joining_from_scim: Option<bool>,
    },
    /// How future Employee Codes are assigned: prefix + number padded to width.
    CodeFormat {
        #[command(flatten)]
        target: Target,
        /// Text before the number; may be empty.
        #[arg(long)]
        prefix: String,
        /// Digits the number is zero-padded to, 1 to 12.
        #[arg(long)]
        width: i32,
        /// The number the next assigned code tries first (taken codes are
        /// skipped).
        #[arg(long)]
        next_number: i64,
    },
}

/// Reads `90d`, `12h`, `30m`, `45s` or plain seconds.
fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let number: i64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 24h or 90d"))?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(format!("unknown unit in {text:?}; use s, m, h or d")),
    };
    number
        .checked_mul(factor)
        .filter(|seconds| *seconds >= 0)
        .ok_or_else(|| format!("{text:?} is out of range"))
}

async fn channel(url: &str) -> anyhow::Result<Channel> {
    Channel::from_shared(url.to_owned())
        .context("the directory URL is not valid")?
        .connect()
        .await
        .with_context(|| format!("connecting to the directory at {url}"))
}

fn refused(status: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!(
        "directory refused: {} ({:?})",
        status.message(),
        status.code()
    )
}

fn time(at: Option<&prost_types::Timestamp>) -> Value {
    at.and_then(|at| {
        chrono::DateTime::from_timestamp(at.seconds, u32::try_from(at.nanos).unwrap_or(0))
    })
    .map_or(Value::Null, |at| json!(at.to_rfc3339()))
}

fn parse_time(text: Option<&str>) -> anyhow::Result<Option<prost_types::Timestamp>> {
    text.map(|text| {
        let at = chrono::DateTime::parse_from_rfc3339(text)
            .with_context(|| format!("{text:?} is not an RFC 3339 time"))?;
        Ok(prost_types::Timestamp {
            seconds: at.timestamp(),
            nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
        })
    })
    .transpose()
}

pub fn tenant_json(tenant: &Tenant) -> Value {
    json!({
        "tenant_id": tenant.id,
        "name": tenant.name,
        "time_zone": tenant.time_zone,
        "scim_enabled": tenant.scim_enabled,
        "date_of_joining_from_scim": tenant.date_of_joining_from_scim,
        "code_prefix": tenant.code_prefix,
        "code_width": tenant.code_width,
        "next_code_number": tenant.next_code_number,
        "created_at": time(tenant.created_at.as_ref()),
    })
}

fn token_json(token: &ScimToken) -> Value {
    json!({
        "token_id": token.id,
        "state": token.state,
        "created_at": time(token.created_at.as_ref()),
        "last_used_at": time(token.last_used_at.as_ref()),
        "expires_at": time(token.expires_at.as_ref()),
        "revoked_at": time(token.revoked_at.as_ref()),
    })
}

fn issued_json(issued: &IssueScimTokenResponse) -> Value {
    json!({
        "token_id": issued.token_id,
        "token": issued.token,
        "created_at": time(issued.created_at.as_ref()),
        "expires_at": time(issued.expires_at.as_ref()),
    })
}

fn department_json(unit: &Department) -> Value {
    json!({"id": unit.id, "name": unit.name, "default": unit.is_default, "retired": unit.retired})
}

fn designation_json(unit: &Designation) -> Value {
    json!({"id": unit.id, "name": unit.name, "default": unit.is_default, "retired": unit.retired})
}

fn event_json(event: &ProvisioningEvent) -> Value {
    json!({
        "at": time(event.at.as_ref()),
        "operation": event.operation,
        "employee_id": event.employee_id,
        "group_id": event.group_id,
        "outcome": event.outcome,
        "reason": event.reason,
        "detail": event.detail,
    })
}

pub async fn tenant_settings(command: TenantSettings) -> anyhow::Result<Value> {
    let target = match &command {
        TenantSettings::Show(target)
        | TenantSettings::Set { target, .. }
        | TenantSettings::CodeFormat { target, .. } => target.clone(),
    };
    let mut client = TenantServiceClient::new(channel(&target.directory).await?);
    let tenant_id = target.tenant;
    let tenant = match command {
        TenantSettings::Show(_) => client.get_tenant(GetTenantRequest { tenant_id }).await,
        TenantSettings::Set {
            name,
            time_zone,
            date_of_joining_from_scim,
            ..
        } => {
            client
                .update_tenant(UpdateTenantRequest {
                    tenant_id,
                    name,
                    time_zone,
                    date_of_joining_from_scim,
                })
                .await
        }
        TenantSettings::CodeFormat {
            prefix,
            width,
            next_number,
            ..
        } => {
            client
                .set_employee_code_format(SetEmployeeCodeFormatRequest {
                    tenant_id,
                    prefix,
                    width,
                    next_number,
                })
                .await
        }
    }
    .map_err(refused)?
    .into_inner();
    Ok(tenant_json(&tenant))
}

pub async fn scim(command: ScimCommand) -> anyhow::Result<Value> {
    let (target, enabled) = match command {
        ScimCommand::Enable(target) => (target, Some(true)),
        ScimCommand::Disable(target) => (target, Some(false)),
        ScimCommand::Status(target) => (target, None),
    };
    let mut client = TenantServiceClient::new(channel(&target.directory).await?);
    if let Some(enabled) = enabled {
        client
            .set_scim_enabled(SetScimEnabledRequest {
                tenant_id: target.tenant.clone(),
                enabled,
            })
            .await
            .map_err(refused)?;
    }
    let status = client
        .get_scim_status(GetScimStatusRequest {
            tenant_id: target.tenant,
        })
        .await
        .map_err(refused)?
        .into_inner();
    Ok(json!({
        "scim_enabled": status.enabled,
        "last_request_at": time(status.last_request_at.as_ref()),
        "active_tokens": status.active_tokens,
    }))
}

pub async fn token(command: TokenCommand) -> anyhow::Result<Value> {
    let target = match &command {
        TokenCommand::Issue { target, .. }
        | TokenCommand::Rotate { target, .. }
        | TokenCommand::Revoke { target, .. }
        | TokenCommand::List(target) => target.clone(),
    };
    let mut client = TenantServiceClient::new(channel(&target.directory).await?);
    let tenant_id = target.tenant;
    Ok(match command {
        TokenCommand::Issue { expires_in, .. } => issued_json(
            &client
                .issue_scim_token(IssueScimTokenRequest {
                    tenant_id,
                    expires_in_seconds: expires_in.unwrap_or(0),
                })
                .await
                .map_err(refused)?
                .into_inner(),
        ),
        TokenCommand::Rotate {
            token_id,
            overlap,
            expires_in,
            ..
        } => issued_json(
            &client
                .rotate_scim_token(RotateScimTokenRequest {
                    tenant_id,
                    token_id,
                    overlap_seconds: overlap,
                    expires_in_seconds: expires_in.unwrap_or(0),
                })
                .await
                .map_err(refused)?
                .into_inner(),
        ),
        TokenCommand::Revoke { token_id, .. } => token_json(
            &client
                .revoke_scim_token(RevokeScimTokenRequest {
                    tenant_id,
                    token_id,
                })
                .await
                .map_err(refused)?
                .into_inner(),
        ),
        TokenCommand::List(_) => Value::Array(
            client
                .list_scim_tokens(ListScimTokensRequest { tenant_id })
                .await
                .map_err(refused)?
                .into_inner()
                .tokens
                .iter()
                .map(token_json)
                .collect(),
        ),
    })
}

/// Departments (`designations: false`) or designations.
pub async fn units(command: UnitCommand, designations: bool) -> anyhow::Result<Value> {
    let target = match &command {
        UnitCommand::List(target)
        | UnitCommand::Add { target, .. }
        | UnitCommand::Rename { target, .. }
        | UnitCommand::Retire { target, .. }
        | UnitCommand::Default { target, .. } => target.clone(),
    };
    let mut client = OrganizationServiceClient::new(channel(&target.directory).await?);
    let tenant_id = target.tenant;
    let one = |id: String| UnitRequest {
        tenant_id: tenant_id.clone(),
        id,
    };
    if designations {
        let unit = match command {
            UnitCommand::List(_) => {
                let list = client
                    .list_designations(ListDesignationsRequest { tenant_id })
                    .await
                    .map_err(refused)?
                    .into_inner()
                    .designations;
                return Ok(Value::Array(list.iter().map(designation_json).collect()));
            }
            UnitCommand::Add { name, .. } => {
                client
                    .create_designation(CreateDesignationRequest {
                        tenant_id: tenant_id.clone(),
                        name,
                    })
                    .await
            }
            UnitCommand::Rename { id, name, .. } => {
                client
                    .rename_designation(RenameUnitRequest {
                        tenant_id: tenant_id.clone(),
                        id,
                        name,
                    })
                    .await
            }
            UnitCommand::Retire { id, .. } => client.retire_designation(one(id)).await,
            UnitCommand::Default { id, .. } => client.set_default_designation(one(id)).await,
        };
        return Ok(designation_json(&unit.map_err(refused)?.into_inner()));
    }
    let unit = match command {
        UnitCommand::List(_) => {
            let list = client
                .list_departments(ListDepartmentsRequest { tenant_id })
                .await
                .map_err(refused)?
                .into_inner()
                .departments;
            return Ok(Value::Array(list.iter().map(department_json).collect()));
        }
        UnitCommand::Add { name, .. } => {
            client
                .create_department(CreateDepartmentRequest {
                    tenant_id: tenant_id.clone(),
                    name,
                })
                .await
        }
        UnitCommand::Rename { id, name, .. } => {
            client
                .rename_department(RenameUnitRequest {
                    tenant_id: tenant_id.clone(),
                    id,
                    name,
                })
                .await
        }
        UnitCommand::Retire { id, .. } => client.retire_department(one(id)).await,
        UnitCommand::Default { id, .. } => client.set_default_department(one(id)).await,
    };
    Ok(department_json(&unit.map_err(refused)?.into_inner()))
}

pub async fn log(args: LogArgs) -> anyhow::Result<Value> {
    let mut client = ProvisioningLogServiceClient::new(channel(&args.target.directory).await?);
    let events = client
        .list_provisioning_events(ListProvisioningEventsRequest {
            tenant_id: args.target.tenant,
            limit: args.limit,
            employee_id: args.employee.unwrap_or_default(),
            outcome: args.outcome.unwrap_or_default(),
            group_id: args.group.unwrap_or_default(),
            since: parse_time(args.since.as_deref())?,
            until: parse_time(args.until.as_deref())?,
            operation: args.operation.unwrap_or_default(),
        })
        .await
        .map_err(refused)?
        .into_inner()
        .events;
    Ok(Value::Array(events.iter().map(event_json).collect()))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_take_a_unit_or_plain_seconds() {
        assert_eq!(parse_duration("24h"), Ok(86_400));
        assert_eq!(parse_duration("90d"), Ok(7_776_000));
        assert_eq!(parse_duration("30m"), Ok(1_800));
        assert_eq!(parse_duration("45"), Ok(45));
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("-1h").is_err());
        assert!(parse_duration("h").is_err());
    }
}
