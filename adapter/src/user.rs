//! SCIM User JSON ↔ the directory's `EmployeeAttributes`.
//!
//! Reading is lenient where Entra is known to stray (booleans as strings,
//! attribute names in any case, enterprise attributes flattened into
//! URN-qualified keys, `manager` as a bare id) and strict where a value
//! cannot be meant (an object where a string belongs). Writing never emits
//! null or empty values.

use hrms_api::v1::{ContactValue, Employee, EmployeeAttributes, PersonName, PostalAddress};
use serde_json::{Map, Value, json};

use crate::auth::Tenant;
use crate::error::ScimError;
use crate::schema::{
    ENTERPRISE_SCHEMA, HRMS_SCHEMA, MULTI_VALUED, SUB_ATTRIBUTES, USER_ATTRIBUTES, USER_EXTENSIONS,
    USER_SCHEMA, canonical, extension, is_core,
};

/// Top-level keys that are read-only or never stored.
const IGNORED: &[&str] = &["id", "meta", "schemas", "groups", "password"];

/// Renders an employee as a SCIM User. `base` is the SCIM base URL. The
/// HRMS extension (Date of Joining) is part of the User only for a company
/// that lets SCIM set it.
pub fn to_scim(employee: &Employee, base: &str, tenant: &Tenant) -> Value {
    let attributes = employee.attributes.clone().unwrap_or_default();
    let location = format!("{base}/Users/{}", employee.id);
    let mut user = Map::new();
    let schemas = if tenant.date_of_joining_from_scim {
        json!([USER_SCHEMA, ENTERPRISE_SCHEMA, HRMS_SCHEMA])
    } else {
        json!([USER_SCHEMA, ENTERPRISE_SCHEMA])
    };
    user.insert("schemas".into(), schemas);
    user.insert("id".into(), json!(employee.id));
    put(&mut user, "externalId", &attributes.external_id);
    put(&mut user, "userName", &attributes.user_name);
    user.insert("active".into(), json!(attributes.active));
    put(&mut user, "displayName", &attributes.display_name);
    if let Some(name) = attributes.name.as_ref().and_then(name_json) {
        user.insert("name".into(), name);
    }
    put(&mut user, "nickName", &attributes.nick_name);
    put(&mut user, "title", &attributes.title);
    put(&mut user, "profileUrl", &attributes.profile_url);
    put(&mut user, "userType", &attributes.user_type);
    put(
        &mut user,
        "preferredLanguage",
        &attributes.preferred_language,
    );
    put(&mut user, "locale", &attributes.locale);
    put(&mut user, "timezone", &attributes.timezone);
    put_list(
        &mut user,
        "emails",
        attributes.emails.iter().map(contact_json),
    );
    put_list(
        &mut user,
        "phoneNumbers",
        attributes.phone_numbers.iter().map(contact_json),
    );
    put_list(
        &mut user,
        "addresses",
        attributes.addresses.iter().map(address_json),
    );
    if let Ok(Value::Object(other)) = serde_json::from_str(&attributes.other_attributes_json) {
        for (key, value) in other {
            user.entry(key).or_insert(value);
        }
    }
    user.insert(ENTERPRISE_SCHEMA.into(), enterprise_json(&attributes, base));
    if tenant.date_of_joining_from_scim {
        let mut hrms = Map::new();
        put(&mut hrms, "dateOfJoining", &employee.date_of_joining);
        user.insert(HRMS_SCHEMA.into(), Value::Object(hrms));
    }
    user.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": timestamp(employee.created_at.as_ref()),
            "lastModified": timestamp(employee.updated_at.as_ref()),
            "location": location,
            "version": crate::etag::tag(employee.version),
        }),
    );
    Value::Object(user)
}

fn enterprise_json(attributes: &EmployeeAttributes, base: &str) -> Value {
    let mut enterprise = Map::new();
    put(&mut enterprise, "employeeNumber", &attributes.employee_code);
    put(&mut enterprise, "department", &attributes.department);
    put(&mut enterprise, "costCenter", &attributes.cost_center);
    put(&mut enterprise, "organization", &attributes.organization);
    put(&mut enterprise, "division", &attributes.division);
    if !attributes.manager_id.is_empty() {
        enterprise.insert(
            "manager".into(),
            json!({
                "value": attributes.manager_id,
                "$ref": format!("{base}/Users/{}", attributes.manager_id),
            }),
        );
    }
    Value::Object(enterprise)
}

