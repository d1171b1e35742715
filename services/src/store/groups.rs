//! Groups and their members.
//!
//! Membership changes touch only the rows they name: adding or removing k
//! members is k primary-key inserts or deletes plus one counter update, so
//! the cost does not grow with the group. `member_count` is maintained by
//! those same statements, and reads of a group never scan its members.

use std::collections::HashSet;

use hrms_api::v1::{GroupField, GroupFilter};
use sqlx::{Any, FromRow, Transaction};

use super::filter::{group_order, push_filter};
use super::log::{NewEvent, insert_event};
use super::paging::{Listing, PageStart};
use super::{Sql, Store, StoreError, new_id, now_text};

/// Rows per multi-row statement: well under both backends' bind limits.
const CHUNK: usize = 200;

const GROUP_COLUMNS: &str = "SELECT g.id, g.tenant_id, g.display_name, g.external_id, \
     g.member_count, g.version, g.created_at, g.updated_at";
const GROUP_FROM: &str = " FROM employee_groups g ";

/// `SELECT <group columns> FROM employee_groups g `.
fn select_group() -> Sql {
    let mut sql = Sql::new(GROUP_COLUMNS);
    sql.push(GROUP_FROM);
    sql
}

/// A group row.
#[derive(Debug, Clone, FromRow)]
pub struct GroupRecord {
    pub id: String,
    pub tenant_id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub member_count: i64,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// One member as listed.
#[derive(Debug, Clone, FromRow)]
pub struct MemberRecord {
    pub employee_id: String,
    pub display: String,
}

/// One change to a group; a list of them is applied in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupChange {
    /// New display name and its case-folded key.
    Rename {
        name: String,
        key: String,
    },
    SetExternalId(Option<String>),
    Add(Vec<String>),
    Remove(Vec<String>),
    Replace(Vec<String>),
}

impl Store {
    /// Creates a group with its first members and logs it.
    pub async fn insert_group(
        &self,
        tenant_id: &str,
        name: (&str, &str),
        external_id: Option<&str>,
        members: &[String],
    ) -> Result<GroupRecord, StoreError> {
        super::retry_conflicts(|| self.insert_group_once(tenant_id, name, external_id, members))
            .await
    }

    async fn insert_group_once(
        &self,
        tenant_id: &str,
        name: (&str, &str),
        external_id: Option<&str>,
        members: &[String],
    ) -> Result<GroupRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        let now = now_text();
        sqlx::query(
            "INSERT INTO employee_groups (id, tenant_id, display_name, display_name_key, \
             external_id, member_count, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 0, 1, $6, $6)",
        )
        .bind(&id)
        .bind(tenant_id)
        .bind(name.0)
        .bind(name.1)
        .bind(external_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let added = add_members(&mut tx, tenant_id, &id, members, &now).await?;
        sqlx::query("UPDATE employee_groups SET member_count = $1 WHERE id = $2")
            .bind(added)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        log_group(&mut tx, tenant_id, &id, "create", &now).await?;
        let group = fetch_group(&mut tx, tenant_id, &id).await?;
        tx.commit().await?;
        Ok(group)
    }

    pub async fn get_group(&self, tenant_id: &str, id: &str) -> Result<GroupRecord, StoreError> {
        let mut sql = select_group();
        sql.push("WHERE g.tenant_id = ")
            .bind(tenant_id.to_owned())
            .push(" AND g.id = ")
            .bind(id.to_owned());
        let (text, args) = sql.finish();
        let group = sqlx::query_as_with::<_, GroupRecord, _>(text, args)
            .fetch_optional(&self.pool)
            .await?;
        group.ok_or(StoreError::NotFound)
    }

    /// One page of a tenant's groups matching `filter`, in creation order,
    /// and how many match in all.
    pub async fn list_groups(
        &self,
        tenant_id: &str,
        filter: Option<&GroupFilter>,
        order: (GroupField, bool),
        start: PageStart<'_>,
        limit: i64,
    ) -> Result<Listing<GroupRecord>, StoreError> {
        let keys = group_order(order.0, order.1)
            .map_err(|error| StoreError::InvalidFilter(error.to_string()))?;
        let source = |sql: &mut Sql| {
            sql.push(GROUP_FROM);
            group_scope(sql, tenant_id, filter)
        };
        self.list_page(GROUP_COLUMNS, source, &keys, start, limit)
            .await
    }

