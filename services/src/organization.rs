//! The organisation RPCs: departments and designations of a tenant. Both
//! lists behave the same; each RPC is a thin wrapper over one shared
//! operation on a [`UnitKind`].

use hrms_api::v1::organization_service_server::OrganizationService;
use hrms_api::v1::{
    CreateDepartmentRequest, CreateDesignationRequest, Department, Designation,
    ListDepartmentsRequest, ListDepartmentsResponse, ListDesignationsRequest,
    ListDesignationsResponse, RenameUnitRequest, UnitRequest,
};
use tonic::{Request, Response, Status};

use crate::error::{DirectoryError, unit_error, what};
use crate::store::{OrgUnit, UnitKind};
use crate::{Directory, name_key};

/// A unit as the API shows it, before it becomes a Department or a
/// Designation.
struct Shown {
    unit: OrgUnit,
    is_default: bool,
}

impl From<Shown> for Department {
    fn from(shown: Shown) -> Self {
        Department {
            retired: shown.unit.retired_at.is_some(),
            id: shown.unit.id,
            tenant_id: shown.unit.tenant_id,
            name: shown.unit.name,
            is_default: shown.is_default,
        }
    }
}

impl From<Shown> for Designation {
    fn from(shown: Shown) -> Self {
        Designation {
            retired: shown.unit.retired_at.is_some(),
            id: shown.unit.id,
            tenant_id: shown.unit.tenant_id,
            name: shown.unit.name,
            is_default: shown.is_default,
        }
    }
}

#[tonic::async_trait]
impl OrganizationService for Directory {
    async fn list_departments(
        &self,
        request: Request<ListDepartmentsRequest>,
    ) -> Result<Response<ListDepartmentsResponse>, Status> {
        let departments = self
            .units(UnitKind::Department, &request.into_inner().tenant_id)
            .await?
            .into_iter()
            .map(Department::from)
            .collect();
        Ok(Response::new(ListDepartmentsResponse { departments }))
    }

    async fn create_department(
        &self,
        request: Request<CreateDepartmentRequest>,
    ) -> Result<Response<Department>, Status> {
        let request = request.into_inner();
        let shown = self
            .create_unit(UnitKind::Department, &request.tenant_id, &request.name)
            .await?;
        Ok(Response::new(shown.into()))
    }

    async fn rename_department(
        &self,
        request: Request<RenameUnitRequest>,
    ) -> Result<Response<Department>, Status> {
        let shown = self
            .rename_unit(UnitKind::Department, request.into_inner())
            .await?;
        Ok(Response::new(shown.into()))
    }

    async fn retire_department(
        &self,
        request: Request<UnitRequest>,
    ) -> Result<Response<Department>, Status> {
        let shown = self
            .retire_unit(UnitKind::Department, request.into_inner())
            .await?;
        Ok(Response::new(shown.into()))
    }

    async fn set_default_department(
        &self,
        request: Request<UnitRequest>,
    ) -> Result<Response<Department>, Status> {
        let shown = self
            .set_default_unit(UnitKind::Department, request.into_inner())
            .await?;
        Ok(Response::new(shown.into()))
    }

    async fn list_designations(
        &self,
        request: Request<ListDesignationsRequest>,
    ) -> Result<Response<ListDesignationsResponse>, Status> {
        let designations = self
            .units(UnitKind::Designation, &request.into_inner().tenant_id)
            .await?
            .into_iter()
            .map(Designation::from)
            .collect();
        Ok(Response::new(ListDesignationsResponse { designations }))
    }

    async fn create_designation(
        &self,
        request: Request<CreateDesignationRequest>,
    ) -> Result<Response<Designation>, Status> {
        let request = request.into_inner();
        let shown = self
            .create_unit(UnitKind::Designation, &request.tenant_id, &request.name)
            .await?;
        Ok(Response::new(shown.into()))
    }

    async fn rename_designation(
        &self,
        request: Request<RenameUnitRequest>,
    ) -> Result<Response<Designation>, Status> {
        let shown = self
            .rename_unit(UnitKind::Designation, request.into_inner())
            .await?;
        Ok(Response::new(shown.into()))
    }

    async fn retire_designation(
        &self,
        request: Request<UnitRequest>,
    ) -> Result<Response<Designation>, Status> {
        let shown = self
            .retire_unit(UnitKind::Designation, request.into_inner())
            .await?;
        Ok(Response::new(shown.into()))
    }

    async fn set_default_designation(
        &self,
        request: Request<UnitRequest>,
    ) -> Result<Response<Designation>, Status> {
        let shown = self
            .set_default_unit(UnitKind::Designation, request.into_inner())
            .await?;
        Ok(Response::new(shown.into()))
    }
}

