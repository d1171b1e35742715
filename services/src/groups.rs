//! The group RPCs: named sets of employees of one tenant that other HRMS
//! modules read and Entra provisions.
//!
//! Members must be live employees of the same tenant; an unknown or foreign
//! id fails the whole request (UNKNOWN_MEMBER, naming it). Removing an id
//! that is not a member is a no-op, so retried removals succeed.

use hrms_api::v1::group_service_server::GroupService;
use hrms_api::v1::{
    CreateGroupRequest, DeleteGroupRequest, DeleteGroupResponse, GetGroupRequest, Group,
    GroupMember, GroupMembersRequest, IsGroupMemberRequest, IsGroupMemberResponse,
    ListGroupMembersRequest, ListGroupMembersResponse, ListGroupsRequest, ListGroupsResponse,
    ModifyGroupRequest, RenameGroupRequest, group_change,
};
use tonic::{Request, Response, Status};

use crate::cursor::CursorScope;
use crate::employees::{Subject, check_text};
use crate::error::{DirectoryError, group_error};
use crate::store::{GroupChange, GroupRecord, parse_timestamp};
use crate::{Directory, name_key};

/// Most member ids accepted in one request.
const MAX_MEMBERS_PER_REQUEST: usize = 10_000;
/// Default and largest page of members.
const DEFAULT_MEMBER_PAGE: i32 = 1000;
const MAX_MEMBER_PAGE: i32 = 5000;
const MAX_GROUP_PAGE: i32 = 1000;

#[tonic::async_trait]
impl GroupService for Directory {
    #[tracing::instrument(name = "directory.create_group", skip_all, fields(tenant.id = %request.get_ref().tenant_id))]
    async fn create_group(
        &self,
        request: Request<CreateGroupRequest>,
    ) -> Result<Response<Group>, Status> {
        let request = request.into_inner();
        let created = self.create_group_record(&request).await;
        let group = self
            .logged(&request.tenant_id, "create", None, created)
            .await?;
        Ok(Response::new(group))
    }

    async fn get_group(
        &self,
        request: Request<GetGroupRequest>,
    ) -> Result<Response<Group>, Status> {
        let request = request.into_inner();
        let record = self
            .store
            .get_group(&request.tenant_id, &request.id)
            .await
            .map_err(group_error)?;
        Ok(Response::new(to_group(record)?))
    }

