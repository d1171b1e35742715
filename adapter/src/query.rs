//! List-query parameters: the SCIM `filter` translated into the directory's
//! structured employee filter, `startIndex`/`count` paging, and
//! `attributes`/`excludedAttributes` projection of rendered resources.

use hrms_api::profile;
use hrms_api::v1::{
    ElementFilter, EmployeeCondition, EmployeeField, EmployeeFilter, EmployeeFilterList,
    FilterOperator, GroupCondition, GroupField, GroupFilter, GroupFilterList, ValueCondition,
    employee_filter, group_filter,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::{AttrPath, CompValue, CompareOp, Filter, parse_filter};
use crate::schema::{
    GROUP_SCHEMA, HRMS_SCHEMA, LIST_SCHEMA, USER_SCHEMA, canonical, is_core, is_enterprise,
};
use crate::user::split_urn;

/// Page size when the client names none.
pub const DEFAULT_COUNT: i64 = 100;
/// Largest page served (advertised as `filter.maxResults`).
pub const MAX_COUNT: i64 = 1000;

/// Query parameters of a list request, as sent. Numbers are read by hand so
/// a malformed one gets a SCIM error, not a framework rejection.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    pub filter: Option<String>,
    #[serde(rename = "startIndex")]
    pub start_index: Option<String>,
    pub count: Option<String>,
    pub attributes: Option<String>,
    #[serde(rename = "excludedAttributes")]
    pub excluded_attributes: Option<String>,
    #[serde(rename = "sortBy")]
    pub sort_by: Option<String>,
    #[serde(rename = "sortOrder")]
    pub sort_order: Option<String>,
    /// RFC 9865 cursor paging: present (even empty) selects it.
    pub cursor: Option<String>,
}

/// Reads a SearchRequest body (RFC 7644 §3.4.3) into list parameters:
/// the same names as the query string, with attribute lists as JSON arrays
/// (or comma-separated strings) and numbers as JSON numbers (or strings).
pub fn search_params(body: &serde_json::Map<String, Value>) -> Result<ListParams, ScimError> {
    let get = |name: &str| {
        body.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    };
    let text = |name: &str| -> Result<Option<String>, ScimError> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(ScimError::invalid_value(format!("{name} must be a string"))),
        }
    };
    let list = |name: &str| -> Result<Option<String>, ScimError> {
        match get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_owned).ok_or_else(|| {
                        ScimError::invalid_value(format!("{name} must list attribute names"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|names| Some(names.join(","))),
            _ => text(name),
        }
    };
    Ok(ListParams {
        filter: text("filter")?,
        start_index: text("startIndex")?,
        count: text("count")?,
        attributes: list("attributes")?,
        excluded_attributes: list("excludedAttributes")?,
        sort_by: text("sortBy")?,
        sort_order: text("sortOrder")?,
        cursor: text("cursor")?,
    })
}

/// Parameters of a single-resource read.
#[derive(Debug, Default, Deserialize)]
pub struct ReadParams {
    pub attributes: Option<String>,
    #[serde(rename = "excludedAttributes")]
    pub excluded_attributes: Option<String>,
}

/// A validated page: 1-based start index (or a cursor) and page size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub start_index: i64,
    pub count: i64,
    /// Cursor paging (RFC 9865): the cursor, "" for the first page.
    pub cursor: Option<String>,
}

impl Page {
    /// The ListResponse fields around `Resources`: `startIndex` for index
    /// paging; `nextCursor` (when there is a next page) for cursor paging.
    pub fn list_head(&self, total: i64, items: usize, next_cursor: &str) -> Value {
        let mut head = serde_json::json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "itemsPerPage": items,
        });
        if self.cursor.is_none() {
            head["startIndex"] = self.start_index.into();
        } else if !next_cursor.is_empty() {
            head["nextCursor"] = next_cursor.into();
        }
        head
    }
}

impl ListParams {
    /// The filter, if one was given; an empty `filter=` counts as none.
    pub fn filter_text(&self) -> Option<&str> {
        self.filter
            .as_deref()
            .filter(|text| !text.trim().is_empty())
    }

    /// `startIndex` below 1 is read as 1 and `count` below 0 as 0 (RFC 7644
    /// §3.4.2.4); `count` above the maximum is capped.
    pub fn page(&self) -> Result<Page, ScimError> {
        let start_index = number("startIndex", self.start_index.as_deref())?;
        let count = number("count", self.count.as_deref())?.unwrap_or(DEFAULT_COUNT);
        let cursor = self.cursor.as_deref().map(str::trim);
        if cursor.is_some() && start_index.is_some() {
            return Err(ScimError::invalid_value(
                "startIndex and cursor select different paging; send one of them",
            ));
        }
        if let Some(cursor) = cursor
            && !cursor
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        {
            return Err(ScimError::invalid_cursor(
                "the cursor is not one this server issued; start again with an empty cursor",
            ));
        }
        Ok(Page {
            start_index: start_index.unwrap_or(1).max(1),
            count: count.clamp(0, MAX_COUNT),
            cursor: cursor.map(str::to_owned),
        })
    }
}

