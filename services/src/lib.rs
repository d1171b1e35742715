//! The Runtime HRMS directory service: the only component that touches the
//! database.
//!
//! - [`store`] holds every SQL statement (SQLite and PostgreSQL).
//! - [`employees`], [`groups`], [`organization`], [`tenants`] and [`provisioning`]
//!   implement the gRPC services of `hrms_api::v1`, applying the HR rules.
//! - [`error`] maps failures to `tonic::Status` in one place.
//! - [`server`] assembles the gRPC server with health and reflection.

pub mod employees;
pub mod error;
pub mod groups;
pub mod metrics;
pub mod organization;
pub mod provisioning;
pub mod server;
pub mod store;
pub mod tenants;

pub use server::{DirectoryConfig, serve};
pub use store::{Store, StoreOptions};

/// The directory's gRPC handlers, sharing one store.
#[derive(Clone, Debug)]
pub struct Directory {
    store: Store,
}

impl Directory {
    pub fn new(store: Store) -> Self {
        Directory { store }
    }
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
