//! SCIM Group JSON ↔ the directory's groups, and SCIM PATCH on groups
//! translated into the directory's group changes (applied there in one
//! transaction), in the shapes Entra and Okta send:
//!
//! - `Add` members (one or many per operation; re-adding is harmless);
//! - `Remove` with path `members` and a value list (only those), with
//!   `members[value eq "…"]`, or without a value (all members);
//! - `Replace` members (an empty list empties the group);
//! - rename by path (`displayName`) or by a path-less value object;
//! - op names in any case.

use hrms_api::v1::{Group, GroupChange, MemberIds, group_change};
use serde_json::{Map, Value, json};

use crate::error::ScimError;
use crate::filter::{CompValue, CompareOp, Filter, parse_path};
use crate::patch::{OpKind, PatchOp};
use crate::schema::{GROUP_SCHEMA, is_core};

/// Renders a group without its members (they are streamed separately).
pub fn to_scim(group: &Group, base: &str) -> Value {
    let mut object = Map::new();
    object.insert("schemas".into(), json!([GROUP_SCHEMA]));
    object.insert("id".into(), json!(group.id));
    if !group.external_id.is_empty() {
        object.insert("externalId".into(), json!(group.external_id));
    }
    object.insert("displayName".into(), json!(group.display_name));
    let mut meta = Map::new();
    meta.insert("resourceType".into(), json!("Group"));
    for (key, at) in [
        ("created", &group.created_at),
        ("lastModified", &group.updated_at),
    ] {
        if let Some(at) = at {
            meta.insert(key.into(), crate::user::timestamp(Some(at)));
        }
    }
    meta.insert(
        "location".into(),
        json!(format!("{base}/Groups/{}", group.id)),
    );
    meta.insert("version".into(), json!(crate::etag::tag(group.version)));
    object.insert("meta".into(), Value::Object(meta));
    Value::Object(object)
}

/// One member as SCIM shows it.
pub fn member_json(employee_id: &str, display: &str, base: &str) -> Value {
    json!({
        "value": employee_id,
        "display": display,
        "$ref": format!("{base}/Users/{employee_id}"),
    })
}

/// The fields of a POST or PUT body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInput {
    pub display_name: String,
    pub external_id: String,
    pub member_ids: Vec<String>,
}

/// Reads a Group body; attributes other than these are ignored.
pub fn from_scim(body: &Map<String, Value>) -> Result<GroupInput, ScimError> {
    let display_name = match field(body, "displayName") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(ScimError::invalid_value("displayName is required"));
        }
        Some(_) => return Err(ScimError::invalid_value("displayName must be a string")),
    };
    let external_id = match field(body, "externalId") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(id)) => id.clone(),
        Some(_) => return Err(ScimError::invalid_value("externalId must be a string")),
    };
    let member_ids = match field(body, "members") {
        None | Some(Value::Null) => Vec::new(),
        Some(members) => member_ids(members)?,
    };
    Ok(GroupInput {
        display_name,
        external_id,
        member_ids,
    })
}

fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// Longest member id accepted (ids are the directory's employee ids).
const MAX_MEMBER_ID: usize = 256;

/// Member ids from `[{"value": id}, …]`, one such object, or bare ids.
pub fn member_ids(value: &Value) -> Result<Vec<String>, ScimError> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    };
    items
        .into_iter()
        .filter(|item| !item.is_null())
        .map(|item| match item {
            Value::String(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
            Value::Object(member) => match field(member, "value") {
                Some(Value::String(id)) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
                _ => Err(ScimError::invalid_value(
                    "each member needs a value holding a user id",
                )),
            },
            _ => Err(ScimError::invalid_value(
                "members must be a list of {\"value\": user id}",
            )),
        })
        .map(|id: Result<String, ScimError>| {
            id.and_then(|id| {
                if id.len() > MAX_MEMBER_ID {
                    Err(ScimError::invalid_value(format!(
                        "member ids are at most {MAX_MEMBER_ID} bytes"
                    )))
                } else {
                    Ok(id)
                }
            })
        })
        .collect()
}

fn change(kind: group_change::Kind) -> GroupChange {
    GroupChange { kind: Some(kind) }
}

fn ids(ids: Vec<String>) -> MemberIds {
    MemberIds { ids }
}

/// Translates PATCH operations into directory group changes.
pub fn patch_changes(operations: &[PatchOp]) -> Result<Vec<GroupChange>, ScimError> {
    let mut changes = Vec::new();
    for operation in operations {
        match &operation.path {
            Some(path) => {
                path_change(operation.kind, path, operation.value.as_ref(), &mut changes)?
            }
            None => pathless_changes(operation, &mut changes)?,
        }
    }
    Ok(changes)
}

