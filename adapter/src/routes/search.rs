//! `POST /.search`: one query over Users and Groups (RFC 7644 §3.4.3).
//!
//! The filter is applied to each resource type on its own. A filter naming
//! an attribute one type does not have matches nothing of that type (a
//! `userName` filter finds only Users); a filter neither type understands
//! is 400 `invalidFilter`. `sortBy` orders each type it applies to; the
//! other keeps creation order. Results list the Users, then the Groups,
//! and `startIndex`/`count` page over that concatenation, counted in the
//! database: the Users page is read at the requested offset, and the
//! Groups page starts where the Users ran out.

use axum::extract::State;
use axum::response::Response;
use hrms_api::v1::{EmployeeField, GroupField, ListEmployeesRequest, ListGroupsRequest};

use crate::auth::Tenant;
use crate::error::ScimError;
use crate::json::ScimJson;
use crate::query::{Projection, group_filter, group_sort, search_params};
use crate::routes::{groups, users};
use crate::user::to_scim;
use crate::{AppState, BaseUrl};

#[tracing::instrument(name = "scim.search_everywhere", skip_all, fields(tenant.id = %tenant.id))]
pub async fn search(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: Result<ScimJson, ScimError>,
) -> Result<Response, ScimError> {
    let ScimJson(body) = body?;
    let params = search_params(&body)?;
    let page = params.page()?;
    if page.cursor.is_some() {
        return Err(ScimError::invalid_value(
            "cursor paging is offered on /Users and /Groups, not across resource types; use startIndex here",
        ));
    }
    let text = params.filter_text();

    // `None`: the filter cannot match this type.
    let (users_filter, groups_filter) = match (
        users::users_filter(text, &tenant),
        text.map(group_filter).transpose(),
    ) {
        (Err(error), Err(_)) => return Err(error),
        (users, groups) => (users.ok(), groups.ok()),
    };
    let (users_sort, groups_sort) = match (users::users_sort(&params, &tenant), group_sort(&params))
    {
        (Err(error), Err(_)) => return Err(error),
        (users, groups) => (
            users.unwrap_or((EmployeeField::Unspecified, false)),
            groups.unwrap_or((GroupField::Unspecified, false)),
        ),
    };

    let offset = page.start_index - 1;
    let count = page.count;
    let (employees, users_total) = match users_filter {
        Some(filter) => {
            let request = ListEmployeesRequest {
                tenant_id: tenant.id.clone(),
                filter,
                offset,
                limit: i32::try_from(count).unwrap_or(i32::MAX),
                sort_by: users_sort.0 as i32,
                descending: users_sort.1,
                ..ListEmployeesRequest::default()
            };
            let response = state
                .directory
                .employees
                .clone()
                .list_employees(request)
                .await?
                .into_inner();
            (response.employees, response.total_count)
        }
        None => (Vec::new(), 0),
    };
    let remaining = count.saturating_sub(i64::try_from(employees.len()).unwrap_or(i64::MAX));
    let (groups, groups_total) = match groups_filter {
        Some(filter) => {
            let request = ListGroupsRequest {
                tenant_id: tenant.id.clone(),
                filter,
                offset: offset.saturating_sub(users_total).max(0),
                limit: i32::try_from(remaining).unwrap_or(i32::MAX),
                sort_by: groups_sort.0 as i32,
                descending: groups_sort.1,
                ..ListGroupsRequest::default()
            };
            let response = state
                .directory
                .groups
                .clone()
                .list_groups(request)
                .await?
                .into_inner();
            (response.groups, response.total_count)
        }
        None => (Vec::new(), 0),
    };

    let projection = Projection::new(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    );
    let rendered: Vec<String> = employees
        .iter()
        .map(|employee| {
            projection
                .apply(to_scim(employee, &base.0, &tenant))
                .to_string()
        })
        .collect();
    let head = page.list_head(
        users_total + groups_total,
        rendered.len() + groups.len(),
        "",
    );
    Ok(groups::stream_list(
        &state,
        &tenant,
        &base,
        &projection,
        head,
        rendered,
        groups,
    ))
}
