//! Azure Resource Manager operations as `AzureActivity` records name them: the operation in ARM's
//! casing (upper-cased into `OperationNameValue`), its display name (`OperationName`), the HTTP
//! method and the sequence of status events it logs (docs/reference/arm-and-keyvault-operations.md
//! §1.1, §1.3; display names marked there as observed or from Microsoft's operation list). Where no
//! source gives a display name (Machine Learning, tags, Cloud Shell), the name here follows ARM's
//! pattern and says so beside it; queries match those operations on `OperationNameValue`.

/// How an operation's events run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmFlow {
    /// A synchronous write or action: `Start`, then `Success` (`OK`/`Created`).
    Sync,
    /// An asynchronous write, delete or action: `Start`, `Accept` (ARM accepted it), `Success`.
    Async,
}

/// The Activity log category an operation's events land in (`Category`, `CategoryValue`,
/// `Properties_d.eventCategory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmCategory {
    /// Create, update, delete and action operations: nearly all of them.
    Administrative,
    /// Security-relevant operations Azure logs apart, such as a subscription's move to another
    /// tenant (Microsoft's published subscription-migration rule lists it under `Security`).
    Security,
}

impl ArmCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            ArmCategory::Administrative => "Administrative",
            ArmCategory::Security => "Security",
        }
    }
}

/// One ARM operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArmOperation {
    /// The operation as ARM names it, e.g. `Microsoft.Compute/virtualMachines/write`.
    pub name: &'static str,
    /// `OperationName`: the display name, e.g. `Create or Update Virtual Machine`.
    pub display: &'static str,
    /// `HTTPRequest.method`: `PUT` for writes, `DELETE` for deletes, `POST` for actions.
    pub method: &'static str,
    /// Its status events.
    pub flow: ArmFlow,
    /// The category its events land in.
    pub category: ArmCategory,
}

const fn arm(name: &'static str, display: &'static str, flow: ArmFlow) -> ArmOperation {
    ArmOperation {
        name,
        display,
        method: method_of(name),
        flow,
        category: ArmCategory::Administrative,
    }
}

/// An operation logged under the `Security` category.
const fn security(operation: ArmOperation) -> ArmOperation {
    ArmOperation {
        category: ArmCategory::Security,
        ..operation
    }
}

/// The HTTP method of an operation: `DELETE` for deletes, `POST` for actions, `PUT` for writes.
const fn method_of(name: &str) -> &'static str {
    if ends_with(name, b"/delete") {
        "DELETE"
    } else if ends_with(name, b"/action") {
        "POST"
    } else {
        "PUT"
    }
}

/// An operation as an event refers to it: one of the catalogue, or any ARM operation a scenario
/// names, whose display name is then its ARM name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArmOp<'a> {
    /// The operation as ARM names it.
    pub name: &'a str,
    /// `OperationName`.
    pub display: &'a str,
    /// `HTTPRequest.method`.
    pub method: &'static str,
    /// Its status events.
    pub flow: ArmFlow,
    /// The category its events land in.
    pub category: ArmCategory,
}

