//! Query-string and path extractors whose rejections are SCIM errors, not
//! the framework's plain-text ones.

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ScimError;

/// `Query<T>` answering a malformed query string (a repeated parameter,
/// say) with 400 `invalidValue`.
#[derive(Debug)]
pub struct ScimQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ScimQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ScimError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ScimQuery(value))
            .map_err(|_| {
                ScimError::invalid_value(
                    "the query string is malformed (each parameter may appear once)",
                )
            })
    }
}

/// The `{id}` of a resource path; an id that is not valid UTF-8 names no
/// resource, so it is a 404.
#[derive(Debug)]
pub struct ResourceId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ResourceId {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ScimError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| ResourceId(id))
            .map_err(|_| ScimError::not_found("no resource has this id"))
    }
}