fn pathless_changes(operation: &PatchOp, changes: &mut Vec<GroupChange>) -> Result<(), ScimError> {
    if operation.kind == OpKind::Remove {
        return Err(ScimError::no_target("a remove operation needs a path"));
    }
    let Some(Value::Object(values)) = &operation.value else {
        return Err(ScimError::invalid_value(
            "an operation without a path needs an object value",
        ));
    };
    for (key, value) in values {
        if ["id", "schemas", "meta"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(key))
        {
            continue;
        }
        path_change(operation.kind, key, Some(value), changes)?;
    }
    Ok(())
}

fn path_change(
    kind: OpKind,
    path: &str,
    value: Option<&Value>,
    changes: &mut Vec<GroupChange>,
) -> Result<(), ScimError> {
    let parsed = parse_path(path).map_err(|error| ScimError::invalid_path(error.to_string()))?;
    if parsed
        .attr
        .schema
        .as_deref()
        .is_some_and(|schema| !is_core(schema))
    {
        return Err(ScimError::invalid_path(format!(
            "{path} is not an attribute of groups"
        )));
    }
    let attr = &parsed.attr;
    if attr.is("members") && attr.sub_attr.is_none() {
        if parsed.sub_attr.is_some() {
            return Err(ScimError::invalid_path(
                "member sub-attributes cannot be changed; add or remove whole members",
            ));
        }
        return members_change(kind, parsed.value_filter.as_ref(), value, changes);
    }
    if parsed.value_filter.is_some() || attr.sub_attr.is_some() {
        return Err(ScimError::invalid_path(format!(
            "{path} is not a path on groups"
        )));
    }
    if attr.is("displayName") {
        let name = match (kind, value) {
            (OpKind::Remove, _) => {
                return Err(ScimError::mutability(
                    "displayName is required and cannot be removed",
                ));
            }
            (_, Some(Value::String(name))) if !name.trim().is_empty() => name.clone(),
            _ => {
                return Err(ScimError::invalid_value(
                    "displayName must be a non-empty string",
                ));
            }
        };
        changes.push(change(group_change::Kind::Rename(name)));
        return Ok(());
    }
    if attr.is("externalId") {
        let id = match (kind, value) {
            (OpKind::Remove, _) | (_, None | Some(Value::Null)) => String::new(),
            (_, Some(Value::String(id))) => id.clone(),
            _ => return Err(ScimError::invalid_value("externalId must be a string")),
        };
        changes.push(change(group_change::Kind::SetExternalId(id)));
        return Ok(());
    }
    if ["id", "meta", "schemas"].iter().any(|name| attr.is(name)) {
        return Err(ScimError::mutability(format!(
            "{} cannot be changed",
            attr.attr
        )));
    }
    Err(ScimError::invalid_path(format!(
        "{} is not an attribute of groups",
        attr.attr
    )))
}

fn members_change(
    kind: OpKind,
    filter: Option<&Filter>,
    value: Option<&Value>,
    changes: &mut Vec<GroupChange>,
) -> Result<(), ScimError> {
    let kind = match (kind, filter) {
        (OpKind::Remove, Some(filter)) => {
            group_change::Kind::RemoveMembers(ids(filtered_member_ids(filter)?))
        }
        (_, Some(_)) => {
            return Err(ScimError::invalid_path(
                "members with a filter can only be removed",
            ));
        }
        (OpKind::Add, None) => group_change::Kind::AddMembers(ids(member_ids(required(value)?)?)),
        (OpKind::Replace, None) => {
            let value = value.ok_or_else(|| {
                ScimError::invalid_value(
                    "replacing members needs a value (an empty list empties the group)",
                )
            })?;
            group_change::Kind::ReplaceMembers(ids(member_ids(value)?))
        }
        (OpKind::Remove, None) => match value {
            None | Some(Value::Null) => group_change::Kind::ReplaceMembers(ids(Vec::new())),
            Some(listed) => group_change::Kind::RemoveMembers(ids(member_ids(listed)?)),
        },
    };
    changes.push(change(kind));
    Ok(())
}

fn required(value: Option<&Value>) -> Result<&Value, ScimError> {
    value.ok_or_else(|| ScimError::invalid_value("adding members needs a value"))
}

