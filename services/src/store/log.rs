//! The provisioning log: one row per create, update, deactivate, reactivate
//! or delete, whatever its outcome.

use sqlx::{Any, Executor, FromRow};

use super::{Sql, Store, StoreError, new_id};

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub tenant_id: &'a str,
    pub operation: &'a str,
    pub employee_id: Option<&'a str>,
    pub group_id: Option<&'a str>,
    pub outcome: &'a str,
    pub reason: &'a str,
    pub detail: &'a str,
}

/// A stored event.
#[derive(Debug, Clone, FromRow)]
pub struct EventRecord {
    pub id: String,
    pub tenant_id: String,
    pub at: String,
    pub operation: String,
    pub employee_id: Option<String>,
    pub outcome: String,
    pub reason: String,
    pub detail: String,
    pub group_id: Option<String>,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub employee_id: Option<String>,
    pub group_id: Option<String>,
    pub outcome: Option<String>,
    pub operation: Option<String>,
    /// RFC 3339 UTC bounds: at or after `since`, before `until`.
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: i64,
}

/// Inserts one event through any executor, so writes can log inside their
/// own transaction.
pub(crate) async fn insert_event<'c, E>(
    executor: E,
    event: &NewEvent<'_>,
    at: &str,
) -> Result<String, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let id = new_id();
    sqlx::query(
        "INSERT INTO provisioning_events \
         (id, tenant_id, at, operation, employee_id, outcome, reason, detail, group_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(event.tenant_id)
    .bind(at)
    .bind(event.operation)
    .bind(event.employee_id)
    .bind(event.outcome)
    .bind(event.reason)
    .bind(event.detail)
    .bind(event.group_id)
    .execute(executor)
    .await?;
    // Counted when written; a transaction that then fails to commit
    // leaves the count one too high, which metrics tolerate.
    crate::metrics::record_event(event);
    Ok(id)
}

impl Store {
    /// Records an event on its own (failures, whose transaction is gone).
    pub async fn record_event(&self, event: &NewEvent<'_>) -> Result<EventRecord, StoreError> {
        let at = super::now_text();
        let id = insert_event(&self.pool, event, &at).await?;
        Ok(EventRecord {
            id,
            tenant_id: event.tenant_id.to_owned(),
            at,
            operation: event.operation.to_owned(),
            employee_id: event.employee_id.map(str::to_owned),
            outcome: event.outcome.to_owned(),
            reason: event.reason.to_owned(),
            detail: event.detail.to_owned(),
            group_id: event.group_id.map(str::to_owned),
        })
    }

    /// Whether the tenant logged an event with this reason at or after
    /// `since`.
    pub async fn has_recent_event(
        &self,
        tenant_id: &str,
        reason: &str,
        since: &str,
    ) -> Result<bool, StoreError> {
        let found: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM provisioning_events WHERE tenant_id = $1 AND at >= $2 \
             AND reason = $3 LIMIT 1",
        )
        .bind(tenant_id)
        .bind(since)
        .bind(reason)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Lists a tenant's events, newest first.
    pub async fn list_events(
        &self,
        tenant_id: &str,
        query: &EventQuery,
    ) -> Result<Vec<EventRecord>, StoreError> {
        let mut sql = Sql::new(
            "SELECT id, tenant_id, at, operation, employee_id, outcome, reason, detail, \
             group_id FROM provisioning_events WHERE tenant_id = ",
        );
        sql.bind(tenant_id.to_owned());
        if let Some(employee_id) = &query.employee_id {
            sql.push(" AND employee_id = ").bind(employee_id.clone());
        }
        if let Some(group_id) = &query.group_id {
            sql.push(" AND group_id = ").bind(group_id.clone());
        }
        if let Some(outcome) = &query.outcome {
            sql.push(" AND outcome = ").bind(outcome.clone());
        }
        if let Some(operation) = &query.operation {
            sql.push(" AND operation = ").bind(operation.clone());
        }
        if let Some(since) = &query.since {
            sql.push(" AND at >= ").bind(since.clone());
        }
        if let Some(until) = &query.until {
            sql.push(" AND at < ").bind(until.clone());
        }
        sql.push(" ORDER BY at DESC, id DESC LIMIT ")
            .bind(query.limit);
        let (text, args) = sql.finish();
        let events = sqlx::query_as_with::<_, EventRecord, _>(text, args)
            .fetch_all(&self.pool)
            .await?;
        Ok(events)
    }
}
