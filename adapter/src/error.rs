//! SCIM errors: the adapter's one error type, its SCIM Error body, and the
//! one mapping from the directory's gRPC statuses (DESIGN.md, "Errors
//! across the boundary").

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hrms_api::reason;
use serde_json::json;
use tonic::Code;
use tonic_types::StatusExt;

use crate::json::SCIM_CONTENT_TYPE;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// How long a client is asked to wait after a 429 or 503.
const RETRY_AFTER_SECS: &str = "5";

/// A SCIM error response: status, optional `scimType`, and a detail a
/// tenant admin can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidValue"), detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidSyntax"), detail)
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidFilter"), detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidPath"), detail)
    }

    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("noTarget"), detail)
    }

    pub fn invalid_cursor(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidCursor"), detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("mutability"), detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, None, detail)
    }

    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            None,
            "the resource has changed since the version named in If-Match; read it again",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "an internal error occurred; it has been logged",
        )
    }

    /// The SCIM Error body.
    pub fn body(&self) -> serde_json::Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_str(),
            "detail": self.detail,
        });
        if let (Some(scim_type), Some(object)) = (self.scim_type, body.as_object_mut()) {
            object.insert("scimType".to_owned(), json!(scim_type));
        }
        body
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(http.status = self.status.as_u16(), "request failed");
        } else {
            tracing::debug!(
                http.status = self.status.as_u16(),
                scim.type = self.scim_type.unwrap_or(""),
                "request refused"
            );
        }
        let mut response = (self.status, axum::Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(SCIM_CONTENT_TYPE),
        );
        if matches!(
            self.status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        ) {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECS),
            );
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The one mapping from a directory status to a SCIM error.
impl From<tonic::Status> for ScimError {
    fn from(status: tonic::Status) -> Self {
        let reason = status
            .get_details_error_info()
            .map(|info| info.reason)
            .unwrap_or_default();
        let detail = status.message().to_owned();
        match status.code() {
            Code::AlreadyExists => Self::new(StatusCode::CONFLICT, Some("uniqueness"), detail),
            Code::InvalidArgument => {
                let scim_type = match reason.as_str() {
                    reason::INVALID_FILTER => "invalidFilter",
                    reason::INVALID_CURSOR => "invalidCursor",
                    reason::EXPIRED_CURSOR => "expiredCursor",
                    _ => "invalidValue",
                };
                Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
            }
            Code::NotFound => Self::new(StatusCode::NOT_FOUND, None, detail),
            Code::FailedPrecondition => Self::new(StatusCode::PRECONDITION_FAILED, None, detail),
            Code::Unauthenticated => Self::new(StatusCode::UNAUTHORIZED, None, detail),
            Code::PermissionDenied => Self::new(StatusCode::FORBIDDEN, None, detail),
            Code::ResourceExhausted => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                None,
                "too many requests; retry after the interval in Retry-After",
            ),
            Code::Unavailable | Code::DeadlineExceeded => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                "the directory is temporarily unavailable; retry later",
            ),
            code => {
                tracing::error!(grpc.code = ?code, "directory call failed");
                Self::internal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hrms_api::ERROR_DOMAIN;
    use std::collections::HashMap;
    use tonic_types::ErrorDetails;

    fn status(code: Code, reason: &str, message: &str) -> tonic::Status {
        let mut details = ErrorDetails::new();
        details.set_error_info(reason, ERROR_DOMAIN, HashMap::new());
        tonic::Status::with_error_details(code, message, details)
    }

    #[test]
    fn taken_employee_code_maps_to_409_uniqueness() {
        let error = ScimError::from(status(
            Code::AlreadyExists,
            reason::EMPLOYEE_CODE_TAKEN,
            "x",
        ));
        assert_eq!(error.status, StatusCode::CONFLICT);
        assert_eq!(error.scim_type, Some("uniqueness"));
    }

    #[test]
    fn unknown_designation_maps_to_400_invalid_value_with_the_directory_detail() {
        let message = "Job Title 'Chief' does not exist in designations";
        let error = ScimError::from(status(
            Code::InvalidArgument,
            reason::UNKNOWN_DESIGNATION,
            message,
        ));
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.scim_type, Some("invalidValue"));
        assert_eq!(error.detail, message);
    }

    #[test]
    fn invalid_filter_reason_maps_to_invalid_filter() {
        let error = ScimError::from(status(Code::InvalidArgument, reason::INVALID_FILTER, "x"));
        assert_eq!(error.scim_type, Some("invalidFilter"));
    }

    #[test]
    fn cursor_reasons_map_to_the_rfc_9865_scim_types() {
        let invalid = ScimError::from(status(Code::InvalidArgument, reason::INVALID_CURSOR, "x"));
        let expired = ScimError::from(status(Code::InvalidArgument, reason::EXPIRED_CURSOR, "x"));
        assert_eq!(invalid.scim_type, Some("invalidCursor"));
        assert_eq!(expired.scim_type, Some("expiredCursor"));
        assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn statuses_map_per_the_design_table() {
        let cases = [
            (Code::NotFound, StatusCode::NOT_FOUND),
            (Code::FailedPrecondition, StatusCode::PRECONDITION_FAILED),
            (Code::Unauthenticated, StatusCode::UNAUTHORIZED),
            (Code::PermissionDenied, StatusCode::FORBIDDEN),
            (Code::ResourceExhausted, StatusCode::TOO_MANY_REQUESTS),
            (Code::Unavailable, StatusCode::SERVICE_UNAVAILABLE),
            (Code::DeadlineExceeded, StatusCode::SERVICE_UNAVAILABLE),
            (Code::Internal, StatusCode::INTERNAL_SERVER_ERROR),
            (Code::Unknown, StatusCode::INTERNAL_SERVER_ERROR),
        ];
        for (code, expected) in cases {
            assert_eq!(
                ScimError::from(status(code, "", "m")).status,
                expected,
                "{code:?}"
            );
        }
    }

    #[test]
    fn internal_errors_do_not_leak_the_directory_message() {
        let error = ScimError::from(status(Code::Internal, "", "sqlite: disk I/O error at /x"));
        assert!(!error.detail.contains("sqlite"));
    }

    #[test]
    fn error_body_has_status_as_a_string() {
        let body = ScimError::invalid_filter("bad").body();
        assert_eq!(body["status"], "400");
        assert_eq!(body["scimType"], "invalidFilter");
        assert_eq!(body["schemas"][0], ERROR_SCHEMA);
    }
}
