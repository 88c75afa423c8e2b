//! Built-in roles and permissions that operations grant: Entra ID directory roles (with their
//! template ids and the `WellKnownObjectName` audit records carry), Azure RBAC built-in roles, and
//! Microsoft Graph application permissions (app roles). Ids are Microsoft's published, global ids
//! (Entra "built-in roles" reference, Azure "built-in roles" reference, Graph "permissions
//! reference"); docs/reference/audit-operations.md §2.2 gives the record shapes.

/// An Entra ID built-in directory role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryRole {
    /// Display name, as `Role.DisplayName` records it.
    pub name: &'static str,
    /// The role's template id (`Role.TemplateId`), the same in every tenant.
    pub template_id: &'static str,
    /// `Role.WellKnownObjectName`, for the classic roles that have one (empty otherwise).
    pub well_known: &'static str,
    /// Whether detections treat it as privileged (Microsoft's "privileged" label in the reference).
    pub privileged: bool,
}

const fn role(name: &'static str, template_id: &'static str, well_known: &'static str, privileged: bool) -> DirectoryRole {
    DirectoryRole {
        name,
        template_id,
        well_known,
        privileged,
    }
}

/// The directory roles scenarios may name.
pub const DIRECTORY_ROLES: &[DirectoryRole] = &[
    role("Global Administrator", "62e90394-69f5-4237-9190-012177145e10", "TenantAdmins", true),
    role(
        "Privileged Role Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "PrivilegedRoleAdmins",
        true,
    ),
    role(
        "Privileged Authentication Administrator",
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "",
        true,
    ),
    role("Application Administrator", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "", true),
    role("Cloud Application Administrator", "158c047a-c907-4556-b7ef-446551a6b5f7", "", true),
    role(
        "User Administrator",
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "UserAccountAdmins",
        true,
    ),
    role(
        "Security Administrator",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "SecurityAdministrator",
        true,
    ),
    role(
        "Exchange Administrator",
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "ExchangeServiceAdmins",
        true,
    ),
    role(
        "SharePoint Administrator",
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePointServiceAdmins",
        true,
    ),
    role("Conditional Access Administrator", "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "", true),
    role("Authentication Administrator", "c4e39bd9-1100-46d3-8c65-fb160da0071f", "", true),
    role("Hybrid Identity Administrator", "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "", true),
    role("Intune Administrator", "3a2c62db-5318-420d-8d74-23affee5d9d5", "", true),
    role(
        "Helpdesk Administrator",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "HelpDeskAdmins",
        true,
    ),
    role(
        "Billing Administrator",
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "CompanyAdministrator",
        false,
    ),
    role("Groups Administrator", "fdd7a751-b60b-444a-984c-02652fe8fa1c", "", false),
    role("Teams Administrator", "69091246-20e8-4a56-aa4d-066075b2a7a8", "", false),
    role("Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "", true),
    role("Security Reader", "5d6b6bb7-de71-4623-b4af-96380a352509", "SecurityReader", false),
    role("Reports Reader", "4a5d8f65-41da-4de4-8968-e035b65339cf", "", false),
    role(
        "Directory Readers",
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        "DirectoryReaders",
        false,
    ),
    role("Application Developer", "cf1c38e5-3621-4004-a7cb-879624dced7c", "", true),
];

/// Looks a directory role up by display name (case-insensitively) or template id.
pub fn directory_role(name: &str) -> Option<&'static DirectoryRole> {
    DIRECTORY_ROLES
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name) || r.template_id.eq_ignore_ascii_case(name))
}

/// An Azure RBAC built-in role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AzureRole {
    /// Display name.
    pub name: &'static str,
    /// Role definition id (the last segment of `roleDefinitionId`), the same in every subscription.
    pub id: &'static str,
}

/// The Azure built-in roles scenarios may name.
pub const AZURE_ROLES: &[AzureRole] = &[
    AzureRole {
        name: "Owner",
        id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    },
    AzureRole {
        name: "Contributor",
        id: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    },
    AzureRole {
        name: "Reader",
        id: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    },
    AzureRole {
        name: "User Access Administrator",
        id: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    },
    AzureRole {
        name: "Key Vault Administrator",
        id: "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    },
    AzureRole {
        name: "Key Vault Secrets User",
        id: "4633458b-17de-408a-b874-0445c86b69e6",
    },
    AzureRole {
        name: "Storage Blob Data Owner",
        id: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    },
    AzureRole {
        name: "Virtual Machine Contributor",
        id: "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
    },
];

/// The role pipelines and workloads deploy with.
pub fn contributor() -> &'static AzureRole {
    &AZURE_ROLES[1]
}

/// Looks an Azure role up by display name (case-insensitively) or definition id.
pub fn azure_role(name: &str) -> Option<&'static AzureRole> {
    AZURE_ROLES
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name) || r.id.eq_ignore_ascii_case(name))
}

/// An application permission (app role) of a Microsoft API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppRole {
    /// The API it belongs to: a [`super::FirstPartyApp`] key (`graph`, `exchange`).
    pub api: &'static str,
    /// `AppRole.Value`, e.g. `RoleManagement.ReadWrite.Directory`.
    pub value: &'static str,
    /// `AppRole.Id`.
    pub id: &'static str,
    /// `AppRole.DisplayName`.
    pub display_name: &'static str,
}