pub(crate) fn timestamp(at: Option<&prost_types::Timestamp>) -> Value {
    let Some(at) = at else { return Value::Null };
    // RFC 3339 in UTC with milliseconds, built without a date library.
    let days = at.seconds.div_euclid(86_400);
    let secs = at.seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    json!(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        at.nanos / 1_000_000
    ))
}

/// Days since 1970-01-01 to a (year, month, day) civil date.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn name_json(name: &PersonName) -> Option<Value> {
    let mut object = Map::new();
    put(&mut object, "formatted", &name.formatted);
    put(&mut object, "familyName", &name.family_name);
    put(&mut object, "givenName", &name.given_name);
    put(&mut object, "middleName", &name.middle_name);
    put(&mut object, "honorificPrefix", &name.honorific_prefix);
    put(&mut object, "honorificSuffix", &name.honorific_suffix);
    (!object.is_empty()).then_some(Value::Object(object))
}

fn contact_json(contact: &ContactValue) -> Value {
    let mut object = Map::new();
    put(&mut object, "value", &contact.value);
    put(&mut object, "type", &contact.r#type);
    put(&mut object, "display", &contact.display);
    if let Some(primary) = contact.primary {
        object.insert("primary".into(), json!(primary));
    }
    Value::Object(object)
}

fn address_json(address: &PostalAddress) -> Value {
    let mut object = Map::new();
    put(&mut object, "type", &address.r#type);
    put(&mut object, "formatted", &address.formatted);
    put(&mut object, "streetAddress", &address.street_address);
    put(&mut object, "locality", &address.locality);
    put(&mut object, "region", &address.region);
    put(&mut object, "postalCode", &address.postal_code);
    put(&mut object, "country", &address.country);
    if let Some(primary) = address.primary {
        object.insert("primary".into(), json!(primary));
    }
    Value::Object(object)
}

fn put(object: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        object.insert(key.to_owned(), json!(value));
    }
}

fn put_list(object: &mut Map<String, Value>, key: &str, values: impl Iterator<Item = Value>) {
    let values: Vec<Value> = values.collect();
    if !values.is_empty() {
        object.insert(key.to_owned(), Value::Array(values));
    }
}

/// Rewrites attribute names to their canonical spelling, folds
/// URN-qualified extension keys (`urn:…:User:department`) and bare
/// extension attribute names (`employeeNumber`) into their extension
/// object, and drops null values.
pub fn canonicalize(object: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    let mut extensions: Vec<(&'static str, Map<String, Value>)> = USER_EXTENSIONS
        .iter()
        .map(|(urn, _)| (*urn, Map::new()))
        .collect();
    // An extension that is not an object is kept as sent, for from_scim
    // to refuse, rather than silently dropped.
    let mut malformed = Vec::new();
    // Extension attributes named without their URN (`employeeNumber`,
    // `dateOfJoining`): no core attribute has these names. Applied last, so
    // like a URN-qualified key they win over the extension object.
    let mut bare = Vec::new();
    for (key, value) in object {
        if value.is_null() {
            continue;
        }
        if let Some((urn, known)) = extension(&key) {
            match value {
                Value::Object(inner) => {
                    for (sub, sub_value) in inner {
                        insert_extension(&mut extensions, urn, known, &sub, sub_value);
                    }
                }
                other => malformed.push((urn, other)),
            }
            continue;
        }
        if let Some((schema, attr)) = split_urn(&key) {
            if let Some((urn, known)) = extension(schema) {
                insert_extension(&mut extensions, urn, known, attr, value);
                continue;
            }
            if is_core(schema) {
                insert_core(&mut out, attr, value);
                continue;
            }
        }
        if canonical(&key, USER_ATTRIBUTES).is_none()
            && let Some((urn, known)) = USER_EXTENSIONS
                .iter()
                .find(|(_, known)| canonical(&key, known).is_some())
        {
            bare.push((*urn, *known, key, value));
            continue;
        }
        insert_core(&mut out, &key, value);
    }
    for (urn, known, key, value) in bare {
        insert_extension(&mut extensions, urn, known, &key, value);
    }
    for (urn, object) in extensions {
        if !object.is_empty() {
            out.insert(urn.to_owned(), Value::Object(object));
        }
    }
    for (urn, value) in malformed {
        out.insert(urn.to_owned(), value);
    }
    out
}

fn insert_extension(
    extensions: &mut [(&'static str, Map<String, Value>)],
    urn: &str,
    known: &[&'static str],
    key: &str,
    value: Value,
) {
    // An extension object sent as a whole may carry its own `schemas`
    // (some clients serialise it that way); it is not an attribute.
    if value.is_null() || key.eq_ignore_ascii_case("schemas") {
        return;
    }
    let name = canonical(key, known).map_or_else(|| key.to_owned(), str::to_owned);
    if let Some((_, object)) = extensions.iter_mut().find(|(u, _)| *u == urn) {
        object.insert(name, canonical_subs(value));
    }
}

fn insert_core(out: &mut Map<String, Value>, key: &str, value: Value) {
    match canonical(key, USER_ATTRIBUTES) {
        Some(name) => {
            out.insert(name.to_owned(), canonical_subs(value));
        }
        None => {
            out.insert(key.to_owned(), value);
        }
    }
}

/// Canonical sub-attribute names inside a complex value or array of them.
fn canonical_subs(value: Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| match canonical(&k, SUB_ATTRIBUTES) {
                    Some(name) => (name.to_owned(), v),
                    None => (k, v),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|v| !v.is_null())
                .map(canonical_subs)
                .collect(),
        ),
        other => other,
    }
}

/// Splits `urn:…:Schema:attr` into the schema and the attribute.
pub fn split_urn(key: &str) -> Option<(&str, &str)> {
    if !key.get(..4)?.eq_ignore_ascii_case("urn:") {
        return None;
    }
    let (schema, attr) = key.rsplit_once(':')?;
    (!attr.is_empty()).then_some((schema, attr))
}

/// Drops what this tenant does not offer over SCIM from a canonicalised
/// POST or PUT body: the HRMS extension when the company keeps Date of
/// Joining in HR. Like an unknown attribute, it is ignored.
pub fn drop_unoffered(user: &mut Map<String, Value>, tenant: &Tenant) {
    if !tenant.date_of_joining_from_scim
        && user
            .remove(HRMS_SCHEMA)
            .is_some_and(|hrms| !is_empty(&hrms))
    {
        tracing::debug!("dateOfJoining ignored: not offered to this company");
    }
}

/// Refuses a PATCH that would set Date of Joining for a company that keeps
/// it in HR; nothing is changed.
pub fn check_unoffered(
    before: &EmployeeAttributes,
    after: &EmployeeAttributes,
    tenant: &Tenant,
) -> Result<(), ScimError> {
    if !tenant.date_of_joining_from_scim && before.date_of_joining != after.date_of_joining {
        return Err(ScimError::invalid_path(
            "dateOfJoining is kept by HR in this company, so the runtimehrms extension is not \
             offered over SCIM; an administrator can let SCIM set it (tenant setting \
             date_of_joining_from_scim)",
        ));
    }
    Ok(())
}

/// Reads a SCIM User (already canonicalised) into directory attributes.
pub fn from_scim(user: &Map<String, Value>) -> Result<EmployeeAttributes, ScimError> {
    let user_name = text(user, "userName")?;
    if user_name.trim().is_empty() {
        return Err(ScimError::invalid_value("userName is required"));
    }
    let empty = Map::new();
    let extension_object = |urn: &str| match user.get(urn) {
        Some(Value::Object(object)) => Ok(object),
        Some(_) => Err(ScimError::invalid_value(format!(
            "the extension {urn} must be a JSON object"
        ))),
        None => Ok(&empty),
    };
    let enterprise = extension_object(ENTERPRISE_SCHEMA)?;
    let hrms = extension_object(HRMS_SCHEMA)?;
    Ok(EmployeeAttributes {
        user_name,
        external_id: text(user, "externalId")?,
        employee_code: text(enterprise, "employeeNumber")?,
        active: flag(user, "active")?.unwrap_or(true),
        display_name: text(user, "displayName")?,
        name: person_name(user)?,
        nick_name: text(user, "nickName")?,
        title: text(user, "title")?,
        department: text(enterprise, "department")?,
        manager_id: manager_id(enterprise.get("manager"))?,
        emails: contacts(user, "emails")?,
        phone_numbers: contacts(user, "phoneNumbers")?,
        addresses: addresses(user)?,
        preferred_language: text(user, "preferredLanguage")?,
        locale: text(user, "locale")?,
        timezone: text(user, "timezone")?,
        profile_url: text(user, "profileUrl")?,
        user_type: text(user, "userType")?,
        cost_center: text(enterprise, "costCenter")?,
        organization: text(enterprise, "organization")?,
        division: text(enterprise, "division")?,
        other_attributes_json: other_attributes(user),
        date_of_joining: text(hrms, "dateOfJoining")?,
    })
}

/// A string attribute; numbers are accepted as their text (codes sent as
/// numbers), anything else is refused.
fn text(object: &Map<String, Value>, key: &str) -> Result<String, ScimError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(ScimError::invalid_value(format!("{key} must be a string"))),
    }
}

/// A boolean given as JSON or as the string "true"/"false" in any case.
pub fn parse_flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn flag(object: &Map<String, Value>, key: &str) -> Result<Option<bool>, ScimError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => parse_flag(value)
            .map(Some)
            .ok_or_else(|| ScimError::invalid_value(format!("{key} must be true or false"))),
    }
}

