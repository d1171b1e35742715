//! The organisation RPCs: departments and designations of a tenant.

use hrms_api::v1::organization_service_server::OrganizationService;
use hrms_api::v1::{
    CreateDepartmentRequest, CreateDesignationRequest, Department, Designation,
    ListDepartmentsRequest, ListDepartmentsResponse, ListDesignationsRequest,
    ListDesignationsResponse,
};
use tonic::{Request, Response, Status};

use crate::error::DirectoryError;
use crate::store::{OrgUnit, UnitKind};
use crate::{Directory, name_key};

#[tonic::async_trait]
impl OrganizationService for Directory {
    async fn list_departments(
        &self,
        request: Request<ListDepartmentsRequest>,
    ) -> Result<Response<ListDepartmentsResponse>, Status> {
        let tenant_id = request.into_inner().tenant_id;
        let (units, default) = self.units(UnitKind::Department, &tenant_id).await?;
        let departments = units
            .into_iter()
            .map(|unit| Department {
                is_default: default.as_deref() == Some(unit.id.as_str()),
                id: unit.id,
                tenant_id: unit.tenant_id,
                name: unit.name,
            })
            .collect();
        Ok(Response::new(ListDepartmentsResponse { departments }))
    }

    async fn create_department(
        &self,
        request: Request<CreateDepartmentRequest>,
    ) -> Result<Response<Department>, Status> {
        let request = request.into_inner();
        let unit = self
            .create_unit(UnitKind::Department, &request.tenant_id, &request.name)
            .await?;
        Ok(Response::new(Department {
            id: unit.id,
            tenant_id: unit.tenant_id,
            name: unit.name,
            is_default: false,
        }))
    }

    async fn list_designations(
        &self,
        request: Request<ListDesignationsRequest>,
    ) -> Result<Response<ListDesignationsResponse>, Status> {
        let tenant_id = request.into_inner().tenant_id;
        let (units, default) = self.units(UnitKind::Designation, &tenant_id).await?;
        let designations = units
            .into_iter()
            .map(|unit| Designation {
                is_default: default.as_deref() == Some(unit.id.as_str()),
                id: unit.id,
                tenant_id: unit.tenant_id,
                name: unit.name,
            })
            .collect();
        Ok(Response::new(ListDesignationsResponse { designations }))
    }

    async fn create_designation(
        &self,
        request: Request<CreateDesignationRequest>,
    ) -> Result<Response<Designation>, Status> {
        let request = request.into_inner();
        let unit = self
            .create_unit(UnitKind::Designation, &request.tenant_id, &request.name)
            .await?;
        Ok(Response::new(Designation {
            id: unit.id,
            tenant_id: unit.tenant_id,
            name: unit.name,
            is_default: false,
        }))
    }
}

impl Directory {
    /// A tenant's units of one kind and the id of its default.
    async fn units(
        &self,
        kind: UnitKind,
        tenant_id: &str,
    ) -> Result<(Vec<OrgUnit>, Option<String>), DirectoryError> {
        let tenant = self.tenant(tenant_id).await?;
        let units = self.store.list_units(kind, &tenant.id).await?;
        let default = match kind {
            UnitKind::Department => tenant.default_department_id,
            UnitKind::Designation => tenant.default_designation_id,
        };
        Ok((units, default))
    }

    async fn create_unit(
        &self,
        kind: UnitKind,
        tenant_id: &str,
        name: &str,
    ) -> Result<OrgUnit, DirectoryError> {
        let tenant = self.tenant(tenant_id).await?;
        let name = valid_unit_name(name)?;
        let unit = self
            .store
            .create_unit(kind, &tenant.id, &name, &name_key(&name))
            .await?;
        Ok(unit)
    }
}

/// A department or designation name: trimmed, 1 to 200 characters, no
/// control characters.
pub(crate) fn valid_unit_name(name: &str) -> Result<String, DirectoryError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(DirectoryError::invalid(
            "name",
            "must be 1 to 200 characters without control characters",
        ));
    }
    Ok(name)
}
