//! Departments and designations: the two lists of names an employee's HR
//! fields must come from.

use sqlx::FromRow;

use super::{Store, StoreError, new_id, now_text};

/// A department or a designation.
#[derive(Debug, Clone, FromRow)]
pub struct OrgUnit {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
}

/// Which of the two lists a query is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Department,
    Designation,
}

impl UnitKind {
    fn list_sql(self) -> &'static str {
        match self {
            UnitKind::Department => {
                "SELECT id, tenant_id, name FROM departments WHERE tenant_id = $1 \
                 ORDER BY name_key"
            }
            UnitKind::Designation => {
                "SELECT id, tenant_id, name FROM designations WHERE tenant_id = $1 \
                 ORDER BY name_key"
            }
        }
    }

    fn find_sql(self) -> &'static str {
        match self {
            UnitKind::Department => {
                "SELECT id, tenant_id, name FROM departments WHERE tenant_id = $1 \
                 AND name_key = $2"
            }
            UnitKind::Designation => {
                "SELECT id, tenant_id, name FROM designations WHERE tenant_id = $1 \
                 AND name_key = $2"
            }
        }
    }

    fn get_sql(self) -> &'static str {
        match self {
            UnitKind::Department => {
                "SELECT id, tenant_id, name FROM departments WHERE tenant_id = $1 AND id = $2"
            }
            UnitKind::Designation => {
                "SELECT id, tenant_id, name FROM designations WHERE tenant_id = $1 AND id = $2"
            }
        }
    }

    fn insert_sql(self) -> &'static str {
        match self {
            UnitKind::Department => {
                "INSERT INTO departments (id, tenant_id, name, name_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5)"
            }
            UnitKind::Designation => {
                "INSERT INTO designations (id, tenant_id, name, name_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5)"
            }
        }
    }
}

impl Store {
    pub async fn list_units(
        &self,
        kind: UnitKind,
        tenant_id: &str,
    ) -> Result<Vec<OrgUnit>, StoreError> {
        let units = sqlx::query_as::<_, OrgUnit>(kind.list_sql())
            .bind(tenant_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(units)
    }

    /// Finds a unit by its case-folded name.
    pub async fn find_unit(
        &self,
        kind: UnitKind,
        tenant_id: &str,
        key: &str,
    ) -> Result<Option<OrgUnit>, StoreError> {
        let unit = sqlx::query_as::<_, OrgUnit>(kind.find_sql())
            .bind(tenant_id)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(unit)
    }

    pub async fn get_unit(
        &self,
        kind: UnitKind,
        tenant_id: &str,
        id: &str,
    ) -> Result<OrgUnit, StoreError> {
        let unit = sqlx::query_as::<_, OrgUnit>(kind.get_sql())
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        unit.ok_or(StoreError::NotFound)
    }

    pub async fn create_unit(
        &self,
        kind: UnitKind,
        tenant_id: &str,
        name: &str,
        key: &str,
    ) -> Result<OrgUnit, StoreError> {
        let id = new_id();
        sqlx::query(kind.insert_sql())
            .bind(&id)
            .bind(tenant_id)
            .bind(name)
            .bind(key)
            .bind(now_text())
            .execute(&self.pool)
            .await?;
        Ok(OrgUnit {
            id,
            tenant_id: tenant_id.to_owned(),
            name: name.to_owned(),
        })
    }
}