impl ArmOperation {
    /// The catalogue operation as an event refers to it.
    pub fn op(&'static self) -> ArmOp<'static> {
        ArmOp {
            name: self.name,
            display: self.display,
            method: self.method,
            flow: self.flow,
            category: self.category,
        }
    }
}

impl<'a> ArmOp<'a> {
    /// Any operation by its ARM name: the catalogue's when it has it, else one displayed by its
    /// name, asynchronous unless it is an action.
    pub fn named(name: &'a str) -> ArmOp<'a> {
        if let Some((_, op)) = ARM_OPERATIONS.iter().find(|(_, op)| op.name.eq_ignore_ascii_case(name)) {
            return op.op();
        }
        let method = method_of(name);
        ArmOp {
            name,
            display: name,
            method,
            flow: if method == "POST" { ArmFlow::Sync } else { ArmFlow::Async },
            category: ArmCategory::Administrative,
        }
    }
}

/// `name` ends with `suffix` (a `const` test, so the method is derived once, at compile time).
const fn ends_with(name: &str, suffix: &[u8]) -> bool {
    let name = name.as_bytes();
    if name.len() < suffix.len() {
        return false;
    }
    let start = name.len() - suffix.len();
    let mut i = 0;
    while i < suffix.len() {
        if name[start + i] != suffix[i] {
            return false;
        }
        i += 1;
    }
    true
}

use ArmFlow::{Async, Sync};

/// The operations scenarios may name by key, with their real strings.
pub const ARM_OPERATIONS: &[(&str, ArmOperation)] = &[
    (
        "role_assignment_write",
        arm("Microsoft.Authorization/roleAssignments/write", "Create role assignment", Sync),
    ),
    (
        "role_assignment_delete",
        arm("Microsoft.Authorization/roleAssignments/delete", "Delete role assignment", Sync),
    ),
    (
        "role_definition_write",
        arm(
            "Microsoft.Authorization/roleDefinitions/write",
            "Create or update custom role definition",
            Sync,
        ),
    ),
    (
        "elevate_access",
        arm(
            "Microsoft.Authorization/elevateAccess/action",
            "Assigns the caller to User Access Administrator role",
            Sync,
        ),
    ),
    (
        "policy_assignment_write",
        arm("Microsoft.Authorization/policyAssignments/write", "Create policy assignment", Sync),
    ),
    (
        "policy_assignment_delete",
        arm("Microsoft.Authorization/policyAssignments/delete", "Delete policy assignment", Sync),
    ),
    (
        "lock_delete",
        arm("Microsoft.Authorization/locks/delete", "Delete management locks", Sync),
    ),
    (
        "vm_write",
        arm("Microsoft.Compute/virtualMachines/write", "Create or Update Virtual Machine", Async),
    ),
    (
        "vm_delete",
        arm("Microsoft.Compute/virtualMachines/delete", "Delete Virtual Machine", Async),
    ),
    (
        "vm_start",
        arm("Microsoft.Compute/virtualMachines/start/action", "Start Virtual Machine", Async),
    ),
    (
        "vm_deallocate",
        arm(
            "Microsoft.Compute/virtualMachines/deallocate/action",
            "Deallocate Virtual Machine",
            Async,
        ),
    ),
    (
        "vm_restart",
        arm("Microsoft.Compute/virtualMachines/restart/action", "Restart Virtual Machine", Async),
    ),
    (
        "vm_run_command",
        arm(
            "Microsoft.Compute/virtualMachines/runCommand/action",
            "Run Command on Virtual Machine",
            Async,
        ),
    ),
    (
        "vm_extension_write",
        arm(
            "Microsoft.Compute/virtualMachines/extensions/write",
            "Create or Update Virtual Machine Extension",
            Async,
        ),
    ),
    ("disk_write", arm("Microsoft.Compute/disks/write", "Create or Update Disk", Async)),
    (
        "snapshot_write",
        arm("Microsoft.Compute/snapshots/write", "Create or Update Snapshot", Async),
    ),
    (
        "nsg_write",
        arm(
            "Microsoft.Network/networkSecurityGroups/write",
            "Create or Update Network Security Group",
            Async,
        ),
    ),
    (
        "nsg_delete",
        arm(
            "Microsoft.Network/networkSecurityGroups/delete",
            "Delete Network Security Group",
            Async,
        ),
    ),
    (
        "nsg_rule_write",
        arm(
            "Microsoft.Network/networkSecurityGroups/securityRules/write",
            "Create or Update Security Rule",
            Async,
        ),
    ),
    (
        "nsg_rule_delete",
        arm(
            "Microsoft.Network/networkSecurityGroups/securityRules/delete",
            "Delete Security Rule",
            Async,
        ),
    ),
    (
        "public_ip_write",
        arm(
            "Microsoft.Network/publicIPAddresses/write",
            "Create or Update Public Ip Address",
            Async,
        ),
    ),
    (
        "nic_write",
        arm(
            "Microsoft.Network/networkInterfaces/write",
            "Create or Update Network Interface",
            Async,
        ),
    ),
    (
        "vnet_write",
        arm("Microsoft.Network/virtualNetworks/write", "Create or Update Virtual Network", Async),
    ),
    (
        "storage_account_write",
        arm("Microsoft.Storage/storageAccounts/write", "Create/Update Storage Account", Async),
    ),
    (
        "storage_account_delete",
        arm("Microsoft.Storage/storageAccounts/delete", "Delete Storage Account", Sync),
    ),
    (
        "storage_list_keys",
        arm(
            "Microsoft.Storage/storageAccounts/listKeys/action",
            "List Storage Account Keys",
            Sync,
        ),
    ),
    (
        "storage_regenerate_key",
        arm(
            "Microsoft.Storage/storageAccounts/regenerateKey/action",
            "Regenerate Storage Account Keys",
            Sync,
        ),
    ),
    (
        "resource_group_write",
        arm(
            "Microsoft.Resources/subscriptions/resourceGroups/write",
            "Create Resource Group",
            Sync,
        ),
    ),
    (
        "resource_group_delete",
        arm(
            "Microsoft.Resources/subscriptions/resourceGroups/delete",
            "Delete Resource Group",
            Async,
        ),
    ),
    (
        "deployment_write",
        arm("Microsoft.Resources/deployments/write", "Create Deployment", Async),
    ),
    ("keyvault_write", arm("Microsoft.KeyVault/vaults/write", "Update Key Vault", Sync)),
    ("keyvault_delete", arm("Microsoft.KeyVault/vaults/delete", "Delete Key Vault", Sync)),
    (
        "keyvault_access_policy_write",
        arm("Microsoft.KeyVault/vaults/accessPolicies/write", "Update Access Policy", Sync),
    ),
    (
        "diagnostic_settings_write",
        arm(
            "Microsoft.Insights/diagnosticSettings/write",
            "Create or update resource diagnostic setting",
            Sync,
        ),
    ),
    (
        "diagnostic_settings_delete",
        arm(
            "Microsoft.Insights/diagnosticSettings/delete",
            "Delete resource diagnostic setting",
            Sync,
        ),
    ),
    // Display names unconfirmed for the next four.
    (
        "ml_workspace_write",
        arm(
            "Microsoft.MachineLearningServices/workspaces/write",
            "Create or Update Workspace",
            Async,
        ),
    ),
    (
        "ml_compute_write",
        arm(
            "Microsoft.MachineLearningServices/workspaces/computes/write",
            "Create or Update Compute",
            Async,
        ),
    ),
    (
        "cloud_shell_write",
        arm("Microsoft.Portal/consoles/write", "Create or update a Cloud Shell instance", Sync),
    ),
    (
        "web_site_write",
        arm("Microsoft.Web/sites/write", "Create or Update Web App", Async),
    ),
    (
        "web_publishing_profile",
        arm("Microsoft.Web/sites/publishxml/action", "Get Web App Publishing Profile", Sync),
    ),
    (
        "web_config_list",
        arm(
            "Microsoft.Web/sites/config/list/action",
            "List Web App Security Sensitive Settings",
            Sync,
        ),
    ),
    (
        "sql_firewall_rule_write",
        arm(
            "Microsoft.Sql/servers/firewallRules/write",
            "Create new or update existing server firewall rule",
            Async,
        ),
    ),
    (
        "sql_database_write",
        arm("Microsoft.Sql/servers/databases/write", "Create/Update Database", Async),
    ),
    (
        "automation_runbook_write",
        arm(
            "Microsoft.Automation/automationAccounts/runbooks/write",
            "Create or Update an Azure Automation Runbook",
            Sync,
        ),
    ),
    ("logic_app_write", arm("Microsoft.Logic/workflows/write", "Set Workflow", Sync)),
    ("tags_write", arm("Microsoft.Resources/tags/write", "Create or Update Tags", Sync)),
    // No source gives these two display names; they follow ARM's pattern. The move's events are
    // `Security` and its message names both tenants (the subscription-migration rule reads it).
    (
        "subscription_move",
        security(arm(
            "Microsoft.Subscription/updateTenant/action",
            "Update the tenant of a subscription",
            Sync,
        )),
    ),
    (
        "subscription_alias_write",
        arm(
            "Microsoft.Subscription/aliases/write",
            "Create or update a subscription alias",
            Async,
        ),
    ),
];

/// An operation by key.
pub fn arm_operation(key: &str) -> Option<&'static ArmOperation> {
    ARM_OPERATIONS.iter().find(|(k, _)| *k == key).map(|(_, op)| op)
}

/// The keys operations are named by.
pub fn arm_operation_keys() -> impl Iterator<Item = &'static str> {
    ARM_OPERATIONS.iter().map(|(k, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_follow_the_verb_and_keys_are_unique() {
        assert_eq!(arm_operation("vm_delete").unwrap().method, "DELETE");
        assert_eq!(arm_operation("storage_list_keys").unwrap().method, "POST");
        assert_eq!(arm_operation("role_assignment_write").unwrap().method, "PUT");
        let mut keys: Vec<&str> = arm_operation_keys().collect();
        let count = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), count);
    }
}
