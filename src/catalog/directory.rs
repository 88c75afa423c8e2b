//! Entra ID directory operations as `AuditLogs` records name them: the envelope every record of an
//! operation shares (`OperationName`, `Category`, `LoggedByService`, `AADOperationType`, the `Id`
//! prefix). Strings are exactly as real exports spell them — en dashes, trailing spaces and odd
//! casing included (docs/reference/audit-operations.md §2, with each operation's evidence grade).

/// The envelope of one directory operation's `AuditLogs` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryOperation {
    /// `OperationName` and `ActivityDisplayName`.
    pub name: &'static str,
    /// `Category`.
    pub category: &'static str,
    /// `LoggedByService`.
    pub service: &'static str,
    /// `AADOperationType`.
    pub operation_type: &'static str,
    /// The service's `Id` prefix (`Directory`, `IPCGraph`, `PIM`, …).
    pub id_prefix: &'static str,
}

const fn op(
    name: &'static str,
    category: &'static str,
    service: &'static str,
    operation_type: &'static str,
    id_prefix: &'static str,
) -> DirectoryOperation {
    DirectoryOperation {
        name,
        category,
        service,
        operation_type,
        id_prefix,
    }
}

const CORE: &str = "Core Directory";
const APPS: &str = "ApplicationManagement";
const ROLES: &str = "RoleManagement";
const USERS: &str = "UserManagement";
const GROUPS: &str = "GroupManagement";

// Applications and service principals (§2.1).
pub const ADD_APPLICATION: DirectoryOperation = op("Add application", APPS, CORE, "Add", "Directory");
pub const UPDATE_APPLICATION: DirectoryOperation = op("Update application", APPS, CORE, "Update", "Directory");
pub const DELETE_APPLICATION: DirectoryOperation = op("Delete application", APPS, CORE, "Delete", "Directory");
pub const ADD_SERVICE_PRINCIPAL: DirectoryOperation = op("Add service principal", APPS, CORE, "Add", "Directory");
pub const UPDATE_SERVICE_PRINCIPAL: DirectoryOperation = op("Update service principal", APPS, CORE, "Update", "Directory");
pub const REMOVE_SERVICE_PRINCIPAL: DirectoryOperation = op("Remove service principal", APPS, CORE, "Delete", "Directory");
/// The en dash and the trailing space are in real exports (OTRF Log Analytics rows), although
/// Microsoft's reference table prints a hyphen and no space.
pub const APPLICATION_CREDENTIALS: DirectoryOperation = op(
    "Update application – Certificates and secrets management ",
    APPS,
    CORE,
    "Update",
    "Directory",
);
pub const ADD_SERVICE_PRINCIPAL_CREDENTIALS: DirectoryOperation =
    op("Add service principal credentials", APPS, CORE, "Update", "Directory");
pub const REMOVE_SERVICE_PRINCIPAL_CREDENTIALS: DirectoryOperation =
    op("Remove service principal credentials", APPS, CORE, "Update", "Directory");
pub const ADD_OWNER_TO_APPLICATION: DirectoryOperation = op("Add owner to application", APPS, CORE, "Assign", "Directory");
pub const ADD_OWNER_TO_SERVICE_PRINCIPAL: DirectoryOperation = op("Add owner to service principal", APPS, CORE, "Assign", "Directory");
pub const ADD_DELEGATED_PERMISSION_GRANT: DirectoryOperation = op("Add delegated permission grant", APPS, CORE, "Assign", "Directory");
pub const ADD_APP_ROLE_ASSIGNMENT: DirectoryOperation =
    op("Add app role assignment to service principal", APPS, CORE, "Assign", "Directory");
/// Category `UserManagement`, unlike the other grants (a Graph read of a real consent).
pub const ADD_APP_ROLE_ASSIGNMENT_TO_USER: DirectoryOperation =
    op("Add app role assignment grant to user", USERS, CORE, "Assign", "Directory");
pub const CONSENT_TO_APPLICATION: DirectoryOperation = op("Consent to application", APPS, CORE, "Assign", "Directory");

