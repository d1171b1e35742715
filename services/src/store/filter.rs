//! Translates a structured employee filter into a parameterised SQL
//! condition. Values are always bound; only fixed fragments are appended.

use hrms_api::v1::{
    EmployeeCondition, EmployeeField, EmployeeFilter, FilterOperator, GroupCondition, GroupField,
    GroupFilter, ValueCondition, employee_filter, group_filter,
};

use super::paging::SortKey;
use super::{Sql, timestamp_text};

/// Deepest nesting of all/any/negate accepted.
pub const MAX_DEPTH: usize = 32;
/// Most conditions accepted in one filter.
pub const MAX_CONDITIONS: usize = 200;

/// Why a filter cannot be translated; the text is shown to clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("the filter nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("the filter has more than {MAX_CONDITIONS} comparisons")]
    TooLong,
    #[error("a filter term is empty")]
    Empty,
    #[error("no attribute named in a filter condition")]
    NoField,
    #[error(
        "operator {} cannot be applied to {}",
        readable(operator),
        readable(field)
    )]
    Unsupported {
        operator: &'static str,
        field: &'static str,
    },
    #[error("{} takes {expected}, not the value given", readable(field))]
    BadValue {
        field: &'static str,
        expected: &'static str,
    },
    #[error("filtering on {0} is not supported")]
    UnknownAttribute(String),
    #[error("inside {attribute}[...] only sub-attributes of {attribute} can be compared")]
    ForeignElement { attribute: &'static str },
}

/// An API enum name as a reader knows it: `FILTER_OPERATOR_GT` is "gt",
/// `EMPLOYEE_FIELD_CREATED_AT` "created_at"; other text is kept.
fn readable(name: &str) -> String {
    ["FILTER_OPERATOR_", "EMPLOYEE_FIELD_", "GROUP_FIELD_"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))
        .map_or_else(|| name.to_owned(), str::to_lowercase)
}

