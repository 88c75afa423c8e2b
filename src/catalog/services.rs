//! Microsoft services and client applications that appear as actors: first-party services that
//! initiate directory changes or call resources on their own (PIM, Teams, Azure Resource Graph), and
//! the client apps people use to manage a tenant (portal, Azure CLI, PowerShell). App ids are the
//! published, global ids of these applications (docs/reference/audit-operations.md §1.3,
//! arm-and-keyvault-operations.md §1.2, §2.6).

/// A Microsoft application: a service acting on its own, or a client people sign in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MicrosoftApp {
    /// Scenario key, e.g. `azure_cli`.
    pub key: &'static str,
    /// Display name, as `InitiatedBy.app.displayName` and `Identity` show it.
    pub name: &'static str,
    /// The global application id; empty where no public source gives it (app-initiated audit
    /// records carry a null `appId` anyway: audit-operations.md §1.3).
    pub app_id: &'static str,
    /// The user agent of its calls (empty when records carry none).
    pub user_agent: &'static str,
}

const fn app(key: &'static str, name: &'static str, app_id: &'static str, user_agent: &'static str) -> MicrosoftApp {
    MicrosoftApp {
        key,
        name,
        app_id,
        user_agent,
    }
}

/// Services that write directory changes or call resources by themselves.
pub const SERVICES: &[MicrosoftApp] = &[
    app("pim", "MS-PIM", "01fc33a7-78ba-4d2f-a4b7-768e336e890e", ""),
    app("teams", "Microsoft Teams Services", "", "SkypeSpaces/1.0a$*+"),
    app("intune", "Intune Compliance Client Prod", "", ""),
    app("device_registration", "Device Registration Service", "", ""),
    app(
        "managed_service_identity",
        "Managed Service Identity",
        "",
        "Microsoft Azure Graph Client Library 2.1.17-internal",
    ),
    app(
        "resource_graph",
        "Azure Resource Graph",
        "509e4652-da8d-478d-a730-e9d4a1996ca4",
        "AzureResourceGraph.IngestionWorkerService.global/1.24.1.672",
    ),
    app(
        "policy_insights",
        "Microsoft Policy Insights Provider Data Plane",
        "8cae6e77-e04e-42ce-b5cb-50d82bce26b1",
        "PolicyScan-GF",
    ),
];

/// Client applications people manage a tenant and its subscriptions with.
pub const CLIENTS: &[MicrosoftApp] = &[
    app(
        "portal",
        "Azure Portal",
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    ),
    app(
        "azure_cli",
        "Microsoft Azure CLI",
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "AZURECLI/2.67.0 (DEB) azsdk-python-core/1.31.0 Python/3.12.8",
    ),
    app(
        "azure_powershell",
        "Microsoft Azure PowerShell",
        "1950a258-227b-4e31-a9cf-717495945fc2",
        "AzurePowershell/v13.0.0 PSVersion/v7.4.6",
    ),
    app(
        "graph_powershell",
        "Microsoft Graph Command Line Tools",
        "14d82eec-204b-4c2f-b7e8-296a70dab67e",
        "Microsoft.Graph.PowerShell/2.25.0",
    ),
    app(
        "graph_explorer",
        "Graph Explorer",
        "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Graph Explorer",
    ),
];

/// A service by key.
pub fn service(key: &str) -> Option<&'static MicrosoftApp> {
    SERVICES.iter().find(|s| s.key == key)
}

/// A client application by key.
pub fn client_app(key: &str) -> Option<&'static MicrosoftApp> {
    CLIENTS.iter().find(|c| c.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_ids_are_unique() {
        let all: Vec<&MicrosoftApp> = SERVICES.iter().chain(CLIENTS).collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.key, b.key);
                assert!(a.app_id.is_empty() || a.app_id != b.app_id);
            }
        }
        assert_eq!(service("pim").unwrap().name, "MS-PIM");
        assert_eq!(client_app("azure_cli").unwrap().app_id, "04b07795-8ddb-461a-bbee-02f9e1bf7b46");
    }
}