impl Directory {
    /// A tenant's units of one kind, marked with the default.
    async fn units(&self, kind: UnitKind, tenant_id: &str) -> Result<Vec<Shown>, DirectoryError> {
        let tenant = self.tenant(tenant_id).await?;
        let default = match kind {
            UnitKind::Department => tenant.default_department_id,
            UnitKind::Designation => tenant.default_designation_id,
        };
        let units = self.store.list_units(kind, &tenant.id).await?;
        Ok(units
            .into_iter()
            .map(|unit| Shown {
                is_default: default.as_deref() == Some(unit.id.as_str()),
                unit,
            })
            .collect())
    }

    /// One unit with its default flag.
    async fn shown(
        &self,
        kind: UnitKind,
        tenant_id: &str,
        id: &str,
    ) -> Result<Shown, DirectoryError> {
        self.units(kind, tenant_id)
            .await?
            .into_iter()
            .find(|shown| shown.unit.id == id)
            .ok_or(DirectoryError::UnitNotFound(what(kind)))
    }

    async fn create_unit(
        &self,
        kind: UnitKind,
        tenant_id: &str,
        name: &str,
    ) -> Result<Shown, DirectoryError> {
        let tenant = self.tenant(tenant_id).await?;
        let name = valid_unit_name(name)?;
        let unit = self
            .store
            .create_unit(kind, &tenant.id, &name, &name_key(&name))
            .await
            .map_err(|error| unit_error(kind, error))?;
        tracing::info!(tenant.id = %tenant.id, unit.id = %unit.id, unit.kind = what(kind), "created");
        Ok(Shown {
            unit,
            is_default: false,
        })
    }

    async fn rename_unit(
        &self,
        kind: UnitKind,
        request: RenameUnitRequest,
    ) -> Result<Shown, DirectoryError> {
        let tenant = self.tenant(&request.tenant_id).await?;
        let name = valid_unit_name(&request.name)?;
        self.store
            .rename_unit(kind, &tenant.id, &request.id, &name, &name_key(&name))
            .await
            .map_err(|error| unit_error(kind, error))?;
        tracing::info!(tenant.id = %tenant.id, unit.id = %request.id, unit.kind = what(kind), "renamed");
        self.shown(kind, &tenant.id, &request.id).await
    }

    async fn retire_unit(
        &self,
        kind: UnitKind,
        request: UnitRequest,
    ) -> Result<Shown, DirectoryError> {
        let tenant = self.tenant(&request.tenant_id).await?;
        let retired = self
            .store
            .retire_unit(kind, &tenant.id, &request.id)
            .await
            .map_err(|error| unit_error(kind, error))?;
        if retired.is_none() {
            return Err(DirectoryError::Precondition(format!(
                "the default {} cannot be retired; choose another default first",
                what(kind)
            )));
        }
        tracing::info!(tenant.id = %tenant.id, unit.id = %request.id, unit.kind = what(kind), "retired");
        self.shown(kind, &tenant.id, &request.id).await
    }

    async fn set_default_unit(
        &self,
        kind: UnitKind,
        request: UnitRequest,
    ) -> Result<Shown, DirectoryError> {
        let tenant = self.tenant(&request.tenant_id).await?;
        let set = self
            .store
            .set_default_unit(kind, &tenant.id, &request.id)
            .await
            .map_err(|error| unit_error(kind, error))?;
        if set.is_none() {
            return Err(DirectoryError::Precondition(format!(
                "a retired {} cannot be the default",
                what(kind)
            )));
        }
        tracing::info!(tenant.id = %tenant.id, unit.id = %request.id, unit.kind = what(kind), "made default");
        self.shown(kind, &tenant.id, &request.id).await
    }
}

/// A department or designation name: trimmed, 1 to 200 characters, no
/// control or invisible formatting characters.
pub(crate) fn valid_unit_name(name: &str) -> Result<String, DirectoryError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 200 || !is_visible_text(&name) {
        return Err(DirectoryError::invalid(
            "name",
            "must be 1 to 200 characters without control or invisible formatting characters",
        ));
    }
    Ok(name)
}

/// No control characters, and none of the invisible ones that change how
/// text around them reads: bidirectional overrides and isolates, zero-width
/// spaces and joiners, the byte-order mark. Two names that look the same
/// must be the same name.
pub(crate) fn is_visible_text(text: &str) -> bool {
    !text.chars().any(|c| {
        c.is_control()
            || matches!(c,
                '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_formatting_characters_are_refused_in_names() {
        assert!(is_visible_text("Payroll and Benefits"));
        assert!(is_visible_text("Ressources humaines"));
        for sneaky in [
            "Pay\u{202E}roll",
            "Asso\u{200B}ciate",
            "\u{FEFF}General",
            "A\u{2066}B",
        ] {
            assert!(!is_visible_text(sneaky), "{sneaky:?}");
            assert!(valid_unit_name(sneaky).is_err());
        }
    }
}
