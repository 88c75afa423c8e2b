//! The action vocabulary: every operation a scenario's `actions:` (and custom anomalies) can name
//! with `do:`, the fields each takes, and a line of documentation — declared once, for the
//! resolver, its errors and the scenario reference (which a test compares with this list).

/// The ARM operations `do:` may name by key, and their real strings.
pub use crate::catalog::arm::{ARM_OPERATIONS, ArmFlow, ArmOperation};
use crate::catalog::arm::{arm_operation, arm_operation_keys};

/// A directory operation an action performs (`AuditLogs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum DirectoryAction {
    /// Registers an application: `Add application`, then `Add service principal`.
    AddApplication,
    /// Adds a reply URL to an application (`AppAddress`; `reply_url`, default one on
    /// azurewebsites.net), or renames it with `new_name`.
    UpdateApplication,
    /// Deletes an application registration.
    DeleteApplication,
    /// Creates a service principal for an application (e.g. a multi-tenant app's, in this tenant).
    AddServicePrincipal,
    /// Removes a service principal.
    RemoveServicePrincipal,
    /// Adds a client secret or certificate to an application registration.
    AddApplicationCredential,
    /// Adds a client secret or certificate to a service principal object.
    AddServicePrincipalCredential,
    /// Removes one of an application's credentials.
    RemoveApplicationCredential,
    /// Removes one of a service principal object's credentials.
    RemoveServicePrincipalCredential,
    /// Adds a federated identity credential (an external issuer and subject) to an application.
    AddFederatedCredential,
    /// Makes a user or service principal an owner of an application.
    AddApplicationOwner,
    /// Makes a user or service principal an owner of a service principal.
    AddServicePrincipalOwner,
    /// Grants an application permission (app role) of an API to a service principal.
    AddAppRoleAssignment,
    /// Grants delegated permissions (scopes) of an API to a client application.
    AddDelegatedPermissionGrant,
    /// A user's or admin's consent to an application: its grant, then `Consent to application`.
    ConsentToApplication,
    /// Assigns a directory role directly (outside PIM).
    AddMemberToRole,
    /// Removes a directory role assignment.
    RemoveMemberFromRole,
    /// Makes a principal eligible for a role through PIM (request, then completion).
    PimAssignEligible,
    /// Assigns a role as active through PIM (request, completion, and PIM's own role write).
    PimAssignActive,
    /// A user activates an eligible role (request, completion, PIM's role write; expiry after
    /// `duration`).
    PimActivate,
    /// A user's activation request is denied.
    PimActivationDenied,
    /// Creates a custom directory role definition.
    AddRoleDefinition,
    /// Changes a custom directory role's permissions.
    UpdateRoleDefinition,
    /// Creates a user.
    AddUser,
    /// Updates a user's properties.
    UpdateUser,
    /// Deletes a user.
    DeleteUser,
    /// An admin resets a user's password.
    ResetUserPassword,
    /// A user changes their own password.
    ChangeUserPassword,
    /// Registers an authentication method for a user (an admin's, or the user's own).
    RegisterSecurityInfo,
    /// Deletes one of a user's authentication methods.
    DeleteSecurityInfo,
    /// Revokes a user's sessions (refresh tokens).
    RevokeSessions,
    /// Creates a group.
    AddGroup,
    /// Updates a group.
    UpdateGroup,
    /// Deletes a group.
    DeleteGroup,
    /// Adds a user or service principal to a group.
    AddMemberToGroup,
    /// Removes a member from a group.
    RemoveMemberFromGroup,
    /// Makes a user an owner of a group.
    AddOwnerToGroup,
    /// Invites a guest (`Invite external user`, and the guest's `Add user`).
    InviteExternalUser,
    /// A guest redeems an invitation.
    RedeemExternalUserInvite,
    /// Creates a Conditional Access policy.
    AddConditionalAccessPolicy,
    /// Changes a Conditional Access policy (`change`: report_only, disable, exclude_user).
    UpdateConditionalAccessPolicy,
    /// Deletes a Conditional Access policy.
    DeleteConditionalAccessPolicy,
    /// Adds a partner organisation to the cross-tenant access settings.
    AddCrossTenantPartner,
    /// Changes a partner's inbound or outbound cross-tenant access.
    UpdateCrossTenantPartner,
    /// Removes a partner's cross-tenant access settings.
    DeleteCrossTenantPartner,
    /// Adds an unverified domain.
    AddDomain,
    /// Verifies a domain.
    VerifyDomain,
    /// Federates a domain with an external identity provider (`Set domain authentication`, then
    /// `Set federation settings on domain`).
    SetDomainFederation,
    /// Changes the tenant's authorization policy (e.g. lets users consent to apps).
    UpdateAuthorizationPolicy,
    /// Registers a device.
    RegisterDevice,
    /// Updates a device.
    UpdateDevice,
    /// Deletes a device.
    DeleteDevice,
}

