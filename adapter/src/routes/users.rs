//! `/Users`: SCIM Users as the directory's employees.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hrms_api::reason;
use hrms_api::v1::{
    CreateEmployeeRequest, DeleteEmployeeRequest, Employee, EmployeeAttributes, EmployeeField,
    EmployeeFilter, GetEmployeeRequest, ListEmployeesRequest, UpdateEmployeeRequest,
};
use serde_json::{Map, Value};
use tonic_types::StatusExt;

use crate::auth::Tenant;
use crate::error::ScimError;
use crate::extract::{ResourceId, ScimQuery};
use crate::json::{ScimJson, ScimResponse};
use crate::query::{
    ListParams, Projection, ReadParams, employee_filter, employee_sort, filter_uses, search_params,
};
use crate::routes::{Subject, logged};
use crate::schema::ENTERPRISE_SCHEMA;
use crate::user::{canonicalize, check_unoffered, drop_unoffered, from_scim, to_scim};
use crate::{AppState, BaseUrl, etag, patch};

/// How often a PATCH re-reads and re-applies after losing a race.
const PATCH_ATTEMPTS: u32 = 16;

#[tracing::instrument(name = "scim.list_users", skip_all, fields(tenant.id = %tenant.id))]
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    ScimQuery(params): ScimQuery<ListParams>,
) -> Result<ScimResponse, ScimError> {
    let page = params.page()?;
    let filter = users_filter(params.filter_text(), &tenant)?;
    let (sort_by, descending) = users_sort(&params, &tenant)?;
    let request = ListEmployeesRequest {
        sort_by: sort_by as i32,
        descending,
        tenant_id: tenant.id.clone(),
        filter,
        offset: page.start_index - 1,
        limit: i32::try_from(page.count).unwrap_or(i32::MAX),
        use_cursor: page.cursor.is_some(),
        cursor: page.cursor.clone().unwrap_or_default(),
    };
    let response = state
        .directory
        .employees
        .clone()
        .list_employees(request)
        .await?
        .into_inner();

    let projection = Projection::new(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    );
    let resources: Vec<Value> = response
        .employees
        .iter()
        .map(|employee| projection.apply(to_scim(employee, &base.0, &tenant)))
        .collect();
    let mut body = page.list_head(response.total_count, resources.len(), &response.next_cursor);
    body["Resources"] = Value::Array(resources);
    Ok(ScimResponse::ok(body))
}

const NOT_OFFERED: &str = "dateOfJoining is kept by HR in this company and not offered over SCIM";

/// A Users filter in the directory's terms; refused where it names an
/// attribute this tenant is not offered.
pub(crate) fn users_filter(
    text: Option<&str>,
    tenant: &Tenant,
) -> Result<Option<EmployeeFilter>, ScimError> {
    let filter = text.map(employee_filter).transpose()?;
    check_offered_filter(filter.as_ref(), tenant)?;
    Ok(filter)
}

/// Refuses PATCH operations whose path names the HRMS extension when this
/// tenant is not offered it (a `remove` would otherwise pass unnoticed).
fn check_offered_paths(operations: &[patch::PatchOp], tenant: &Tenant) -> Result<(), ScimError> {
    let hrms = crate::schema::HRMS_SCHEMA.to_ascii_lowercase();
    let names_it = |path: &str| {
        let path = path.to_ascii_lowercase();
        path.contains(&hrms) || path.trim() == "dateofjoining"
    };
    if !tenant.date_of_joining_from_scim
        && operations
            .iter()
            .any(|op| op.path.as_deref().is_some_and(names_it))
    {
        return Err(ScimError::invalid_path(NOT_OFFERED));
    }
    Ok(())
}

/// Refuses a Users filter on an attribute this tenant is not offered.
pub(crate) fn check_offered_filter(
    filter: Option<&EmployeeFilter>,
    tenant: &Tenant,
) -> Result<(), ScimError> {
    if !tenant.date_of_joining_from_scim
        && filter.is_some_and(|f| filter_uses(f, EmployeeField::DateOfJoining))
    {
        return Err(ScimError::invalid_filter(NOT_OFFERED));
    }
    Ok(())
}

/// The Users sort, likewise limited to what this tenant is offered.
pub(crate) fn users_sort(
    params: &ListParams,
    tenant: &Tenant,
) -> Result<(EmployeeField, bool), ScimError> {
    let sort = employee_sort(params)?;
    if !tenant.date_of_joining_from_scim && sort.0 == EmployeeField::DateOfJoining {
        return Err(ScimError::invalid_value(NOT_OFFERED));
    }
    Ok(sort)
}

