//! Translates a structured employee filter into a parameterised SQL
//! condition. Values are always bound; only fixed fragments are appended.

use hrms_api::v1::{
    EmployeeCondition, EmployeeField, EmployeeFilter, FilterOperator, employee_filter::Kind,
};

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
    #[error("operator {operator} cannot be applied to {field}")]
    Unsupported {
        operator: &'static str,
        field: &'static str,
    },
    #[error("{field} takes {expected}, not the value given")]
    BadValue {
        field: &'static str,
        expected: &'static str,
    },
}

/// How a field is stored, which decides how its values compare.
#[derive(Clone, Copy)]
enum Column {
    /// Compared exactly.
    Exact(&'static str),
    /// Stored lower-cased; the value is lower-cased too.
    Lower(&'static str),
    /// Stored upper-cased (Employee Codes).
    Upper(&'static str),
    /// 0/1.
    Flag(&'static str),
    /// RFC 3339 text.
    Time(&'static str),
    Email,
}

/// Appends the SQL for `filter` to `sql`.
pub fn push_filter(sql: &mut Sql, filter: &EmployeeFilter) -> Result<(), FilterError> {
    let mut conditions = 0;
    push_node(sql, filter, 0, &mut conditions)
}

fn push_node(
    sql: &mut Sql,
    filter: &EmployeeFilter,
    depth: usize,
    conditions: &mut usize,
) -> Result<(), FilterError> {
    if depth > MAX_DEPTH {
        return Err(FilterError::TooDeep);
    }
    match filter.kind.as_ref().ok_or(FilterError::Empty)? {
        Kind::Condition(condition) => {
            *conditions += 1;
            if *conditions > MAX_CONDITIONS {
                return Err(FilterError::TooLong);
            }
            push_condition(sql, condition)
        }
        Kind::All(list) => push_list(sql, &list.filters, " AND ", depth, conditions),
        Kind::Any(list) => push_list(sql, &list.filters, " OR ", depth, conditions),
        Kind::Negate(inner) => {
            sql.push("NOT (");
            push_node(sql, inner, depth + 1, conditions)?;
            sql.push(")");
            Ok(())
        }
    }
}

fn push_list(
    sql: &mut Sql,
    filters: &[EmployeeFilter],
    joiner: &'static str,
    depth: usize,
    conditions: &mut usize,
) -> Result<(), FilterError> {
    if filters.is_empty() {
        return Err(FilterError::Empty);
    }
    sql.push("(");
    for (i, filter) in filters.iter().enumerate() {
        if i > 0 {
            sql.push(joiner);
        }
        push_node(sql, filter, depth + 1, conditions)?;
    }
    sql.push(")");
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
        EmployeeField::Email => Column::Email,
        EmployeeField::GivenName => Column::Lower("e.given_name_key"),
        EmployeeField::FamilyName => Column::Lower("e.family_name_key"),
        EmployeeField::Title => Column::Lower("g.name_key"),
        EmployeeField::Department => Column::Lower("d.name_key"),
        EmployeeField::CreatedAt => Column::Time("e.created_at"),
        EmployeeField::UpdatedAt => Column::Time("e.updated_at"),
    })
}

fn field_name(field: EmployeeField) -> &'static str {
    field.as_str_name()
}

fn push_condition(sql: &mut Sql, condition: &EmployeeCondition) -> Result<(), FilterError> {
    let field = EmployeeField::try_from(condition.field).unwrap_or(EmployeeField::Unspecified);
    let operator =
        FilterOperator::try_from(condition.operator).unwrap_or(FilterOperator::Unspecified);
    let unsupported = || FilterError::Unsupported {
        operator: operator.as_str_name(),
        field: field_name(field),
    };
    match column(field)? {
        Column::Exact(name) => push_text(sql, name, operator, condition.value.clone()),
        Column::Lower(name) => push_text(sql, name, operator, condition.value.to_lowercase()),
        Column::Upper(name) => {
            push_text(sql, name, operator, condition.value.trim().to_uppercase())
        }
        Column::Time(name) => {
            let at = chrono::DateTime::parse_from_rfc3339(condition.value.trim())
                .map_err(|_| FilterError::BadValue {
                    field: field_name(field),
                    expected: "an RFC 3339 date-time",
                })?
                .with_timezone(&chrono::Utc);
            push_text(sql, name, operator, timestamp_text(at))
        }
        Column::Flag(name) => {
            let flag = match condition.value.to_ascii_lowercase().as_str() {
                "true" => 1_i64,
                "false" => 0_i64,
                _ if operator == FilterOperator::Pr => 1,
                _ => {
                    return Err(FilterError::BadValue {
                        field: field_name(field),
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
        Column::Email => push_email(sql, condition, operator),
    }
    .map_err(|error| match error {
        FilterError::Unsupported { .. } => unsupported(),
        other => other,
    })
}

fn push_text(
    sql: &mut Sql,
    name: &'static str,
    operator: FilterOperator,
    value: String,
) -> Result<(), FilterError> {
    match operator {
        FilterOperator::Eq => sql.push(name).push(" = ").bind(value),
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
        FilterOperator::Gt => sql.push(name).push(" > ").bind(value),
        FilterOperator::Ge => sql.push(name).push(" >= ").bind(value),
        FilterOperator::Lt => sql.push(name).push(" < ").bind(value),
        FilterOperator::Le => sql.push(name).push(" <= ").bind(value),
        FilterOperator::Unspecified => {
            return Err(FilterError::Unsupported {
                operator: "none",
                field: "",
            });
        }
    };
    Ok(())
}

fn push_like<'a>(sql: &'a mut Sql, name: &'static str, pattern: String) -> &'a mut Sql {
    sql.push(name)
        .push(" LIKE ")
        .bind(pattern)
        .push(" ESCAPE '\\'")
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
) -> Result<(), FilterError> {
    // "ne" over a multi-valued attribute: no address equals the value.
    let (negate, operator) = match operator {
        FilterOperator::Ne => (true, FilterOperator::Eq),
        other => (false, other),
    };
    sql.push(if negate { "NOT EXISTS (" } else { "EXISTS (" });
    sql.push("SELECT 1 FROM employee_emails m WHERE m.employee_id = e.id");
    if !condition.email_type.is_empty() {
        sql.push(" AND m.type_key = ")
            .bind(condition.email_type.to_lowercase());
    }
    if operator != FilterOperator::Pr {
        sql.push(" AND ");
        push_text(sql, "m.value_key", operator, condition.value.to_lowercase())?;
    }
    sql.push(")");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hrms_api::v1::EmployeeFilterList;

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
        push_filter(&mut sql, filter)?;
        Ok(sql.finish().0.0)
    }

    #[test]
    fn user_name_compares_the_lowercased_key_through_a_placeholder() {
        let filter = condition(EmployeeField::UserName, FilterOperator::Eq, "A@B.test");
        assert_eq!(render(&filter).unwrap(), "e.user_name_key = $1");
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
            "(e.id = $1 AND e.manager_id = $2)"
        );
    }

    #[test]
    fn work_email_becomes_an_exists_on_the_email_table() {
        let mut filter = condition(EmployeeField::Email, FilterOperator::Eq, "a@b.test");
        if let Some(Kind::Condition(c)) = filter.kind.as_mut() {
            c.email_type = "work".to_owned();
        }
        assert_eq!(
            render(&filter).unwrap(),
            "EXISTS (SELECT 1 FROM employee_emails m WHERE m.employee_id = e.id \
             AND m.type_key = $1 AND m.value_key = $2)"
        );
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
