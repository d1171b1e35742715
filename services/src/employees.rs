//! The employee RPCs and the HR rules every create and update meets:
//! Employee Code, designation, department, manager and date of joining.
//!
//! Rules are applied here, in the service, so that every caller (the SCIM
//! adapter and internal HRMS services alike) gets the same behaviour.

use hrms_api::v1::employee_service_server::EmployeeService;
use hrms_api::v1::{
    CreateEmployeeRequest, DeleteEmployeeRequest, DeleteEmployeeResponse, Employee,
    EmployeeAttributes, GetEmployeeRequest, ListEmployeesRequest, ListEmployeesResponse,
    UpdateEmployeeRequest,
};
use prost::Message;
use tonic::{Request, Response, Status};

use crate::cursor::CursorScope;
use crate::error::DirectoryError;
use crate::store::{
    CodeChoice, EmployeeColumns, EmployeeRecord, NewEmployee, NewEvent, Outcome, StoreError,
    TenantRecord, UniqueField, UnitKind, UpdatedEmployee, new_id, parse_timestamp,
};
use crate::{Directory, name_key};

/// Longest accepted userName, externalId, Employee Code.
const MAX_KEY_LEN: usize = 256;
/// Longest accepted free-text attribute.
const MAX_TEXT_LEN: usize = 2048;
/// Most e-mails, phone numbers or addresses per employee.
const MAX_VALUES: usize = 50;
/// Largest accepted `other_attributes_json`.
const MAX_OTHER_JSON: usize = 64 * 1024;
/// Longest reporting line walked when looking for a loop.
const MAX_CHAIN: usize = 256;
/// Largest page a list returns.
pub const MAX_PAGE: i32 = 1000;

