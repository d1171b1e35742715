//! Discovery endpoints: `/ServiceProviderConfig`, `/Schemas`,
//! `/ResourceTypes`. They describe what this adapter actually does; when a
//! feature lands, its flag here changes with it.

use axum::extract::State;
use hrms_api::CURSOR_LIFETIME_SECS;
use hrms_api::v1::{ListDepartmentsRequest, ListDesignationsRequest};

use crate::AppState;
use crate::auth::Tenant;
use crate::extract::ResourceId;
use serde_json::{Value, json};

use crate::BaseUrl;
use crate::error::ScimError;
use crate::json::{MAX_BODY_BYTES, ScimResponse};
use crate::query::{DEFAULT_COUNT, MAX_COUNT};
use crate::routes::bulk::MAX_OPERATIONS;
use crate::schema::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, HRMS_SCHEMA, LIST_SCHEMA, USER_SCHEMA};

const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

pub async fn service_provider_config(base: BaseUrl) -> ScimResponse {
    ScimResponse::ok(json!({
        "schemas": [SPC_SCHEMA],
        "patch": {"supported": true},
        "bulk": {"supported": true, "maxOperations": MAX_OPERATIONS, "maxPayloadSize": MAX_BODY_BYTES},
        "filter": {"supported": true, "maxResults": MAX_COUNT},
        // RFC 9865: both paging methods on /Users and /Groups.
        "pagination": {
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": DEFAULT_COUNT,
            "maxPageSize": MAX_COUNT,
            "cursorTimeout": CURSOR_LIFETIME_SECS
        },
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "The company's SCIM token (issued by hrms tenant create), sent as Authorization: Bearer <token>.",
            "primary": true
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", base.0)
        }
    }))
}

/// Whether User carries the HRMS extension for this caller: for a company
/// that lets SCIM set Date of Joining, and in the anonymous view of what
/// the server can do.
fn hrms_offered(tenant: Option<&Tenant>) -> bool {
    tenant.is_none_or(|tenant| tenant.date_of_joining_from_scim)
}

pub async fn resource_types(tenant: Option<Tenant>, base: BaseUrl) -> ScimResponse {
    let types = resource_type_list(&base.0, hrms_offered(tenant.as_ref()));
    list(types)
}

pub async fn resource_type(
    tenant: Option<Tenant>,
    base: BaseUrl,
    ResourceId(name): ResourceId,
) -> Result<ScimResponse, ScimError> {
    resource_type_list(&base.0, hrms_offered(tenant.as_ref()))
        .into_iter()
        .find(|t| {
            t["id"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(&name))
        })
        .map(ScimResponse::ok)
        .ok_or_else(|| ScimError::not_found(format!("no resource type named {name}")))
}

/// The tenant's designation and department names, offered as the
/// `canonicalValues` of `title` and enterprise `department` to a caller
/// that authenticated; nothing for anonymous readers.
#[derive(Debug, Default)]
struct Canonical {
    titles: Vec<String>,
    departments: Vec<String>,
}

async fn canonical_values(state: &AppState, tenant: Option<Tenant>) -> Canonical {
    let Some(tenant) = tenant else {
        return Canonical::default();
    };
    let mut organization = state.directory.organization.clone();
    let titles = organization
        .list_designations(ListDesignationsRequest {
            tenant_id: tenant.id.clone(),
        })
        .await
        .map(|r| {
            r.into_inner()
                .designations
                .into_iter()
                .filter(|d| !d.retired)
                .map(|d| d.name)
                .collect()
        })
        .unwrap_or_default();
    let departments = organization
        .list_departments(ListDepartmentsRequest {
            tenant_id: tenant.id,
        })
        .await
        .map(|r| {
            r.into_inner()
                .departments
                .into_iter()
                .filter(|d| !d.retired)
                .map(|d| d.name)
                .collect()
        })
        .unwrap_or_default();
    Canonical {
        titles,
        departments,
    }
}

pub async fn schemas(
    State(state): State<AppState>,
    tenant: Option<Tenant>,
    base: BaseUrl,
) -> ScimResponse {
    let canonical = canonical_values(&state, tenant).await;
    list(schema_list(&base.0, &canonical))
}