    async fn list_groups(
        &self,
        request: Request<ListGroupsRequest>,
    ) -> Result<Response<ListGroupsResponse>, Status> {
        let request = request.into_inner();
        let limit = i64::from(request.limit.clamp(0, MAX_GROUP_PAGE));
        let scope = CursorScope::of_listing(
            &request.tenant_id,
            "groups",
            request.filter.as_ref(),
            request.sort_by,
            request.descending,
        );
        let start = self
            .page_start(&scope, request.use_cursor, &request.cursor, request.offset)
            .await?;
        let listing = self
            .store
            .list_groups(
                &request.tenant_id,
                request.filter.as_ref(),
                (request.sort_by(), request.descending),
                start.as_page(),
                limit,
            )
            .await
            .map_err(group_error)?;
        let next_cursor = self.next_cursor(&scope, listing.next).await?;
        let groups = listing
            .rows
            .into_iter()
            .map(to_group)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Response::new(ListGroupsResponse {
            groups,
            total_count: listing.total,
            next_cursor,
        }))
    }

    async fn list_group_members(
        &self,
        request: Request<ListGroupMembersRequest>,
    ) -> Result<Response<ListGroupMembersResponse>, Status> {
        let request = request.into_inner();
        // Confirms the group is the tenant's before reading members.
        self.store
            .get_group(&request.tenant_id, &request.group_id)
            .await
            .map_err(group_error)?;
        let limit = match request.limit {
            0 => DEFAULT_MEMBER_PAGE,
            n => n.clamp(1, MAX_MEMBER_PAGE),
        };
        let members = self
            .store
            .list_members(
                &request.tenant_id,
                &request.group_id,
                &request.after_employee_id,
                i64::from(limit),
            )
            .await
            .map_err(group_error)?;
        let next_after = if members.len() == usize::try_from(limit).unwrap_or(0) {
            members
                .last()
                .map(|m| m.employee_id.clone())
                .unwrap_or_default()
        } else {
            String::new()
        };
        let members = members
            .into_iter()
            .map(|m| GroupMember {
                employee_id: m.employee_id,
                display: m.display,
            })
            .collect();
        Ok(Response::new(ListGroupMembersResponse {
            members,
            next_after,
        }))
    }

    async fn rename_group(
        &self,
        request: Request<RenameGroupRequest>,
    ) -> Result<Response<Group>, Status> {
        let request = request.into_inner();
        let changes = group_name(&request.display_name).map(|name| {
            vec![GroupChange::Rename {
                key: name_key(&name),
                name,
            }]
        });
        self.modify(&request.tenant_id, &request.id, changes, None)
            .await
    }

    async fn add_group_members(
        &self,
        request: Request<GroupMembersRequest>,
    ) -> Result<Response<Group>, Status> {
        self.change_members(request.into_inner(), GroupChange::Add)
            .await
    }

    async fn remove_group_members(
        &self,
        request: Request<GroupMembersRequest>,
    ) -> Result<Response<Group>, Status> {
        self.change_members(request.into_inner(), GroupChange::Remove)
            .await
    }

    async fn replace_group_members(
        &self,
        request: Request<GroupMembersRequest>,
    ) -> Result<Response<Group>, Status> {
        self.change_members(request.into_inner(), GroupChange::Replace)
            .await
    }

    #[tracing::instrument(name = "directory.modify_group", skip_all, fields(tenant.id = %request.get_ref().tenant_id, group.id = %request.get_ref().id))]
    async fn modify_group(
        &self,
        request: Request<ModifyGroupRequest>,
    ) -> Result<Response<Group>, Status> {
        let request = request.into_inner();
        let changes = group_changes(request.changes);
        self.modify(
            &request.tenant_id,
            &request.id,
            changes,
            request.expected_version,
        )
        .await
    }

    async fn delete_group(
        &self,
        request: Request<DeleteGroupRequest>,
    ) -> Result<Response<DeleteGroupResponse>, Status> {
        let request = request.into_inner();
        let deleted = self
            .store
            .delete_group(&request.tenant_id, &request.id, request.expected_version)
            .await
            .map_err(group_error);
        self.logged(&request.tenant_id, "delete", Some(&request.id), deleted)
            .await?;
        tracing::info!(tenant.id = %request.tenant_id, group.id = %request.id, "group deleted");
        Ok(Response::new(DeleteGroupResponse {}))
    }

    async fn is_group_member(
        &self,
        request: Request<IsGroupMemberRequest>,
    ) -> Result<Response<IsGroupMemberResponse>, Status> {
        let request = request.into_inner();
        self.store
            .get_group(&request.tenant_id, &request.group_id)
            .await
            .map_err(group_error)?;
        let member = self
            .store
            .is_member(&request.tenant_id, &request.group_id, &request.employee_id)
            .await
            .map_err(group_error)?;
        Ok(Response::new(IsGroupMemberResponse { member }))
    }
}

impl Directory {
    async fn create_group_record(
        &self,
        request: &CreateGroupRequest,
    ) -> Result<Group, DirectoryError> {
        let tenant = self.tenant(&request.tenant_id).await?;
        let name = group_name(&request.display_name)?;
        check_member_count(request.member_ids.len())?;
        check_member_ids(&request.member_ids)?;
        check_external_id(&request.external_id)?;
        let external_id = non_blank(&request.external_id);
        let record = self
            .store
            .insert_group(
                &tenant.id,
                (&name, &name_key(&name)),
                external_id.as_deref(),
                &request.member_ids,
            )
            .await
            .map_err(group_error)?;
        tracing::info!(tenant.id = %tenant.id, group.id = %record.id, group.members = record.member_count, "group created");
        to_group(record)
    }

    /// Applies validated changes; a validation error arrives as `changes`
    /// so that it is logged like any other refusal.
    async fn modify(
        &self,
        tenant_id: &str,
        id: &str,
        changes: Result<Vec<GroupChange>, DirectoryError>,
        expected_version: Option<i64>,
    ) -> Result<Response<Group>, Status> {
        let modified = match changes {
            Ok(changes) => self
                .store
                .modify_group(tenant_id, id, &changes, expected_version)
                .await
                .map_err(group_error)
                .and_then(to_group),
            Err(error) => Err(error),
        };
        let group = self.logged(tenant_id, "update", Some(id), modified).await?;
        tracing::info!(tenant.id = %tenant_id, group.id = %id, group.members = group.member_count, "group changed");
        Ok(Response::new(group))
    }