/// What a provisioning-log entry is about.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Subject<'a> {
    Employee(Option<&'a str>),
    Group(Option<&'a str>),
}

/// HR fields resolved from a request, ready to store.
struct Resolved {
    columns: EmployeeColumns,
    /// Set when the request's department was unknown and the default used.
    department_fallback: Option<String>,
}

#[tonic::async_trait]
impl EmployeeService for Directory {
    #[tracing::instrument(name = "directory.create_employee", skip_all, fields(tenant.id = %request.get_ref().tenant_id))]
    async fn create_employee(
        &self,
        request: Request<CreateEmployeeRequest>,
    ) -> Result<Response<Employee>, Status> {
        let request = request.into_inner();
        let attributes = request.attributes.unwrap_or_default();
        match self.create(&request.tenant_id, attributes).await {
            Ok(employee) => Ok(Response::new(employee)),
            Err(error) => {
                self.log_failure(
                    &request.tenant_id,
                    "create",
                    Subject::Employee(None),
                    &error,
                )
                .await;
                Err(error.into())
            }
        }
    }

    #[tracing::instrument(name = "directory.get_employee", skip_all, fields(tenant.id = %request.get_ref().tenant_id))]
    async fn get_employee(
        &self,
        request: Request<GetEmployeeRequest>,
    ) -> Result<Response<Employee>, Status> {
        let request = request.into_inner();
        let record = self
            .store
            .get_employee(&request.tenant_id, &request.id)
            .await
            .map_err(DirectoryError::from)?;
        Ok(Response::new(to_employee(record)?))
    }

    #[tracing::instrument(name = "directory.list_employees", skip_all, fields(tenant.id = %request.get_ref().tenant_id))]
    async fn list_employees(
        &self,
        request: Request<ListEmployeesRequest>,
    ) -> Result<Response<ListEmployeesResponse>, Status> {
        let request = request.into_inner();
        let limit = i64::from(request.limit.clamp(0, MAX_PAGE));
        let order = (request.sort_by(), request.descending);
        let scope = CursorScope::of_listing(
            &request.tenant_id,
            "employees",
            request.filter.as_ref(),
            request.sort_by,
            request.descending,
        );
        let start = self
            .page_start(&scope, request.use_cursor, &request.cursor, request.offset)
            .await?;
        let listing = self
            .store
            .list_employees(
                &request.tenant_id,
                request.filter.as_ref(),
                order,
                start.as_page(),
                limit,
            )
            .await
            .map_err(DirectoryError::from)?;
        let next_cursor = self.next_cursor(&scope, listing.next).await?;
        let employees = listing
            .rows
            .into_iter()
            .map(to_employee)
            .collect::<Result<Vec<_>, _>>()?;
        tracing::debug!(
            result.count = employees.len(),
            result.total = listing.total,
            "listed"
        );
        Ok(Response::new(ListEmployeesResponse {
            employees,
            total_count: listing.total,
            next_cursor,
        }))
    }

    #[tracing::instrument(name = "directory.update_employee", skip_all, fields(tenant.id = %request.get_ref().tenant_id, employee.id = %request.get_ref().id))]
    async fn update_employee(
        &self,
        request: Request<UpdateEmployeeRequest>,
    ) -> Result<Response<Employee>, Status> {
        let request = request.into_inner();
        match self.update(&request).await {
            Ok(employee) => Ok(Response::new(employee)),
            Err(error) => {
                let operation = match request.operation.as_str() {
                    "" => "update",
                    given => given,
                };
                self.log_failure(
                    &request.tenant_id,
                    operation,
                    Subject::Employee(Some(&request.id)),
                    &error,
                )
                .await;
                Err(error.into())
            }
        }
    }

    #[tracing::instrument(name = "directory.delete_employee", skip_all, fields(tenant.id = %request.get_ref().tenant_id, employee.id = %request.get_ref().id))]
    async fn delete_employee(
        &self,
        request: Request<DeleteEmployeeRequest>,
    ) -> Result<Response<DeleteEmployeeResponse>, Status> {
        let request = request.into_inner();
        self.store
            .remove_employee(&request.tenant_id, &request.id, request.expected_version)
            .await
            .map_err(DirectoryError::from)?;
        tracing::info!(tenant.id = %request.tenant_id, employee.id = %request.id, "employee removed");
        Ok(Response::new(DeleteEmployeeResponse {}))
    }
}

impl Directory {
    async fn create(
        &self,
        tenant_id: &str,
        mut attributes: EmployeeAttributes,
    ) -> Result<Employee, DirectoryError> {
        let tenant = self.tenant(tenant_id).await?;
        validate(&attributes)?;
        let id = new_id();
        let resolved = self.resolve(&tenant, &mut attributes, &id, None).await?;
        let code = match attributes.employee_code.trim() {
            "" => CodeChoice::Assign {
                prefix: tenant.code_prefix.clone(),
                width: usize::try_from(tenant.code_width).unwrap_or(5),
            },
            given => CodeChoice::Given {
                code: given.to_owned(),
                key: given.to_uppercase(),
            },
        };
        let date_of_joining = joining_date(&attributes.date_of_joining, &tenant.time_zone)?
            .unwrap_or_else(|| today_in(&tenant.time_zone));
        let new = NewEmployee {
            id,
            tenant_id: tenant.id.clone(),
            code,
            date_of_joining,
            columns: resolved.columns,
        };
        let detail = resolved.department_fallback.clone();
        let record = self
            .store
            .insert_employee(&new, outcome_of(&detail))
            .await
            .map_err(|error| code_conflict(error, attributes.employee_code.trim()))?;
        tracing::info!(tenant.id = %tenant.id, employee.id = %record.id, "employee created");
        to_employee(record)
    }

    async fn update(&self, request: &UpdateEmployeeRequest) -> Result<Employee, DirectoryError> {
        let tenant = self.tenant(&request.tenant_id).await?;
        let mut attributes = request.attributes.clone().unwrap_or_default();
        validate(&attributes)?;
        let current = self
            .store
            .employee_units(&tenant.id, &request.id)
            .await?
            .ok_or(DirectoryError::EmployeeNotFound)?;
        let resolved = self
            .resolve(&tenant, &mut attributes, &request.id, Some(&current))
            .await?;
        let code = match attributes.employee_code.trim() {
            "" => None,
            given => Some((given.to_owned(), given.to_uppercase())),
        };
        let update = UpdatedEmployee {
            id: request.id.clone(),
            tenant_id: tenant.id.clone(),
            expected_version: request.expected_version,
            date_of_joining: joining_date(&attributes.date_of_joining, &tenant.time_zone)?,
            code,
            columns: resolved.columns,
        };
        let detail = resolved.department_fallback.clone();
        let record = self
            .store
            .update_employee(&update, &request.operation, outcome_of(&detail))
            .await
            .map_err(|error| code_conflict(error, attributes.employee_code.trim()))?;
        tracing::info!(tenant.id = %tenant.id, employee.id = %record.id, "employee updated");
        to_employee(record)
    }

    pub(crate) async fn tenant(&self, tenant_id: &str) -> Result<TenantRecord, DirectoryError> {
        self.store
            .get_tenant(tenant_id)
            .await
            .map_err(|error| match error {
                StoreError::NotFound => DirectoryError::TenantNotFound,
                other => other.into(),
            })
    }

    /// Applies the designation, department and manager rules, rewriting
    /// `attributes.title` and `.department` to the tenant's own spelling.
    async fn resolve(
        &self,
        tenant: &TenantRecord,
        attributes: &mut EmployeeAttributes,
        employee_id: &str,
        current: Option<&(String, String)>,
    ) -> Result<Resolved, DirectoryError> {
        let (current_department, current_designation) = match current {
            Some((department, designation)) => {
                (Some(department.as_str()), Some(designation.as_str()))
            }
            None => (None, None),
        };
        let designation = self
            .resolve_designation(tenant, &attributes.title, current_designation)
            .await?;
        attributes.title = designation.name.clone();
        let (department, department_fallback) = self
            .resolve_department(tenant, &attributes.department, current_department)
            .await?;
        attributes.department = department.name.clone();
        let manager_id = self
            .resolve_manager(&tenant.id, attributes.manager_id.trim(), employee_id)
            .await?;
        attributes.manager_id = manager_id.clone().unwrap_or_default();

        let name = attributes.name.clone().unwrap_or_default();
        let columns = EmployeeColumns {
            user_name: attributes.user_name.clone(),
            user_name_key: attributes.user_name.trim().to_lowercase(),
            external_id: non_empty(attributes.external_id.trim()),
            active: attributes.active,
            display_name: non_empty(&attributes.display_name),
            display_name_key: non_empty(&attributes.display_name.to_lowercase()),
            given_name_key: non_empty(&name.given_name.to_lowercase()),
            family_name_key: non_empty(&name.family_name.to_lowercase()),
            department_id: department.id,
            designation_id: designation.id,
            manager_id,
            profile: attributes.encode_to_vec(),
            values: crate::values::indexed_values(attributes),
        };
        Ok(Resolved {
            columns,
            department_fallback,
        })
    }

    /// The named designation, or the default for a blank title. A retired
    /// designation is refused unless the employee already has it.
    async fn resolve_designation(
        &self,
        tenant: &TenantRecord,
        title: &str,
        current: Option<&str>,
    ) -> Result<crate::store::OrgUnit, DirectoryError> {
        let title = title.trim();
        if title.is_empty() {
            let default = tenant.default_designation_id.as_deref().unwrap_or_default();
            return Ok(self
                .store
                .get_unit(UnitKind::Designation, &tenant.id, default)
                .await?);
        }
        let found = self
            .store
            .find_unit(UnitKind::Designation, &tenant.id, &name_key(title))
            .await?
            .ok_or_else(|| DirectoryError::UnknownDesignation(title.to_owned()))?;
        if found.retired_at.is_some() && current != Some(found.id.as_str()) {
            return Err(DirectoryError::RetiredDesignation(found.name));
        }
        Ok(found)
    }

    /// The named department, or the default and what the provisioning log
    /// should say about the fallback (an unknown name, or a retired
    /// department the employee was not already in).
    async fn resolve_department(
        &self,
        tenant: &TenantRecord,
        department: &str,
        current: Option<&str>,
    ) -> Result<(crate::store::OrgUnit, Option<String>), DirectoryError> {
        let department = department.trim();
        let mut fallback = None;
        if !department.is_empty() {
            let found = self
                .store
                .find_unit(UnitKind::Department, &tenant.id, &name_key(department))
                .await?;
            match found {
                Some(found) if found.retired_at.is_none() || current == Some(found.id.as_str()) => {
                    return Ok((found, None));
                }
                Some(found) => {
                    fallback = Some(format!(
                        "Department '{}' is retired; the default department was used",
                        found.name
                    ));
                }
                None => {
                    fallback = Some(format!(
                        "Department '{department}' does not exist; the default department was used"
                    ));
                }
            }
            tracing::warn!(tenant.id = %tenant.id, "unknown or retired department, default used");
        }
        let default = tenant.default_department_id.as_deref().unwrap_or_default();
        let unit = self
            .store
            .get_unit(UnitKind::Department, &tenant.id, default)
            .await?;
        Ok((unit, fallback))
    }

    /// Checks the manager exists in the tenant and that the reporting line
    /// does not loop back to the employee.
    async fn resolve_manager(
        &self,
        tenant_id: &str,
        manager_id: &str,
        employee_id: &str,
    ) -> Result<Option<String>, DirectoryError> {
        if manager_id.is_empty() {
            return Ok(None);
        }
        if manager_id == employee_id {
            return Err(DirectoryError::invalid(
                "manager",
                "an employee cannot be their own manager",
            ));
        }
        if !self.store.employee_exists(tenant_id, manager_id).await? {
            return Err(DirectoryError::UnknownManager(manager_id.to_owned()));
        }
        let mut current = manager_id.to_owned();
        for _ in 0..MAX_CHAIN {
            match self.store.manager_of(tenant_id, &current).await? {
                Some(next) if next == employee_id => {
                    return Err(DirectoryError::invalid(
                        "manager",
                        "this manager reports (directly or indirectly) to the employee",
                    ));
                }
                Some(next) => current = next,
                None => break,
            }
        }
        Ok(Some(manager_id.to_owned()))
    }

    /// Records a refused write in the provisioning log. Conflicts of
    /// concurrent writers are retried by callers and not logged.
    pub(crate) async fn log_failure(
        &self,
        tenant_id: &str,
        operation: &str,
        subject: Subject<'_>,
        error: &DirectoryError,
    ) {
        let (employee_id, group_id) = match subject {
            Subject::Employee(id) => (id, None),
            Subject::Group(id) => (None, id),
        };
        if matches!(
            error,
            DirectoryError::TenantNotFound | DirectoryError::VersionMismatch
        ) {
            return;
        }
        let detail = error.to_string();
        let event = NewEvent {
            tenant_id,
            operation,
            employee_id: employee_id.filter(|_| !matches!(error, DirectoryError::EmployeeNotFound)),
            group_id,
            outcome: "failure",
            reason: error.reason(),
            detail: &detail,
        };
        if let Err(log_error) = self.store.record_event(&event).await {
            tracing::warn!(error = ?log_error, "could not record a failed request in the provisioning log");
        }
    }
}

fn outcome_of(detail: &Option<String>) -> Outcome<'_> {
    match detail {
        Some(detail) => Outcome {
            outcome: "warning",
            reason: "DEFAULT_DEPARTMENT",
            detail,
        },
        None => Outcome {
            outcome: "success",
            reason: "",
            detail: "",
        },
    }
}

