//! SCIM PATCH (RFC 7644 §3.5.2) applied to a resource held as JSON, in
//! every shape Microsoft Entra ID sends:
//!
//! - op names in any case; `Add` on a single-valued attribute replaces it;
//! - value-filter paths (`emails[type eq "work"].value`) that create the
//!   element when none matches, so several sub-attribute adds build one
//!   element;
//! - URN-qualified paths for core and enterprise attributes;
//! - path-less add/replace whose value holds plain, dotted (`name.givenName`)
//!   or URN-qualified keys, or the enterprise extension as an object;
//! - `manager` as a bare id, `{value}` or a one-element list, removed by
//!   `Remove`, by `manager[value eq "id"]` or by an empty value;
//! - empty strings and nulls clear.
//!
//! Applying is pure: the caller reads the resource, applies every operation
//! here (all or nothing: the first error discards the result) and writes it
//! back with a version check, so concurrent PATCHes cannot lose changes.

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::{AttrPath, CompValue, CompareOp, Filter, PatchPath, evaluate, parse_path};
use crate::schema::{
    ENTERPRISE_SCHEMA, SUB_ATTRIBUTES, USER_ATTRIBUTES, USER_SCHEMA, canonical, extension,
    is_case_exact, is_core,
};
use crate::user::is_multi_valued;

/// Most operations accepted in one PATCH request.
pub const MAX_OPERATIONS: usize = 1000;

/// Attributes a client may not change.
const READ_ONLY: &[&str] = &["id", "meta", "schemas", "groups"];

/// Keys ignored in a path-less value (clients echo them back).
const ECHOED: &[&str] = &["id", "meta", "schemas"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Replace,
    Remove,
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOp {
    pub kind: OpKind,
    pub path: Option<String>,
    pub value: Option<Value>,
}

/// Reads the `Operations` of a PatchOp request body.
pub fn parse_operations(body: &Map<String, Value>) -> Result<Vec<PatchOp>, ScimError> {
    let operations = field(body, "Operations")
        .ok_or_else(|| ScimError::invalid_syntax("a PATCH request needs an Operations list"))?;
    let Value::Array(operations) = operations else {
        return Err(ScimError::invalid_syntax("Operations must be a list"));
    };
    if operations.is_empty() {
        return Err(ScimError::invalid_syntax("Operations is empty"));
    }
    if operations.len() > MAX_OPERATIONS {
        return Err(ScimError::invalid_syntax(format!(
            "at most {MAX_OPERATIONS} operations are accepted in one request"
        )));
    }
    operations.iter().enumerate().map(parse_operation).collect()
}

fn parse_operation((index, operation): (usize, &Value)) -> Result<PatchOp, ScimError> {
    let number = index + 1;
    let Value::Object(operation) = operation else {
        return Err(ScimError::invalid_syntax(format!(
            "operation {number} must be a JSON object"
        )));
    };
    let kind = match field(operation, "op").and_then(Value::as_str) {
        Some(op) if op.eq_ignore_ascii_case("add") => OpKind::Add,
        Some(op) if op.eq_ignore_ascii_case("replace") => OpKind::Replace,
        Some(op) if op.eq_ignore_ascii_case("remove") => OpKind::Remove,
        Some(_) => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {number}: op must be add, replace or remove"
            )));
        }
        None => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {number} has no op"
            )));
        }
    };
    let path = match field(operation, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(path)) if path.trim().is_empty() => None,
        Some(Value::String(path)) => Some(path.clone()),
        Some(_) => {
            return Err(ScimError::invalid_path(format!(
                "operation {number}: path must be a string"
            )));
        }
    };
    Ok(PatchOp {
        kind,
        path,
        value: field(operation, "value").cloned(),
    })
}

/// A key of a JSON object, matched ignoring ASCII case.
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