const fn app_role(api: &'static str, value: &'static str, id: &'static str, display_name: &'static str) -> AppRole {
    AppRole {
        api,
        value,
        id,
        display_name,
    }
}

/// The application permissions scenarios may grant.
pub const APP_ROLES: &[AppRole] = &[
    app_role(
        "graph",
        "RoleManagement.ReadWrite.Directory",
        "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        "Read and write all directory RBAC settings",
    ),
    app_role(
        "graph",
        "RoleManagement.Read.Directory",
        "483bed4a-2ad3-4361-a73b-c83ccdbdc53c",
        "Read all directory RBAC settings",
    ),
    app_role(
        "graph",
        "Application.Read.All",
        "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
        "Read all applications",
    ),
    app_role("graph", "Group.Read.All", "5b567255-7703-4780-807c-7be8301ae99b", "Read all groups"),
    app_role(
        "graph",
        "Files.Read.All",
        "01d4889c-1287-42c6-ac1f-5d1e02578ef6",
        "Read files in all site collections",
    ),
    app_role(
        "graph",
        "Sites.Read.All",
        "332a536c-c7ef-4017-ab91-336970924f0d",
        "Read items in all site collections",
    ),
    app_role(
        "graph",
        "Calendars.Read",
        "798ee544-9d2d-430c-a058-570e29e34338",
        "Read calendars in all mailboxes",
    ),
    app_role(
        "graph",
        "AppRoleAssignment.ReadWrite.All",
        "06b708a9-e830-4db3-a914-8e69da51d44f",
        "Manage app permission grants and app role assignments",
    ),
    app_role(
        "graph",
        "Application.ReadWrite.All",
        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        "Read and write all applications",
    ),
    app_role(
        "graph",
        "Directory.ReadWrite.All",
        "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
        "Read and write directory data",
    ),
    app_role(
        "graph",
        "Directory.Read.All",
        "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
        "Read directory data",
    ),
    app_role(
        "graph",
        "User.Read.All",
        "df021288-bdef-4463-88db-98f22de89214",
        "Read all users' full profiles",
    ),
    app_role(
        "graph",
        "User.ReadWrite.All",
        "741f803b-c850-494e-b5df-cde7c675a1ca",
        "Read and write all users' full profiles",
    ),
    app_role(
        "graph",
        "Group.ReadWrite.All",
        "62a82d76-70ea-41e2-9197-370581804d09",
        "Read and write all groups",
    ),
    app_role(
        "graph",
        "GroupMember.ReadWrite.All",
        "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
        "Read and write all group memberships",
    ),
    app_role(
        "graph",
        "Mail.Read",
        "810c84a8-4a9e-49e6-bf7d-12d183f40d01",
        "Read mail in all mailboxes",
    ),
    app_role(
        "graph",
        "Mail.ReadWrite",
        "e2a3a72e-5f79-4c64-b1b1-878b674786c9",
        "Read and write mail in all mailboxes",
    ),
    app_role(
        "graph",
        "Mail.Send",
        "b633e1c5-b582-4048-a93e-9f11b44c7e96",
        "Send mail as any user",
    ),
    app_role(
        "graph",
        "Files.ReadWrite.All",
        "75359482-378d-4052-8f01-80520e7db3cd",
        "Read and write files in all site collections",
    ),
    app_role(
        "graph",
        "Sites.ReadWrite.All",
        "9492366f-7969-46a4-8d15-ed1a20078fff",
        "Read and write items in all site collections",
    ),
    app_role(
        "graph",
        "Policy.ReadWrite.ConditionalAccess",
        "01c0a623-fc9b-48e9-b794-0756f8e8f067",
        "Read and write your organization's conditional access policies",
    ),
    app_role(
        "graph",
        "AuditLog.Read.All",
        "b0afded3-3588-46d8-8b3d-9842eff778da",
        "Read all audit log data",
    ),
    app_role(
        "exchange",
        "full_access_as_app",
        "dc890d15-9560-4a4c-9b7f-a736ec74ec40",
        "Use Exchange Web Services with full access to all mailboxes",
    ),
];

/// Looks an app role of `api` up by value (case-insensitively).
pub fn app_role_of(api: &str, value: &str) -> Option<&'static AppRole> {
    APP_ROLES.iter().find(|r| r.api == api && r.value.eq_ignore_ascii_case(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_lookups_accept_names_and_ids() {
        let mut ids: Vec<&str> = DIRECTORY_ROLES.iter().map(|r| r.template_id).collect();
        ids.extend(AZURE_ROLES.iter().map(|r| r.id));
        ids.extend(APP_ROLES.iter().map(|r| r.id));
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
        assert_eq!(directory_role("global administrator").unwrap().well_known, "TenantAdmins");
        assert_eq!(
            directory_role("62e90394-69f5-4237-9190-012177145e10").unwrap().name,
            "Global Administrator"
        );
        assert_eq!(azure_role("owner").unwrap().id, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
        assert_eq!(
            app_role_of("graph", "rolemanagement.readwrite.directory").unwrap().id,
            "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8"
        );
    }
}