fn person_name(user: &Map<String, Value>) -> Result<Option<PersonName>, ScimError> {
    let name = match user.get("name") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(name)) => name,
        Some(_) => return Err(ScimError::invalid_value("name must be a JSON object")),
    };
    Ok(Some(PersonName {
        formatted: text(name, "formatted")?,
        family_name: text(name, "familyName")?,
        given_name: text(name, "givenName")?,
        middle_name: text(name, "middleName")?,
        honorific_prefix: text(name, "honorificPrefix")?,
        honorific_suffix: text(name, "honorificSuffix")?,
    }))
}

/// The manager's id from a bare string, `{"value": id}` or a list of one.
pub fn manager_id(value: Option<&Value>) -> Result<String, ScimError> {
    match value {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(id)) => Ok(id.trim().to_owned()),
        Some(Value::Object(object)) => {
            let id = text(object, "value")?;
            if !id.trim().is_empty() {
                return Ok(id.trim().to_owned());
            }
            // RFC 7643 §4.3: $ref is the manager's URI; its last segment
            // is the id.
            let uri = text(object, "$ref")?;
            Ok(uri
                .trim()
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned())
        }
        Some(Value::Array(items)) if items.len() <= 1 => manager_id(items.first()),
        Some(_) => Err(ScimError::invalid_value(
            "manager must be an employee id or {\"value\": id}",
        )),
    }
}