/// Applies `operations` to a canonical SCIM User document, in order.
pub fn apply(document: &mut Map<String, Value>, operations: &[PatchOp]) -> Result<(), ScimError> {
    for operation in operations {
        match operation.path.as_deref().map(str::trim) {
            Some(path) if extension(path).is_some() || path.eq_ignore_ascii_case(USER_SCHEMA) => {
                apply_schema(document, operation, path)?;
            }
            Some(path) => {
                let target = Target::parse(path)?;
                apply_at(document, operation.kind, &target, operation.value.clone())?;
            }
            None => apply_pathless(document, operation)?,
        }
    }
    normalise_manager(document)
}

/// A path that is a whole schema: the core schema means the resource
/// itself (as if there were no path), an extension URN that extension.
fn apply_schema(
    document: &mut Map<String, Value>,
    operation: &PatchOp,
    schema: &str,
) -> Result<(), ScimError> {
    let extension = extension(schema).map(|(urn, _)| urn);
    if operation.kind == OpKind::Remove {
        let Some(urn) = extension else {
            return Err(ScimError::no_target("the whole resource cannot be removed"));
        };
        document.remove(urn);
        return Ok(());
    }
    let Some(Value::Object(values)) = &operation.value else {
        return Err(ScimError::invalid_value(format!(
            "an operation on {schema} needs an object value"
        )));
    };
    let value = match extension {
        Some(urn) => {
            let mut wrapped = Map::new();
            wrapped.insert(urn.to_owned(), Value::Object(values.clone()));
            wrapped
        }
        None => values.clone(),
    };
    let pathless = PatchOp {
        kind: operation.kind,
        path: None,
        value: Some(Value::Object(value)),
    };
    apply_pathless(document, &pathless)
}

/// Where an operation lands, with names in canonical spelling.
#[derive(Debug)]
struct Target {
    /// The extension URN holding the attribute; None for core attributes.
    extension: Option<String>,
    attr: String,
    filter: Option<Filter>,
    sub_attr: Option<String>,
}

impl Target {
    fn parse(path: &str) -> Result<Self, ScimError> {
        let parsed: PatchPath =
            parse_path(path).map_err(|error| ScimError::invalid_path(error.to_string()))?;
        let (extension, known) = match parsed.attr.schema.as_deref() {
            None => (None, USER_ATTRIBUTES),
            Some(schema) if is_core(schema) => (None, USER_ATTRIBUTES),
            Some(schema) => match extension(schema) {
                Some((urn, attributes)) => (Some(urn.to_owned()), attributes),
                None => (Some(schema.to_owned()), &[][..]),
            },
        };
        let attr = canonical(&parsed.attr.attr, known)
            .map_or_else(|| parsed.attr.attr.clone(), str::to_owned);
        let sub_attr = parsed
            .attr
            .sub_attr
            .or(parsed.sub_attr)
            .map(|sub| canonical(&sub, SUB_ATTRIBUTES).map_or(sub, str::to_owned));
        if extension.is_none() && READ_ONLY.contains(&attr.as_str()) {
            return Err(ScimError::mutability(format!("{attr} cannot be changed")));
        }
        Ok(Target {
            extension,
            attr,
            filter: parsed.value_filter,
            sub_attr,
        })
    }

    fn is_multi_valued(&self) -> bool {
        self.extension.is_none() && is_multi_valued(&self.attr)
    }
}

fn apply_pathless(document: &mut Map<String, Value>, operation: &PatchOp) -> Result<(), ScimError> {
    if operation.kind == OpKind::Remove {
        return Err(ScimError::no_target("a remove operation needs a path"));
    }
    let Some(Value::Object(values)) = &operation.value else {
        return Err(ScimError::invalid_value(
            "an operation without a path needs an object value",
        ));
    };
    for (key, value) in values {
        if ECHOED.iter().any(|echoed| echoed.eq_ignore_ascii_case(key)) {
            continue;
        }
        if let Some((urn, _)) = extension(key) {
            let Value::Object(inner) = value else {
                return Err(ScimError::invalid_value(format!(
                    "the extension {urn} must be a JSON object"
                )));
            };
            for (sub, sub_value) in inner {
                let target = Target::parse(&format!("{urn}:{sub}"))?;
                apply_at(document, operation.kind, &target, Some(sub_value.clone()))?;
            }
            continue;
        }
        let target = Target::parse(key)?;
        apply_at(document, operation.kind, &target, Some(value.clone()))?;
    }
    Ok(())
}

