//! `/Groups`: named sets of employees.
//!
//! Members are never held in memory all at once: a response that includes
//! them is streamed, one page of members (1000) read from the directory at
//! a time, so a GET of a group of any size uses constant memory. If the
//! directory fails half-way through, the stream is cut off (the client sees
//! a truncated body and retries); the status line has already been sent.
//! `excludedAttributes=members` (what Entra always sends) reads no member
//! rows at all.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hrms_api::v1::{
    CreateGroupRequest, DeleteGroupRequest, GetGroupRequest, Group, GroupChange,
    ListGroupMembersRequest, ListGroupsRequest, MemberIds, ModifyGroupRequest, group_change,
};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::auth::Tenant;
use crate::error::ScimError;
use crate::extract::{ResourceId, ScimQuery};
use crate::group::{from_scim, member_json, patch_changes, to_scim};
use crate::json::{SCIM_CONTENT_TYPE, ScimJson};
use crate::query::{ListParams, Projection, ReadParams, group_filter, group_sort, search_params};
use crate::routes::{Subject, logged};
use crate::{AppState, BaseUrl, etag, patch};

/// Members read from the directory per call while streaming.
const MEMBER_PAGE: i32 = 1000;
/// Chunks buffered between the reader task and the response body.
const STREAM_BUFFER: usize = 8;

#[tracing::instrument(name = "scim.list_groups", skip_all, fields(tenant.id = %tenant.id))]
pub async fn list(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    ScimQuery(params): ScimQuery<ListParams>,
) -> Result<Response, ScimError> {
    let page = params.page()?;
    let filter = params.filter_text().map(group_filter).transpose()?;
    let (sort_by, descending) = group_sort(&params)?;
    let request = ListGroupsRequest {
        sort_by: sort_by as i32,
        descending,
        tenant_id: tenant.id.clone(),
        filter,
        offset: page.start_index - 1,
        limit: i32::try_from(page.count).unwrap_or(i32::MAX),
        use_cursor: page.cursor.is_some(),
        cursor: page.cursor.clone().unwrap_or_default(),
    };
    let response = state
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
    let head = page.list_head(
        response.total_count,
        response.groups.len(),
        &response.next_cursor,
    );
    Ok(stream_groups(
        &state,
        &tenant,
        &base,
        &projection,
        Wrapper::List(head, Vec::new()),
        response.groups,
    ))
}

/// A ListResponse with `head`, whose `Resources` are `before` (resources
/// of other types, already rendered) and then `groups`, streamed.
pub(crate) fn stream_list(
    state: &AppState,
    tenant: &Tenant,
    base: &BaseUrl,
    projection: &Projection,
    head: Value,
    before: Vec<String>,
    groups: Vec<Group>,
) -> Response {
    stream_groups(
        state,
        tenant,
        base,
        projection,
        Wrapper::List(head, before),
        groups,
    )
}

/// `POST /Groups/.search`: a list query in the body.
pub async fn search(
    state: State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: Result<ScimJson, ScimError>,
) -> Result<Response, ScimError> {
    let ScimJson(body) = body?;
    let params = search_params(&body)?;
    list(state, tenant, base, ScimQuery(params)).await
}

#[tracing::instrument(name = "scim.get_group", skip_all, fields(tenant.id = %tenant.id, group.id = %id))]
pub async fn get(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    ResourceId(id): ResourceId,
    ScimQuery(params): ScimQuery<ReadParams>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let group = fetch(&state, &tenant, &id).await?;
    if let Some(not_modified) = etag::not_modified(&headers, group.version) {
        return Ok(not_modified);
    }
    let projection = Projection::new(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    );
    Ok(single(
        &state,
        &tenant,
        &base,
        &projection,
        StatusCode::OK,
        group,
    ))
}