fn number(name: &str, text: Option<&str>) -> Result<Option<i64>, ScimError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ScimError::invalid_value(format!("{name} must be an integer"))),
    }
}

/// The sort requested for Users: the field (unspecified: creation order)
/// and whether descending.
pub fn employee_sort(params: &ListParams) -> Result<(EmployeeField, bool), ScimError> {
    match sort::<EmployeeFilter>(params, UserAttr::Field(EmployeeField::Unspecified))? {
        (UserAttr::Field(EmployeeField::Email), _) | (UserAttr::Value(..), _) => {
            Err(ScimError::invalid_value(format!(
                "sorting by {} is not supported; sortable: id, userName, externalId, displayName, name.givenName, name.familyName, title, active, meta.created, meta.lastModified, and enterprise employeeNumber, department, manager",
                params.sort_by.as_deref().unwrap_or_default().trim()
            )))
        }
        (UserAttr::Field(field), descending) => Ok((field, descending)),
    }
}

/// A User attribute a filter compares: one the directory has a field for,
/// or one kept in the profile, named (attribute, sub-attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAttr {
    Field(EmployeeField),
    Value(&'static str, &'static str),
}

/// Whether a translated Users filter compares `field` anywhere.
pub fn filter_uses(filter: &EmployeeFilter, field: EmployeeField) -> bool {
    match &filter.kind {
        Some(employee_filter::Kind::Condition(condition)) => condition.field == field as i32,
        Some(employee_filter::Kind::All(list) | employee_filter::Kind::Any(list)) => {
            list.filters.iter().any(|inner| filter_uses(inner, field))
        }
        Some(employee_filter::Kind::Negate(inner)) => filter_uses(inner, field),
        Some(employee_filter::Kind::Value(_) | employee_filter::Kind::Element(_)) | None => false,
    }
}

/// The sort requested for Groups.
pub fn group_sort(params: &ListParams) -> Result<(GroupField, bool), ScimError> {
    let sort = sort::<GroupFilter>(params, GroupField::Unspecified)?;
    if sort.0 == GroupField::Member {
        return Err(ScimError::invalid_value(
            "sorting by members is not supported",
        ));
    }
    Ok(sort)
}

fn sort<T: Target>(params: &ListParams, unsorted: T::Field) -> Result<(T::Field, bool), ScimError> {
    let descending = match params.sort_order.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(order) if order.eq_ignore_ascii_case("ascending") => false,
        Some(order) if order.eq_ignore_ascii_case("descending") => true,
        Some(_) => {
            return Err(ScimError::invalid_value(
                "sortOrder must be ascending or descending",
            ));
        }
    };
    let Some(name) = params
        .sort_by
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return Ok((unsorted, descending));
    };
    let path = crate::filter::parse_path(name)
        .ok()
        .filter(|path| path.value_filter.is_none() && path.sub_attr.is_none())
        .ok_or_else(|| ScimError::invalid_value(format!("sortBy {name:?} is not an attribute")))?;
    let field = T::field_of(&path.attr)
        .map_err(|_| ScimError::invalid_value(format!("sorting by {name} is not supported")))?;
    Ok((field, descending))
}

/// Translates a SCIM filter on Users into the directory's filter.
pub fn employee_filter(text: &str) -> Result<EmployeeFilter, ScimError> {
    let parsed =
        parse_filter(text).map_err(|error| ScimError::invalid_filter(error.to_string()))?;
    translate::<EmployeeFilter>(&parsed)
}

/// As [`employee_filter`] and [`group_filter`] for a root `/.search`: each
/// type's filter, with comparisons on attributes the type lacks false.
/// Refused when neither type understands it.
pub fn root_filters(text: &str) -> Result<(EmployeeFilter, GroupFilter), ScimError> {
    let parsed =
        parse_filter(text).map_err(|error| ScimError::invalid_filter(error.to_string()))?;
    if let (Err(error), Err(_)) = (
        translate::<EmployeeFilter>(&parsed),
        translate::<GroupFilter>(&parsed),
    ) {
        return Err(error);
    }
    Ok((
        translate_with(&parsed, true)?,
        translate_with(&parsed, true)?,
    ))
}

/// Translates a SCIM filter on Groups into the directory's filter.
pub fn group_filter(text: &str) -> Result<GroupFilter, ScimError> {
    let parsed =
        parse_filter(text).map_err(|error| ScimError::invalid_filter(error.to_string()))?;
    translate::<GroupFilter>(&parsed)
}

