//! The directory's error type and its one mapping to `tonic::Status` with a
//! `google.rpc.ErrorInfo` reason. Messages are written for the tenant admin
//! who will read them in a SCIM error or the provisioning log; they never
//! carry database internals.

use std::collections::HashMap;

use hrms_api::{ERROR_DOMAIN, reason};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::store::{StoreError, UniqueField, UnitKind};

/// Everything a directory call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("tenant not found")]
    TenantNotFound,
    #[error("employee not found")]
    EmployeeNotFound,
    #[error("Employee Code '{0}' is already used by another employee of this company")]
    EmployeeCodeTaken(String),
    #[error("userName is already used by another employee of this company")]
    UserNameTaken,
    #[error("externalId is already used by another employee of this company")]
    ExternalIdTaken,
    #[error("{0} already exists")]
    NameTaken(String),
    #[error("group not found")]
    GroupNotFound,
    #[error("{0} not found")]
    UnitNotFound(&'static str),
    #[error("no active token with this id")]
    TokenNotFound,
    /// The request is valid but the current state forbids it; the text
    /// says what to do first.
    #[error("{0}")]
    Precondition(String),
    #[error("a group with this displayName already exists in this company")]
    GroupNameTaken,
    #[error("member '{0}' is not an employee of this company")]
    UnknownMember(String),
    #[error("Job Title '{0}' does not exist in designations")]
    UnknownDesignation(String),
    #[error("Job Title '{0}' is a retired designation")]
    RetiredDesignation(String),
    #[error("manager '{0}' is not an employee of this company")]
    UnknownManager(String),
    #[error("{field}: {detail}")]
    Invalid { field: &'static str, detail: String },
    #[error("invalid filter: {0}")]
    InvalidFilter(String),
    #[error(
        "the cursor is not one this server issued for this listing; start again with an empty cursor"
    )]
    InvalidCursor,
    #[error("the cursor has expired; start again with an empty cursor")]
    ExpiredCursor,
    #[error("the employee was changed by another request; read it again and retry")]
    VersionMismatch,
    #[error("the bearer token is not valid")]
    TokenInvalid,
    #[error(
        "SCIM provisioning is turned off for this company; an administrator must turn it on before requests are accepted"
    )]
    ScimDisabled,
    #[error("the directory database is unavailable; retry later")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] StoreError),
}

impl DirectoryError {
    /// Shorthand for a rejected field.
    pub fn invalid(field: &'static str, detail: impl Into<String>) -> Self {
        DirectoryError::Invalid {
            field,
            detail: detail.into(),
        }
    }

    /// The `ErrorInfo.reason` of this error.
    pub fn reason(&self) -> &'static str {
        match self {
            DirectoryError::TenantNotFound => reason::TENANT_NOT_FOUND,
            DirectoryError::EmployeeNotFound => reason::EMPLOYEE_NOT_FOUND,
            DirectoryError::EmployeeCodeTaken(_) => reason::EMPLOYEE_CODE_TAKEN,
            DirectoryError::UserNameTaken => reason::USER_NAME_TAKEN,
            DirectoryError::ExternalIdTaken => reason::EXTERNAL_ID_TAKEN,
            DirectoryError::NameTaken(_) => reason::NAME_TAKEN,
            DirectoryError::GroupNotFound => reason::GROUP_NOT_FOUND,
            DirectoryError::UnitNotFound(_) => reason::UNIT_NOT_FOUND,
            DirectoryError::TokenNotFound => reason::TOKEN_NOT_FOUND,
            DirectoryError::Precondition(_) => reason::PRECONDITION,
            DirectoryError::GroupNameTaken => reason::GROUP_NAME_TAKEN,
            DirectoryError::UnknownMember(_) => reason::UNKNOWN_MEMBER,
            DirectoryError::UnknownDesignation(_) | DirectoryError::RetiredDesignation(_) => {
                reason::UNKNOWN_DESIGNATION
            }
            DirectoryError::UnknownManager(_) => reason::UNKNOWN_MANAGER,
            DirectoryError::Invalid { .. } => reason::INVALID_FIELD,
            DirectoryError::InvalidFilter(_) => reason::INVALID_FILTER,
            DirectoryError::InvalidCursor => reason::INVALID_CURSOR,
            DirectoryError::ExpiredCursor => reason::EXPIRED_CURSOR,
            DirectoryError::VersionMismatch => reason::VERSION_MISMATCH,
            DirectoryError::TokenInvalid => reason::TOKEN_INVALID,
            DirectoryError::ScimDisabled => reason::SCIM_DISABLED,
            DirectoryError::Unavailable(_) => reason::STORE_UNAVAILABLE,
            DirectoryError::Internal(_) => "INTERNAL",
        }
    }

    fn code(&self) -> Code {
        match self {
            DirectoryError::TenantNotFound
            | DirectoryError::EmployeeNotFound
            | DirectoryError::GroupNotFound
            | DirectoryError::UnitNotFound(_)
            | DirectoryError::TokenNotFound => Code::NotFound,
            DirectoryError::EmployeeCodeTaken(_)
            | DirectoryError::UserNameTaken
            | DirectoryError::ExternalIdTaken
            | DirectoryError::NameTaken(_)
            | DirectoryError::GroupNameTaken => Code::AlreadyExists,
            DirectoryError::UnknownDesignation(_)
            | DirectoryError::RetiredDesignation(_)
            | DirectoryError::UnknownMember(_)
            | DirectoryError::UnknownManager(_)
            | DirectoryError::Invalid { .. }
            | DirectoryError::InvalidFilter(_)
            | DirectoryError::InvalidCursor
            | DirectoryError::ExpiredCursor => Code::InvalidArgument,
            DirectoryError::VersionMismatch | DirectoryError::Precondition(_) => {
                Code::FailedPrecondition
            }
            DirectoryError::TokenInvalid => Code::Unauthenticated,
            DirectoryError::ScimDisabled => Code::PermissionDenied,
            DirectoryError::Unavailable(_) => Code::Unavailable,
            DirectoryError::Internal(_) => Code::Internal,
        }
    }

    /// Whether this is the caller's mistake (logged quietly) rather than
    /// ours (logged as an error).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            DirectoryError::Unavailable(_) | DirectoryError::Internal(_)
        )
    }

    /// Extra machine-readable facts for the client, e.g. which field.
    fn metadata(&self) -> HashMap<String, String> {
        let mut metadata = HashMap::new();
        match self {
            DirectoryError::Invalid { field, .. } => {
                metadata.insert("field".to_owned(), (*field).to_owned());
            }
            DirectoryError::UnknownDesignation(title)
            | DirectoryError::RetiredDesignation(title) => {
                metadata.insert("title".to_owned(), title.clone());
            }
            DirectoryError::UnknownMember(id) => {
                metadata.insert("member".to_owned(), id.clone());
            }
            DirectoryError::EmployeeCodeTaken(code) => {
                metadata.insert("employee_code".to_owned(), code.clone());
            }
            _ => {}
        }
        metadata
    }
}

