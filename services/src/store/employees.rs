//! Employee rows: create (with Employee Code assignment), read, list with a
//! filter, conditional update and removal, each write logged in the same
//! transaction.

use sqlx::{Any, FromRow, Transaction};

use hrms_api::v1::{EmployeeField, EmployeeFilter};

use super::filter::{employee_order, push_filter, value_driver};
use super::log::{NewEvent, insert_event};
use super::paging::{Listing, PageStart};
use super::{Sql, Store, StoreError, UniqueField, now_text};

/// How many taken codes assignment skips before it gives up; explicit codes
/// that happen to look like assigned ones are rare, so this is generous.
const MAX_CODE_PROBES: usize = 10_000;

const EMPLOYEE_COLUMNS: &str = "SELECT e.id, e.tenant_id, e.employee_code, e.user_name, \
     e.external_id, e.active, e.department_id, d.name AS department_name, e.designation_id, \
     g.name AS designation_name, e.manager_id, e.date_of_joining, e.profile, e.version, \
     e.created_at, e.updated_at";
const EMPLOYEE_FROM: &str = " FROM employees e \
     JOIN departments d ON d.id = e.department_id \
     JOIN designations g ON g.id = e.designation_id ";

/// ` FROM <employees with names> `, starting, when the filter has a
/// [`value_driver`], from the employees that hold that value: SQLite takes
/// `CROSS JOIN` as the join order, so the listing costs the matches, not
/// the company's size (PostgreSQL plans the same join freely).
fn push_from(sql: &mut Sql, tenant_id: &str, driver: Option<&Driver>) {
    let Some((attribute, sub, key)) = driver else {
        sql.push(EMPLOYEE_FROM);
        return;
    };
    sql.push(
        " FROM (SELECT DISTINCT x.employee_id AS id FROM employee_values x \
         WHERE x.tenant_id = ",
    )
    .bind(tenant_id.to_owned())
    .push(" AND x.attribute = ")
    .bind((*attribute).to_owned())
    .push(" AND x.sub_attribute = ")
    .bind((*sub).to_owned())
    .push(" AND x.value_key = ")
    .bind(key.clone())
    .push(
        ") v CROSS JOIN employees e \
         JOIN departments d ON d.id = e.department_id \
         JOIN designations g ON g.id = e.designation_id ",
    );
}

/// `SELECT <employee columns> FROM <employees with names> `.
fn select_employee() -> Sql {
    let mut sql = Sql::new(EMPLOYEE_COLUMNS);
    sql.push(EMPLOYEE_FROM);
    sql
}

/// An employee as stored, with its department and designation names.
#[derive(Debug, Clone, FromRow)]
pub struct EmployeeRecord {
    pub id: String,
    pub tenant_id: String,
    pub employee_code: String,
    pub user_name: String,
    pub external_id: Option<String>,
    pub active: i64,
    pub department_id: String,
    pub department_name: String,
    pub designation_id: String,
    pub designation_name: String,
    pub manager_id: Option<String>,
    pub date_of_joining: String,
    pub profile: Vec<u8>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Where a new employee's code comes from.
#[derive(Debug, Clone)]
pub enum CodeChoice {
    /// The client's code and its case-folded key.
    Given { code: String, key: String },
    /// The tenant's next free code: prefix + zero-padded number.
    Assign { prefix: String, width: usize },
}

/// The columns of an employee that both create and update write.
#[derive(Debug, Clone)]
pub struct EmployeeColumns {
    pub user_name: String,
    pub user_name_key: String,
    pub external_id: Option<String>,
    pub active: bool,
    pub display_name: Option<String>,
    pub display_name_key: Option<String>,
    pub given_name_key: Option<String>,
    pub family_name_key: Option<String>,
    pub department_id: String,
    pub designation_id: String,
    pub manager_id: Option<String>,
    pub profile: Vec<u8>,
    /// The profile's searchable rows (`employee_values`).
    pub values: Vec<IndexedValue>,
}

/// One searchable value of a profile attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedValue {
    pub attribute: &'static str,
    /// The element of a multi-valued attribute; 0 otherwise.
    pub position: i64,
    /// "" for a simple attribute.
    pub sub_attribute: &'static str,
    pub value_key: String,
}