pub async fn schema(
    State(state): State<AppState>,
    tenant: Option<Tenant>,
    base: BaseUrl,
    ResourceId(id): ResourceId,
) -> Result<ScimResponse, ScimError> {
    let canonical = canonical_values(&state, tenant).await;
    schema_list(&base.0, &canonical)
        .into_iter()
        .find(|s| {
            s["id"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(&id))
        })
        .map(ScimResponse::ok)
        .ok_or_else(|| ScimError::not_found("no such schema"))
}

fn list(resources: Vec<Value>) -> ScimResponse {
    ScimResponse::ok(json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
}

fn resource_type_list(base: &str, hrms_offered: bool) -> Vec<Value> {
    // Every employee has an Employee Code and a department, so every User
    // carries the enterprise extension (RFC 7643 §6 `required`).
    let mut extensions = vec![json!({"schema": ENTERPRISE_SCHEMA, "required": true})];
    if hrms_offered {
        extensions.push(json!({"schema": HRMS_SCHEMA, "required": false}));
    }
    vec![
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "An employee of the company",
            "schema": USER_SCHEMA,
            "schemaExtensions": extensions,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")}
        }),
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A named group of employees",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")}
        }),
    ]
}

/// An attribute definition with the common defaults.
struct Attr {
    name: &'static str,
    kind: &'static str,
    multi: bool,
    required: bool,
    case_exact: bool,
    mutability: &'static str,
    returned: &'static str,
    uniqueness: &'static str,
    subs: Vec<Value>,
}

impl Attr {
    fn new(name: &'static str, kind: &'static str) -> Self {
        Attr {
            name,
            kind,
            multi: false,
            required: false,
            case_exact: false,
            mutability: "readWrite",
            returned: "default",
            uniqueness: "none",
            subs: Vec::new(),
        }
    }
    fn multi(mut self) -> Self {
        self.multi = true;
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    fn mutability(mut self, mutability: &'static str) -> Self {
        self.mutability = mutability;
        self
    }
    fn returned(mut self, returned: &'static str) -> Self {
        self.returned = returned;
        self
    }
    fn unique(mut self, uniqueness: &'static str) -> Self {
        self.uniqueness = uniqueness;
        self
    }
    fn subs(mut self, subs: Vec<Value>) -> Self {
        self.subs = subs;
        self
    }
    fn build(self, description: &str) -> Value {
        let mut attr = json!({
            "name": self.name,
            "type": self.kind,
            "multiValued": self.multi,
            "description": description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        });
        if !self.subs.is_empty() {
            attr["subAttributes"] = Value::Array(self.subs);
        }
        if self.kind == "reference" {
            attr["referenceTypes"] = json!(["User"]);
        }
        attr
    }
}

fn text(name: &'static str, description: &str) -> Value {
    Attr::new(name, "string").build(description)
}

fn contact_subs(kind: &str) -> Vec<Value> {
    vec![
        text("value", &format!("The {kind}, kept as sent")),
        text("display", "A label for display"),
        text("type", "work, home, mobile, fax, other, ..."),
        Attr::new("primary", "boolean").build("Whether this is the primary value"),
    ]
}

/// Adds `canonicalValues` to an attribute definition when there are any.
fn with_canonical(mut attribute: Value, values: &[String]) -> Value {
    if !values.is_empty() {
        attribute["canonicalValues"] = json!(values);
    }
    attribute
}

fn user_schema(base: &str, canonical: &Canonical) -> Value {
    let name_subs = [
        ("formatted", "The full name"),
        ("familyName", "Family name"),
        ("givenName", "Given name"),
        ("middleName", "Middle name"),
        ("honorificPrefix", "Honorific prefix"),
        ("honorificSuffix", "Honorific suffix"),
    ]
    .into_iter()
    .map(|(name, description)| text(name, description))
    .collect();
    let address_subs = [
        ("formatted", "The full address"),
        ("streetAddress", "Street"),
        ("locality", "City"),
        ("region", "State or region"),
        ("postalCode", "Postal code"),
        ("country", "Country"),
        ("type", "work, home, other"),
    ]
    .into_iter()
    .map(|(name, description)| text(name, description))
    .chain([Attr::new("primary", "boolean").build("Whether this is the primary address")])
    .collect();
    let attributes = vec![
        Attr::new("id", "string")
            .exact()
            .mutability("readOnly")
            .returned("always")
            .unique("server")
            .build("The employee's id in Runtime HRMS"),
        Attr::new("externalId", "string")
            .exact()
            .unique("server")
            .build("The identity provider's object id; unique per company"),
        Attr::new("userName", "string")
            .required()
            .unique("server")
            .build("Login; unique per company ignoring case"),
        Attr::new("name", "complex")
            .subs(name_subs)
            .build("The employee's name"),
        text("displayName", "Name for display"),
        text("nickName", "Casual name"),
        Attr::new("profileUrl", "reference").build("Profile page"),
        // Every employee has a designation, department, Employee Code and
        // employment status, so these are `required`; a request that
        // leaves one out gets the HR default rather than a refusal.
        with_canonical(
            Attr::new("title", "string").required().build(
                "Job title: must be one of the company's designations; when not sent or blank, the default designation",
            ),
            &canonical.titles,
        ),
        text("userType", "Kind of worker"),
        text("preferredLanguage", "Preferred language"),
        text("locale", "Locale"),
        text("timezone", "Time zone"),
        Attr::new("active", "boolean")
            .required()
            .build("false deactivates the employee, true reactivates; when not sent, true"),
        Attr::new("emails", "complex")
            .multi()
            .subs(contact_subs("e-mail address"))
            .build("E-mail addresses"),
        Attr::new("phoneNumbers", "complex")
            .multi()
            .subs(contact_subs("phone number"))
            .build("Phone numbers (work, mobile, fax)"),
        Attr::new("addresses", "complex")
            .multi()
            .subs(address_subs)
            .build("Postal addresses"),
    ];
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "An employee",
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{USER_SCHEMA}")}
    })
}