/// Turns a code conflict into an error naming the code.
fn code_conflict(error: StoreError, code: &str) -> DirectoryError {
    match error {
        StoreError::Conflict(UniqueField::EmployeeCode) => {
            DirectoryError::EmployeeCodeTaken(code.to_owned())
        }
        other => other.into(),
    }
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// A given date of joining as YYYY-MM-DD: a date as is, a date-time as its
/// date in the tenant's time zone; None when blank.
fn joining_date(given: &str, time_zone: &str) -> Result<Option<String>, DirectoryError> {
    let given = given.trim();
    if given.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        DirectoryError::invalid(
            "dateOfJoining",
            "must be a date such as 2026-01-31 (or an RFC 3339 date-time) between 1900 and 2199",
        )
    };
    let date = match chrono::NaiveDate::parse_from_str(given, "%Y-%m-%d") {
        Ok(date) => date,
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc3339(given).map_err(|_| invalid())?;
            match time_zone.parse::<chrono_tz::Tz>() {
                Ok(zone) => at.with_timezone(&zone).date_naive(),
                Err(_) => at.date_naive(),
            }
        }
    };
    if !(1900..2200).contains(&chrono::Datelike::year(&date)) {
        return Err(invalid());
    }
    Ok(Some(date.to_string()))
}