impl DirectoryAction {
    /// The fields it takes besides `by`, `do`, `at`/`schedule`/`after`, `ip` and `result`.
    pub fn fields(self) -> &'static [&'static str] {
        use DirectoryAction::*;
        match self {
            AddApplication | AddServicePrincipal | DeleteApplication | RemoveServicePrincipal => &["target"],
            UpdateApplication => &["target", "new_name", "reply_url"],
            AddApplicationCredential | AddServicePrincipalCredential => &["target", "credential_type"],
            RemoveApplicationCredential | RemoveServicePrincipalCredential => &["target"],
            AddFederatedCredential => &["target", "issuer", "subject"],
            AddApplicationOwner | AddServicePrincipalOwner => &["target", "member"],
            AddAppRoleAssignment => &["target", "app_role", "resource"],
            AddDelegatedPermissionGrant => &["target", "scopes", "resource", "consent"],
            ConsentToApplication => &["target", "scopes", "resource", "consent"],
            AddMemberToRole | RemoveMemberFromRole => &["member", "role"],
            PimAssignEligible | PimAssignActive => &["member", "role", "duration", "justification"],
            PimActivate | PimActivationDenied => &["role", "duration", "justification"],
            AddRoleDefinition | UpdateRoleDefinition => &["target", "permissions"],
            AddUser | UpdateUser | DeleteUser | ResetUserPassword | RevokeSessions => &["target"],
            ChangeUserPassword => &[],
            RegisterSecurityInfo | DeleteSecurityInfo => &["target", "method"],
            AddGroup | UpdateGroup | DeleteGroup => &["target"],
            AddMemberToGroup | RemoveMemberFromGroup | AddOwnerToGroup => &["member", "group"],
            InviteExternalUser => &["target"],
            RedeemExternalUserInvite => &[],
            AddConditionalAccessPolicy | DeleteConditionalAccessPolicy => &["policy"],
            UpdateConditionalAccessPolicy => &["policy", "change", "member"],
            AddCrossTenantPartner | DeleteCrossTenantPartner => &["partner_tenant"],
            UpdateCrossTenantPartner => &["partner_tenant", "direction", "access"],
            AddDomain | VerifyDomain => &["domain"],
            SetDomainFederation => &["domain", "issuer"],
            UpdateAuthorizationPolicy => &["change"],
            RegisterDevice | UpdateDevice | DeleteDevice => &["target", "os"],
        }
    }

    /// The fields it cannot do without.
    pub fn required(self) -> &'static [&'static str] {
        use DirectoryAction::*;
        match self {
            AddApplicationOwner | AddServicePrincipalOwner => &["target", "member"],
            AddAppRoleAssignment => &["target", "app_role"],
            AddMemberToRole | RemoveMemberFromRole | PimAssignEligible | PimAssignActive => &["member", "role"],
            PimActivate | PimActivationDenied => &["role"],
            AddMemberToGroup | RemoveMemberFromGroup | AddOwnerToGroup => &["member", "group"],
            AddConditionalAccessPolicy | DeleteConditionalAccessPolicy | UpdateConditionalAccessPolicy => &["policy"],
            AddCrossTenantPartner | DeleteCrossTenantPartner | UpdateCrossTenantPartner => &["partner_tenant"],
            AddDomain | VerifyDomain | SetDomainFederation => &["domain"],
            ChangeUserPassword | RedeemExternalUserInvite | UpdateAuthorizationPolicy => &[],
            _ => &["target"],
        }
    }

    /// Whether a workload identity may perform it (through Microsoft Graph), or only a person.
    pub fn apps_may_perform(self) -> bool {
        !matches!(
            self,
            DirectoryAction::ChangeUserPassword
                | DirectoryAction::PimActivate
                | DirectoryAction::PimActivationDenied
                | DirectoryAction::RedeemExternalUserInvite
        )
    }
}

/// Fields every ARM action takes besides `by`, `do`, the timing, `ip` and `result`.
pub const ARM_FIELDS: &[&str] = &[
    "resource",
    "resource_group",
    "role",
    "member",
    "scope",
    "vm_size",
    "publisher",
    "extension_type",
    "command",
    "port",
    "source",
    "access",
    "direction",
    "permissions",
    "sql_database",
    "file_uris",
    "partner_tenant",
];

/// Fields a Key Vault action takes.
pub const KEYVAULT_FIELDS: &[&str] = &["operation", "vault", "object", "status"];

