//! Bearer-token authentication: every SCIM request names its tenant by its
//! token, which the directory resolves (and refuses when SCIM is off).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use hrms_api::v1::AuthenticateScimTokenRequest;

use crate::AppState;
use crate::error::ScimError;

/// The tenant a request's token belongs to.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    /// Whether SCIM may set Date of Joining; otherwise it is read-only.
    pub date_of_joining_from_scim: bool,
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ScimError> {
        let token = bearer_token(parts)?;
        let mut tenants = state.directory.tenants.clone();
        let response = tenants
            .authenticate_scim_token(AuthenticateScimTokenRequest { token })
            .await
            .map_err(ScimError::from)?
            .into_inner();
        tracing::Span::current().record("tenant.id", response.tenant_id.as_str());
        if let Some(slot) = parts.extensions.get::<crate::metrics::TenantSlot>() {
            slot.set(&response.tenant_id);
        }
        Ok(Tenant {
            id: response.tenant_id,
            date_of_joining_from_scim: response.date_of_joining_from_scim,
        })
    }
}

/// For public endpoints that say more to an authenticated caller (the
/// tenant's own designations in /Schemas): the tenant when the request
/// carries a valid token, None otherwise, never a rejection.
impl axum::extract::OptionalFromRequestParts<AppState> for Tenant {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(None);
        }
        Ok(
            <Tenant as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await
                .ok(),
        )
    }
}

fn bearer_token(parts: &Parts) -> Result<String, ScimError> {
    let missing = || {
        ScimError::unauthorized(
            "send the company's SCIM bearer token in an Authorization: Bearer header",
        )
    };
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(authorization: Option<&str>) -> Parts {
        let mut builder = Request::builder();
        if let Some(value) = authorization {
            builder = builder.header(header::AUTHORIZATION, value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn bearer_scheme_is_matched_ignoring_case() {
        assert_eq!(bearer_token(&parts(Some("bearer abc"))).unwrap(), "abc");
        assert_eq!(bearer_token(&parts(Some("Bearer  abc "))).unwrap(), "abc");
    }

    #[test]
    fn missing_or_other_schemes_are_unauthorized() {
        for value in [None, Some("Basic abc"), Some("Bearer"), Some("Bearer ")] {
            let error = bearer_token(&parts(value)).unwrap_err();
            assert_eq!(error.status, axum::http::StatusCode::UNAUTHORIZED);
        }
    }
}