/// A create, ready to write.
#[derive(Debug, Clone)]
pub struct NewEmployee {
    pub id: String,
    pub tenant_id: String,
    pub code: CodeChoice,
    pub date_of_joining: String,
    pub columns: EmployeeColumns,
}

/// An update, ready to write.
#[derive(Debug, Clone)]
pub struct UpdatedEmployee {
    pub id: String,
    pub tenant_id: String,
    pub expected_version: Option<i64>,
    /// New code and key; None keeps the current one.
    pub code: Option<(String, String)>,
    /// New date of joining; None keeps the current one.
    pub date_of_joining: Option<String>,
    pub columns: EmployeeColumns,
}

/// The outcome written to the provisioning log with a successful write.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    pub outcome: &'a str,
    pub reason: &'a str,
    pub detail: &'a str,
}

impl Store {
    /// Inserts an employee and its log entry; assigns the code when asked.
    pub async fn insert_employee(
        &self,
        new: &NewEmployee,
        outcome: Outcome<'_>,
    ) -> Result<EmployeeRecord, StoreError> {
        super::retry_conflicts(|| self.insert_employee_once(new, outcome)).await
    }

    async fn insert_employee_once(
        &self,
        new: &NewEmployee,
        outcome: Outcome<'_>,
    ) -> Result<EmployeeRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let (code, code_key) = match &new.code {
            CodeChoice::Given { code, key } => (code.clone(), key.clone()),
            CodeChoice::Assign { prefix, width } => {
                next_free_code(&mut tx, &new.tenant_id, prefix, *width).await?
            }
        };
        let now = now_text();
        let c = &new.columns;
        sqlx::query(
            "INSERT INTO employees (id, tenant_id, employee_code, employee_code_key, user_name, \
             user_name_key, external_id, active, display_name_key, given_name_key, \
             family_name_key, department_id, designation_id, manager_id, date_of_joining, \
             profile, version, created_at, updated_at, display_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, \
             $17, $17, $18)",
        )
        .bind(&new.id)
        .bind(&new.tenant_id)
        .bind(&code)
        .bind(&code_key)
        .bind(&c.user_name)
        .bind(&c.user_name_key)
        .bind(&c.external_id)
        .bind(i64::from(c.active))
        .bind(&c.display_name_key)
        .bind(&c.given_name_key)
        .bind(&c.family_name_key)
        .bind(&c.department_id)
        .bind(&c.designation_id)
        .bind(&c.manager_id)
        .bind(&new.date_of_joining)
        .bind(&c.profile)
        .bind(&now)
        .bind(&c.display_name)
        .execute(&mut *tx)
        .await?;
        insert_values(&mut tx, &new.tenant_id, &new.id, &c.values).await?;
        let event = NewEvent {
            tenant_id: &new.tenant_id,
            operation: "create",
            employee_id: Some(&new.id),
            group_id: None,
            outcome: outcome.outcome,
            reason: outcome.reason,
            detail: outcome.detail,
        };
        insert_event(&mut *tx, &event, &now).await?;
        let record = fetch_employee(&mut tx, &new.tenant_id, &new.id).await?;
        tx.commit().await?;
        Ok(record)
    }

    pub async fn get_employee(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<EmployeeRecord, StoreError> {
        let mut sql = select_employee();
        sql.push("WHERE e.tenant_id = ")
            .bind(tenant_id.to_owned())
            .push(" AND e.id = ")
            .bind(id.to_owned())
            .push(" AND e.removed_at IS NULL");
        let (text, args) = sql.finish();
        let found = sqlx::query_as_with::<_, EmployeeRecord, _>(text, args)
            .fetch_optional(&self.pool)
            .await?;
        found.ok_or(StoreError::NotFound)
    }

    /// Whether a live employee with this id exists in the tenant.
    pub async fn employee_exists(&self, tenant_id: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self.employee_units(tenant_id, id).await?.is_some())
    }

    /// A live employee's (department id, designation id); None when there
    /// is no such employee.
    pub async fn employee_units(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT department_id, designation_id FROM employees WHERE tenant_id = $1 \
             AND id = $2 AND removed_at IS NULL",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found)
    }

    /// The manager of a live employee, for walking reporting lines.
    pub async fn manager_of(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        let found: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT manager_id FROM employees WHERE tenant_id = $1 AND id = $2 \
             AND removed_at IS NULL",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.and_then(|(manager,)| manager))
    }

    /// One page of a tenant's live employees matching `filter`, in creation
    /// order, and how many match in all.
    pub async fn list_employees(
        &self,
        tenant_id: &str,
        filter: Option<&EmployeeFilter>,
        order: (EmployeeField, bool),
        start: PageStart<'_>,
        limit: i64,
    ) -> Result<Listing<EmployeeRecord>, StoreError> {
        let keys = employee_order(order.0, order.1)
            .map_err(|error| StoreError::InvalidFilter(error.to_string()))?;
        let driver = filter.and_then(value_driver);
        let source = |sql: &mut Sql| {
            push_from(sql, tenant_id, driver.as_ref());
            scope(sql, tenant_id, filter, driver.is_some())
        };
        self.list_page(EMPLOYEE_COLUMNS, source, &keys, start, limit)
            .await
    }

    /// Replaces an employee's columns if its version is still the one
    /// expected; logs the change as `operation` (or as the change in
    /// `active` when blank).
    pub async fn update_employee(
        &self,
        update: &UpdatedEmployee,
        operation: &str,
        outcome: Outcome<'_>,
    ) -> Result<EmployeeRecord, StoreError> {
        super::retry_conflicts(|| self.update_employee_once(update, operation, outcome)).await
    }

    async fn update_employee_once(
        &self,
        update: &UpdatedEmployee,
        operation: &str,
        outcome: Outcome<'_>,
    ) -> Result<EmployeeRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let (version, was_active): (i64, i64) = sqlx::query_as(
            "SELECT version, active FROM employees WHERE tenant_id = $1 AND id = $2 \
             AND removed_at IS NULL",
        )
        .bind(&update.tenant_id)
        .bind(&update.id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        if update
            .expected_version
            .is_some_and(|expected| expected != version)
        {
            return Err(StoreError::VersionMismatch);
        }

        let now = now_text();
        let c = &update.columns;
        let (code, code_key) = update.code.clone().unzip();
        let done = sqlx::query(
            "UPDATE employees SET employee_code = COALESCE($1, employee_code), \
             employee_code_key = COALESCE($2, employee_code_key), user_name = $3, \
             user_name_key = $4, external_id = $5, active = $6, display_name_key = $7, \
             given_name_key = $8, family_name_key = $9, department_id = $10, \
             designation_id = $11, manager_id = $12, profile = $13, version = version + 1, \
             updated_at = $14, display_name = $18, \
             date_of_joining = COALESCE($19, date_of_joining) \
             WHERE tenant_id = $15 AND id = $16 AND version = $17",
        )
        .bind(code)
        .bind(code_key)
        .bind(&c.user_name)
        .bind(&c.user_name_key)
        .bind(&c.external_id)
        .bind(i64::from(c.active))
        .bind(&c.display_name_key)
        .bind(&c.given_name_key)
        .bind(&c.family_name_key)
        .bind(&c.department_id)
        .bind(&c.designation_id)
        .bind(&c.manager_id)
        .bind(&c.profile)
        .bind(&now)
        .bind(&update.tenant_id)
        .bind(&update.id)
        .bind(version)
        .bind(&c.display_name)
        .bind(&update.date_of_joining)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::VersionMismatch);
        }
        sqlx::query("DELETE FROM employee_values WHERE employee_id = $1")
            .bind(&update.id)
            .execute(&mut *tx)
            .await?;
        insert_values(&mut tx, &update.tenant_id, &update.id, &c.values).await?;

        let operation = match (operation, was_active != 0, c.active) {
            ("", true, false) => "deactivate",
            ("", false, true) => "reactivate",
            ("", _, _) => "update",
            (given, _, _) => given,
        };
        let event = NewEvent {
            tenant_id: &update.tenant_id,
            operation,
            employee_id: Some(&update.id),
            group_id: None,
            outcome: outcome.outcome,
            reason: outcome.reason,
            detail: outcome.detail,
        };
        insert_event(&mut *tx, &event, &now).await?;
        let record = fetch_employee(&mut tx, &update.tenant_id, &update.id).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Marks an employee as removed, keeps the row (and its code), drops its
    /// e-mail index rows and clears it as the manager of others.
    pub async fn remove_employee(
        &self,
        tenant_id: &str,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<(), StoreError> {
        super::retry_conflicts(|| self.remove_employee_once(tenant_id, id, expected_version)).await
    }

    async fn remove_employee_once(
        &self,
        tenant_id: &str,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let now = now_text();
        let mut sql = Sql::new("UPDATE employees SET removed_at = ");
        sql.bind(now.clone())
            .push(", updated_at = ")
            .bind(now.clone())
            .push(", version = version + 1 WHERE tenant_id = ")
            .bind(tenant_id.to_owned())
            .push(" AND id = ")
            .bind(id.to_owned())
            .push(" AND removed_at IS NULL");
        if let Some(expected) = expected_version {
            sql.push(" AND version = ").bind(expected);
        }
        let (text, args) = sql.finish();
        let done = sqlx::query_with(text, args).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            let live: Option<(String,)> = sqlx::query_as(
                "SELECT id FROM employees WHERE tenant_id = $1 AND id = $2 AND removed_at IS NULL",
            )
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            return Err(match live {
                Some(_) => StoreError::VersionMismatch,
                None => StoreError::NotFound,
            });
        }
        sqlx::query("DELETE FROM employee_values WHERE employee_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // A removed employee leaves every group (deactivation does not).
        sqlx::query(
            "UPDATE employee_groups SET member_count = member_count - 1, version = version + 1, \
             updated_at = $1 WHERE id IN (SELECT group_id FROM group_members \
             WHERE tenant_id = $2 AND employee_id = $3)",
        )
        .bind(&now)
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND employee_id = $2")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE employees SET manager_id = NULL, version = version + 1, updated_at = $1 \
             WHERE tenant_id = $2 AND manager_id = $3 AND removed_at IS NULL",
        )
        .bind(&now)
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let event = NewEvent {
            tenant_id,
            operation: "delete",
            employee_id: Some(id),
            group_id: None,
            outcome: "success",
            reason: "",
            detail: "Removed from provisioning; the HR record and its Employee Code are kept.",
        };
        insert_event(&mut *tx, &event, &now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Appends the tenant scope, the removal rule and the filter to a WHERE.
/// A value a filter requires: (attribute, sub-attribute, value key).
type Driver = (&'static str, &'static str, String);

/// ` WHERE` the employee is the tenant's, live, and matches `filter`;
/// `driven`: joined to the candidates [`push_from`] started from.
fn scope(
    sql: &mut Sql,
    tenant_id: &str,
    filter: Option<&EmployeeFilter>,
    driven: bool,
) -> Result<(), StoreError> {
    sql.push("WHERE e.tenant_id = ")
        .bind(tenant_id.to_owned())
        .push(" AND e.removed_at IS NULL");
    if driven {
        // Joins the candidates of push_from.
        sql.push(" AND e.id = v.id");
    }
    if let Some(filter) = filter {
        sql.push(" AND ");
        push_filter(sql, filter, tenant_id)
            .map_err(|error| StoreError::InvalidFilter(error.to_string()))?;
    }
    Ok(())
}

async fn fetch_employee(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &str,
    id: &str,
) -> Result<EmployeeRecord, StoreError> {
    let mut sql = select_employee();
    sql.push("WHERE e.tenant_id = ")
        .bind(tenant_id.to_owned())
        .push(" AND e.id = ")
        .bind(id.to_owned());
    let (text, args) = sql.finish();
    let record = sqlx::query_as_with::<_, EmployeeRecord, _>(text, args)
        .fetch_one(&mut **tx)
        .await?;
    Ok(record)
}

async fn insert_values(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &str,
    employee_id: &str,
    values: &[IndexedValue],
) -> Result<(), StoreError> {
    for value in values {
        sqlx::query(
            "INSERT INTO employee_values (employee_id, tenant_id, attribute, position, \
             sub_attribute, value_key) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(employee_id)
        .bind(tenant_id)
        .bind(value.attribute)
        .bind(value.position)
        .bind(value.sub_attribute)
        .bind(&value.value_key)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Once per database: writes the searchable rows of every live employee
    /// stored before `employee_values` existed, from its profile. Returns
    /// how many employees it indexed (0 when already done). Safe to run
    /// from several instances at once: each employee's rows are replaced
    /// in one transaction.
    pub async fn index_attribute_values<F>(&self, rows_of: F) -> Result<u64, StoreError>
    where
        F: Fn(&[u8]) -> Result<Vec<IndexedValue>, String>,
    {
        const MARKER: &str = "attribute-values";
        let done: Option<(String,)> =
            sqlx::query_as("SELECT name FROM server_keys WHERE name = $1")
                .bind(MARKER)
                .fetch_optional(&self.pool)
                .await?;
        if done.is_some() {
            return Ok(0);
        }
        let mut indexed = 0;
        let mut after = String::new();
        loop {
            let batch: Vec<(String, String, Vec<u8>)> = sqlx::query_as(
                "SELECT id, tenant_id, profile FROM employees \
                 WHERE removed_at IS NULL AND id > $1 ORDER BY id LIMIT 500",
            )
            .bind(&after)
            .fetch_all(&self.pool)
            .await?;
            let Some((last, _, _)) = batch.last() else {
                break;
            };
            after = last.clone();
            for (id, tenant_id, profile) in &batch {
                let rows = rows_of(profile)
                    .map_err(|error| StoreError::Corrupt(format!("profile of {id}: {error}")))?;
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM employee_values WHERE employee_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                insert_values(&mut tx, tenant_id, id, &rows).await?;
                tx.commit().await?;
                indexed += 1;
            }
        }
        sqlx::query(
            "INSERT INTO server_keys (name, secret, created_at) VALUES ($1, 'done', $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(MARKER)
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(indexed)
    }
}

/// Takes the tenant's next code numbers until one is free. The counter row
/// is locked by the UPDATE (PostgreSQL) or the write transaction (SQLite),
/// so concurrent creates never get the same number; a failed create rolls
/// the counter back with everything else, so numbers are not lost.
async fn next_free_code(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &str,
    prefix: &str,
    width: usize,
) -> Result<(String, String), StoreError> {
    for _ in 0..MAX_CODE_PROBES {
        let (number,): (i64,) = sqlx::query_as(
            "UPDATE tenants SET next_code_number = next_code_number + 1 WHERE id = $1 \
             RETURNING next_code_number - 1",
        )
        .bind(tenant_id)
        .fetch_one(&mut **tx)
        .await?;
        let code = format!("{prefix}{number:0width$}");
        let key = code.to_uppercase();
        let taken: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM employees WHERE tenant_id = $1 AND employee_code_key = $2",
        )
        .bind(tenant_id)
        .bind(&key)
        .fetch_optional(&mut **tx)
        .await?;
        if taken.is_none() {
            return Ok((code, key));
        }
    }
    Err(StoreError::Conflict(UniqueField::EmployeeCode))
}
