//! The Runtime HRMS directory service: the only component that touches the
//! database.
//!
//! - [`store`] holds every SQL statement (SQLite and PostgreSQL).
//! - [`employees`], [`groups`], [`organization`], [`tenants`] and [`provisioning`]
//!   implement the gRPC services of `hrms_api::v1`, applying the HR rules.
//! - [`error`] maps failures to `tonic::Status` in one place.
//! - [`cursor`] seals and opens paging cursors.
//! - [`server`] assembles the gRPC server with health and reflection.

pub mod cursor;
pub mod employees;
pub mod error;
pub mod groups;
pub mod metrics;
pub mod organization;
pub mod provisioning;
pub mod server;
pub mod store;
pub mod tenants;
pub mod values;

pub use server::{DirectoryConfig, serve};
pub use store::{Store, StoreOptions};

/// The directory's gRPC handlers, sharing one store.
#[derive(Clone, Debug)]
pub struct Directory {
    store: Store,
    /// Loaded from the database on first use.
    cursors: std::sync::Arc<tokio::sync::OnceCell<cursor::Cursors>>,
}

impl Directory {
    pub fn new(store: Store) -> Self {
        Directory {
            store,
            cursors: std::sync::Arc::default(),
        }
    }

    /// The cursor sealer, with the key this database holds.
    pub(crate) async fn cursors(&self) -> Result<&cursor::Cursors, error::DirectoryError> {
        self.cursors
            .get_or_try_init(|| async {
                let key = self.store.server_key("paging-cursor").await?;
                Ok::<_, error::DirectoryError>(cursor::Cursors::new(key))
            })
            .await
    }

    /// Where a listing page starts, from the request's paging fields: the
    /// offset, or what its cursor says.
    pub(crate) async fn page_start(
        &self,
        scope: &cursor::CursorScope,
        use_cursor: bool,
        cursor: &str,
        offset: i64,
    ) -> Result<Start, error::DirectoryError> {
        if !use_cursor {
            return Ok(Start::Offset(offset.max(0)));
        }
        Ok(Start::After(self.cursors().await?.open(scope, cursor)?))
    }

    /// The cursor of the page after one that ended at `next` ("" when it
    /// was the last).
    pub(crate) async fn next_cursor(
        &self,
        scope: &cursor::CursorScope,
        next: Option<Vec<Option<String>>>,
    ) -> Result<String, error::DirectoryError> {
        match next {
            Some(keys) => Ok(self.cursors().await?.seal(scope, Some(keys))),
            None => Ok(String::new()),
        }
    }
}

/// An owned page start; see [`store::PageStart`].
pub(crate) enum Start {
    Offset(i64),
    After(Option<Vec<Option<String>>>),
}

impl Start {
    pub(crate) fn as_page(&self) -> store::PageStart<'_> {
        match self {
            Start::Offset(offset) => store::PageStart::Offset(*offset),
            Start::After(values) => store::PageStart::After(values.as_deref()),
        }
    }
}

/// Bytes as lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The form of a department or designation name that uniqueness and
/// matching compare: trimmed, inner runs of white space made one space,
/// lower-cased.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn names_match_ignoring_case_and_surrounding_spaces() {
        assert_eq!(name_key("  payroll operations "), "payroll operations");
        assert_eq!(name_key("Payroll  Operations"), "payroll operations");
    }
}
