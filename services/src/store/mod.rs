//! The directory's database: connection, migrations, transactions and the
//! one error type every query returns.
//!
//! All SQL of the project lives below this module. Queries are static
//! strings with `$N` placeholders (both SQLite and PostgreSQL accept them)
//! run through sqlx's `Any` driver, so one query serves both backends; the
//! few dynamic statements (filters) are assembled by [`Sql`], which only
//! ever appends fixed fragments and placeholders, never a value.
//!
//! # Limitations
//! PostgreSQL runs the same statements but is not yet covered by the test
//! suite; the SQLite embedded default is.

mod employees;
mod filter;
mod groups;
mod log;
mod organization;
mod paging;
mod tenants;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::{AnyArguments, AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Arguments, Executor, Transaction};

pub use employees::{
    CodeChoice, EmployeeColumns, EmployeeRecord, IndexedValue, NewEmployee, Outcome,
    UpdatedEmployee,
};
pub use groups::{GroupChange, GroupRecord, MemberRecord};
pub use log::{EventQuery, EventRecord, NewEvent};
pub use organization::{OrgUnit, UnitKind};
pub use paging::{Listing, PageStart};
pub use tenants::{NewTenant, TenantChanges, TenantRecord, TokenRecord, TokenRow};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A failure of the database, classified for the layers above.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such row")]
    NotFound,
    /// A uniqueness constraint refused the write; the field names it.
    #[error("unique constraint on {0:?}")]
    Conflict(UniqueField),
    /// A conditional write found another version than it expected.
    #[error("version changed concurrently")]
    VersionMismatch,
    /// PostgreSQL aborted the transaction as a deadlock or serialization
    /// failure; running it again is expected to succeed.
    #[error("transaction aborted by a concurrent one")]
    Retryable(#[source] sqlx::Error),
    /// The database cannot be reached or timed out; worth retrying later.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Internal(#[source] sqlx::Error),
    /// A member id names no live employee of the tenant.
    #[error("unknown member {0}")]
    UnknownMember(String),
    /// The filter cannot be translated; the text says why.
    #[error("{0}")]
    InvalidFilter(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// A listing position that does not fit the listing's sort order.
    #[error("the page position does not match this listing")]
    InvalidCursor,
}

/// The uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    EmployeeCode,
    UserName,
    ExternalId,
    DepartmentName,
    DesignationName,
    GroupName,
    Other,
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                // PostgreSQL names the constraint; SQLite names the columns
                // in its message. Either contains the distinguishing word.
                let text = format!("{} {}", db.constraint().unwrap_or(""), db.message());
                StoreError::Conflict(unique_field(&text))
            }
            // A protocol error is a connection broken mid-message.
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_) => StoreError::Unavailable(error),
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40001" | "40P01")) =>
            {
                StoreError::Retryable(error)
            }
            sqlx::Error::Database(db) if is_busy(db.code().as_deref()) => {
                StoreError::Unavailable(error)
            }
            _ => StoreError::Internal(error),
        }
    }
}

fn unique_field(text: &str) -> UniqueField {
    if text.contains("employee_groups") {
        UniqueField::GroupName
    } else if text.contains("employee_code") {
        UniqueField::EmployeeCode
    } else if text.contains("user_name") {
        UniqueField::UserName
    } else if text.contains("external_id") {
        UniqueField::ExternalId
    } else if text.contains("departments") {
        UniqueField::DepartmentName
    } else if text.contains("designations") {
        UniqueField::DesignationName
    } else {
        UniqueField::Other
    }
}

/// SQLITE_BUSY / SQLITE_LOCKED, and PostgreSQL's admin shutdown and
/// connection failures: transient, reported as unavailable so clients
/// retry (SCIM 503 with Retry-After).
fn is_busy(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("5" | "6" | "57P01" | "57P02" | "57P03" | "08006" | "08001")
    )
}

/// How often a write transaction is tried when PostgreSQL aborts it as a
/// deadlock or serialization failure.
const TRANSACTION_ATTEMPTS: u32 = 4;

/// Runs `attempt` (one whole write transaction) again after a deadlock or
/// serialization failure, with a short growing pause, at most
/// [`TRANSACTION_ATTEMPTS`] times in all.
pub(crate) async fn retry_conflicts<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(StoreError::Retryable(_)) if tries < TRANSACTION_ATTEMPTS => {
                tracing::debug!(
                    attempt = tries,
                    "transaction aborted by a concurrent one; retrying"
                );
                tokio::time::sleep(Duration::from_millis(u64::from(tries) * 5)).await;
                tries += 1;
            }
            other => return other,
        }
    }
}

/// Settings for [`Store::connect`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