/// Today's date in the tenant's time zone (UTC if the zone is unknown,
/// which tenant creation prevents).
fn today_in(time_zone: &str) -> String {
    let now = chrono::Utc::now();
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => now.with_timezone(&zone).date_naive().to_string(),
        Err(_) => now.date_naive().to_string(),
    }
}

/// Rejects attributes no HR record should hold: identifiers with control
/// characters, text with control characters other than tab and line breaks,
/// oversized values and lists.
fn validate(attributes: &EmployeeAttributes) -> Result<(), DirectoryError> {
    if attributes.user_name.trim().is_empty() {
        return Err(DirectoryError::invalid("userName", "is required"));
    }
    for (field, key) in [
        ("userName", &attributes.user_name),
        ("externalId", &attributes.external_id),
        ("employeeNumber", &attributes.employee_code),
        ("manager", &attributes.manager_id),
    ] {
        check_text(field, key, MAX_KEY_LEN, false)?;
    }
    for (field, text) in [
        ("displayName", &attributes.display_name),
        ("nickName", &attributes.nick_name),
        ("title", &attributes.title),
        ("department", &attributes.department),
        ("preferredLanguage", &attributes.preferred_language),
        ("locale", &attributes.locale),
        ("timezone", &attributes.timezone),
        ("profileUrl", &attributes.profile_url),
        ("userType", &attributes.user_type),
        ("costCenter", &attributes.cost_center),
        ("organization", &attributes.organization),
        ("division", &attributes.division),
    ] {
        check_text(field, text, MAX_TEXT_LEN, true)?;
    }
    if let Some(name) = &attributes.name {
        for part in [
            &name.formatted,
            &name.family_name,
            &name.given_name,
            &name.middle_name,
            &name.honorific_prefix,
            &name.honorific_suffix,
        ] {
            check_text("name", part, MAX_TEXT_LEN, false)?;
        }
    }
    for (field, count) in [
        ("emails", attributes.emails.len()),
        ("phoneNumbers", attributes.phone_numbers.len()),
        ("addresses", attributes.addresses.len()),
    ] {
        if count > MAX_VALUES {
            return Err(DirectoryError::invalid(
                field,
                format!("at most {MAX_VALUES} values are accepted"),
            ));
        }
    }
    for (field, values) in [
        ("emails", &attributes.emails),
        ("phoneNumbers", &attributes.phone_numbers),
    ] {
        for contact in values {
            for text in [&contact.value, &contact.r#type, &contact.display] {
                check_text(field, text, MAX_TEXT_LEN, false)?;
            }
        }
    }
    for address in &attributes.addresses {
        for text in [
            &address.r#type,
            &address.formatted,
            &address.street_address,
            &address.locality,
            &address.region,
            &address.postal_code,
            &address.country,
        ] {
            check_text("addresses", text, MAX_TEXT_LEN, true)?;
        }
    }
    validate_other_json(&attributes.other_attributes_json)
}