// Directory roles (§2.2) and PIM (§2.3).
pub const ADD_MEMBER_TO_ROLE: DirectoryOperation = op("Add member to role", ROLES, CORE, "Assign", "Directory");
pub const REMOVE_MEMBER_FROM_ROLE: DirectoryOperation = op("Remove member from role", ROLES, CORE, "Unassign", "Directory");
pub const ADD_ROLE_DEFINITION: DirectoryOperation = op("Add role definition", ROLES, CORE, "Add", "Directory");
pub const UPDATE_ROLE_DEFINITION: DirectoryOperation = op("Update role definition", ROLES, CORE, "Update", "Directory");
// The `AADOperationType`s of PIM's assignment records are those published rules filter on
// (SENT `AccountAddedtoPrivilegedPIMGroup` reads `CreateRequestEligibleRole` on the timebound
// eligible request; `UserAssignedNewPrivilegedRole` lists the granted and permanent ones); a
// request's completion is taken to carry its request's type.
pub const PIM_ELIGIBLE_REQUESTED_PERMANENT: DirectoryOperation = op(
    "Add eligible member to role in PIM requested (permanent)",
    ROLES,
    "PIM",
    "CreateRequestPermanentEligibleRole",
    "PIM",
);
pub const PIM_ELIGIBLE_REQUESTED_TIMEBOUND: DirectoryOperation = op(
    "Add eligible member to role in PIM requested (timebound)",
    ROLES,
    "PIM",
    "CreateRequestEligibleRole",
    "PIM",
);
pub const PIM_ELIGIBLE_COMPLETED_PERMANENT: DirectoryOperation = op(
    "Add eligible member to role in PIM completed (permanent)",
    ROLES,
    "PIM",
    "CreateRequestPermanentEligibleRole",
    "PIM",
);
pub const PIM_ELIGIBLE_COMPLETED_TIMEBOUND: DirectoryOperation = op(
    "Add eligible member to role in PIM completed (timebound)",
    ROLES,
    "PIM",
    "CreateRequestEligibleRole",
    "PIM",
);
pub const PIM_ACTIVE_REQUESTED_PERMANENT: DirectoryOperation = op(
    "Add member to role in PIM requested (permanent)",
    ROLES,
    "PIM",
    "CreateRequestPermanentGrantedRole",
    "PIM",
);
pub const PIM_ACTIVE_REQUESTED_TIMEBOUND: DirectoryOperation = op(
    "Add member to role in PIM requested (timebound)",
    ROLES,
    "PIM",
    "CreateRequestGrantedRole",
    "PIM",
);
pub const PIM_ACTIVE_COMPLETED_PERMANENT: DirectoryOperation = op(
    "Add member to role in PIM completed (permanent)",
    ROLES,
    "PIM",
    "CreateRequestPermanentGrantedRole",
    "PIM",
);
pub const PIM_ACTIVE_COMPLETED_TIMEBOUND: DirectoryOperation = op(
    "Add member to role in PIM completed (timebound)",
    ROLES,
    "PIM",
    "CreateRequestGrantedRole",
    "PIM",
);
/// PIM's own directory write of an eligibility (rules match `AssignEligibleRole` beside `Assign`).
pub const ADD_ELIGIBLE_MEMBER_TO_ROLE: DirectoryOperation =
    op("Add eligible member to role", ROLES, CORE, "AssignEligibleRole", "Directory");
pub const PIM_OUTSIDE_PERMANENT: DirectoryOperation = op("Add member to role outside of PIM (permanent)", ROLES, "PIM", "Add", "PIM");
pub const PIM_ACTIVATION_REQUESTED: DirectoryOperation = op("Add member to role requested (PIM activation)", ROLES, "PIM", "Add", "PIM");
pub const PIM_ACTIVATION_COMPLETED: DirectoryOperation = op("Add member to role completed (PIM activation)", ROLES, "PIM", "Add", "PIM");
pub const PIM_ACTIVATION_DENIED: DirectoryOperation = op("Add member to role request denied (PIM activation)", ROLES, "PIM", "Add", "PIM");
pub const PIM_ACTIVATION_EXPIRED: DirectoryOperation =
    op("Remove member from role (PIM activation expired)", ROLES, "PIM", "Delete", "PIM");

// Users (§2.4) and external users (§2.6).
pub const ADD_USER: DirectoryOperation = op("Add user", USERS, CORE, "Add", "Directory");
pub const UPDATE_USER: DirectoryOperation = op("Update user", USERS, CORE, "Update", "Directory");
pub const DELETE_USER: DirectoryOperation = op("Delete user", USERS, CORE, "Delete", "Directory");
pub const UPDATE_PASSWORD_PROFILE: DirectoryOperation = op("Update PasswordProfile", USERS, CORE, "Update", "Directory");
pub const RESET_USER_PASSWORD: DirectoryOperation = op("Reset user password", USERS, CORE, "Update", "Directory");
pub const CHANGE_USER_PASSWORD: DirectoryOperation = op("Change user password", USERS, CORE, "Update", "Directory");
pub const UPDATE_STS_REFRESH_TOKEN: DirectoryOperation =
    op("Update StsRefreshTokenValidFrom Timestamp", USERS, CORE, "Update", "Directory");
pub const USER_REGISTERED_SECURITY_INFO: DirectoryOperation = op(
    "User registered security info",
    USERS,
    "Authentication Methods",
    "Add",
    "Authentication Methods",
);
pub const ADMIN_REGISTERED_SECURITY_INFO: DirectoryOperation = op(
    "Admin registered security info",
    USERS,
    "Authentication Methods",
    "Add",
    "Authentication Methods",
);
pub const USER_DELETED_SECURITY_INFO: DirectoryOperation = op(
    "User deleted security info",
    USERS,
    "Authentication Methods",
    "Delete",
    "Authentication Methods",
);
pub const ADMIN_DELETED_SECURITY_INFO: DirectoryOperation = op(
    "Admin deleted security info",
    USERS,
    "Authentication Methods",
    "Delete",
    "Authentication Methods",
);
pub const INVITE_EXTERNAL_USER: DirectoryOperation = op("Invite external user", USERS, "Invited Users", "Add", "Invited Users");
pub const REDEEM_EXTERNAL_USER_INVITE: DirectoryOperation = op("Redeem external user invite", USERS, "B2B Auth", "Update", "B2B Auth");