    /// Members after `after` in id order: a keyset page, so every page
    /// costs the same however deep into a large group it is.
    pub async fn list_members(
        &self,
        tenant_id: &str,
        group_id: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<MemberRecord>, StoreError> {
        let members = sqlx::query_as::<_, MemberRecord>(
            "SELECT m.employee_id, COALESCE(e.display_name, e.user_name) AS display \
             FROM group_members m JOIN employees e ON e.id = m.employee_id \
             WHERE m.group_id = $1 AND m.tenant_id = $2 AND m.employee_id > $3 \
             ORDER BY m.employee_id LIMIT $4",
        )
        .bind(group_id)
        .bind(tenant_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(members)
    }

    pub async fn is_member(
        &self,
        tenant_id: &str,
        group_id: &str,
        employee_id: &str,
    ) -> Result<bool, StoreError> {
        let found: Option<(String,)> = sqlx::query_as(
            "SELECT employee_id FROM group_members WHERE group_id = $1 AND employee_id = $2 \
             AND tenant_id = $3",
        )
        .bind(group_id)
        .bind(employee_id)
        .bind(tenant_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Applies `changes` in order, in one transaction, if the group's version
    /// is still `expected_version` (when given); logs one update.
    pub async fn modify_group(
        &self,
        tenant_id: &str,
        id: &str,
        changes: &[GroupChange],
        expected_version: Option<i64>,
    ) -> Result<GroupRecord, StoreError> {
        super::retry_conflicts(|| self.modify_group_once(tenant_id, id, changes, expected_version))
            .await
    }

    async fn modify_group_once(
        &self,
        tenant_id: &str,
        id: &str,
        changes: &[GroupChange],
        expected_version: Option<i64>,
    ) -> Result<GroupRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let current = fetch_group(&mut tx, tenant_id, id).await?;
        if expected_version.is_some_and(|expected| expected != current.version) {
            return Err(StoreError::VersionMismatch);
        }
        let now = now_text();
        let mut delta = 0_i64;
        // Whether anything really changed; a request that re-adds members or
        // renames to the current name writes nothing.
        let mut changed = false;
        let mut name = current.display_name.clone();
        let mut external_id = current.external_id.clone();
        for change in changes {
            match change {
                GroupChange::Rename { name: new, .. } if *new == name => {}
                GroupChange::SetExternalId(id) if *id == external_id => {}
                GroupChange::Rename { name: new, key } => {
                    changed = true;
                    name.clone_from(new);
                    sqlx::query(
                        "UPDATE employee_groups SET display_name = $1, display_name_key = $2 \
                         WHERE id = $3",
                    )
                    .bind(new)
                    .bind(key)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                GroupChange::SetExternalId(new) => {
                    changed = true;
                    external_id.clone_from(new);
                    sqlx::query("UPDATE employee_groups SET external_id = $1 WHERE id = $2")
                        .bind(new)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                GroupChange::Add(members) => {
                    let added = add_members(&mut tx, tenant_id, id, members, &now).await?;
                    changed |= added > 0;
                    delta += added;
                }
                GroupChange::Remove(members) => {
                    let removed = remove_members(&mut tx, id, members).await?;
                    changed |= removed > 0;
                    delta -= removed;
                }
                GroupChange::Replace(members) => {
                    let removed = sqlx::query("DELETE FROM group_members WHERE group_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    let removed = i64::try_from(removed).unwrap_or(i64::MAX);
                    let added = add_members(&mut tx, tenant_id, id, members, &now).await?;
                    changed |= removed > 0 || added > 0;
                    delta += added - removed;
                }
            }
        }
        if !changed {
            // Nothing to keep: the transaction is dropped (rolled back).
            return Ok(current);
        }
        let done = sqlx::query(
            "UPDATE employee_groups SET member_count = member_count + $1, \
             version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
        )
        .bind(delta)
        .bind(&now)
        .bind(id)
        .bind(current.version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::VersionMismatch);
        }
        log_group(&mut tx, tenant_id, id, "update", &now).await?;
        let group = fetch_group(&mut tx, tenant_id, id).await?;
        tx.commit().await?;
        Ok(group)
    }

    /// Deletes a group and its memberships (employees are untouched).
    pub async fn delete_group(
        &self,
        tenant_id: &str,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<(), StoreError> {
        super::retry_conflicts(|| self.delete_group_once(tenant_id, id, expected_version)).await
    }

    async fn delete_group_once(
        &self,
        tenant_id: &str,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let current = fetch_group(&mut tx, tenant_id, id).await?;
        if expected_version.is_some_and(|expected| expected != current.version) {
            return Err(StoreError::VersionMismatch);
        }
        sqlx::query("DELETE FROM group_members WHERE group_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM employee_groups WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
        log_group(&mut tx, tenant_id, id, "delete", &now_text()).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn group_scope(
    sql: &mut Sql,
    tenant_id: &str,
    filter: Option<&GroupFilter>,
) -> Result<(), StoreError> {
    sql.push("WHERE g.tenant_id = ").bind(tenant_id.to_owned());
    if let Some(filter) = filter {
        sql.push(" AND ");
        push_filter(sql, filter, tenant_id)
            .map_err(|error| StoreError::InvalidFilter(error.to_string()))?;
    }
    Ok(())
}

async fn fetch_group(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &str,
    id: &str,
) -> Result<GroupRecord, StoreError> {
    let mut sql = select_group();
    sql.push("WHERE g.tenant_id = ")
        .bind(tenant_id.to_owned())
        .push(" AND g.id = ")
        .bind(id.to_owned());
    let (text, args) = sql.finish();
    let group = sqlx::query_as_with::<_, GroupRecord, _>(text, args)
        .fetch_optional(&mut **tx)
        .await?;
    group.ok_or(StoreError::NotFound)
}

async fn log_group(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &str,
    group_id: &str,
    operation: &str,
    at: &str,
) -> Result<(), StoreError> {
    let event = NewEvent {
        tenant_id,
        operation,
        employee_id: None,
        group_id: Some(group_id),
        outcome: "success",
        reason: "",
        detail: "",
    };
    insert_event(&mut **tx, &event, at).await?;
    Ok(())
}

/// The ids once each, in the order first named.
fn distinct(ids: &[String]) -> Vec<&str> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter()
        .map(String::as_str)
        .filter(|id| seen.insert(*id))
        .collect()
}

/// Fails with the first id that is not a live employee of the tenant.
async fn check_members(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &str,
    ids: &[&str],
) -> Result<(), StoreError> {
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT id FROM employees WHERE tenant_id = ");
        sql.bind(tenant_id.to_owned())
            .push(" AND removed_at IS NULL AND id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind((*id).to_owned());
        }
        sql.push(")");
        let (text, args) = sql.finish();
        let found: Vec<(String,)> = sqlx::query_as_with(text, args).fetch_all(&mut **tx).await?;
        if found.len() < chunk.len() {
            let found: HashSet<&str> = found.iter().map(|(id,)| id.as_str()).collect();
            if let Some(missing) = chunk.iter().find(|id| !found.contains(*id)) {
                return Err(StoreError::UnknownMember((*missing).to_owned()));
            }
        }
    }
    Ok(())
}

/// Adds members that are not members yet; returns how many were added.
async fn add_members(
    tx: &mut Transaction<'static, Any>,
    tenant_id: &str,
    group_id: &str,
    members: &[String],
    now: &str,
) -> Result<i64, StoreError> {
    let ids = distinct(members);
    check_members(tx, tenant_id, &ids).await?;
    let mut added = 0;
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new(
            "INSERT INTO group_members (group_id, employee_id, tenant_id, added_at) VALUES ",
        );
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .bind(group_id.to_owned())
                .push(", ")
                .bind((*id).to_owned())
                .push(", ")
                .bind(tenant_id.to_owned())
                .push(", ")
                .bind(now.to_owned())
                .push(")");
        }
        sql.push(" ON CONFLICT (group_id, employee_id) DO NOTHING");
        let (text, args) = sql.finish();
        let done = sqlx::query_with(text, args).execute(&mut **tx).await?;
        added += i64::try_from(done.rows_affected()).unwrap_or(i64::MAX);
    }
    Ok(added)
}

/// Removes the named members (absent ones are ignored); returns how many
/// were removed.
async fn remove_members(
    tx: &mut Transaction<'static, Any>,
    group_id: &str,
    members: &[String],
) -> Result<i64, StoreError> {
    let ids = distinct(members);
    let mut removed = 0;
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::new("DELETE FROM group_members WHERE group_id = ");
        sql.bind(group_id.to_owned()).push(" AND employee_id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind((*id).to_owned());
        }
        sql.push(")");
        let (text, args) = sql.finish();
        let done = sqlx::query_with(text, args).execute(&mut **tx).await?;
        removed += i64::try_from(done.rows_affected()).unwrap_or(i64::MAX);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_keeps_first_occurrences_in_order() {
        let ids = ["b", "a", "b", "c", "a"].map(String::from);
        assert_eq!(distinct(&ids), ["b", "a", "c"]);
    }
}
