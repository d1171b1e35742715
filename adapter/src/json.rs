//! SCIM JSON in and out: reading a request body (content type, size,
//! syntax) and writing `application/scim+json` responses.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::ScimError;

pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// Largest request body accepted, in bytes (advertised as the bulk
/// `maxPayloadSize` too).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A request body parsed as a JSON object.
#[derive(Debug)]
pub struct ScimJson(pub serde_json::Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for ScimJson {
    type Rejection = ScimError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        check_content_type(request.headers())?;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ScimError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        None,
                        format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
                    )
                } else {
                    ScimError::invalid_syntax("the request body could not be read")
                }
            })?;
        parse_object(&bytes).map(ScimJson)
    }
}

/// Accepts SCIM's and plain JSON media types, and a missing header.
fn check_content_type(headers: &HeaderMap) -> Result<(), ScimError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media == SCIM_CONTENT_TYPE || media == "application/json" || media.ends_with("+json") {
        Ok(())
    } else {
        Err(ScimError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("invalidSyntax"),
            "send the body as application/scim+json or application/json",
        ))
    }
}

/// Parses a JSON object, naming the line and column of a syntax error.
pub fn parse_object(bytes: &[u8]) -> Result<serde_json::Map<String, Value>, ScimError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ScimError::invalid_syntax(
            "the request body must be a JSON object",
        )),
        Err(error) => Err(ScimError::invalid_syntax(format!(
            "the request body is not valid JSON (line {}, column {})",
            error.line(),
            error.column()
        ))),
    }
}

/// A SCIM JSON response with a status and optional extra headers.
pub struct ScimResponse {
    pub status: StatusCode,
    pub body: Value,
    pub location: Option<String>,
    pub etag: Option<String>,
}

impl ScimResponse {
    pub fn ok(body: Value) -> Self {
        ScimResponse {
            status: StatusCode::OK,
            body,
            location: None,
            etag: None,
        }
    }
}

impl IntoResponse for ScimResponse {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(SCIM_CONTENT_TYPE),
        );
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, location);
        }
        if let Some(etag) = self.etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
            headers.insert(header::ETAG, etag);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_json_is_invalid_syntax_not_a_panic() {
        let error = parse_object(br#"{"userName":"#).unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.scim_type, Some("invalidSyntax"));
    }

    #[test]
    fn arrays_are_not_resources() {
        assert!(parse_object(b"[]").is_err());
    }

    #[test]
    fn deeply_nested_json_is_refused_without_overflow() {
        let deep = "[".repeat(100_000);
        assert!(parse_object(deep.as_bytes()).is_err());
    }

    #[test]
    fn scim_and_plain_json_content_types_are_accepted() {
        let mut headers = HeaderMap::new();
        for accepted in ["application/scim+json; charset=utf-8", "application/json"] {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(accepted));
            assert!(check_content_type(&headers).is_ok());
        }
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(check_content_type(&headers).is_err());
    }
}