fn enterprise_schema(base: &str, canonical: &Canonical) -> Value {
    let manager_subs = vec![
        Attr::new("value", "string")
            .exact()
            .build("The manager's id"),
        Attr::new("$ref", "reference").build(
            "The manager's URI; when value is not sent, the id is taken from its last segment",
        ),
    ];
    let attributes = vec![
        Attr::new("employeeNumber", "string")
            .required()
            .unique("server")
            .build("Employee Code: must be unique in the company; when not sent or blank, the next free code is assigned (and a blank on update keeps the code)"),
        text("costCenter", "Cost center"),
        text("organization", "Organization"),
        text("division", "Division"),
        with_canonical(
            Attr::new("department", "string").required().build(
                "Department: one of the company's departments; unknown names, or none, use the default department",
            ),
            &canonical.departments,
        ),
        Attr::new("manager", "complex")
            .subs(manager_subs)
            .build("The employee this employee reports to"),
    ];
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": ENTERPRISE_SCHEMA,
        "name": "EnterpriseUser",
        "description": "Enterprise User",
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{ENTERPRISE_SCHEMA}")}
    })
}

fn hrms_schema(base: &str) -> Value {
    let attributes = vec![text(
        "dateOfJoining",
        "Date of Joining, YYYY-MM-DD (a date-time is taken as its date in the company's time zone); when not sent, the day the employee is created",
    )];
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": HRMS_SCHEMA,
        "name": "RuntimeHrmsUser",
        "description": "Runtime HRMS employee fields. Part of User (see /ResourceTypes/User) only for a company that lets SCIM set Date of Joining; otherwise HR keeps it",
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{HRMS_SCHEMA}")}
    })
}

fn group_schema(base: &str) -> Value {
    let member_subs = vec![
        Attr::new("value", "string")
            .exact()
            .mutability("immutable")
            .build("The member's id"),
        Attr::new("$ref", "reference")
            .mutability("immutable")
            .build("The member's URI"),
        Attr::new("display", "string")
            .mutability("readOnly")
            .returned("request")
            .build("The member's display name (or user name); sent only when attributes names members.display"),
    ];
    let attributes = vec![
        Attr::new("displayName", "string")
            .required()
            .unique("server")
            .build("The group's name"),
        Attr::new("members", "complex")
            .multi()
            .subs(member_subs)
            .build("Members of the group"),
    ];
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "Group",
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{GROUP_SCHEMA}")}
    })
}

fn schema_list(base: &str, canonical: &Canonical) -> Vec<Value> {
    vec![
        user_schema(base, canonical),
        enterprise_schema(base, canonical),
        hrms_schema(base),
        group_schema(base),
    ]
}