/// Fields a sign-in action takes.
pub const SIGN_IN_FIELDS: &[&str] = &["resource", "count", "credential", "country", "spacing"];

/// Fields the generic ARM action (`do: arm`) takes: an operation by ARM name and a resource.
pub const GENERIC_ARM_FIELDS: &[&str] = &["operation", "resource", "resource_group", "role"];

/// What `do:` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// A directory change.
    Directory(DirectoryAction),
    /// An ARM operation of the catalogue, by key (`vm_write`, `role_assignment_write`, …).
    Arm(&'static ArmOperation),
    /// Any ARM operation by its ARM name (`do: arm`, `operation: Microsoft.Foo/bars/write`).
    GenericArm,
    /// Opens Cloud Shell: its console, and its storage account's creation and key listing.
    CloudShell,
    /// A Key Vault request (`do: keyvault`, `operation: SecretGet`).
    KeyVault,
    /// A sign-in of a workload identity, with any result.
    SignIn,
    /// A call to an API whose reads no table logs (Graph reads, storage reads): only the token
    /// it needs shows, as a sign-in when the identity holds none.
    ApiCall,
}

impl ActionKind {
    /// Parses a `do:` value.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "arm" => return Some(ActionKind::GenericArm),
            "cloud_shell" => return Some(ActionKind::CloudShell),
            "keyvault" => return Some(ActionKind::KeyVault),
            "sign_in" => return Some(ActionKind::SignIn),
            "api_call" => return Some(ActionKind::ApiCall),
            _ => {}
        }
        if let Ok(d) = name.parse::<DirectoryAction>() {
            return Some(ActionKind::Directory(d));
        }
        arm_operation(name).map(ActionKind::Arm)
    }

    /// Every `do:` name, for suggestions and the reference.
    pub fn names() -> Vec<String> {
        use strum::VariantArray;
        let mut names: Vec<String> = DirectoryAction::VARIANTS.iter().map(ToString::to_string).collect();
        names.extend(arm_operation_keys().map(str::to_owned));
        names.extend(["arm", "cloud_shell", "keyvault", "sign_in", "api_call"].map(str::to_owned));
        names
    }

    /// The fields it takes besides the common ones.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            ActionKind::Directory(d) => d.fields(),
            ActionKind::Arm(_) => ARM_FIELDS,
            ActionKind::GenericArm => GENERIC_ARM_FIELDS,
            ActionKind::CloudShell => &["storage"],
            ActionKind::KeyVault => KEYVAULT_FIELDS,
            ActionKind::SignIn => SIGN_IN_FIELDS,
            ActionKind::ApiCall => &["resource"],
        }
    }

    /// The values a closed-set `field` may take for this kind, the first being the default;
    /// `None` for free text.
    pub fn choices(self, field: &str) -> Option<&'static [&'static str]> {
        use DirectoryAction::*;
        Some(match (self, field) {
            (_, "consent") => &["user", "admin"],
            (_, "method") => &["authenticator", "phone", "fido2", "temporary_access_pass"],
            (ActionKind::Directory(UpdateConditionalAccessPolicy), "change") => &["report_only", "disable", "exclude_user"],
            (ActionKind::Directory(UpdateAuthorizationPolicy), "change") => &["user_consent"],
            (ActionKind::Directory(_), "direction") => &["inbound", "outbound"],
            (ActionKind::Directory(_), "access") => &["allowed", "blocked"],
            (ActionKind::CloudShell, "storage") => &["new", "existing"],
            (ActionKind::SignIn, "country") => crate::catalog::outside::OUTSIDE_COUNTRIES,
            (_, "direction") => &["Inbound", "Outbound"],
            (_, "access") => &["Allow", "Deny"],
            _ => return None,
        })
    }

    /// The fields it cannot do without.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            ActionKind::Directory(d) => d.required(),
            ActionKind::Arm(_) | ActionKind::CloudShell | ActionKind::SignIn => &[],
            ActionKind::ApiCall => &["resource"],
            ActionKind::GenericArm => &["operation", "resource"],
            ActionKind::KeyVault => &["operation", "vault"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn every_name_parses_back_and_names_are_unique() {
        let names = ActionKind::names();
        for name in &names {
            assert!(ActionKind::parse(name).is_some(), "{name}");
        }
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert!(ActionKind::parse("add_app_role_assignment").is_some());
        assert!(ActionKind::parse("vm_write").is_some());
        assert!(ActionKind::parse("nope").is_none());
    }

    #[test]
    fn required_fields_are_fields() {
        for d in DirectoryAction::VARIANTS {
            for f in d.required() {
                assert!(d.fields().contains(f), "{d}: {f}");
            }
        }
    }
}