/// Classifies store failures that have no more specific meaning in context.
impl From<StoreError> for DirectoryError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => DirectoryError::EmployeeNotFound,
            StoreError::VersionMismatch => DirectoryError::VersionMismatch,
            StoreError::InvalidFilter(detail) => DirectoryError::InvalidFilter(detail),
            StoreError::InvalidCursor => DirectoryError::InvalidCursor,
            StoreError::Conflict(UniqueField::UserName) => DirectoryError::UserNameTaken,
            StoreError::Conflict(UniqueField::ExternalId) => DirectoryError::ExternalIdTaken,
            StoreError::Conflict(UniqueField::DepartmentName) => {
                DirectoryError::NameTaken("a department with this name".to_owned())
            }
            StoreError::Conflict(UniqueField::DesignationName) => {
                DirectoryError::NameTaken("a designation with this name".to_owned())
            }
            error @ (StoreError::Unavailable(_) | StoreError::Retryable(_)) => {
                DirectoryError::Unavailable(error)
            }
            other => DirectoryError::Internal(other),
        }
    }
}

/// Store failures of group calls: a missing row is the group.
pub(crate) fn group_error(error: StoreError) -> DirectoryError {
    match error {
        StoreError::NotFound => DirectoryError::GroupNotFound,
        StoreError::Conflict(UniqueField::GroupName) => DirectoryError::GroupNameTaken,
        StoreError::UnknownMember(id) => DirectoryError::UnknownMember(id),
        other => other.into(),
    }
}

/// Store failures of department and designation calls, named for the
/// list at hand.
pub(crate) fn unit_error(kind: UnitKind, error: StoreError) -> DirectoryError {
    match error {
        StoreError::NotFound => DirectoryError::UnitNotFound(what(kind)),
        StoreError::Conflict(UniqueField::DepartmentName | UniqueField::DesignationName) => {
            DirectoryError::NameTaken(format!("a {} with this name", what(kind)))
        }
        other => other.into(),
    }
}

/// "department" or "designation".
pub(crate) fn what(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Department => "department",
        UnitKind::Designation => "designation",
    }
}

/// Store failures of token calls: a missing row is the token.
pub(crate) fn token_error(error: StoreError) -> DirectoryError {
    match error {
        StoreError::NotFound => DirectoryError::TokenNotFound,
        other => other.into(),
    }
}

/// The one place a directory error becomes a gRPC status; it is logged here
/// too, once.
impl From<DirectoryError> for Status {
    fn from(error: DirectoryError) -> Self {
        if error.is_client_error() {
            tracing::debug!(error.reason = error.reason(), "request refused");
        } else {
            tracing::error!(error = ?error, error.reason = error.reason(), "request failed");
        }
        let mut details = ErrorDetails::new();
        details.set_error_info(error.reason(), ERROR_DOMAIN, error.metadata());
        Status::with_error_details(error.code(), error.to_string(), details)
    }
}

/// Store failures reaching an RPC without more specific meaning.
impl From<StoreError> for Status {
    fn from(error: StoreError) -> Self {
        DirectoryError::from(error).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_title_is_invalid_argument_naming_the_title() {
        let status = Status::from(DirectoryError::UnknownDesignation("Chief".to_owned()));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "Job Title 'Chief' does not exist in designations"
        );
        let info = status.get_details_error_info().unwrap();
        assert_eq!(info.reason, reason::UNKNOWN_DESIGNATION);
        assert_eq!(info.domain, ERROR_DOMAIN);
        assert_eq!(
            info.metadata.get("title").map(String::as_str),
            Some("Chief")
        );
    }

    #[test]
    fn taken_code_is_already_exists() {
        let status = Status::from(DirectoryError::EmployeeCodeTaken("E-1".to_owned()));
        assert_eq!(status.code(), Code::AlreadyExists);
    }

    #[test]
    fn internal_errors_hide_their_cause_from_the_client() {
        let status = Status::from(DirectoryError::Internal(StoreError::Corrupt("x".into())));
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }
}