#[tracing::instrument(name = "scim.create_group", skip_all, fields(tenant.id = %tenant.id))]
pub async fn create(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    body: Result<ScimJson, ScimError>,
) -> Result<Response, ScimError> {
    let input = logged(
        &state,
        &tenant,
        "create",
        Subject::Group(""),
        body.and_then(|ScimJson(body)| from_scim(&body)),
    )
    .await?;
    let request = CreateGroupRequest {
        tenant_id: tenant.id.clone(),
        display_name: input.display_name,
        external_id: input.external_id,
        member_ids: input.member_ids,
    };
    let group = state
        .directory
        .groups
        .clone()
        .create_group(request)
        .await?
        .into_inner();
    let location = format!("{}/Groups/{}", base.0, group.id);
    let mut response = single(
        &state,
        &tenant,
        &base,
        &Projection::default(),
        StatusCode::CREATED,
        group,
    );
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// PUT: name, externalId and the whole member list, in one transaction.
#[tracing::instrument(name = "scim.replace_group", skip_all, fields(tenant.id = %tenant.id, group.id = %id))]
pub async fn replace(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
    body: Result<ScimJson, ScimError>,
) -> Result<Response, ScimError> {
    let input = logged(
        &state,
        &tenant,
        "update",
        Subject::Group(&id),
        body.and_then(|ScimJson(body)| from_scim(&body)),
    )
    .await?;
    let changes = [
        group_change::Kind::Rename(input.display_name),
        group_change::Kind::SetExternalId(input.external_id),
        group_change::Kind::ReplaceMembers(MemberIds {
            ids: input.member_ids,
        }),
    ]
    .into_iter()
    .map(|kind| GroupChange { kind: Some(kind) })
    .collect();
    let expected = group_version(&state, &tenant, &id, &headers).await?;
    let group = modify(&state, &tenant, &id, changes, expected).await?;
    Ok(single(
        &state,
        &tenant,
        &base,
        &Projection::default(),
        StatusCode::OK,
        group,
    ))
}

/// PATCH: answers 204 (as Entra asks) unless the request names
/// `attributes` or `excludedAttributes`, then 200 with the group.
#[tracing::instrument(name = "scim.patch_group", skip_all, fields(tenant.id = %tenant.id, group.id = %id))]
pub async fn patch(
    State(state): State<AppState>,
    tenant: Tenant,
    base: BaseUrl,
    ResourceId(id): ResourceId,
    ScimQuery(params): ScimQuery<ReadParams>,
    headers: HeaderMap,
    body: Result<ScimJson, ScimError>,
) -> Result<Response, ScimError> {
    let changes = logged(
        &state,
        &tenant,
        "update",
        Subject::Group(&id),
        body.and_then(|ScimJson(body)| {
            patch::parse_operations(&body).and_then(|operations| patch_changes(&operations))
        }),
    )
    .await?;
    let expected = group_version(&state, &tenant, &id, &headers).await?;
    let group = modify(&state, &tenant, &id, changes, expected).await?;
    if params.attributes.is_none() && params.excluded_attributes.is_none() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let projection = Projection::new(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    );
    Ok(single(
        &state,
        &tenant,
        &base,
        &projection,
        StatusCode::OK,
        group,
    ))
}

#[tracing::instrument(name = "scim.delete_group", skip_all, fields(tenant.id = %tenant.id, group.id = %id))]
pub async fn delete(
    State(state): State<AppState>,
    tenant: Tenant,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let expected_version = group_version(&state, &tenant, &id, &headers).await?;
    let request = DeleteGroupRequest {
        tenant_id: tenant.id,
        id,
        expected_version,
    };
    state.directory.groups.clone().delete_group(request).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn fetch(state: &AppState, tenant: &Tenant, id: &str) -> Result<Group, ScimError> {
    let request = GetGroupRequest {
        tenant_id: tenant.id.clone(),
        id: id.to_owned(),
    };
    Ok(state
        .directory
        .groups
        .clone()
        .get_group(request)
        .await?
        .into_inner())
}

/// The version an `If-Match` header conditions a group write on.
async fn group_version(
    state: &AppState,
    tenant: &Tenant,
    id: &str,
    headers: &HeaderMap,
) -> Result<Option<i64>, ScimError> {
    etag::expected_version(headers, async {
        Ok(fetch(state, tenant, id).await?.version)
    })
    .await
}

async fn modify(
    state: &AppState,
    tenant: &Tenant,
    id: &str,
    changes: Vec<GroupChange>,
    expected_version: Option<i64>,
) -> Result<Group, ScimError> {
    let request = ModifyGroupRequest {
        tenant_id: tenant.id.clone(),
        id: id.to_owned(),
        changes,
        expected_version,
    };
    Ok(state
        .directory
        .groups
        .clone()
        .modify_group(request)
        .await?
        .into_inner())
}

/// One group as a (possibly streamed) response with its ETag.
fn single(
    state: &AppState,
    tenant: &Tenant,
    base: &BaseUrl,
    projection: &Projection,
    status: StatusCode,
    group: Group,
) -> Response {
    let version = etag::tag(group.version);
    let mut response = stream_groups(
        state,
        tenant,
        base,
        projection,
        Wrapper::Single,
        vec![group],
    );
    *response.status_mut() = status;
    if let Ok(version) = HeaderValue::from_str(&version) {
        response.headers_mut().insert(header::ETAG, version);
    }
    response
}

/// What surrounds the groups in the body.
enum Wrapper {
    /// The group object alone.
    Single,
    /// A ListResponse with this head; `Resources` holds the rendered
    /// resources given, then the groups.
    List(Value, Vec<String>),
}

/// Writes groups as JSON, streaming each one's members after its other
/// attributes when the projection asks for members.
fn stream_groups(
    state: &AppState,
    tenant: &Tenant,
    base: &BaseUrl,
    projection: &Projection,
    wrapper: Wrapper,
    groups: Vec<Group>,
) -> Response {
    let with_members = !projection.excludes("members") && projection.includes("members");
    let member_fields = MemberFields::of(projection);
    let rendered: Vec<(String, Group)> = groups
        .into_iter()
        .map(|group| {
            (
                projection.apply(to_scim(&group, &base.0)).to_string(),
                group,
            )
        })
        .collect();
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(STREAM_BUFFER);
    let writer = GroupWriter {
        member_fields,
        state: state.clone(),
        tenant_id: tenant.id.clone(),
        base: base.0.clone(),
        sender,
    };
    tokio::spawn(writer.write(wrapper, rendered, with_members));
    let mut response = Body::from_stream(ReceiverStream::new(receiver)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(SCIM_CONTENT_TYPE),
    );
    response
}

/// Which sub-attributes of each member a projection keeps
/// (`attributes=members.value`, `excludedAttributes=members.value`).
/// `display` is `returned: request`: a member's display name is sent only
/// when `attributes` names `members.display`.
struct MemberFields {
    projection: Projection,
    display: bool,
}

impl MemberFields {
    fn of(projection: &Projection) -> Self {
        let projection = projection.nested("members");
        MemberFields {
            display: projection.requests("display"),
            projection,
        }
    }

    fn apply(&self, member: Value) -> Value {
        let mut member = self.projection.apply_plain(member);
        if !self.display
            && let Value::Object(object) = &mut member
        {
            object.remove("display");
        }
        member
    }
}

/// The task that feeds a streamed response.
struct GroupWriter {
    member_fields: MemberFields,
    state: AppState,
    tenant_id: String,
    base: String,
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

/// The client went away, or the directory failed mid-stream.
struct Stop;

impl GroupWriter {
    async fn write(self, wrapper: Wrapper, groups: Vec<(String, Group)>, with_members: bool) {
        let _ = self.write_all(wrapper, groups, with_members).await;
    }

    async fn write_all(
        &self,
        wrapper: Wrapper,
        groups: Vec<(String, Group)>,
        with_members: bool,
    ) -> Result<(), Stop> {
        let list = matches!(wrapper, Wrapper::List(..));
        let mut before_count = 0;
        if let Wrapper::List(head, before) = &wrapper {
            let head = head.to_string();
            // `{"a":1}` → `{"a":1,"Resources":[`
            let open = head.strip_suffix('}').unwrap_or(&head);
            self.send(format!("{open},\"Resources\":[{}", before.join(",")))
                .await?;
            before_count = before.len();
        }
        for (index, (json, group)) in groups.iter().enumerate() {
            if list && index + before_count > 0 {
                self.send(",".to_owned()).await?;
            }
            if with_members && group.member_count > 0 {
                let open = json.strip_suffix('}').unwrap_or(json);
                self.send(format!("{open},\"members\":[")).await?;
                self.write_members(&group.id).await?;
                self.send("]}".to_owned()).await?;
            } else {
                self.send(json.clone()).await?;
            }
        }
        if list {
            self.send("]}".to_owned()).await?;
        }
        Ok(())
    }

    async fn write_members(&self, group_id: &str) -> Result<(), Stop> {
        let mut after = String::new();
        let mut first = true;
        loop {
            let request = ListGroupMembersRequest {
                tenant_id: self.tenant_id.clone(),
                group_id: group_id.to_owned(),
                after_employee_id: after.clone(),
                limit: MEMBER_PAGE,
            };
            let page = match self
                .state
                .directory
                .groups
                .clone()
                .list_group_members(request)
                .await
            {
                Ok(page) => page.into_inner(),
                // Deleted while being read: it had the members sent so far.
                Err(status) if status.code() == tonic::Code::NotFound => return Ok(()),
                Err(status) => {
                    tracing::warn!(grpc.code = ?status.code(), group.id = %group_id, "member stream cut off");
                    let _ = self
                        .sender
                        .send(Err(std::io::Error::other("directory failed mid-stream")))
                        .await;
                    return Err(Stop);
                }
            };
            let mut chunk = String::new();
            for member in &page.members {
                if !first {
                    chunk.push(',');
                }
                first = false;
                let json = member_json(&member.employee_id, &member.display, &self.base);
                chunk.push_str(&self.member_fields.apply(json).to_string());
            }
            self.send(chunk).await?;
            if page.next_after.is_empty() {
                return Ok(());
            }
            after = page.next_after;
        }
    }

    async fn send(&self, text: String) -> Result<(), Stop> {
        self.sender
            .send(Ok(Bytes::from(text)))
            .await
            .map_err(|_| Stop)
    }
}