/// A directory filter type a SCIM filter can be translated into: the
/// resource's fields and how its tree nodes are built.
trait Target: Sized {
    type Field: Copy;
    fn condition(field: Self::Field, operator: FilterOperator, value: String) -> Self;
    fn all(filters: Vec<Self>) -> Self;
    fn any(filters: Vec<Self>) -> Self;
    fn negate(inner: Self) -> Self;
    fn field_of(path: &AttrPath) -> Result<Self::Field, ScimError>;
    fn value_path(path: &AttrPath, inner: &Filter) -> Result<Self, ScimError>;
    /// A condition no resource satisfies.
    fn never() -> Self;
}

fn translate<T: Target>(filter: &Filter) -> Result<T, ScimError> {
    translate_with(filter, false)
}

/// With `lenient`, an attribute this resource type does not have makes its
/// comparison false (so `not` of it is true) instead of refusing the
/// filter: how a root `/.search` filter applies to each type.
fn translate_with<T: Target>(filter: &Filter, lenient: bool) -> Result<T, ScimError> {
    let field = |path: &AttrPath| match T::field_of(path) {
        Ok(field) => Ok(Some(field)),
        Err(_) if lenient => Ok(None),
        Err(error) => Err(error),
    };
    Ok(match filter {
        Filter::And(..) => T::all(translate_all(chain(filter, true), lenient)?),
        Filter::Or(..) => T::any(translate_all(chain(filter, false), lenient)?),
        Filter::Not(inner) => T::negate(translate_with(inner, lenient)?),
        Filter::Present(path) => match field(path)? {
            Some(field) => T::condition(field, FilterOperator::Pr, String::new()),
            None => T::never(),
        },
        Filter::Compare(path, op, value) => match field(path)? {
            Some(field) => compare::<T>(field, *op, value)?,
            None => T::never(),
        },
        Filter::ValuePath(path, inner) => match T::value_path(path, inner) {
            Ok(filter) => filter,
            Err(_) if lenient => T::never(),
            Err(error) => return Err(error),
        },
    })
}

fn translate_all<T: Target>(filters: Vec<&Filter>, lenient: bool) -> Result<Vec<T>, ScimError> {
    filters
        .into_iter()
        .map(|filter| translate_with(filter, lenient))
        .collect()
}

/// The operands of a run of `and` (or of `or`): `a and b and c` parses as
/// a left-deep tree, but is one list to the directory, so a long flat
/// filter does not look deeply nested.
fn chain(filter: &Filter, and: bool) -> Vec<&Filter> {
    let mut operands = Vec::new();
    let mut pending = vec![filter];
    while let Some(node) = pending.pop() {
        match (node, and) {
            (Filter::And(left, right), true) | (Filter::Or(left, right), false) => {
                pending.push(right);
                pending.push(left);
            }
            (other, _) => operands.push(other),
        }
    }
    operands
}

fn compare<T: Target>(field: T::Field, op: CompareOp, value: &CompValue) -> Result<T, ScimError> {
    let text = match value {
        CompValue::String(s) => s.clone(),
        CompValue::Bool(b) => b.to_string(),
        CompValue::Number(n) => n.to_string(),
        // `eq null` asks for absence, `ne null` for presence.
        CompValue::Null => {
            let present = T::condition(field, FilterOperator::Pr, String::new());
            return match op {
                CompareOp::Eq => Ok(T::negate(present)),
                CompareOp::Ne => Ok(present),
                _ => Err(ScimError::invalid_filter(format!(
                    "null can only be compared with eq or ne, not {}",
                    op.as_str()
                ))),
            };
        }
    };
    Ok(T::condition(field, operator(op), text))
}

fn operator(op: CompareOp) -> FilterOperator {
    match op {
        CompareOp::Eq => FilterOperator::Eq,
        CompareOp::Ne => FilterOperator::Ne,
        CompareOp::Co => FilterOperator::Co,
        CompareOp::Sw => FilterOperator::Sw,
        CompareOp::Ew => FilterOperator::Ew,
        CompareOp::Gt => FilterOperator::Gt,
        CompareOp::Ge => FilterOperator::Ge,
        CompareOp::Lt => FilterOperator::Lt,
        CompareOp::Le => FilterOperator::Le,
    }
}

/// Whether a path is unqualified or qualified with the resource's core
/// schema `core` (false), or enterprise-qualified on Users (true); any
/// other schema is not filterable.
fn is_enterprise_path(path: &AttrPath, core: &str) -> Result<bool, ScimError> {
    match path.schema.as_deref() {
        None => Ok(false),
        Some(schema) if schema.eq_ignore_ascii_case(core) => Ok(false),
        Some(schema) if is_enterprise(schema) && core == USER_SCHEMA => Ok(true),
        Some(schema) => Err(ScimError::invalid_filter(format!(
            "filtering on schema {schema} is not supported"
        ))),
    }
}