/// Elements of a multi-valued attribute: an array, or one object alone.
fn elements<'a>(
    user: &'a Map<String, Value>,
    key: &str,
) -> Result<Vec<&'a Map<String, Value>>, ScimError> {
    match user.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(one)) => Ok(vec![one]),
        Some(Value::Array(items)) => items
            .iter()
            .filter(|item| !item.is_null())
            .map(|item| {
                item.as_object().ok_or_else(|| {
                    ScimError::invalid_value(format!("each of {key} must be a JSON object"))
                })
            })
            .collect(),
        Some(_) => Err(ScimError::invalid_value(format!("{key} must be a list"))),
    }
}

fn contacts(user: &Map<String, Value>, key: &str) -> Result<Vec<ContactValue>, ScimError> {
    let mut out = Vec::new();
    for element in elements(user, key)? {
        let value = text(element, "value")?;
        if value.is_empty() {
            // An element without a value (a type left behind) says nothing.
            continue;
        }
        out.push(ContactValue {
            value,
            r#type: text(element, "type")?,
            primary: flag(element, "primary")?,
            display: text(element, "display")?,
        });
    }
    Ok(out)
}

fn addresses(user: &Map<String, Value>) -> Result<Vec<PostalAddress>, ScimError> {
    let mut out = Vec::new();
    for element in elements(user, "addresses")? {
        let address = PostalAddress {
            r#type: text(element, "type")?,
            formatted: text(element, "formatted")?,
            street_address: text(element, "streetAddress")?,
            locality: text(element, "locality")?,
            region: text(element, "region")?,
            postal_code: text(element, "postalCode")?,
            country: text(element, "country")?,
            primary: flag(element, "primary")?,
        };
        let has_content = [
            &address.formatted,
            &address.street_address,
            &address.locality,
            &address.region,
            &address.postal_code,
            &address.country,
        ]
        .iter()
        .any(|part| !part.is_empty());
        if has_content {
            out.push(address);
        }
    }
    Ok(out)
}

