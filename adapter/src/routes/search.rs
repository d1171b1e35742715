//! `POST /.search`: one query over Users and Groups (RFC 7644 §3.4.3).
//!
//! The filter is applied to each resource type on its own. A comparison on
//! an attribute one type does not have is false for that type (so
//! `userName eq "x" or displayName eq "y"` finds the user and the group,
//! and `not (emails pr)` every group); a filter neither type understands
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
use crate::query::{Projection, group_sort, root_filters, search_params};
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

    let (users_filter, groups_filter) = match text {
        Some(text) => {
            let (users, groups) = root_filters(text)?;
            (Some(users), Some(groups))
        }
        None => (None, None),
    };
    users::check_offered_filter(users_filter.as_ref(), &tenant)?;
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
    let request = ListEmployeesRequest {
        tenant_id: tenant.id.clone(),
        filter: users_filter,
        offset,
        limit: i32::try_from(count).unwrap_or(i32::MAX),
        sort_by: users_sort.0 as i32,
        descending: users_sort.1,
        ..ListEmployeesRequest::default()
    };
    let users = state
        .directory
        .employees
        .clone()
        .list_employees(request)
        .await?
        .into_inner();
    let remaining = count.saturating_sub(i64::try_from(users.employees.len()).unwrap_or(i64::MAX));
    let request = ListGroupsRequest {
        tenant_id: tenant.id.clone(),
        filter: groups_filter,
        // The Groups page starts where the Users ran out.
        offset: offset.saturating_sub(users.total_count).max(0),
        limit: i32::try_from(remaining).unwrap_or(i32::MAX),
        sort_by: groups_sort.0 as i32,
        descending: groups_sort.1,
        ..ListGroupsRequest::default()
    };
    let groups = state
        .directory
        .groups
        .clone()
        .list_groups(request)
        .await?
        .into_inner();

    let projection = Projection::new(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    );
    let rendered: Vec<String> = users
        .employees
        .iter()
        .map(|employee| {
            projection
                .apply(to_scim(employee, &base.0, &tenant))
                .to_string()
        })
        .collect();
    let head = page.list_head(
        users.total_count + groups.total_count,
        rendered.len() + groups.groups.len(),
        "",
    );
    Ok(groups::stream_list(
        &state,
        &tenant,
        &base,
        &projection,
        head,
        rendered,
        groups.groups,
    ))
}