fn unsupported_attribute(path: &AttrPath) -> ScimError {
    let name = match &path.sub_attr {
        Some(sub) => format!("{}.{sub}", path.attr),
        None => path.attr.clone(),
    };
    ScimError::invalid_filter(format!("filtering on {name} is not supported"))
}

impl Target for EmployeeFilter {
    type Field = UserAttr;

    fn condition(field: UserAttr, operator: FilterOperator, value: String) -> Self {
        let kind = match field {
            UserAttr::Field(field) => employee_filter::Kind::Condition(EmployeeCondition {
                field: field as i32,
                operator: operator as i32,
                value,
                email_type: String::new(),
            }),
            UserAttr::Value(attribute, sub) => employee_filter::Kind::Value(ValueCondition {
                attribute: attribute.to_owned(),
                sub_attribute: sub.to_owned(),
                operator: operator as i32,
                value,
            }),
        };
        EmployeeFilter { kind: Some(kind) }
    }

    fn all(filters: Vec<Self>) -> Self {
        EmployeeFilter {
            kind: Some(employee_filter::Kind::All(EmployeeFilterList { filters })),
        }
    }

    fn any(filters: Vec<Self>) -> Self {
        EmployeeFilter {
            kind: Some(employee_filter::Kind::Any(EmployeeFilterList { filters })),
        }
    }

    fn negate(inner: Self) -> Self {
        EmployeeFilter {
            kind: Some(employee_filter::Kind::Negate(Box::new(inner))),
        }
    }

    fn field_of(path: &AttrPath) -> Result<UserAttr, ScimError> {
        if path
            .schema
            .as_deref()
            .is_some_and(|schema| schema.eq_ignore_ascii_case(HRMS_SCHEMA))
        {
            return match (path.attr.to_ascii_lowercase().as_str(), &path.sub_attr) {
                ("dateofjoining", None) => Ok(UserAttr::Field(EmployeeField::DateOfJoining)),
                _ => Err(unsupported_attribute(path)),
            };
        }
        let enterprise = is_enterprise_path(path, USER_SCHEMA)?;
        let attr = path.attr.to_ascii_lowercase();
        let sub = path.sub_attr.as_deref().map(str::to_ascii_lowercase);
        let field = match (enterprise, attr.as_str(), sub.as_deref()) {
            (false, "id", None) => EmployeeField::Id,
            (false, "username", None) => EmployeeField::UserName,
            (false, "externalid", None) => EmployeeField::ExternalId,
            (false, "displayname", None) => EmployeeField::DisplayName,
            (false, "active", None) => EmployeeField::Active,
            (false, "title", None) => EmployeeField::Title,
            (false, "name", Some("givenname")) => EmployeeField::GivenName,
            (false, "name", Some("familyname")) => EmployeeField::FamilyName,
            (false, "emails", None | Some("value")) => EmployeeField::Email,
            (false, "meta", Some("created")) => EmployeeField::CreatedAt,
            (false, "meta", Some("lastmodified")) => EmployeeField::UpdatedAt,
            (_, "manager", None | Some("value")) => EmployeeField::ManagerId,
            // Enterprise names no core attribute has are accepted bare.
            (_, "employeenumber", None) => EmployeeField::EmployeeCode,
            (_, "department", None) => EmployeeField::Department,
            _ => return profile_attribute(path, enterprise),
        };
        Ok(UserAttr::Field(field))
    }

    fn never() -> Self {
        // No employee has an empty id.
        Self::condition(
            UserAttr::Field(EmployeeField::Id),
            FilterOperator::Eq,
            String::new(),
        )
    }

    /// `emails[type eq "work" and primary eq true]`: one element of a
    /// complex attribute satisfying the inner filter.
    fn value_path(path: &AttrPath, inner: &Filter) -> Result<Self, ScimError> {
        let attribute = match is_enterprise_path(path, USER_SCHEMA)? {
            false => canonical(&path.attr, profile::COMPLEX),
            true => None,
        }
        .ok_or_else(|| {
            ScimError::invalid_filter(format!(
                "value filters apply to name, emails, phoneNumbers and addresses, not {}",
                path.attr
            ))
        })?;
        Ok(EmployeeFilter {
            kind: Some(employee_filter::Kind::Element(Box::new(ElementFilter {
                attribute: attribute.to_owned(),
                filter: Some(Box::new(element_filter(attribute, inner)?)),
            }))),
        })
    }
}