// Groups (§2.5).
pub const ADD_GROUP: DirectoryOperation = op("Add group", GROUPS, CORE, "Add", "Directory");
pub const UPDATE_GROUP: DirectoryOperation = op("Update group", GROUPS, CORE, "Update", "Directory");
pub const DELETE_GROUP: DirectoryOperation = op("Delete group", GROUPS, CORE, "Delete", "Directory");
pub const ADD_MEMBER_TO_GROUP: DirectoryOperation = op("Add member to group", GROUPS, CORE, "Assign", "Directory");
pub const REMOVE_MEMBER_FROM_GROUP: DirectoryOperation = op("Remove member from group", GROUPS, CORE, "Unassign", "Directory");
pub const ADD_OWNER_TO_GROUP: DirectoryOperation = op("Add owner to group", GROUPS, CORE, "Assign", "Directory");

// Conditional Access and other policies (§2.7), cross-tenant access (§2.8).
pub const ADD_CONDITIONAL_ACCESS_POLICY: DirectoryOperation =
    op("Add conditional access policy", "Policy", "Conditional Access", "Add", "IPCGraph");
pub const UPDATE_CONDITIONAL_ACCESS_POLICY: DirectoryOperation = op(
    "Update conditional access policy",
    "Policy",
    "Conditional Access",
    "Update",
    "IPCGraph",
);
pub const DELETE_CONDITIONAL_ACCESS_POLICY: DirectoryOperation = op(
    "Delete conditional access policy",
    "Policy",
    "Conditional Access",
    "Delete",
    "IPCGraph",
);
pub const ADD_POLICY: DirectoryOperation = op("Add policy", "Policy", CORE, "Add", "Directory");
pub const UPDATE_POLICY: DirectoryOperation = op("Update policy", "Policy", CORE, "Update", "Directory");
pub const DELETE_POLICY: DirectoryOperation = op("Delete policy", "Policy", CORE, "Delete", "Directory");
pub const UPDATE_AUTHORIZATION_POLICY: DirectoryOperation =
    op("Update authorization policy", "AuthorizationPolicy", CORE, "Update", "Directory");
pub const ADD_CROSS_TENANT_PARTNER: DirectoryOperation = op(
    "Add a partner to cross-tenant access setting",
    "CrossTenantAccessSettings",
    CORE,
    "Add",
    "Directory",
);
pub const UPDATE_CROSS_TENANT_PARTNER: DirectoryOperation = op(
    "Update a partner cross-tenant access setting",
    "CrossTenantAccessSettings",
    CORE,
    "Update",
    "Directory",
);
pub const DELETE_CROSS_TENANT_PARTNER: DirectoryOperation = op(
    "Delete partner specific cross-tenant access setting",
    "CrossTenantAccessSettings",
    CORE,
    "Delete",
    "Directory",
);

// Domains (§2.9) and devices (§2.10).
/// A Global Administrator's elevation to User Access Administrator at the root of Azure
/// (Microsoft's "Elevate access" docs; SENT `AzureRBAC.yaml`, Sigma's rule of the same record).
pub const ELEVATE_ACCESS: DirectoryOperation = op(
    "User has elevated their access to User Access Administrator for their Azure Resources",
    "AzureRBACRoleManagementElevateAccess",
    "Azure RBAC (Elevated Access)",
    "Assign",
    "Directory",
);
pub const ADD_UNVERIFIED_DOMAIN: DirectoryOperation = op("Add unverified domain", "DirectoryManagement", CORE, "Add", "Directory");
pub const ADD_VERIFIED_DOMAIN: DirectoryOperation = op("Add verified domain", "DirectoryManagement", CORE, "Add", "Directory");
pub const VERIFY_DOMAIN: DirectoryOperation = op("Verify domain", "DirectoryManagement", CORE, "Update", "Directory");
pub const SET_DOMAIN_AUTHENTICATION: DirectoryOperation =
    op("Set domain authentication", "DirectoryManagement", CORE, "Update", "Directory");
pub const SET_FEDERATION_SETTINGS: DirectoryOperation = op(
    "Set federation settings on domain",
    "DirectoryManagement",
    CORE,
    "Update",
    "Directory",
);
pub const ADD_DEVICE: DirectoryOperation = op("Add device", "Device", CORE, "Add", "Directory");
pub const UPDATE_DEVICE: DirectoryOperation = op("Update device", "Device", CORE, "Update", "Directory");
pub const DELETE_DEVICE: DirectoryOperation = op("Delete device", "Device", CORE, "Delete", "Directory");
pub const ADD_REGISTERED_OWNER_TO_DEVICE: DirectoryOperation = op("Add registered owner to device", "Device", CORE, "Assign", "Directory");
pub const REGISTER_DEVICE: DirectoryOperation = op(
    "Register device",
    "Device",
    "Device Registration Service",
    "Add",
    "Device Registration Service",
);