    /// One kind of membership change for the ids of `request`.
    async fn change_members(
        &self,
        request: GroupMembersRequest,
        change: fn(Vec<String>) -> GroupChange,
    ) -> Result<Response<Group>, Status> {
        let changes = check_member_count(request.member_ids.len())
            .and_then(|()| check_member_ids(&request.member_ids))
            .map(|()| vec![change(request.member_ids)]);
        self.modify(&request.tenant_id, &request.id, changes, None)
            .await
    }

    /// Passes a result through, writing a refused group write to the
    /// provisioning log on the way.
    async fn logged<T>(
        &self,
        tenant_id: &str,
        operation: &str,
        group_id: Option<&str>,
        result: Result<T, DirectoryError>,
    ) -> Result<T, DirectoryError> {
        if let Err(error) = &result {
            let group_id = group_id.filter(|_| !matches!(error, DirectoryError::GroupNotFound));
            self.log_failure(tenant_id, operation, Subject::Group(group_id), error)
                .await;
        }
        result
    }
}

/// Validates the changes of a ModifyGroup request.
fn group_changes(
    requested: Vec<hrms_api::v1::GroupChange>,
) -> Result<Vec<GroupChange>, DirectoryError> {
    let mut changes = Vec::with_capacity(requested.len());
    let mut named = 0;
    for change in requested {
        let change = match change.kind {
            Some(group_change::Kind::Rename(name)) => {
                let name = group_name(&name)?;
                GroupChange::Rename {
                    key: name_key(&name),
                    name,
                }
            }
            Some(group_change::Kind::SetExternalId(id)) => {
                check_external_id(&id)?;
                GroupChange::SetExternalId(non_blank(&id))
            }
            Some(group_change::Kind::AddMembers(ids)) => {
                named += ids.ids.len();
                check_member_ids(&ids.ids)?;
                GroupChange::Add(ids.ids)
            }
            Some(group_change::Kind::RemoveMembers(ids)) => {
                named += ids.ids.len();
                check_member_ids(&ids.ids)?;
                GroupChange::Remove(ids.ids)
            }
            Some(group_change::Kind::ReplaceMembers(ids)) => {
                named += ids.ids.len();
                check_member_ids(&ids.ids)?;
                GroupChange::Replace(ids.ids)
            }
            None => return Err(DirectoryError::invalid("changes", "a change is empty")),
        };
        changes.push(change);
    }
    check_member_count(named)?;
    Ok(changes)
}

fn group_name(name: &str) -> Result<String, DirectoryError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 256 || !crate::organization::is_visible_text(name)
    {
        return Err(DirectoryError::invalid(
            "displayName",
            "must be 1 to 256 characters without control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Longest accepted member id or group externalId.
const MAX_ID_LEN: usize = 256;

/// Member ids are employee ids: short, printable.
fn check_member_ids<'a>(ids: impl IntoIterator<Item = &'a String>) -> Result<(), DirectoryError> {
    ids.into_iter()
        .try_for_each(|id| check_text("members", id, MAX_ID_LEN, false))
}

fn check_external_id(id: &str) -> Result<(), DirectoryError> {
    check_text("externalId", id, MAX_ID_LEN, false)
}

fn check_member_count(count: usize) -> Result<(), DirectoryError> {
    if count > MAX_MEMBERS_PER_REQUEST {
        return Err(DirectoryError::invalid(
            "members",
            format!("at most {MAX_MEMBERS_PER_REQUEST} members may be named in one request"),
        ));
    }
    Ok(())
}

fn non_blank(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn to_group(record: GroupRecord) -> Result<Group, DirectoryError> {
    Ok(Group {
        created_at: Some(parse_timestamp(&record.created_at)?),
        updated_at: Some(parse_timestamp(&record.updated_at)?),
        id: record.id,
        tenant_id: record.tenant_id,
        display_name: record.display_name,
        external_id: record.external_id.unwrap_or_default(),
        member_count: record.member_count,
        version: record.version,
    })
}
