//! `/Groups`, answered only as far as Entra's probes need until group
//! provisioning exists: list queries return an empty ListResponse (after
//! checking the filter), reads by id return 404, writes return 501.
//!
//! # Limitations
//! Groups are not stored yet; Entra jobs that provision groups will see
//! 501 for group creates and updates.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::json;

use crate::AppState;
use crate::auth::Tenant;
use crate::error::ScimError;
use crate::filter::parse_filter;
use crate::json::ScimResponse;
use crate::query::ListParams;
use crate::schema::LIST_SCHEMA;

pub async fn list(
    State(_state): State<AppState>,
    _tenant: Tenant,
    Query(params): Query<ListParams>,
) -> Result<ScimResponse, ScimError> {
    let page = params.page()?;
    if let Some(filter) = params.filter_text() {
        parse_filter(filter).map_err(|error| ScimError::invalid_filter(error.to_string()))?;
    }
    Ok(ScimResponse::ok(json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": 0,
        "startIndex": page.start_index,
        "itemsPerPage": 0,
        "Resources": [],
    })))
}

pub async fn get(State(_state): State<AppState>, _tenant: Tenant) -> ScimError {
    ScimError::not_found("group not found")
}

pub async fn unsupported(State(_state): State<AppState>, _tenant: Tenant) -> ScimError {
    ScimError::new(
        StatusCode::NOT_IMPLEMENTED,
        None,
        "group provisioning is not available yet; provision users only",
    )
}