/// `POST /Users/.search`: a list query in the body.
pub async fn search(
    state: State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: Result<ScimJson, ScimError>,
) -> Result<ScimResponse, ScimError> {
    let ScimJson(body) = body?;
    let params = search_params(&body)?;
    list(state, tenant, base, ScimQuery(params)).await
}

#[tracing::instrument(name = "scim.get_user", skip_all, fields(tenant.id = %tenant.id, employee.id = %id))]
pub async fn get(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    ResourceId(id): ResourceId,
    ScimQuery(params): ScimQuery<ReadParams>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let employee = fetch(&state, &tenant, &id).await?;
    if let Some(not_modified) = etag::not_modified(&headers, employee.version) {
        return Ok(not_modified);
    }
    let projection = Projection::new(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    );
    Ok(resource(&tenant, &employee, &base, StatusCode::OK, &projection).into_response())
}

#[tracing::instrument(name = "scim.create_user", skip_all, fields(tenant.id = %tenant.id))]
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: Result<ScimJson, ScimError>,
) -> Result<ScimResponse, ScimError> {
    let attributes = logged(
        &state,
        &tenant,
        "create",
        Subject::Employee(""),
        body.and_then(|ScimJson(body)| read_user(body, &tenant)),
    )
    .await?;
    let request = CreateEmployeeRequest {
        tenant_id: tenant.id.clone(),
        attributes: Some(attributes),
    };
    let employee = state
        .directory
        .employees
        .clone()
        .create_employee(request)
        .await?
        .into_inner();
    let mut response = resource(
        &tenant,
        &employee,
        &base,
        StatusCode::CREATED,
        &Projection::default(),
    );
    response.location = Some(format!("{}/Users/{}", base.0, employee.id));
    Ok(response)
}

#[tracing::instrument(name = "scim.replace_user", skip_all, fields(tenant.id = %tenant.id, employee.id = %id))]
pub async fn replace(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
    body: Result<ScimJson, ScimError>,
) -> Result<ScimResponse, ScimError> {
    let attributes = logged(
        &state,
        &tenant,
        "update",
        Subject::Employee(&id),
        body.and_then(|ScimJson(body)| read_user(body, &tenant)),
    )
    .await?;
    let expected = etag::expected_version(&headers, async {
        Ok(fetch(&state, &tenant, &id).await?.version)
    })
    .await?;
    let employee = update(&state, &tenant, &id, attributes, expected).await?;
    Ok(resource(
        &tenant,
        &employee,
        &base,
        StatusCode::OK,
        &Projection::default(),
    ))
}

/// Applies a PatchOp to the stored user and writes it back if nobody
/// changed it meanwhile; on a lost race, reads and applies again.
#[tracing::instrument(name = "scim.patch_user", skip_all, fields(tenant.id = %tenant.id, employee.id = %id))]
pub async fn patch(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
    body: Result<ScimJson, ScimError>,
) -> Result<ScimResponse, ScimError> {
    let precondition = etag::if_match(&headers);
    let operations = logged(
        &state,
        &tenant,
        "update",
        Subject::Employee(&id),
        body.and_then(|ScimJson(body)| patch::parse_operations(&body))
            .and_then(|operations| check_offered_paths(&operations, &tenant).map(|()| operations)),
    )
    .await?;
    tracing::debug!(scim.operations = operations.len(), "patch");
    for attempt in 1..=PATCH_ATTEMPTS {
        let current = fetch(&state, &tenant, &id).await?;
        if precondition
            .as_ref()
            .is_some_and(|p| !p.matches(current.version))
        {
            return Err(ScimError::precondition_failed());
        }
        let Value::Object(mut document) = to_scim(&current, &base.0, &tenant) else {
            return Err(ScimError::internal());
        };
        // The manager's $ref is derived from its id; left in, it would
        // bring back a manager whose value a PATCH clears.
        if let Some(Value::Object(manager)) = document
            .get_mut(ENTERPRISE_SCHEMA)
            .and_then(|enterprise| enterprise.get_mut("manager"))
        {
            manager.remove("$ref");
        }
        let before = from_scim(&canonicalize(document.clone()))?;
        let attributes = logged(
            &state,
            &tenant,
            "update",
            Subject::Employee(&id),
            apply_patch(&mut document, &operations)
                .and_then(|after| check_unoffered(&before, &after, &tenant).map(|()| after)),
        )
        .await?;
        if attributes == before {
            // Entra re-sends values it already set; nothing to write.
            return Ok(resource(
                &tenant,
                &current,
                &base,
                StatusCode::OK,
                &Projection::default(),
            ));
        }
        match update(&state, &tenant, &id, attributes, Some(current.version)).await {
            Ok(employee) => {
                return Ok(resource(
                    &tenant,
                    &employee,
                    &base,
                    StatusCode::OK,
                    &Projection::default(),
                ));
            }
            // Under If-Match, a lost race means the named version is gone.
            Err(Conflict::Lost) if precondition.is_some() => {
                return Err(ScimError::precondition_failed());
            }
            Err(Conflict::Lost) if attempt < PATCH_ATTEMPTS => {
                tracing::debug!(attempt, "concurrent change; patch re-applied");
                // Spread retries out so racing writers stop colliding.
                tokio::time::sleep(std::time::Duration::from_millis(u64::from(attempt) * 3)).await;
            }
            Err(Conflict::Lost) => break,
            Err(Conflict::Failed(error)) => return Err(error),
        }
    }
    Err(ScimError::new(
        StatusCode::CONFLICT,
        None,
        "the user is being changed by other requests at the same time; retry",
    ))
}