/// Whether a value clears its target: null, "", or an empty list/object.
fn clears(value: &Option<Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Object(object)) => object.is_empty(),
        _ => false,
    }
}

fn apply_at(
    document: &mut Map<String, Value>,
    kind: OpKind,
    target: &Target,
    value: Option<Value>,
) -> Result<(), ScimError> {
    if kind != OpKind::Remove && value.is_none() {
        return Err(ScimError::invalid_value(format!(
            "the operation on {} needs a value",
            target.attr
        )));
    }
    let multi = target.is_multi_valued();
    // Value filters select among several values: multi-valued attributes,
    // and the enterprise manager, which Entra removes by `manager[value eq]`.
    if target.filter.is_some() && !multi && target.attr != "manager" {
        return Err(ScimError::invalid_path(format!(
            "{} is single-valued; a value filter cannot apply to it",
            target.attr
        )));
    }
    let container = container(document, target.extension.as_deref(), kind);
    let Some(container) = container else {
        return Ok(());
    };
    match (&target.filter, &target.sub_attr) {
        (Some(filter), sub) => {
            apply_filtered(container, kind, target, filter, sub.as_deref(), value)
        }
        (None, Some(sub)) => {
            apply_sub(container, kind, &target.attr, sub, multi, value);
            Ok(())
        }
        (None, None) => {
            apply_plain(container, kind, &target.attr, multi, value);
            Ok(())
        }
    }
}