/// An attribute without a directory field, compared in the employee's
/// profile values: `nickName`, `name.middleName`, `phoneNumbers.type`,
/// `addresses.locality`, enterprise `costCenter`, ...
fn profile_attribute(path: &AttrPath, enterprise: bool) -> Result<UserAttr, ScimError> {
    let sub = path.sub_attr.as_deref();
    let found = if let Some(attr) = canonical(&path.attr, profile::ENTERPRISE) {
        sub.is_none().then_some((attr, ""))
    } else if enterprise {
        None
    } else if let Some(attr) = canonical(&path.attr, profile::SIMPLE) {
        sub.is_none().then_some((attr, ""))
    } else if let Some(attr) = canonical(&path.attr, profile::COMPLEX) {
        match sub {
            // A multi-valued attribute alone means its value.
            None if attr != "name" => Some((attr, "value")),
            None => None,
            Some(sub) => canonical(sub, crate::schema::SUB_ATTRIBUTES).map(|sub| (attr, sub)),
        }
    } else {
        None
    };
    found
        .map(|(attr, sub)| UserAttr::Value(attr, sub))
        .ok_or_else(|| unsupported_attribute(path))
}

/// The inside of `attribute[...]` as conditions on one element's
/// sub-attributes.
fn element_filter(attribute: &'static str, filter: &Filter) -> Result<EmployeeFilter, ScimError> {
    let sub_of = |path: &AttrPath| -> Result<UserAttr, ScimError> {
        let sub = canonical(&path.attr, crate::schema::SUB_ATTRIBUTES)
            .filter(|_| path.schema.is_none() && path.sub_attr.is_none())
            .ok_or_else(|| {
                ScimError::invalid_filter(format!(
                    "inside {attribute}[...], {} is not a sub-attribute of {attribute}",
                    path.attr
                ))
            })?;
        Ok(UserAttr::Value(attribute, sub))
    };
    Ok(match filter {
        Filter::And(..) => EmployeeFilter::all(
            chain(filter, true)
                .into_iter()
                .map(|f| element_filter(attribute, f))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Or(..) => EmployeeFilter::any(
            chain(filter, false)
                .into_iter()
                .map(|f| element_filter(attribute, f))
                .collect::<Result<_, _>>()?,
        ),
        Filter::Not(inner) => EmployeeFilter::negate(element_filter(attribute, inner)?),
        Filter::Present(path) => {
            EmployeeFilter::condition(sub_of(path)?, FilterOperator::Pr, String::new())
        }
        Filter::Compare(path, op, value) => compare::<EmployeeFilter>(sub_of(path)?, *op, value)?,
        Filter::ValuePath(..) => {
            return Err(ScimError::invalid_filter("value filters cannot be nested"));
        }
    })
}

impl Target for GroupFilter {
    type Field = GroupField;

    fn condition(field: GroupField, operator: FilterOperator, value: String) -> Self {
        GroupFilter {
            kind: Some(group_filter::Kind::Condition(GroupCondition {
                field: field as i32,
                operator: operator as i32,
                value,
            })),
        }
    }

    fn all(filters: Vec<Self>) -> Self {
        GroupFilter {
            kind: Some(group_filter::Kind::All(GroupFilterList { filters })),
        }
    }

    fn any(filters: Vec<Self>) -> Self {
        GroupFilter {
            kind: Some(group_filter::Kind::Any(GroupFilterList { filters })),
        }
    }

    fn negate(inner: Self) -> Self {
        GroupFilter {
            kind: Some(group_filter::Kind::Negate(Box::new(inner))),
        }
    }

    fn field_of(path: &AttrPath) -> Result<GroupField, ScimError> {
        is_enterprise_path(path, GROUP_SCHEMA)?;
        let attr = path.attr.to_ascii_lowercase();
        let sub = path.sub_attr.as_deref().map(str::to_ascii_lowercase);
        Ok(match (attr.as_str(), sub.as_deref()) {
            ("id", None) => GroupField::Id,
            ("displayname", None) => GroupField::DisplayName,
            ("externalid", None) => GroupField::ExternalId,
            ("members", None | Some("value")) => GroupField::Member,
            ("meta", Some("created")) => GroupField::CreatedAt,
            ("meta", Some("lastmodified")) => GroupField::UpdatedAt,
            _ => return Err(unsupported_attribute(path)),
        })
    }

    fn never() -> Self {
        Self::condition(GroupField::Id, FilterOperator::Eq, String::new())
    }

    /// `members[value eq "id"]`: membership of that employee.
    fn value_path(path: &AttrPath, inner: &Filter) -> Result<Self, ScimError> {
        if !path.is("members") {
            return Err(ScimError::invalid_filter(format!(
                "value filters on {} are not supported",
                path.attr
            )));
        }
        match inner {
            Filter::Or(left, right) => Ok(Self::any(vec![
                Self::value_path(path, left)?,
                Self::value_path(path, right)?,
            ])),
            Filter::Compare(sub, op @ (CompareOp::Eq | CompareOp::Ne), CompValue::String(id))
                if sub.is("value") && sub.sub_attr.is_none() =>
            {
                Ok(Self::condition(
                    GroupField::Member,
                    operator(*op),
                    id.clone(),
                ))
            }
            Filter::Present(sub) if sub.is("value") => Ok(Self::condition(
                GroupField::Member,
                FilterOperator::Pr,
                String::new(),
            )),
            _ => Err(ScimError::invalid_filter(
                "member value filters support value eq \"id\", joined by or",
            )),
        }
    }
}

/// `attributes` / `excludedAttributes` as requested.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl Projection {
    pub fn new(attributes: Option<&str>, excluded: Option<&str>) -> Self {
        Projection {
            include: names(attributes),
            exclude: names(excluded),
        }
    }

    /// Whether `attr` (a top-level name) is asked for: no `attributes`
    /// list, or one naming it or one of its sub-attributes.
    pub fn includes(&self, attr: &str) -> bool {
        self.include.is_empty()
            || self.include.iter().any(|name| {
                let (schema, top, _) = split_name(name);
                schema.is_none() && top.eq_ignore_ascii_case(attr)
            })
    }

    /// Whether the `attributes` list names `attr` itself, as a
    /// `returned: request` attribute needs.
    pub fn requests(&self, attr: &str) -> bool {
        self.include
            .iter()
            .any(|name| name.eq_ignore_ascii_case(attr))
    }

    /// Whether `attr` (a top-level name, possibly core-URN-qualified in
    /// the request) is excluded outright.
    pub fn excludes(&self, attr: &str) -> bool {
        self.exclude.iter().any(|name| {
            let (schema, top, sub) = split_name(name);
            schema.is_none() && sub.is_none() && top.eq_ignore_ascii_case(attr)
        })
    }

    /// The projection of the sub-attributes of `attr`: `attributes=
    /// members.value` keeps only `value` of each member, `excludedAttributes=
    /// members.display` drops `display`.
    pub fn nested(&self, attr: &str) -> Projection {
        let subs = |names: &[String]| -> Vec<String> {
            names
                .iter()
                .filter_map(|name| match split_name(name) {
                    (None, top, Some(sub)) if top.eq_ignore_ascii_case(attr) => {
                        Some(sub.to_owned())
                    }
                    _ => None,
                })
                .collect()
        };
        Projection {
            include: subs(&self.include),
            exclude: subs(&self.exclude),
        }
    }

    /// Applies the projection to an object with no `id`/`schemas` rules
    /// (a member, say): kept names if any are listed, minus excluded ones.
    pub fn apply_plain(&self, value: Value) -> Value {
        let Value::Object(object) = value else {
            return value;
        };
        let kept = object
            .into_iter()
            .filter(|(key, _)| {
                (self.include.is_empty()
                    || self.include.iter().any(|n| n.eq_ignore_ascii_case(key)))
                    && !self.exclude.iter().any(|n| n.eq_ignore_ascii_case(key))
            })
            .collect();
        Value::Object(kept)
    }

    /// Applies the projection to a rendered resource. `id` and `schemas`
    /// are always returned (RFC 7643 `returned: always`).
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(mut object) = resource else {
            return resource;
        };
        if !self.include.is_empty() {
            let mut kept = Map::new();
            for (key, value) in std::mem::take(&mut object) {
                if key == "id" || key == "schemas" {
                    kept.insert(key, value);
                } else if let Some(value) = self.keep(&key, value) {
                    kept.insert(key, value);
                }
            }
            object = kept;
        }
        for name in &self.exclude {
            remove_path(&mut object, name);
        }
        Value::Object(object)
    }

    /// The part of a top-level attribute an `attributes` list asks for.
    fn keep(&self, key: &str, value: Value) -> Option<Value> {
        let mut subs = Vec::new();
        for name in &self.include {
            let (schema_key, attr, sub) = split_name(name);
            match schema_key {
                Some(schema) if schema.eq_ignore_ascii_case(key) => {
                    // `urn:…:User:department` keeps part of the extension.
                    subs.push(attr.to_owned());
                }
                Some(_) => {}
                None if name.eq_ignore_ascii_case(key) => return Some(value),
                None if attr.eq_ignore_ascii_case(key) => {
                    if let Some(sub) = sub {
                        subs.push(sub.to_owned());
                    }
                }
                None => {}
            }
        }
        if subs.is_empty() {
            return None;
        }
        let Value::Object(inner) = value else {
            return Some(value);
        };
        let picked: Map<String, Value> = inner
            .into_iter()
            .filter(|(k, _)| subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
            .collect();
        (!picked.is_empty()).then_some(Value::Object(picked))
    }
}