/// Refuses text longer than `max` bytes or with control characters (tab
/// and line breaks allowed when `line_breaks`).
pub(crate) fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
    line_breaks: bool,
) -> Result<(), DirectoryError> {
    if text.len() > max {
        return Err(DirectoryError::invalid(
            field,
            format!("is longer than {max} bytes"),
        ));
    }
    let allowed = |c: char| line_breaks && matches!(c, '\t' | '\n' | '\r');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(DirectoryError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

fn validate_other_json(json: &str) -> Result<(), DirectoryError> {
    if json.is_empty() {
        return Ok(());
    }
    if json.len() > MAX_OTHER_JSON {
        return Err(DirectoryError::invalid(
            "other attributes",
            format!("are larger than {MAX_OTHER_JSON} bytes"),
        ));
    }
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(DirectoryError::invalid(
            "other attributes",
            "must be a JSON object",
        )),
    }
}

/// Builds the API's view of a stored employee: the stored attributes with
/// the HR columns laid over them.
pub(crate) fn to_employee(record: EmployeeRecord) -> Result<Employee, DirectoryError> {
    let mut attributes = EmployeeAttributes::decode(record.profile.as_slice()).map_err(|_| {
        DirectoryError::Internal(StoreError::Corrupt("employee profile".to_owned()))
    })?;
    attributes.user_name = record.user_name;
    attributes.external_id = record.external_id.unwrap_or_default();
    attributes.employee_code = record.employee_code;
    attributes.active = record.active != 0;
    attributes.title = record.designation_name;
    attributes.department = record.department_name;
    attributes.manager_id = record.manager_id.unwrap_or_default();
    attributes.date_of_joining = record.date_of_joining.clone();
    Ok(Employee {
        id: record.id,
        tenant_id: record.tenant_id,
        attributes: Some(attributes),
        designation_id: record.designation_id,
        department_id: record.department_id,
        date_of_joining: record.date_of_joining,
        version: record.version,
        created_at: Some(parse_timestamp(&record.created_at)?),
        updated_at: Some(parse_timestamp(&record.updated_at)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(user_name: &str) -> EmployeeAttributes {
        EmployeeAttributes {
            user_name: user_name.to_owned(),
            ..EmployeeAttributes::default()
        }
    }

    #[test]
    fn blank_user_name_is_refused() {
        assert!(matches!(
            validate(&attributes("  ")),
            Err(DirectoryError::Invalid {
                field: "userName",
                ..
            })
        ));
    }

    #[test]
    fn other_attributes_must_be_a_json_object() {
        let mut given = attributes("a");
        given.other_attributes_json = "[1]".to_owned();
        assert!(validate(&given).is_err());
        given.other_attributes_json = r#"{"ims":[]}"#.to_owned();
        assert!(validate(&given).is_ok());
    }

    #[test]
    fn control_characters_are_refused_in_identifiers_and_single_lines() {
        let mut code = attributes("a");
        code.employee_code = "A\u{0}B".to_owned();
        assert!(validate(&code).is_err());
        let mut bell = attributes("a");
        bell.display_name = "a\u{7}b".to_owned();
        assert!(validate(&bell).is_err());
        let mut address = attributes("a");
        address.addresses.push(hrms_api::v1::PostalAddress {
            formatted: "1 Lane\nTown".to_owned(),
            ..Default::default()
        });
        assert!(validate(&address).is_ok());
    }

    #[test]
    fn oversized_fields_are_refused() {
        let mut given = attributes("a");
        given.display_name = "x".repeat(MAX_TEXT_LEN + 1);
        assert!(validate(&given).is_err());
    }

    #[test]
    fn joining_dates_are_dates_or_date_times_in_the_tenant_zone() {
        assert_eq!(joining_date("", "UTC").unwrap(), None);
        assert_eq!(
            joining_date("2026-03-01", "UTC").unwrap().as_deref(),
            Some("2026-03-01")
        );
        let late_evening = "2026-03-01T23:30:00Z";
        assert_eq!(
            joining_date(late_evening, "Asia/Tokyo").unwrap().as_deref(),
            Some("2026-03-02")
        );
        for bad in ["01/03/2026", "2026-02-30", "1850-01-01", "soon"] {
            assert!(joining_date(bad, "UTC").is_err(), "{bad}");
        }
    }

    #[test]
    fn today_follows_the_tenant_time_zone() {
        let date = today_in("Pacific/Kiritimati");
        assert_eq!(date.len(), 10);
        assert_eq!(today_in("Not/AZone").len(), 10);
    }
}