#[tracing::instrument(name = "scim.delete_user", skip_all, fields(tenant.id = %tenant.id, employee.id = %id))]
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let expected_version = etag::expected_version(&headers, async {
        Ok(fetch(&state, &tenant, &id).await?.version)
    })
    .await?;
    let request = DeleteEmployeeRequest {
        tenant_id: tenant.id,
        id,
        expected_version,
    };
    state
        .directory
        .employees
        .clone()
        .delete_employee(request)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A POST or PUT body as directory attributes, without what this tenant
/// does not offer.
fn read_user(body: Map<String, Value>, tenant: &Tenant) -> Result<EmployeeAttributes, ScimError> {
    let mut user = canonicalize(body);
    drop_unoffered(&mut user, tenant);
    from_scim(&user)
}

fn apply_patch(
    document: &mut Map<String, Value>,
    operations: &[patch::PatchOp],
) -> Result<EmployeeAttributes, ScimError> {
    patch::apply(document, operations)?;
    from_scim(&canonicalize(std::mem::take(document)))
}

async fn fetch(state: &AppState, tenant: &Tenant, id: &str) -> Result<Employee, ScimError> {
    let request = GetEmployeeRequest {
        tenant_id: tenant.id.clone(),
        id: id.to_owned(),
    };
    let employee = state
        .directory
        .employees
        .clone()
        .get_employee(request)
        .await?
        .into_inner();
    Ok(employee)
}

/// Why an update did not land.
enum Conflict {
    /// Another writer changed the employee first.
    Lost,
    Failed(ScimError),
}

impl From<Conflict> for ScimError {
    fn from(conflict: Conflict) -> Self {
        match conflict {
            Conflict::Lost => ScimError::precondition_failed(),
            Conflict::Failed(error) => error,
        }
    }
}

async fn update(
    state: &AppState,
    tenant: &Tenant,
    id: &str,
    attributes: EmployeeAttributes,
    expected_version: Option<i64>,
) -> Result<Employee, Conflict> {
    let request = UpdateEmployeeRequest {
        tenant_id: tenant.id.clone(),
        id: id.to_owned(),
        attributes: Some(attributes),
        expected_version,
        operation: String::new(),
    };
    match state
        .directory
        .employees
        .clone()
        .update_employee(request)
        .await
    {
        Ok(response) => Ok(response.into_inner()),
        Err(status) if is_version_mismatch(&status) => Err(Conflict::Lost),
        Err(status) => Err(Conflict::Failed(status.into())),
    }
}

fn is_version_mismatch(status: &tonic::Status) -> bool {
    status.code() == tonic::Code::FailedPrecondition
        && status
            .get_details_error_info()
            .is_some_and(|info| info.reason == reason::VERSION_MISMATCH)
}

fn resource(
    tenant: &Tenant,
    employee: &Employee,
    base: &BaseUrl,
    status: StatusCode,
    projection: &Projection,
) -> ScimResponse {
    ScimResponse {
        status,
        body: projection.apply(to_scim(employee, &base.0, tenant)),
        location: None,
        etag: Some(etag::tag(employee.version)),
    }
}