/// Splits a requested name into (extension URN, attribute, sub-attribute).
fn split_name(name: &str) -> (Option<&str>, &str, Option<&str>) {
    if let Some((schema, attr)) = split_urn(name)
        && !is_core(schema)
    {
        return (Some(schema), attr, None);
    }
    let bare = split_urn(name).map_or(name, |(_, attr)| attr);
    match bare.split_once('.') {
        Some((attr, sub)) => (None, attr, Some(sub)),
        None => (None, bare, None),
    }
}

fn remove_path(object: &mut Map<String, Value>, name: &str) {
    let (schema, attr, sub) = split_name(name);
    let key = schema.unwrap_or(attr);
    let Some(found) = object.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned() else {
        return;
    };
    if key == "id" || key == "schemas" {
        return;
    }
    let inner_name = if schema.is_some() { Some(attr) } else { sub };
    match inner_name {
        None => {
            object.remove(&found);
        }
        Some(inner_name) => {
            if let Some(Value::Object(inner)) = object.get_mut(&found) {
                inner.retain(|k, _| !k.eq_ignore_ascii_case(inner_name));
            }
        }
    }
}

fn names(list: Option<&str>) -> Vec<String> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hrms_api::v1::employee_filter::Kind;
    use serde_json::json;

    fn cond(filter: &EmployeeFilter) -> &EmployeeCondition {
        match filter.kind.as_ref() {
            Some(Kind::Condition(condition)) => condition,
            other => panic!("not a condition: {other:?}"),
        }
    }

    #[test]
    fn user_name_eq_becomes_a_user_name_condition() {
        let filter = employee_filter("userName eq \"A@B.test\"").unwrap();
        let condition = cond(&filter);
        assert_eq!(condition.field, EmployeeField::UserName as i32);
        assert_eq!(condition.operator, FilterOperator::Eq as i32);
        assert_eq!(condition.value, "A@B.test");
    }

    #[test]
    fn entra_work_email_filter_becomes_one_element_with_both_conditions() {
        let filter = employee_filter("emails[type eq \"work\"].value eq \"a@b.test\"").unwrap();
        let Some(Kind::Element(element)) = filter.kind else {
            panic!("not an element filter: {filter:?}")
        };
        assert_eq!(element.attribute, "emails");
        let Some(Kind::All(list)) = element.filter.and_then(|f| f.kind) else {
            panic!("not an and")
        };
        let subs: Vec<(&str, &str)> = list
            .filters
            .iter()
            .map(|f| match &f.kind {
                Some(Kind::Value(v)) => (v.sub_attribute.as_str(), v.value.as_str()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(subs, [("type", "work"), ("value", "a@b.test")]);
    }

    #[test]
    fn profile_attributes_become_value_conditions_with_canonical_names() {
        for (text, attribute, sub) in [
            ("NICKNAME eq \"x\"", "nickName", ""),
            ("name.MiddleName pr", "name", "middleName"),
            ("phoneNumbers eq \"1\"", "phoneNumbers", "value"),
            ("addresses.locality sw \"x\"", "addresses", "locality"),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter eq \"c\"",
                "costCenter",
                "",
            ),
        ] {
            let filter = employee_filter(text).unwrap();
            let Some(Kind::Value(value)) = filter.kind else {
                panic!("{text}: {filter:?}")
            };
            assert_eq!(
                (value.attribute.as_str(), value.sub_attribute.as_str()),
                (attribute, sub),
                "{text}"
            );
        }
    }

    #[test]
    fn id_and_manager_becomes_all_of_two_conditions() {
        let filter = employee_filter("id eq \"e1\" and manager eq \"m1\"").unwrap();
        let Some(Kind::All(list)) = filter.kind else {
            panic!("not an and")
        };
        assert_eq!(
            cond(&list.filters[1]).field,
            EmployeeField::ManagerId as i32
        );
    }

    #[test]
    fn enterprise_urn_attributes_are_filterable() {
        let text =
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"E-1\"";
        assert_eq!(
            cond(&employee_filter(text).unwrap()).field,
            EmployeeField::EmployeeCode as i32
        );
    }

    #[test]
    fn unknown_attributes_and_broken_filters_are_invalid_filter() {
        for text in [
            "ims eq \"x\"",
            "name eq \"x\"",
            "nickName.value eq \"x\"",
            "userName[value eq \"x\"]",
            "emails[type eq \"work\" and foo pr]",
            "userName eq \"unterminated",
            "userName like \"x\"",
        ] {
            let error = employee_filter(text).unwrap_err();
            assert_eq!(error.scim_type, Some("invalidFilter"), "{text}");
        }
    }

    #[test]
    fn long_flat_chains_become_one_list() {
        let text = vec!["userName eq \"a\""; 150].join(" or ");
        let Some(Kind::Any(list)) = employee_filter(&text).unwrap().kind else {
            panic!("not an or")
        };
        assert_eq!(list.filters.len(), 150);
        let mixed =
            employee_filter("userName eq \"a\" and active eq true or externalId eq \"b\"").unwrap();
        let Some(Kind::Any(list)) = mixed.kind else {
            panic!("not an or")
        };
        assert!(matches!(list.filters[0].kind, Some(Kind::All(_))));
    }

    #[test]
    fn entra_membership_checks_become_member_conditions() {
        for text in [
            "id eq \"g1\" and members[value eq \"e1\"]",
            "id eq \"g1\" and members eq \"e1\"",
        ] {
            let filter = group_filter(text).unwrap();
            let Some(group_filter::Kind::All(list)) = filter.kind else {
                panic!("not an and: {text}")
            };
            let Some(group_filter::Kind::Condition(member)) = &list.filters[1].kind else {
                panic!("not a condition: {text}")
            };
            assert_eq!(member.field, GroupField::Member as i32);
            assert_eq!(member.value, "e1");
        }
        assert!(group_filter("members[display eq \"x\"]").is_err());
        assert!(group_filter("userName eq \"x\"").is_err());
        let wrong_schema = "urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq \"x\"";
        assert!(employee_filter(wrong_schema).is_err());
        assert!(group_filter(wrong_schema).is_ok());
    }

    #[test]
    fn search_requests_read_like_query_strings() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "attributes": ["userName", "name.givenName"],
            "filter": "userName sw \"a\"",
            "startIndex": 2,
            "count": "10"
        });
        let params = search_params(body.as_object().unwrap()).unwrap();
        assert_eq!(
            params.attributes.as_deref(),
            Some("userName,name.givenName")
        );
        assert_eq!(
            params.page().unwrap(),
            Page {
                start_index: 2,
                count: 10,
                cursor: None
            }
        );
        let bad = json!({"attributes": [1]});
        assert!(search_params(bad.as_object().unwrap()).is_err());
    }

    #[test]
    fn paging_defaults_and_clamps() {
        let params = ListParams {
            start_index: Some("0".into()),
            count: Some("5000".into()),
            ..ListParams::default()
        };
        assert_eq!(
            params.page().unwrap(),
            Page {
                start_index: 1,
                count: MAX_COUNT,
                cursor: None
            }
        );
        let bad = ListParams {
            count: Some("ten".into()),
            ..ListParams::default()
        };
        assert_eq!(bad.page().unwrap_err().scim_type, Some("invalidValue"));
    }

    #[test]
    fn a_cursor_selects_cursor_paging_and_excludes_start_index() {
        let first = ListParams {
            cursor: Some(String::new()),
            ..ListParams::default()
        };
        let page = first.page().unwrap();
        assert_eq!(page.cursor.as_deref(), Some(""));
        assert!(page.list_head(3, 1, "abc").get("startIndex").is_none());
        assert_eq!(page.list_head(3, 1, "abc")["nextCursor"], "abc");
        assert!(page.list_head(3, 1, "").get("nextCursor").is_none());
        let both = ListParams {
            cursor: Some("abc".into()),
            start_index: Some("1".into()),
            ..ListParams::default()
        };
        assert_eq!(both.page().unwrap_err().scim_type, Some("invalidValue"));
        let strange = ListParams {
            cursor: Some("a/b".into()),
            ..ListParams::default()
        };
        assert_eq!(strange.page().unwrap_err().scim_type, Some("invalidCursor"));
    }

    #[test]
    fn attributes_keep_id_and_schemas_and_named_parts() {
        let user = json!({
            "schemas": ["s"], "id": "1", "userName": "u", "name": {"givenName": "g", "familyName": "f"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "d", "employeeNumber": "e"}
        });
        let projected = Projection::new(
            Some("userName,name.givenName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
            None,
        )
        .apply(user.clone());
        assert_eq!(
            projected,
            json!({"schemas": ["s"], "id": "1", "userName": "u", "name": {"givenName": "g"},
                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "d"}})
        );
        let only_id = Projection::new(Some("id"), None).apply(user.clone());
        assert_eq!(only_id, json!({"schemas": ["s"], "id": "1"}));
        let excluded = Projection::new(None, Some("name,userName")).apply(user);
        assert!(excluded.get("name").is_none() && excluded.get("userName").is_none());
    }
}