/// How a field is stored, which decides how its values compare.
#[derive(Clone, Copy)]
enum Column {
    /// Compared exactly.
    Exact(&'static str),
    /// Stored lower-cased; the value is lower-cased too.
    Lower(&'static str),
    /// A name key (trimmed, inner spaces collapsed, lower-cased); the value
    /// is keyed the same way.
    Name(&'static str),
    /// Stored upper-cased (Employee Codes).
    Upper(&'static str),
    /// 0/1.
    Flag(&'static str),
    /// RFC 3339 text.
    Time(&'static str),
    /// Group membership: an EXISTS on group_members.
    Member,
}

/// One node of a filter tree, whatever resource it filters.
pub enum Node<'a, F, C> {
    Condition(&'a C),
    All(&'a [F]),
    Any(&'a [F]),
    Negate(&'a F),
}

/// Where a condition is evaluated: on the resource, or on one element of a
/// multi-valued attribute (inside `attribute[...]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Resource,
    /// Inside an element filter on this (canonical) attribute; the element
    /// is the `p` row of employee_values.
    Element(&'static str),
}

/// A filter tree of the API (employee or group filters share a shape).
pub trait FilterTree: Sized {
    type Condition;
    fn node(&self) -> Option<Node<'_, Self, Self::Condition>>;
    fn push_condition(
        sql: &mut Sql,
        condition: &Self::Condition,
        scope: Scope,
        walk: &mut Walk,
    ) -> Result<(), FilterError>;
}

impl FilterTree for EmployeeFilter {
    type Condition = employee_filter::Kind;

    fn node(&self) -> Option<Node<'_, Self, employee_filter::Kind>> {
        use employee_filter::Kind;
        Some(match self.kind.as_ref()? {
            Kind::All(list) => Node::All(&list.filters),
            Kind::Any(list) => Node::Any(&list.filters),
            Kind::Negate(inner) => Node::Negate(inner),
            leaf @ (Kind::Condition(_) | Kind::Value(_) | Kind::Element(_)) => {
                Node::Condition(leaf)
            }
        })
    }

    fn push_condition(
        sql: &mut Sql,
        leaf: &employee_filter::Kind,
        scope: Scope,
        walk: &mut Walk,
    ) -> Result<(), FilterError> {
        use employee_filter::Kind;
        match (leaf, scope) {
            (Kind::Condition(condition), Scope::Resource) => {
                push_employee_condition(sql, condition, &walk.tenant_id)
            }
            (Kind::Value(condition), scope) => {
                let (attribute, sub) = searchable(&condition.attribute, &condition.sub_attribute)?;
                if let Scope::Element(element) = scope
                    && element != attribute
                {
                    return Err(FilterError::ForeignElement { attribute: element });
                }
                let operator = FilterOperator::try_from(condition.operator)
                    .unwrap_or(FilterOperator::Unspecified);
                push_value_condition(
                    sql,
                    (attribute, sub),
                    operator,
                    &condition.value,
                    scope,
                    &walk.tenant_id,
                )
            }
            (Kind::Element(element), Scope::Resource) => {
                let (attribute, _) = searchable(&element.attribute, "")
                    .or_else(|_| searchable(&element.attribute, "formatted"))?;
                if !crate::values::is_complex(attribute) {
                    return Err(FilterError::Unsupported {
                        operator: "a value filter [...]",
                        field: attribute,
                    });
                }
                let inner = element.filter.as_ref().ok_or(FilterError::Empty)?;
                let driver = match driver(inner) {
                    Some(condition) => {
                        let (_, sub) = searchable(attribute, &condition.sub_attribute)?;
                        let key = value_key(sub, FilterOperator::Eq, &condition.value)?;
                        Some((sub, key))
                    }
                    None => None,
                };
                open_element(sql, attribute, driver, &walk.tenant_id);
                walk.node(sql, &**inner, Scope::Element(attribute))?;
                sql.push("))");
                Ok(())
            }
            (_, Scope::Element(attribute)) => Err(FilterError::ForeignElement { attribute }),
            (Kind::All(_) | Kind::Any(_) | Kind::Negate(_), _) => Err(FilterError::Empty),
        }
    }
}

impl FilterTree for GroupFilter {
    type Condition = GroupCondition;

    fn node(&self) -> Option<Node<'_, Self, GroupCondition>> {
        use group_filter::Kind;
        Some(match self.kind.as_ref()? {
            Kind::Condition(condition) => Node::Condition(condition),
            Kind::All(list) => Node::All(&list.filters),
            Kind::Any(list) => Node::Any(&list.filters),
            Kind::Negate(inner) => Node::Negate(inner),
        })
    }

    fn push_condition(
        sql: &mut Sql,
        condition: &GroupCondition,
        _scope: Scope,
        _walk: &mut Walk,
    ) -> Result<(), FilterError> {
        push_group_condition(sql, condition)
    }
}

/// Appends the SQL for `filter`, on the listing of `tenant_id`, to `sql`.
pub fn push_filter<F: FilterTree>(
    sql: &mut Sql,
    filter: &F,
    tenant_id: &str,
) -> Result<(), FilterError> {
    Walk {
        depth: 0,
        conditions: 0,
        tenant_id: tenant_id.to_owned(),
    }
    .node(sql, filter, Scope::Resource)
}

/// A walk over a filter tree, enforcing the size limits across nested
/// element filters too.
pub struct Walk {
    depth: usize,
    conditions: usize,
    /// Searchable values are looked up by tenant first (their index).
    tenant_id: String,
}

impl Walk {
    fn node<F: FilterTree>(
        &mut self,
        sql: &mut Sql,
        filter: &F,
        scope: Scope,
    ) -> Result<(), FilterError> {
        if self.depth > MAX_DEPTH {
            return Err(FilterError::TooDeep);
        }
        match filter.node().ok_or(FilterError::Empty)? {
            Node::Condition(condition) => {
                self.conditions += 1;
                if self.conditions > MAX_CONDITIONS {
                    return Err(FilterError::TooLong);
                }
                self.depth += 1;
                let result = F::push_condition(sql, condition, scope, self);
                self.depth -= 1;
                result
            }
            Node::All(filters) => self.list(sql, filters, " AND ", scope),
            Node::Any(filters) => self.list(sql, filters, " OR ", scope),
            Node::Negate(inner) => {
                sql.push("NOT (");
                self.depth += 1;
                let result = self.node(sql, inner, scope);
                self.depth -= 1;
                result?;
                sql.push(")");
                Ok(())
            }
        }
    }

    fn list<F: FilterTree>(
        &mut self,
        sql: &mut Sql,
        filters: &[F],
        joiner: &'static str,
        scope: Scope,
    ) -> Result<(), FilterError> {
        if filters.is_empty() {
            return Err(FilterError::Empty);
        }
        sql.push("(");
        self.depth += 1;
        for (i, filter) in filters.iter().enumerate() {
            if i > 0 {
                sql.push(joiner);
            }
            let result = self.node(sql, filter, scope);
            if result.is_err() {
                self.depth -= 1;
                return result;
            }
        }
        self.depth -= 1;
        sql.push(")");
        Ok(())
    }
}

/// Stored text never holds NUL, and SQLite would end a LIKE pattern at one,
/// so a filter value with NUL is refused rather than half-applied.
fn check_value(value: &str) -> Result<(), FilterError> {
    if value.contains('\0') {
        return Err(FilterError::BadValue {
            field: "a filter value",
            expected: "text without NUL characters",
        });
    }
    Ok(())
}

/// The canonical names of a searchable attribute, or why it is not one.
fn searchable(attribute: &str, sub: &str) -> Result<(&'static str, &'static str), FilterError> {
    crate::values::searchable(attribute, sub).ok_or_else(|| {
        FilterError::UnknownAttribute(if sub.is_empty() {
            attribute.to_owned()
        } else {
            format!("{attribute}.{sub}")
        })
    })
}

/// The value as `employee_values` holds it for comparison: lower-cased
/// text, or "true"/"false" for a boolean sub-attribute (which takes only
/// eq, ne and pr).
fn value_key(sub: &str, operator: FilterOperator, value: &str) -> Result<String, FilterError> {
    check_value(value)?;
    if !crate::values::is_boolean(sub) {
        return Ok(value.to_lowercase());
    }
    if !matches!(
        operator,
        FilterOperator::Eq | FilterOperator::Ne | FilterOperator::Pr
    ) {
        return Err(FilterError::Unsupported {
            operator: operator.as_str_name(),
            field: "a boolean",
        });
    }
    match value.to_ascii_lowercase().as_str() {
        _ if operator == FilterOperator::Pr => Ok(String::new()),
        key @ ("true" | "false") => Ok(key.to_owned()),
        _ => Err(FilterError::BadValue {
            field: "primary",
            expected: "true or false",
        }),
    }
}

/// A value every employee a filter matches must hold, found by index:
/// (attribute, sub-attribute, value key) of an `eq` on a searchable value
/// that the whole filter requires (at its top, or in its top-level `and`).
/// A listing can start from the few employees holding it, instead of
/// leaving the choice to a query planner that may walk the whole company.
pub fn value_driver(filter: &EmployeeFilter) -> Option<(&'static str, &'static str, String)> {
    use employee_filter::Kind;
    let eq = FilterOperator::Eq as i32;
    let selective = |(attribute, sub): (&'static str, &'static str), value: &str| {
        if crate::values::is_boolean(sub) {
            return None;
        }
        value_key(sub, FilterOperator::Eq, value)
            .ok()
            .map(|key| (attribute, sub, key))
    };
    match filter.kind.as_ref()? {
        Kind::Value(condition) if condition.operator == eq => selective(
            searchable(&condition.attribute, &condition.sub_attribute).ok()?,
            &condition.value,
        ),
        Kind::Element(element) => {
            let (attribute, _) = searchable(&element.attribute, "")
                .or_else(|_| searchable(&element.attribute, "formatted"))
                .ok()?;
            let condition = driver(element.filter.as_ref()?)?;
            let (_, sub) = searchable(attribute, &condition.sub_attribute).ok()?;
            selective((attribute, sub), &condition.value)
        }
        Kind::Condition(condition)
            if condition.field == EmployeeField::Email as i32 && condition.operator == eq =>
        {
            selective(("emails", "value"), &condition.value)
        }
        Kind::All(list) => list.filters.iter().find_map(value_driver),
        _ => None,
    }
}

/// An `eq` in an element filter's conjunction to find candidate elements
/// by (the value index), preferring one on `value`.
fn driver(inner: &EmployeeFilter) -> Option<&ValueCondition> {
    let is_eq = |condition: &&ValueCondition| condition.operator == FilterOperator::Eq as i32;
    match inner.kind.as_ref()? {
        employee_filter::Kind::Value(condition) => Some(condition).filter(is_eq),
        employee_filter::Kind::All(list) => list
            .filters
            .iter()
            .filter_map(|filter| match &filter.kind {
                Some(employee_filter::Kind::Value(condition)) => Some(condition),
                _ => None,
            })
            .filter(is_eq)
            .min_by_key(|condition| !condition.sub_attribute.eq_ignore_ascii_case("value")),
        _ => None,
    }
}

/// Opens `e.id IN (SELECT p.employee_id … WHERE <p is an element row> AND (`
/// for an element filter; the caller appends the element's condition and
/// closes with `))`. With a driver, only rows holding that value are
/// candidates.
fn open_element(
    sql: &mut Sql,
    attribute: &'static str,
    driver: Option<(&'static str, String)>,
    tenant_id: &str,
) {
    sql.push("e.id IN (SELECT p.employee_id FROM employee_values p WHERE p.tenant_id = ")
        .bind(tenant_id.to_owned())
        .push(" AND p.attribute = ")
        .bind(attribute.to_owned());
    if let Some((sub, key)) = driver {
        sql.push(" AND p.sub_attribute = ")
            .bind(sub.to_owned())
            .push(" AND p.value_key = ")
            .bind(key);
    }
    sql.push(" AND (");
}

/// A comparison on `employee_values`: over all of the employee's values of
/// the attribute (found through the value index), or, in an element
/// filter, over the current element's (`p`). Multi-valued semantics follow
/// the SCIM grammar: some value satisfies the comparison; `ne` holds when
/// some value differs or there is none.
fn push_value_condition(
    sql: &mut Sql,
    (attribute, sub): (&'static str, &'static str),
    operator: FilterOperator,
    value: &str,
    scope: Scope,
    tenant_id: &str,
) -> Result<(), FilterError> {
    let key = value_key(sub, operator, value)?;
    // Opens the set of matching value rows; the caller adds a comparison
    // and closes it with ")".
    let rows = |sql: &mut Sql| {
        match scope {
            Scope::Resource => sql
                .push("e.id IN (SELECT x.employee_id FROM employee_values x WHERE x.tenant_id = ")
                .bind(tenant_id.to_owned()),
            Scope::Element(_) => sql.push(
                "EXISTS (SELECT 1 FROM employee_values x WHERE x.employee_id = p.employee_id \
                 AND x.position = p.position",
            ),
        };
        sql.push(" AND x.attribute = ")
            .bind(attribute.to_owned())
            .push(" AND x.sub_attribute = ")
            .bind(sub.to_owned());
    };
    let none = |sql: &mut Sql| match scope {
        Scope::Resource => {
            sql.push(
                "e.id NOT IN (SELECT x.employee_id FROM employee_values x WHERE x.tenant_id = ",
            )
            .bind(tenant_id.to_owned())
            .push(" AND x.attribute = ")
            .bind(attribute.to_owned())
            .push(" AND x.sub_attribute = ")
            .bind(sub.to_owned());
        }
        Scope::Element(_) => {
            sql.push("NOT ");
            rows(sql);
        }
    };
    match operator {
        FilterOperator::Pr => {
            rows(sql);
            sql.push(")");
        }
        FilterOperator::Ne => {
            sql.push("(");
            none(sql);
            sql.push(") OR ");
            rows(sql);
            sql.push(" AND x.value_key <> ").bind(key).push("))");
        }
        FilterOperator::Unspecified => return Err(FilterError::NoField),
        operator => {
            rows(sql);
            sql.push(" AND ");
            push_text(sql, "x.value_key", operator, key)?;
            sql.push(")");
        }
    }
    Ok(())
}

fn column(field: EmployeeField) -> Result<Column, FilterError> {
    Ok(match field {
        EmployeeField::Unspecified => return Err(FilterError::NoField),
        EmployeeField::Id => Column::Exact("e.id"),
        EmployeeField::UserName => Column::Lower("e.user_name_key"),
        EmployeeField::ExternalId => Column::Exact("e.external_id"),
        EmployeeField::DisplayName => Column::Lower("e.display_name_key"),
        EmployeeField::EmployeeCode => Column::Upper("e.employee_code_key"),
        EmployeeField::Active => Column::Flag("e.active"),
        EmployeeField::ManagerId => Column::Exact("e.manager_id"),
        // Handled by push_email before columns are looked up.
        EmployeeField::Email => return Err(FilterError::NoField),
        EmployeeField::GivenName => Column::Lower("e.given_name_key"),
        EmployeeField::FamilyName => Column::Lower("e.family_name_key"),
        EmployeeField::Title => Column::Name("g.name_key"),
        EmployeeField::Department => Column::Name("d.name_key"),
        EmployeeField::CreatedAt => Column::Time("e.created_at"),
        EmployeeField::UpdatedAt => Column::Time("e.updated_at"),
        // ISO dates compare correctly as text.
        EmployeeField::DateOfJoining => Column::Exact("e.date_of_joining"),
    })
}

/// The sort order for a sort field: missing values last whatever the
/// direction, then creation order, so the order is total and paging stable.
pub fn employee_order(field: EmployeeField, descending: bool) -> Result<Vec<SortKey>, FilterError> {
    use EmployeeField as F;
    const CREATED: SortKey = SortKey::asc("e.created_at");
    const ID: SortKey = SortKey::asc("e.id");
    let primary = match field {
        F::Unspecified => return Ok(vec![CREATED, ID]),
        F::Id => return Ok(vec![ID.toward(descending)]),
        F::CreatedAt => return Ok(vec![CREATED.toward(descending), ID.toward(descending)]),
        F::UserName => SortKey::asc("e.user_name_key"),
        F::ExternalId => SortKey::asc("e.external_id").nullable(),
        F::DisplayName => SortKey::asc("e.display_name_key").nullable(),
        F::EmployeeCode => SortKey::asc("e.employee_code_key"),
        F::Active => SortKey::asc("e.active").integer(),
        F::ManagerId => SortKey::asc("e.manager_id").nullable(),
        F::GivenName => SortKey::asc("e.given_name_key").nullable(),
        F::FamilyName => SortKey::asc("e.family_name_key").nullable(),
        F::Title => SortKey::asc("g.name_key"),
        F::Department => SortKey::asc("d.name_key"),
        F::UpdatedAt => SortKey::asc("e.updated_at"),
        F::DateOfJoining => SortKey::asc("e.date_of_joining"),
        F::Email => {
            return Err(FilterError::Unsupported {
                operator: "sortBy",
                field: "EMPLOYEE_FIELD_EMAIL",
            });
        }
    };
    Ok(vec![primary.toward(descending), CREATED, ID])
}

/// The sort order for groups, likewise total.
pub fn group_order(field: GroupField, descending: bool) -> Result<Vec<SortKey>, FilterError> {
    use GroupField as F;
    const CREATED: SortKey = SortKey::asc("g.created_at");
    const ID: SortKey = SortKey::asc("g.id");
    let primary = match field {
        F::Unspecified => return Ok(vec![CREATED, ID]),
        F::Id => return Ok(vec![ID.toward(descending)]),
        F::CreatedAt => return Ok(vec![CREATED.toward(descending), ID.toward(descending)]),
        F::DisplayName => SortKey::asc("g.display_name_key"),
        F::ExternalId => SortKey::asc("g.external_id").nullable(),
        F::UpdatedAt => SortKey::asc("g.updated_at"),
        F::Member => {
            return Err(FilterError::Unsupported {
                operator: "sortBy",
                field: "GROUP_FIELD_MEMBER",
            });
        }
    };
    Ok(vec![primary.toward(descending), CREATED, ID])
}

fn group_column(field: GroupField) -> Result<Column, FilterError> {
    Ok(match field {
        GroupField::Unspecified => return Err(FilterError::NoField),
        GroupField::Id => Column::Exact("g.id"),
        GroupField::DisplayName => Column::Name("g.display_name_key"),
        GroupField::ExternalId => Column::Exact("g.external_id"),
        GroupField::Member => Column::Member,
        GroupField::CreatedAt => Column::Time("g.created_at"),
        GroupField::UpdatedAt => Column::Time("g.updated_at"),
    })
}

fn push_employee_condition(
    sql: &mut Sql,
    condition: &EmployeeCondition,
    tenant_id: &str,
) -> Result<(), FilterError> {
    let field = EmployeeField::try_from(condition.field).unwrap_or(EmployeeField::Unspecified);
    let operator =
        FilterOperator::try_from(condition.operator).unwrap_or(FilterOperator::Unspecified);
    if field == EmployeeField::Email {
        return push_email(sql, condition, operator, tenant_id)
            .map_err(|error| name_field(error, field.as_str_name(), operator));
    }
    push_column(
        sql,
        column(field)?,
        field.as_str_name(),
        operator,
        &condition.value,
    )
}

fn push_group_condition(sql: &mut Sql, condition: &GroupCondition) -> Result<(), FilterError> {
    let field = GroupField::try_from(condition.field).unwrap_or(GroupField::Unspecified);
    let operator =
        FilterOperator::try_from(condition.operator).unwrap_or(FilterOperator::Unspecified);
    push_column(
        sql,
        group_column(field)?,
        field.as_str_name(),
        operator,
        &condition.value,
    )
}

/// Names the field and operator in an "unsupported" error.
fn name_field(error: FilterError, field: &'static str, operator: FilterOperator) -> FilterError {
    match error {
        FilterError::Unsupported { .. } => FilterError::Unsupported {
            operator: operator.as_str_name(),
            field,
        },
        other => other,
    }
}

fn push_column(
    sql: &mut Sql,
    column: Column,
    field: &'static str,
    operator: FilterOperator,
    value: &str,
) -> Result<(), FilterError> {
    let unsupported = || FilterError::Unsupported {
        operator: operator.as_str_name(),
        field,
    };
    check_value(value)?;
    match column {
        Column::Exact(name) => push_text(sql, name, operator, value.to_owned()),
        Column::Lower(name) => push_text(sql, name, operator, value.to_lowercase()),
        Column::Name(name) => push_text(sql, name, operator, crate::name_key(value)),
        Column::Upper(name) => push_text(sql, name, operator, value.trim().to_uppercase()),
        Column::Time(name) if operator == FilterOperator::Pr => {
            push_text(sql, name, operator, String::new())
        }
        Column::Time(name) => {
            let at = chrono::DateTime::parse_from_rfc3339(value.trim())
                .map_err(|_| FilterError::BadValue {
                    field,
                    expected: "an RFC 3339 date-time",
                })?
                .with_timezone(&chrono::Utc);
            push_text(sql, name, operator, timestamp_text(at))
        }
        Column::Flag(name) => {
            let flag = match value.to_ascii_lowercase().as_str() {
                "true" => 1_i64,
                "false" => 0_i64,
                _ if operator == FilterOperator::Pr => 1,
                _ => {
                    return Err(FilterError::BadValue {
                        field,
                        expected: "true or false",
                    });
                }
            };
            match operator {
                FilterOperator::Eq => sql.push(name).push(" = ").bind(flag),
                FilterOperator::Ne => sql.push(name).push(" <> ").bind(flag),
                FilterOperator::Pr => sql.push("1 = 1"),
                _ => return Err(unsupported()),
            };
            Ok(())
        }
        Column::Member => {
            match operator {
                FilterOperator::Eq => sql
                    .push("EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.employee_id = ")
                    .bind(value.to_owned())
                    .push(")"),
                FilterOperator::Ne => sql
                    .push("NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.employee_id = ")
                    .bind(value.to_owned())
                    .push(")"),
                FilterOperator::Pr => sql.push("g.member_count > 0"),
                _ => return Err(unsupported()),
            };
            Ok(())
        }
    }
    .map_err(|error| name_field(error, field, operator))
}

/// Appends one comparison. Every form is TRUE or FALSE, never NULL, even
/// on a missing value, so `not (…)` means what SCIM says: a user without a
/// displayName is matched by `not (displayName eq "x")`.
fn push_text(
    sql: &mut Sql,
    name: &'static str,
    operator: FilterOperator,
    value: String,
) -> Result<(), FilterError> {
    match operator {
        FilterOperator::Eq => compare(sql, name, " = ", value),
        FilterOperator::Ne => sql
            .push("(")
            .push(name)
            .push(" IS NULL OR ")
            .push(name)
            .push(" <> ")
            .bind(value)
            .push(")"),
        FilterOperator::Co => push_like(sql, name, format!("%{}%", escape_like(&value))),
        FilterOperator::Sw => push_like(sql, name, format!("{}%", escape_like(&value))),
        FilterOperator::Ew => push_like(sql, name, format!("%{}", escape_like(&value))),
        FilterOperator::Pr => sql
            .push("(")
            .push(name)
            .push(" IS NOT NULL AND ")
            .push(name)
            .push(" <> '')"),
        FilterOperator::Gt => compare(sql, name, " > ", value),
        FilterOperator::Ge => compare(sql, name, " >= ", value),
        FilterOperator::Lt => compare(sql, name, " < ", value),
        FilterOperator::Le => compare(sql, name, " <= ", value),
        FilterOperator::Unspecified => {
            return Err(FilterError::Unsupported {
                operator: "none",
                field: "",
            });
        }
    };
    Ok(())
}

fn compare<'a>(
    sql: &'a mut Sql,
    name: &'static str,
    op: &'static str,
    value: String,
) -> &'a mut Sql {
    sql.push("(")
        .push(name)
        .push(" IS NOT NULL AND ")
        .push(name)
        .push(op)
        .bind(value)
        .push(")")
}

fn push_like<'a>(sql: &'a mut Sql, name: &'static str, pattern: String) -> &'a mut Sql {
    sql.push("(")
        .push(name)
        .push(" IS NOT NULL AND ")
        .push(name)
        .push(" LIKE ")
        .bind(pattern)
        .push(" ESCAPE '\\')")
}

fn escape_like(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// E-mails live in their own table: a condition is an EXISTS over it.
fn push_email(
    sql: &mut Sql,
    condition: &EmployeeCondition,
    operator: FilterOperator,
    tenant_id: &str,
) -> Result<(), FilterError> {
    let value = ("emails", "value");
    if condition.email_type.is_empty() {
        return push_value_condition(
            sql,
            value,
            operator,
            &condition.value,
            Scope::Resource,
            tenant_id,
        );
    }
    // One address that has the type and satisfies the comparison.
    let element = Scope::Element("emails");
    let driver = if operator == FilterOperator::Eq {
        Some(("value", value_key("value", operator, &condition.value)?))
    } else {
        None
    };
    open_element(sql, "emails", driver, tenant_id);
    push_value_condition(
        sql,
        ("emails", "type"),
        FilterOperator::Eq,
        &condition.email_type,
        element,
        tenant_id,
    )?;
    sql.push(" AND ");
    push_value_condition(sql, value, operator, &condition.value, element, tenant_id)?;
    sql.push("))");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hrms_api::v1::employee_filter::Kind;
    use hrms_api::v1::{ElementFilter, EmployeeFilterList};

    fn condition(field: EmployeeField, operator: FilterOperator, value: &str) -> EmployeeFilter {
        EmployeeFilter {
            kind: Some(Kind::Condition(EmployeeCondition {
                field: field as i32,
                operator: operator as i32,
                value: value.to_owned(),
                email_type: String::new(),
            })),
        }
    }

    fn render(filter: &EmployeeFilter) -> Result<String, FilterError> {
        let mut sql = Sql::new("");
        push_filter(&mut sql, filter, "t1")?;
        Ok(sql.finish().0.0)
    }

    #[test]
    fn user_name_compares_the_lowercased_key_through_a_placeholder() {
        let filter = condition(EmployeeField::UserName, FilterOperator::Eq, "A@B.test");
        assert_eq!(
            render(&filter).unwrap(),
            "(e.user_name_key IS NOT NULL AND e.user_name_key = $1)"
        );
    }

    #[test]
    fn and_of_id_and_manager_is_parenthesised() {
        let filter = EmployeeFilter {
            kind: Some(Kind::All(EmployeeFilterList {
                filters: vec![
                    condition(EmployeeField::Id, FilterOperator::Eq, "x"),
                    condition(EmployeeField::ManagerId, FilterOperator::Eq, "y"),
                ],
            })),
        };
        assert_eq!(
            render(&filter).unwrap(),
            "((e.id IS NOT NULL AND e.id = $1) AND (e.manager_id IS NOT NULL AND e.manager_id = $2))"
        );
    }

    #[test]
    fn a_typed_email_is_one_element_with_both_sub_attributes() {
        let mut filter = condition(EmployeeField::Email, FilterOperator::Eq, "a@b.test");
        if let Some(Kind::Condition(c)) = filter.kind.as_mut() {
            c.email_type = "work".to_owned();
        }
        let text = render(&filter).unwrap();
        // Candidates come from the value index by the address itself.
        assert!(
            text.starts_with(
                "e.id IN (SELECT p.employee_id FROM employee_values p WHERE p.tenant_id = $1 \
                 AND p.attribute = $2 AND p.sub_attribute = $3 AND p.value_key = $4 AND ("
            ),
            "{text}"
        );
        assert_eq!(text.matches("x.position = p.position").count(), 2, "{text}");
    }

    fn value(attribute: &str, sub: &str, operator: FilterOperator, value: &str) -> EmployeeFilter {
        EmployeeFilter {
            kind: Some(Kind::Value(ValueCondition {
                attribute: attribute.to_owned(),
                sub_attribute: sub.to_owned(),
                operator: operator as i32,
                value: value.to_owned(),
            })),
        }
    }

    fn element(attribute: &str, inner: EmployeeFilter) -> EmployeeFilter {
        EmployeeFilter {
            kind: Some(Kind::Element(Box::new(ElementFilter {
                attribute: attribute.to_owned(),
                filter: Some(Box::new(inner)),
            }))),
        }
    }

    #[test]
    fn value_conditions_bind_names_and_values_and_ne_allows_absence() {
        let text = render(&value("NICKNAME", "", FilterOperator::Ne, "Kit")).unwrap();
        assert_eq!(
            text,
            "(e.id NOT IN (SELECT x.employee_id FROM employee_values x WHERE x.tenant_id = $1 \
             AND x.attribute = $2 AND x.sub_attribute = $3) OR e.id IN (SELECT x.employee_id \
             FROM employee_values x WHERE x.tenant_id = $4 AND x.attribute = $5 AND \
             x.sub_attribute = $6 AND x.value_key <> $7))"
        );
    }

    #[test]
    fn a_required_eq_on_a_value_drives_the_listing() {
        let nick = value("NickName", "", FilterOperator::Eq, "Kit");
        assert_eq!(
            value_driver(&nick),
            Some(("nickName", "", "kit".to_owned()))
        );
        let typed = element(
            "emails",
            EmployeeFilter {
                kind: Some(Kind::All(EmployeeFilterList {
                    filters: vec![
                        value("emails", "type", FilterOperator::Eq, "work"),
                        value("emails", "value", FilterOperator::Eq, "A@B.test"),
                    ],
                })),
            },
        );
        assert_eq!(
            value_driver(&typed),
            Some(("emails", "value", "a@b.test".to_owned()))
        );
        let both = EmployeeFilter {
            kind: Some(Kind::All(EmployeeFilterList {
                filters: vec![
                    condition(EmployeeField::Active, FilterOperator::Eq, "true"),
                    nick.clone(),
                ],
            })),
        };
        assert!(value_driver(&both).is_some());
        // Not required by the whole filter, or not an eq: no driver.
        let either = EmployeeFilter {
            kind: Some(Kind::Any(EmployeeFilterList {
                filters: vec![
                    nick.clone(),
                    condition(EmployeeField::Active, FilterOperator::Eq, "true"),
                ],
            })),
        };
        assert_eq!(value_driver(&either), None);
        assert_eq!(
            value_driver(&value("nickName", "", FilterOperator::Co, "k")),
            None
        );
        assert_eq!(
            value_driver(&value("emails", "primary", FilterOperator::Eq, "true")),
            None
        );
    }

    #[test]
    fn unknown_attributes_booleans_and_misplaced_conditions_are_refused() {
        assert!(matches!(
            render(&value("password", "", FilterOperator::Eq, "x")),
            Err(FilterError::UnknownAttribute(_))
        ));
        assert!(matches!(
            render(&value("emails", "primary", FilterOperator::Gt, "true")),
            Err(FilterError::Unsupported { .. })
        ));
        assert!(matches!(
            render(&value("emails", "primary", FilterOperator::Eq, "yes")),
            Err(FilterError::BadValue { .. })
        ));
        // Inside emails[...], only e-mail sub-attributes.
        let foreign = element(
            "emails",
            value("phoneNumbers", "type", FilterOperator::Eq, "work"),
        );
        assert!(matches!(
            render(&foreign),
            Err(FilterError::ForeignElement { .. })
        ));
        let column = element(
            "emails",
            condition(EmployeeField::UserName, FilterOperator::Pr, ""),
        );
        assert!(render(&column).is_err());
        let nested = element(
            "emails",
            element("emails", value("emails", "type", FilterOperator::Pr, "")),
        );
        assert!(render(&nested).is_err());
        let simple = element("nickName", value("nickName", "", FilterOperator::Pr, ""));
        assert!(render(&simple).is_err());
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn ordering_operators_on_active_are_rejected() {
        let filter = condition(EmployeeField::Active, FilterOperator::Gt, "true");
        assert!(matches!(
            render(&filter),
            Err(FilterError::Unsupported { .. })
        ));
    }

    #[test]
    fn deep_nesting_is_rejected_without_recursing_further() {
        let mut filter = condition(EmployeeField::Id, FilterOperator::Eq, "x");
        for _ in 0..100 {
            filter = EmployeeFilter {
                kind: Some(Kind::Negate(Box::new(filter))),
            };
        }
        assert_eq!(render(&filter), Err(FilterError::TooDeep));
    }

    #[test]
    fn bad_timestamps_are_rejected() {
        let filter = condition(EmployeeField::CreatedAt, FilterOperator::Gt, "yesterday");
        assert!(matches!(render(&filter), Err(FilterError::BadValue { .. })));
    }
}
