//! Departments and designations: the two lists of names an employee's HR
//! fields must come from.

use sqlx::FromRow;

use super::{Store, StoreError, found_one, new_id, now_text};

/// A department or a designation.
#[derive(Debug, Clone, FromRow)]
pub struct OrgUnit {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    /// Set when retired: kept where assigned, not chosen for new ones.
    pub retired_at: Option<String>,
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
                "SELECT id, tenant_id, name, retired_at FROM departments WHERE tenant_id = $1 \
                 ORDER BY name_key"
            }
            UnitKind::Designation => {
                "SELECT id, tenant_id, name, retired_at FROM designations WHERE tenant_id = $1 \
                 ORDER BY name_key"
            }
        }
    }

    fn find_sql(self) -> &'static str {
        match self {
            UnitKind::Department => {
                "SELECT id, tenant_id, name, retired_at FROM departments WHERE tenant_id = $1 \
                 AND name_key = $2"
            }
            UnitKind::Designation => {
                "SELECT id, tenant_id, name, retired_at FROM designations WHERE tenant_id = $1 \
                 AND name_key = $2"
            }
        }
    }

    fn get_sql(self) -> &'static str {
        match self {
            UnitKind::Department => {
                "SELECT id, tenant_id, name, retired_at FROM departments WHERE tenant_id = $1 AND id = $2"
            }
            UnitKind::Designation => {
                "SELECT id, tenant_id, name, retired_at FROM designations WHERE tenant_id = $1 AND id = $2"
            }
        }
    }

    fn rename_sql(self) -> &'static str {
        match self {
            UnitKind::Department => {
                "UPDATE departments SET name = $3, name_key = $4 WHERE tenant_id = $1 AND id = $2"
            }
            UnitKind::Designation => {
                "UPDATE designations SET name = $3, name_key = $4 WHERE tenant_id = $1 AND id = $2"
            }
        }
    }

    /// Retires a unit unless it is the tenant's default.
    fn retire_sql(self) -> &'static str {
        match self {
            UnitKind::Department => {
                "UPDATE departments SET retired_at = COALESCE(retired_at, $3) \
                 WHERE tenant_id = $1 AND id = $2 AND NOT EXISTS (SELECT 1 FROM tenants t \
                 WHERE t.id = $1 AND t.default_department_id = $2)"
            }
            UnitKind::Designation => {
                "UPDATE designations SET retired_at = COALESCE(retired_at, $3) \
                 WHERE tenant_id = $1 AND id = $2 AND NOT EXISTS (SELECT 1 FROM tenants t \
                 WHERE t.id = $1 AND t.default_designation_id = $2)"
            }
        }
    }

    /// Makes a live unit the default.
    fn set_default_sql(self) -> &'static str {
        match self {
            UnitKind::Department => {
                "UPDATE tenants SET default_department_id = $2 WHERE id = $1 AND EXISTS \
                 (SELECT 1 FROM departments u WHERE u.tenant_id = $1 AND u.id = $2 \
                 AND u.retired_at IS NULL)"
            }
            UnitKind::Designation => {
                "UPDATE tenants SET default_designation_id = $2 WHERE id = $1 AND EXISTS \
                 (SELECT 1 FROM designations u WHERE u.tenant_id = $1 AND u.id = $2 \
                 AND u.retired_at IS NULL)"
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
            retired_at: None,
        })
    }

    pub async fn rename_unit(
        &self,
        kind: UnitKind,
        tenant_id: &str,
        id: &str,
        name: &str,
        key: &str,
    ) -> Result<OrgUnit, StoreError> {
        let done = sqlx::query(kind.rename_sql())
            .bind(tenant_id)
            .bind(id)
            .bind(name)
            .bind(key)
            .execute(&self.pool)
            .await?;
        found_one(&done)?;
        self.get_unit(kind, tenant_id, id).await
    }

    /// Retires a unit; `Ok(None)` when it is the default (and stays).
    pub async fn retire_unit(
        &self,
        kind: UnitKind,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<OrgUnit>, StoreError> {
        let unit = self.get_unit(kind, tenant_id, id).await?;
        let done = sqlx::query(kind.retire_sql())
            .bind(tenant_id)
            .bind(id)
            .bind(now_text())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 && unit.retired_at.is_none() {
            return Ok(None);
        }
        self.get_unit(kind, tenant_id, id).await.map(Some)
    }

    /// Makes a unit the default; `Ok(None)` when it is retired.
    pub async fn set_default_unit(
        &self,
        kind: UnitKind,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<OrgUnit>, StoreError> {
        let unit = self.get_unit(kind, tenant_id, id).await?;
        let done = sqlx::query(kind.set_default_sql())
            .bind(tenant_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok((done.rows_affected() > 0).then_some(unit))
    }
}