/// The object an attribute lives in: the document or an extension object
/// (created for add/replace, absent for remove).
fn container<'a>(
    document: &'a mut Map<String, Value>,
    extension: Option<&str>,
    kind: OpKind,
) -> Option<&'a mut Map<String, Value>> {
    let Some(urn) = extension else {
        return Some(document);
    };
    if kind == OpKind::Remove && !document.contains_key(urn) {
        return None;
    }
    let slot = document
        .entry(urn.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

fn apply_plain(
    container: &mut Map<String, Value>,
    kind: OpKind,
    attr: &str,
    multi: bool,
    value: Option<Value>,
) {
    if kind == OpKind::Remove {
        match (value, container.get_mut(attr)) {
            (Some(listed), Some(Value::Array(items))) if !clears(&Some(listed.clone())) => {
                let listed = as_list(listed);
                items.retain(|item| !listed.iter().any(|l| same_element(l, item)));
                if items.is_empty() {
                    container.remove(attr);
                }
            }
            _ => {
                container.remove(attr);
            }
        }
        return;
    }
    if clears(&value) {
        container.remove(attr);
        return;
    }
    let Some(value) = value else { return };
    let existing = container.remove(attr);
    let merged = match (kind, existing, value) {
        (OpKind::Add, Some(Value::Array(mut items)), value) if multi => {
            for element in as_list(value) {
                if !items.iter().any(|item| same_element(item, &element)) {
                    items.push(element);
                }
            }
            Value::Array(items)
        }
        (_, _, value) if multi => Value::Array(as_list(value)),
        (_, Some(Value::Object(mut existing)), Value::Object(update)) => {
            merge(&mut existing, update);
            Value::Object(existing)
        }
        (_, _, value) => value,
    };
    container.insert(attr.to_owned(), merged);
}

fn apply_sub(
    container: &mut Map<String, Value>,
    kind: OpKind,
    attr: &str,
    sub: &str,
    multi: bool,
    value: Option<Value>,
) {
    let clear = kind == OpKind::Remove || clears(&value);
    if multi {
        // `emails.value` without a filter addresses every element.
        if let Some(Value::Array(items)) = container.get_mut(attr) {
            for item in items.iter_mut() {
                set_sub(item, sub, if clear { None } else { value.clone() });
            }
            items.retain(has_content);
            if items.is_empty() {
                container.remove(attr);
            }
        } else if !clear && let Some(value) = value {
            let mut element = Map::new();
            element.insert(sub.to_owned(), value);
            container.insert(attr.to_owned(), Value::Array(vec![Value::Object(element)]));
        }
        return;
    }
    if clear {
        if let Some(Value::Object(object)) = container.get_mut(attr) {
            object.remove(sub);
            if object.is_empty() {
                container.remove(attr);
            }
        }
        return;
    }
    let slot = container
        .entry(attr.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        // A bare value (a manager id) becomes the `value` of the object.
        let previous = std::mem::take(slot);
        let mut object = Map::new();
        if !previous.is_null() {
            object.insert("value".to_owned(), previous);
        }
        *slot = Value::Object(object);
    }
    set_sub(slot, sub, value);
}

fn apply_filtered(
    container: &mut Map<String, Value>,
    kind: OpKind,
    target: &Target,
    filter: &Filter,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<(), ScimError> {
    let attr = target.attr.as_str();
    let case_exact = |path: &AttrPath| is_case_exact(&path.attr, path.sub_attr.as_deref());
    let clear = kind == OpKind::Remove || clears(&value);

    // A single complex value (manager) is matched as a list of one.
    if let Some(single @ Value::Object(_)) = container.get(attr) {
        if evaluate(filter, single, &case_exact) && clear {
            container.remove(attr);
        } else if evaluate(filter, single, &case_exact) {
            let mut item = container.remove(attr).unwrap_or(Value::Null);
            update_element(&mut item, sub, value)?;
            container.insert(attr.to_owned(), item);
        }
        return Ok(());
    }

    let items = match container.get_mut(attr) {
        Some(Value::Array(items)) => items,
        _ if clear => return Ok(()),
        _ => {
            container.insert(attr.to_owned(), Value::Array(Vec::new()));
            match container.get_mut(attr) {
                Some(Value::Array(items)) => items,
                _ => return Ok(()),
            }
        }
    };
    let matched: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| evaluate(filter, item, &case_exact))
        .map(|(index, _)| index)
        .collect();

    if clear {
        match sub {
            Some(sub) => {
                for &index in &matched {
                    if let Some(item) = items.get_mut(index) {
                        set_sub(item, sub, None);
                    }
                }
                items.retain(has_content);
            }
            None => {
                let mut index = 0;
                items.retain(|_| {
                    let keep = !matched.contains(&index);
                    index += 1;
                    keep
                });
            }
        }
    } else if matched.is_empty() {
        let mut element = template(filter).ok_or_else(|| {
            ScimError::no_target(format!("no value of {attr} matches the path's filter"))
        })?;
        update_element(&mut element, sub, value)?;
        items.push(element);
    } else {
        for &index in &matched {
            if let Some(item) = items.get_mut(index) {
                update_element(item, sub, value.clone())?;
            }
        }
    }
    if items.is_empty() {
        container.remove(attr);
    }
    Ok(())
}

/// Sets a sub-attribute of an element, or merges an object value into it.
fn update_element(
    element: &mut Value,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<(), ScimError> {
    match (sub, value) {
        (Some(sub), value) => {
            set_sub(element, sub, value);
            Ok(())
        }
        (None, Some(Value::Object(update))) => {
            if let Value::Object(existing) = element {
                merge(existing, canonical_object(update));
            }
            Ok(())
        }
        (None, _) => Err(ScimError::invalid_value(
            "a filtered path without a sub-attribute needs an object value",
        )),
    }
}

fn set_sub(element: &mut Value, sub: &str, value: Option<Value>) {
    let Value::Object(object) = element else {
        return;
    };
    match value {
        Some(value) if !clears(&Some(value.clone())) => {
            object.insert(sub.to_owned(), value);
        }
        _ => {
            object.remove(sub);
        }
    }
}

/// An element whose only attributes are its type and flags says nothing.
fn has_content(item: &Value) -> bool {
    match item {
        Value::Object(object) => object
            .keys()
            .any(|key| !matches!(key.as_str(), "type" | "primary" | "display")),
        Value::Null => false,
        _ => true,
    }
}

/// The element a filter of `eq` comparisons describes, e.g.
/// `{"type": "work"}` for `[type eq "work"]`.
fn template(filter: &Filter) -> Option<Value> {
    let mut element = Map::new();
    collect_equalities(filter, &mut element)?;
    Some(Value::Object(element))
}

fn collect_equalities(filter: &Filter, element: &mut Map<String, Value>) -> Option<()> {
    match filter {
        Filter::And(left, right) => {
            collect_equalities(left, element)?;
            collect_equalities(right, element)
        }
        Filter::Compare(path, CompareOp::Eq, value) if path.sub_attr.is_none() => {
            let name = canonical(&path.attr, SUB_ATTRIBUTES)
                .map_or_else(|| path.attr.clone(), str::to_owned);
            let value = match value {
                CompValue::String(s) => Value::String(s.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Null => return None,
            };
            element.insert(name, value);
            Some(())
        }
        _ => None,
    }
}

fn canonical_object(object: Map<String, Value>) -> Map<String, Value> {
    object
        .into_iter()
        .map(|(key, value)| match canonical(&key, SUB_ATTRIBUTES) {
            Some(name) => (name.to_owned(), value),
            None => (key, value),
        })
        .collect()
}

fn merge(existing: &mut Map<String, Value>, update: Map<String, Value>) {
    for (key, value) in canonical_object(update) {
        if clears(&Some(value.clone())) {
            existing.remove(&key);
        } else {
            existing.insert(key, value);
        }
    }
}

fn as_list(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.into_iter().filter(|v| !v.is_null()).collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Two values of a multi-valued attribute are the same element when their
/// `value` sub-attributes (or they themselves) are equal.
fn same_element(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Leaves the enterprise `manager` as `{"value": id}` or absent, whatever
/// shape the operations wrote.
fn normalise_manager(document: &mut Map<String, Value>) -> Result<(), ScimError> {
    let Some(Value::Object(enterprise)) = document.get_mut(ENTERPRISE_SCHEMA) else {
        return Ok(());
    };
    let id = match enterprise.get("manager") {
        None => return Ok(()),
        Some(value) => crate::user::manager_id(Some(value))?,
    };
    if id.is_empty() {
        enterprise.remove("manager");
    } else {
        enterprise.insert("manager".to_owned(), serde_json::json!({ "value": id }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Map<String, Value> {
        json!({
            "userName": "ayla@example.test",
            "title": "Payroll Analyst",
            "name": {"givenName": "Ayla", "familyName": "Tennerby"},
            "emails": [{"primary": true, "type": "work", "value": "ayla@example.test"}],
            "phoneNumbers": [{"type": "work", "value": "+1"}, {"type": "mobile", "value": "+2"}],
            "addresses": [{"type": "work", "streetAddress": "14 Lane", "locality": "Eastmere"}],
            ENTERPRISE_SCHEMA: {"employeeNumber": "E-1", "costCenter": "CC", "manager": {"value": "m1"}}
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    fn patch(document: &mut Map<String, Value>, operations: Value) -> Result<(), ScimError> {
        let body = json!({"schemas": [crate::schema::PATCH_SCHEMA], "Operations": operations});
        let operations = parse_operations(body.as_object().unwrap())?;
        apply(document, &operations)
    }

    #[test]
    fn replace_with_a_value_filter_changes_only_the_matching_element() {
        let mut doc = user();
        patch(
            &mut doc,
            json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@example.test"}]),
        )
        .unwrap();
        assert_eq!(
            doc["emails"],
            json!([{"primary": true, "type": "work", "value": "new@example.test"}])
        );
    }

    #[test]
    fn sub_attribute_replace_keeps_siblings() {
        let mut doc = user();
        patch(
            &mut doc,
            json!([{"op": "replace", "path": "name.familyName", "value": "Moss"}]),
        )
        .unwrap();
        assert_eq!(
            doc["name"],
            json!({"givenName": "Ayla", "familyName": "Moss"})
        );
        patch(
            &mut doc,
            json!([{"op": "Replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "16 Lane"}]),
        )
        .unwrap();
        assert_eq!(
            doc["addresses"],
            json!([{"type": "work", "streetAddress": "16 Lane", "locality": "Eastmere"}])
        );
    }

    #[test]
    fn adds_to_a_missing_filtered_element_build_one_element() {
        let mut doc = user();
        doc.remove("addresses");
        patch(
            &mut doc,
            json!([
                {"op": "Add", "path": "addresses[type eq \"work\"].formatted", "value": "Depot 2"},
                {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Northbridge"},
                {"op": "Add", "path": "phoneNumbers[type eq \"fax\"].value", "value": "+9"}
            ]),
        )
        .unwrap();
        assert_eq!(
            doc["addresses"],
            json!([{"type": "work", "formatted": "Depot 2", "locality": "Northbridge"}])
        );
        assert_eq!(doc["phoneNumbers"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn urn_qualified_paths_reach_the_enterprise_extension() {
        let mut doc = user();
        patch(
            &mut doc,
            json!([
                {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "E-2"},
                {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division", "value": "Finance"},
                {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter", "value": null}
            ]),
        )
        .unwrap();
        let enterprise = &doc[ENTERPRISE_SCHEMA];
        assert_eq!(enterprise["employeeNumber"], "E-2");
        assert_eq!(enterprise["division"], "Finance");
        assert!(enterprise.get("costCenter").is_none());
    }

    #[test]
    fn core_urn_qualified_paths_reach_top_level_attributes() {
        let mut doc = user();
        patch(
            &mut doc,
            json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName", "value": "Ada"}]),
        )
        .unwrap();
        assert_eq!(doc["name"]["givenName"], "Ada");
    }

    #[test]
    fn pathless_values_with_dotted_urn_and_nested_keys_apply() {
        let mut doc = user();
        patch(
            &mut doc,
            json!([{"op": "replace", "value": {
                "name.givenName": "Ada",
                "displayName": "Ada T",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Payroll",
                ENTERPRISE_SCHEMA: {"division": "Ops"},
                "active": "False",
                "id": "ignored"
            }}]),
        )
        .unwrap();
        assert_eq!(doc["name"]["givenName"], "Ada");
        assert_eq!(doc["displayName"], "Ada T");
        assert_eq!(doc[ENTERPRISE_SCHEMA]["department"], "Payroll");
        assert_eq!(doc[ENTERPRISE_SCHEMA]["division"], "Ops");
        assert_eq!(doc["active"], "False");
        assert!(doc.get("id").is_none());
    }

    #[test]
    fn manager_shapes_all_end_as_a_value_object_or_absent() {
        let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
        for (value, expected) in [
            (json!("m2"), Some(json!({"value": "m2"}))),
            (json!({"value": "m3"}), Some(json!({"value": "m3"}))),
            (json!([{"value": "m4"}]), Some(json!({"value": "m4"}))),
            (json!(""), None),
            (json!({"value": ""}), None),
        ] {
            let mut doc = user();
            patch(
                &mut doc,
                json!([{"op": "Replace", "path": path, "value": value}]),
            )
            .unwrap();
            assert_eq!(doc[ENTERPRISE_SCHEMA].get("manager").cloned(), expected);
        }
        let mut doc = user();
        patch(&mut doc, json!([{"op": "Remove", "path": path}])).unwrap();
        assert!(doc[ENTERPRISE_SCHEMA].get("manager").is_none());
        let mut doc = user();
        let filtered = format!("{path}[value eq \"m1\"]");
        patch(&mut doc, json!([{"op": "Remove", "path": filtered}])).unwrap();
        assert!(doc[ENTERPRISE_SCHEMA].get("manager").is_none());
    }

    #[test]
    fn a_schema_urn_as_path_applies_its_object_value() {
        let mut doc = user();
        patch(
            &mut doc,
            json!([
                {"op": "add", "path": ENTERPRISE_SCHEMA, "value": {"department": "Payroll", "employeeNumber": "E-9"}},
                {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User", "value": {"title": "Associate"}}
            ]),
        )
        .unwrap();
        assert_eq!(doc[ENTERPRISE_SCHEMA]["department"], "Payroll");
        assert_eq!(doc[ENTERPRISE_SCHEMA]["employeeNumber"], "E-9");
        assert_eq!(doc["title"], "Associate");
        assert!(!doc.keys().any(|key| key.ends_with(":2.0")));
        let not_object = patch(
            &mut doc,
            json!([{"op": "add", "path": ENTERPRISE_SCHEMA, "value": "x"}]),
        );
        assert_eq!(not_object.unwrap_err().scim_type, Some("invalidValue"));
    }

    #[test]
    fn value_filters_on_single_valued_attributes_are_refused() {
        let mut doc = user();
        let result = patch(
            &mut doc,
            json!([{"op": "replace", "path": "name[givenName eq \"x\"].familyName", "value": "y"}]),
        );
        assert_eq!(result.unwrap_err().scim_type, Some("invalidPath"));
    }

    #[test]
    fn a_manager_that_is_not_an_id_is_refused() {
        let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
        for value in [json!(5), json!(true)] {
            let mut doc = user();
            let result = patch(
                &mut doc,
                json!([{"op": "replace", "path": path, "value": value}]),
            );
            assert_eq!(result.unwrap_err().scim_type, Some("invalidValue"));
        }
    }

    #[test]
    fn remove_drops_only_the_targeted_values() {
        let mut doc = user();
        patch(
            &mut doc,
            json!([
                {"op": "Remove", "path": "phoneNumbers[type eq \"work\"].value"},
                {"op": "Remove", "path": "emails[type eq \"work\"]"},
                {"op": "Remove", "path": "title"}
            ]),
        )
        .unwrap();
        assert_eq!(
            doc["phoneNumbers"],
            json!([{"type": "mobile", "value": "+2"}])
        );
        assert!(doc.get("emails").is_none());
        assert!(doc.get("title").is_none());
    }

    #[test]
    fn empty_string_clears_a_single_valued_attribute() {
        let mut doc = user();
        patch(
            &mut doc,
            json!([{"op": "replace", "path": "title", "value": ""}]),
        )
        .unwrap();
        assert!(doc.get("title").is_none());
    }

    #[test]
    fn add_on_a_multi_valued_attribute_appends_without_duplicates() {
        let mut doc = user();
        patch(
            &mut doc,
            json!([{"op": "add", "path": "emails", "value": [
                {"type": "work", "value": "ayla@example.test"},
                {"type": "home", "value": "home@example.test"}
            ]}]),
        )
        .unwrap();
        assert_eq!(doc["emails"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn bad_operations_are_refused_with_the_right_scim_type() {
        let mut doc = user();
        let unknown = patch(
            &mut doc,
            json!([{"op": "Frobnicate", "path": "title", "value": "x"}]),
        );
        assert_eq!(unknown.unwrap_err().scim_type, Some("invalidSyntax"));
        let no_path = patch(&mut doc, json!([{"op": "remove"}]));
        assert_eq!(no_path.unwrap_err().scim_type, Some("noTarget"));
        let bad_path = patch(
            &mut doc,
            json!([{"op": "add", "path": "emails[type eq", "value": "x"}]),
        );
        assert_eq!(bad_path.unwrap_err().scim_type, Some("invalidPath"));
        let read_only = patch(
            &mut doc,
            json!([{"op": "replace", "path": "id", "value": "x"}]),
        );
        assert_eq!(read_only.unwrap_err().scim_type, Some("mutability"));
        let empty = patch(&mut doc, json!([]));
        assert_eq!(empty.unwrap_err().scim_type, Some("invalidSyntax"));
    }

    #[test]
    fn a_failing_operation_reports_an_error_for_the_whole_request() {
        let mut doc = user();
        let result = patch(
            &mut doc,
            json!([
                {"op": "replace", "path": "title", "value": "Other"},
                {"op": "add", "path": "emails[type eq \"home\" or type eq \"x\"].value", "value": "y"}
            ]),
        );
        assert_eq!(result.unwrap_err().scim_type, Some("noTarget"));
    }
}