/// Attributes with no HR field (ims, photos, roles, custom extensions…),
/// kept verbatim; empty ones are dropped.
fn other_attributes(user: &Map<String, Value>) -> String {
    const MAPPED: &[&str] = &[
        "externalId",
        "userName",
        "name",
        "displayName",
        "nickName",
        "profileUrl",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "active",
        "emails",
        "phoneNumbers",
        "addresses",
    ];
    let mut other = Map::new();
    for (key, value) in user {
        let known = MAPPED.contains(&key.as_str())
            || IGNORED.contains(&key.as_str())
            || extension(key).is_some();
        if !known && !is_empty(value) {
            other.insert(key.clone(), value.clone());
        }
    }
    // Unknown keys inside known extensions are kept under qualified names.
    for (urn, attributes) in USER_EXTENSIONS {
        if let Some(Value::Object(object)) = user.get(*urn) {
            for (key, value) in object {
                if !attributes.contains(&key.as_str()) && !is_empty(value) {
                    other.insert(format!("{urn}:{key}"), value.clone());
                }
            }
        }
    }
    if other.is_empty() {
        String::new()
    } else {
        Value::Object(other).to_string()
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(object) => object.is_empty(),
        _ => false,
    }
}

/// Whether a core attribute is multi-valued.
pub fn is_multi_valued(attr: &str) -> bool {
    MULTI_VALUED
        .iter()
        .any(|name| name.eq_ignore_ascii_case(attr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(date_of_joining_from_scim: bool) -> Tenant {
        Tenant {
            id: "t1".into(),
            date_of_joining_from_scim,
        }
    }

    fn object(value: Value) -> Map<String, Value> {
        canonicalize(value.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn entra_create_body_reads_into_hr_attributes() {
        let user = object(json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "externalId": "ext-1",
            "userName": "kit.marlowe@example.test",
            "active": "True",
            "emails": [{"primary": true, "type": "work", "value": "kit.marlowe@example.test"}],
            "roles": [],
            "meta": {"resourceType": "User"},
            ENTERPRISE_SCHEMA: {"employeeNumber": "E-7", "department": "Payroll", "manager": "m-1"}
        }));
        let attributes = from_scim(&user).unwrap();
        assert_eq!(attributes.user_name, "kit.marlowe@example.test");
        assert!(attributes.active);
        assert_eq!(attributes.employee_code, "E-7");
        assert_eq!(attributes.department, "Payroll");
        assert_eq!(attributes.manager_id, "m-1");
        assert_eq!(attributes.emails[0].primary, Some(true));
        assert_eq!(attributes.other_attributes_json, "");
    }

    #[test]
    fn attribute_names_in_any_case_and_flat_urn_keys_are_understood() {
        let user = object(json!({
            "USERNAME": "a@b.test",
            "Name": {"GIVENNAME": "Ada"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Payroll",
        }));
        let attributes = from_scim(&user).unwrap();
        assert_eq!(attributes.user_name, "a@b.test");
        assert_eq!(attributes.name.unwrap().given_name, "Ada");
        assert_eq!(attributes.department, "Payroll");
    }

    #[test]
    fn bare_extension_attribute_names_land_in_their_extension() {
        let user = object(json!({
            "userName": "a",
            "employeeNumber": "E-9",
            ENTERPRISE_SCHEMA: {"employeeNumber": "E-1", "costCenter": "CC"},
            "DateOfJoining": "2025-01-02",
        }));
        assert_eq!(
            user[ENTERPRISE_SCHEMA],
            json!({"employeeNumber": "E-9", "costCenter": "CC"})
        );
        assert_eq!(user[HRMS_SCHEMA], json!({"dateOfJoining": "2025-01-02"}));
        assert!(user.get("employeeNumber").is_none());
    }

    #[test]
    fn schemas_inside_an_extension_is_not_kept_as_an_attribute() {
        let user = object(json!({
            "userName": "a",
            ENTERPRISE_SCHEMA: {"schemas": [ENTERPRISE_SCHEMA], "costCenter": "CC-1"},
            format!("{ENTERPRISE_SCHEMA}:schemas"): [ENTERPRISE_SCHEMA],
        }));
        assert_eq!(user[ENTERPRISE_SCHEMA], json!({"costCenter": "CC-1"}));
        let attributes = from_scim(&user).unwrap();
        assert_eq!(attributes.cost_center, "CC-1");
        assert_eq!(attributes.other_attributes_json, "");
    }

    #[test]
    fn manager_given_by_ref_alone_is_read_from_its_last_segment() {
        let manager = json!({"$ref": "https://hr.example.test/scim/v2/Users/m-9"});
        assert_eq!(manager_id(Some(&manager)).unwrap(), "m-9");
        let both = json!({"value": "m-1", "$ref": "https://hr.example.test/scim/v2/Users/m-9"});
        assert_eq!(manager_id(Some(&both)).unwrap(), "m-1");
    }

    #[test]
    fn an_enterprise_extension_that_is_not_an_object_is_refused() {
        for value in [json!("str"), json!([1])] {
            let user = object(json!({"userName": "a", ENTERPRISE_SCHEMA: value}));
            assert_eq!(
                from_scim(&user).unwrap_err().scim_type,
                Some("invalidValue")
            );
        }
    }

    #[test]
    fn numbers_beyond_64_bits_are_kept_digit_for_digit() {
        let raw = br#"{"userName": "a", "externalId": 123456789012345678901234567890}"#;
        let user = canonicalize(serde_json::from_slice(raw).unwrap());
        assert_eq!(
            from_scim(&user).unwrap().external_id,
            "123456789012345678901234567890"
        );
    }

    #[test]
    fn missing_user_name_is_invalid_value() {
        let error = from_scim(&object(json!({"displayName": "x"}))).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidValue"));
    }

    #[test]
    fn objects_where_strings_belong_are_refused() {
        assert!(from_scim(&object(json!({"userName": {"x": 1}}))).is_err());
        assert!(from_scim(&object(json!({"userName": "a", "active": "maybe"}))).is_err());
    }

    #[test]
    fn manager_accepts_every_shape_entra_sends() {
        assert_eq!(manager_id(Some(&json!("m"))).unwrap(), "m");
        assert_eq!(manager_id(Some(&json!({"value": "m"}))).unwrap(), "m");
        assert_eq!(manager_id(Some(&json!([{"value": "m"}]))).unwrap(), "m");
        assert_eq!(manager_id(Some(&json!(""))).unwrap(), "");
        assert_eq!(manager_id(Some(&json!([]))).unwrap(), "");
    }

    #[test]
    fn unmapped_attributes_are_kept_and_returned() {
        let user = object(json!({"userName": "a", "ims": [{"value": "x", "type": "aim"}]}));
        let attributes = from_scim(&user).unwrap();
        let employee = Employee {
            id: "e1".into(),
            attributes: Some(attributes),
            ..Employee::default()
        };
        let rendered = to_scim(&employee, "http://h/scim/v2", &tenant(true));
        assert_eq!(rendered["ims"], json!([{"value": "x", "type": "aim"}]));
        assert!(rendered.get("roles").is_none());
    }

    #[test]
    fn rendering_omits_empty_values_and_wraps_the_manager() {
        let employee = Employee {
            id: "e1".into(),
            version: 3,
            attributes: Some(EmployeeAttributes {
                user_name: "a".into(),
                manager_id: "m1".into(),
                employee_code: "E-1".into(),
                ..EmployeeAttributes::default()
            }),
            ..Employee::default()
        };
        let user = to_scim(&employee, "http://h/scim/v2", &tenant(false));
        assert!(user.get("displayName").is_none());
        assert!(user.get(HRMS_SCHEMA).is_none());
        assert_eq!(user["schemas"], json!([USER_SCHEMA, ENTERPRISE_SCHEMA]));
        assert_eq!(user[ENTERPRISE_SCHEMA]["manager"]["value"], "m1");
        assert_eq!(user["meta"]["version"], "W/\"3\"");
    }

    #[test]
    fn timestamps_render_as_rfc3339_utc() {
        let at = prost_types::Timestamp {
            seconds: 1_780_000_000,
            nanos: 123_000_000,
        };
        assert_eq!(timestamp(Some(&at)), json!("2026-05-28T20:26:40.123Z"));
    }
}