/// The connection pool and the backend it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `sqlite:` or `postgres:` URLs. For SQLite, the file is
    /// created when missing.
    pub async fn connect(options: &StoreOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(&options.url)?;
        let connect = AnyConnectOptions::from_str(&options.url).map_err(StoreError::Internal)?;
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer;
                        // case-sensitive LIKE matches PostgreSQL, so filters
                        // mean the same on both.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                             PRAGMA case_sensitive_like = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect)
            .await?;
        Ok(Store { pool, backend })
    }

    /// Applies every migration not yet applied.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.map_err(|error| match error {
            sqlx::migrate::MigrateError::Execute(inner) => StoreError::from(inner),
            other => StoreError::Corrupt(format!("migration failed: {other}")),
        })
    }

    /// Answers whether the database responds, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write
    /// lock at once, so two writers queue instead of failing on upgrade.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }
}

fn backend_of(url: &str) -> Result<Backend, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::Corrupt(
            "database URL must start with sqlite: or postgres:".to_owned(),
        ))
    }
}

/// A statement assembled from fixed fragments and bound values.
///
/// `push` takes `&'static str` only, so no runtime text can reach the SQL;
/// values go through `bind`, which writes a `$N` placeholder.
#[derive(Default)]
pub(crate) struct Sql {
    text: String,
    args: AnyArguments,
    count: usize,
}

impl Sql {
    pub(crate) fn new(start: &'static str) -> Self {
        Sql {
            text: start.to_owned(),
            ..Sql::default()
        }
    }

    pub(crate) fn push(&mut self, fragment: &'static str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    pub(crate) fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: for<'q> sqlx::Encode<'q, Any> + sqlx::Type<Any> + Send + 'static,
    {
        self.count += 1;
        // Adding a plain value to AnyArguments cannot fail for the types
        // the store binds (text, integers, bytes).
        let _ = self.args.add(value);
        self.text.push('$');
        self.text.push_str(&self.count.to_string());
        self
    }

    pub(crate) fn finish(self) -> (sqlx::AssertSqlSafe<String>, AnyArguments) {
        // Safe: built only from `&'static str` fragments and placeholders.
        (sqlx::AssertSqlSafe(self.text), self.args)
    }
}

/// A write that must have found its row: NotFound when it changed none.
pub(crate) fn found_one(done: &sqlx::any::AnyQueryResult) -> Result<(), StoreError> {
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Now, as stored: RFC 3339 UTC with microseconds, which sorts as text.
pub(crate) fn now_text() -> String {
    timestamp_text(Utc::now())
}

pub fn timestamp_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a stored timestamp into a protobuf one.
pub(crate) fn parse_timestamp(text: &str) -> Result<prost_types::Timestamp, StoreError> {
    let at = DateTime::parse_from_rfc3339(text)
        .map_err(|_| StoreError::Corrupt(format!("bad timestamp {text:?}")))?;
    Ok(prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    })
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_name_the_field_on_both_backends() {
        let sqlite = "UNIQUE constraint failed: employees.tenant_id, employees.user_name_key";
        assert_eq!(unique_field(sqlite), UniqueField::UserName);
        assert_eq!(
            unique_field("employees_employee_code_uq duplicate key"),
            UniqueField::EmployeeCode
        );
        assert_eq!(
            unique_field("employees_external_id_uq"),
            UniqueField::ExternalId
        );
        assert_eq!(
            unique_field("departments_name_uq"),
            UniqueField::DepartmentName
        );
    }

    #[test]
    fn transient_database_failures_are_retryable() {
        for code in ["5", "57P01", "08006"] {
            assert!(is_busy(Some(code)), "{code}");
        }
        assert!(!is_busy(Some("23505")));
        assert!(!is_busy(None));
    }

    #[tokio::test]
    async fn aborted_transactions_are_retried_a_bounded_number_of_times() {
        let mut calls = 0;
        let result: Result<(), StoreError> = retry_conflicts(|| {
            calls += 1;
            async { Err(StoreError::Retryable(sqlx::Error::PoolTimedOut)) }
        })
        .await;
        assert!(matches!(result, Err(StoreError::Retryable(_))));
        assert_eq!(calls, TRANSACTION_ATTEMPTS);
        let mut calls = 0;
        let result = retry_conflicts(|| {
            calls += 1;
            let fail = calls < 3;
            async move {
                if fail {
                    Err(StoreError::Retryable(sqlx::Error::PoolTimedOut))
                } else {
                    Ok(calls)
                }
            }
        })
        .await;
        assert_eq!(result.unwrap(), 3);
    }

    #[test]
    fn sql_builder_numbers_placeholders_in_order() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind("x".to_owned()).push(" AND b = ").bind(2_i64);
        let (text, _) = sql.finish();
        assert_eq!(text.0, "SELECT 1 WHERE a = $1 AND b = $2");
    }

    #[test]
    fn stored_timestamps_sort_as_text() {
        let early = "2026-01-02T03:04:05.000006Z";
        let later = "2026-01-02T03:04:05.100000Z";
        assert!(early < later);
        assert_eq!(parse_timestamp(early).unwrap().nanos, 6000);
    }
}