/// Ids named by `members[value eq "a" or value eq "b"]`.
fn filtered_member_ids(filter: &Filter) -> Result<Vec<String>, ScimError> {
    match filter {
        Filter::Compare(path, CompareOp::Eq, CompValue::String(id))
            if path.is("value") && path.sub_attr.is_none() =>
        {
            Ok(vec![id.clone()])
        }
        Filter::Or(left, right) => {
            let mut ids = filtered_member_ids(left)?;
            ids.extend(filtered_member_ids(right)?);
            Ok(ids)
        }
        _ => Err(ScimError::invalid_filter(
            "member filters in a path support value eq \"id\" (joined by or)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::parse_operations;

    fn changes(operations: Value) -> Result<Vec<group_change::Kind>, ScimError> {
        let body = json!({"Operations": operations});
        let operations = parse_operations(body.as_object().unwrap())?;
        Ok(patch_changes(&operations)?
            .into_iter()
            .filter_map(|c| c.kind)
            .collect())
    }

    fn list(ids: &[&str]) -> MemberIds {
        MemberIds {
            ids: ids.iter().map(|id| (*id).to_owned()).collect(),
        }
    }

    #[test]
    fn add_members_with_ref_null_in_one_operation() {
        let got = changes(json!([{"op": "Add", "path": "members", "value": [
            {"$ref": null, "value": "a"}, {"$ref": null, "value": "b"}
        ]}]))
        .unwrap();
        assert_eq!(got, [group_change::Kind::AddMembers(list(&["a", "b"]))]);
    }

    #[test]
    fn remove_members_by_list_by_filter_and_all() {
        let got = changes(json!([
            {"op": "Remove", "path": "members", "value": [{"value": "a"}]},
            {"op": "remove", "path": "members[value eq \"b\"]"},
            {"op": "REMOVE", "path": "members"}
        ]))
        .unwrap();
        assert_eq!(
            got,
            [
                group_change::Kind::RemoveMembers(list(&["a"])),
                group_change::Kind::RemoveMembers(list(&["b"])),
                group_change::Kind::ReplaceMembers(list(&[])),
            ]
        );
    }

    #[test]
    fn replace_members_and_rename_by_path_and_pathless() {
        let got = changes(json!([
            {"op": "Replace", "path": "members", "value": []},
            {"op": "Replace", "path": "displayName", "value": "Payroll Team"},
            {"op": "replace", "value": {"displayName": "Payroll Benefits Team", "id": "ignored"}}
        ]))
        .unwrap();
        assert_eq!(
            got,
            [
                group_change::Kind::ReplaceMembers(list(&[])),
                group_change::Kind::Rename("Payroll Team".into()),
                group_change::Kind::Rename("Payroll Benefits Team".into()),
            ]
        );
    }

    #[test]
    fn bad_group_patches_are_refused() {
        let cases = [
            (
                json!([{"op": "add", "path": "members", "value": [{"display": "x"}]}]),
                "invalidValue",
            ),
            (
                json!([{"op": "add", "path": "members[value eq \"a\"]", "value": "x"}]),
                "invalidPath",
            ),
            (
                json!([{"op": "remove", "path": "displayName"}]),
                "mutability",
            ),
            (
                json!([{"op": "replace", "path": "nickName", "value": "x"}]),
                "invalidPath",
            ),
            (
                json!([{"op": "remove", "path": "members[display eq \"x\"]"}]),
                "invalidFilter",
            ),
            (
                json!([{"op": "remove", "path": "members[value eq \"a\"].display"}]),
                "invalidPath",
            ),
            (
                json!([{"op": "replace", "path": "members"}]),
                "invalidValue",
            ),
            (
                json!([{"op": "add", "path": "members", "value": [{"value": "x".repeat(300)}]}]),
                "invalidValue",
            ),
        ];
        for (operations, scim_type) in cases {
            let error = changes(operations.clone()).unwrap_err();
            assert_eq!(error.scim_type, Some(scim_type), "{operations}");
        }
    }

    #[test]
    fn group_bodies_need_a_display_name_and_valid_members() {
        let body = json!({"displayName": "Team", "members": [{"value": "a"}, "b"]});
        let input = from_scim(body.as_object().unwrap()).unwrap();
        assert_eq!(input.member_ids, ["a", "b"]);
        assert!(from_scim(json!({"externalId": "x"}).as_object().unwrap()).is_err());
        assert!(
            from_scim(
                json!({"displayName": "T", "members": [1]})
                    .as_object()
                    .unwrap()
            )
            .is_err()
        );
    }
}
