//! Reference facts the simulator needs: Microsoft first-party resource applications, Azure regions
//! with their datacenter address space and geo-location, and AADSTS failure codes.
//! Sources: docs/reference/azure-logs.md §5.1 (app IDs) and §5.2 (AADSTS codes).

// The directory operations, roles and services the action vocabulary will name; until it lands,
// only some are used.
pub mod arm;
pub mod directory;
pub mod keyvault;
pub mod outside;
pub mod roles;
pub mod services;

/// Tenant id that owns Microsoft's first-party applications (`AppOwnerTenantId`/`ResourceOwnerTenantId`).
pub const MICROSOFT_SERVICES_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

/// A Microsoft first-party application that non-human identities request tokens for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstPartyApp {
    /// Scenario key, e.g. `arm`.
    pub key: &'static str,
    /// `ResourceDisplayName` in sign-in logs.
    pub display_name: &'static str,
    /// `ResourceIdentity` in sign-in logs: the app's global application id.
    pub app_id: &'static str,
    /// Token audience seen in `Claims_d.aud`.
    pub audience: &'static str,
}

/// The first-party resource applications scenarios may name (key → real app id).
pub const FIRST_PARTY_APPS: &[FirstPartyApp] = &[
    FirstPartyApp {
        key: "arm",
        display_name: "Windows Azure Service Management API",
        app_id: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        audience: "https://management.core.windows.net/",
    },
    FirstPartyApp {
        key: "graph",
        display_name: "Microsoft Graph",
        app_id: "00000003-0000-0000-c000-000000000000",
        audience: "https://graph.microsoft.com",
    },
    FirstPartyApp {
        key: "aad_graph",
        display_name: "Windows Azure Active Directory",
        app_id: "00000002-0000-0000-c000-000000000000",
        audience: "https://graph.windows.net/",
    },
    FirstPartyApp {
        key: "key_vault",
        display_name: "Azure Key Vault",
        app_id: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
        audience: "https://vault.azure.net",
    },
    FirstPartyApp {
        key: "sql",
        display_name: "Azure SQL Database",
        app_id: "022907d3-0f1b-48f7-badc-1ba6abab6d66",
        audience: "https://database.windows.net/",
    },
    FirstPartyApp {
        key: "storage",
        display_name: "Azure Storage",
        app_id: "e406a681-f3d4-42a8-90b6-c2b029497af1",
        audience: "https://storage.azure.com/",
    },
    FirstPartyApp {
        key: "log_analytics",
        display_name: "Log Analytics API",
        app_id: "ca7f3f0b-7d91-482c-8e09-c5d840d0eac5",
        audience: "https://api.loganalytics.io",
    },
    FirstPartyApp {
        key: "devops",
        display_name: "Azure DevOps",
        app_id: "499b84ac-1321-427f-aa17-267ca6975798",
        audience: "499b84ac-1321-427f-aa17-267ca6975798",
    },
    FirstPartyApp {
        key: "exchange",
        display_name: "Office 365 Exchange Online",
        app_id: "00000002-0000-0ff1-ce00-000000000000",
        audience: "https://outlook.office365.com",
    },
    FirstPartyApp {
        key: "logic_apps",
        display_name: "Azure Logic Apps",
        app_id: "7cd684f4-8a78-49b0-91ec-6a35d38739ba",
        audience: "https://logic.azure.com/",
    },
];

/// Looks up a first-party app by its scenario key.
pub fn first_party(key: &str) -> Option<&'static FirstPartyApp> {
    FIRST_PARTY_APPS.iter().find(|app| app.key == key)
}

/// The ARM app every deployment signs in to.
pub fn arm() -> &'static FirstPartyApp {
    &FIRST_PARTY_APPS[0]
}

/// An Azure region: where its datacenter egress addresses come from and how Entra geo-locates them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub name: &'static str,
    pub city: &'static str,
    pub state: &'static str,
    pub country: &'static str,
    pub latitude: f64,
    pub longitude: f64,
    /// /16 prefixes of Azure public address space used for this region's egress addresses
    /// (plausible, not an authoritative service-tag list).
    pub prefixes: &'static [[u8; 2]],
}

pub const REGIONS: &[Region] = &[
    Region {
        name: "westeurope",
        city: "Amsterdam",
        state: "Noord-Holland",
        country: "NL",
        latitude: 52.374,
        longitude: 4.8897,
        prefixes: &[[20, 103], [52, 166], [13, 69], [40, 114]],
    },
    Region {
        name: "northeurope",
        city: "Dublin",
        state: "Dublin",
        country: "IE",
        latitude: 53.3331,
        longitude: -6.2489,
        prefixes: &[[20, 67], [52, 169], [40, 113]],
    },
    Region {
        name: "germanywestcentral",
        city: "Frankfurt am Main",
        state: "Hessen",
        country: "DE",
        latitude: 50.1109,
        longitude: 8.6821,
        prefixes: &[[20, 79], [51, 116]],
    },
    Region {
        name: "eastus",
        city: "Boydton",
        state: "Virginia",
        country: "US",
        latitude: 36.6676,
        longitude: -78.3875,
        prefixes: &[[20, 42], [40, 121], [52, 168]],
    },
    Region {
        name: "westus2",
        city: "Quincy",
        state: "Washington",
        country: "US",
        latitude: 47.2343,
        longitude: -119.8526,
        prefixes: &[[20, 69], [52, 175]],
    },
];

pub fn region(name: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.name.eq_ignore_ascii_case(name))
}

/// The Azure region whose address space holds `ip`, if any.
pub fn region_of_ip(ip: std::net::Ipv4Addr) -> Option<&'static Region> {
    let o = ip.octets();
    REGIONS.iter().find(|r| r.prefixes.iter().any(|p| p[..] == o[..2]))
}

pub fn region_names() -> Vec<&'static str> {
    REGIONS.iter().map(|r| r.name).collect()
}

/// A sign-in failure an SP can hit (ENTRA reference-error-codes.md, via azure-logs.md §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInFailure {
    pub key: &'static str,
    pub code: &'static str,
    /// `ResultDescription` as real records carry it: the full AADSTS text, which quotes the app
    /// (`{appId}`, `{appName}`) and the tenant (`{tenantName}`) and carries the aka.ms links
    /// (real-exports.md §1).
    pub description: &'static str,
}

/// A failure description with the caller's app id, app name and tenant filled in.
pub fn describe_failure(template: &str, app_id: &str, app_name: &str, tenant_name: &str) -> String {
    template
        .replace("{appId}", app_id)
        .replace("{appName}", app_name)
        .replace("{tenantName}", tenant_name)
}

pub const SIGNIN_FAILURES: &[SignInFailure] = &[
    SignInFailure {
        key: "wrong_secret",
        code: "7000215",
        description: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{appId}'.",
    },
    SignInFailure {
        key: "expired_secret",
        code: "7000222",
        description: "The provided client secret keys for app '{appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
    },
    SignInFailure {
        key: "expired_certificate",
        code: "700027",
        description: "Client assertion failed signature validation. The key used is expired.",
    },
    SignInFailure {
        key: "invalid_certificate",
        code: "50012",
        description: "Authentication failed. Client assertion contains an invalid signature.",
    },
    SignInFailure {
        key: "disabled_app",
        code: "7000112",
        description: "Application '{appId}'({appName}) is disabled.",
    },
    SignInFailure {
        key: "unknown_app",
        code: "700016",
        description: "Application with identifier '{appId}' was not found in the directory '{tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
    },
];

pub fn signin_failure(key: &str) -> Option<&'static SignInFailure> {
    SIGNIN_FAILURES.iter().find(|f| f.key == key || f.code == key)
}

/// How an SDK records itself: the Key Vault `clientInfo_s` and API version, and the library its
/// token requests name in `AuthenticationProcessingDetails`. Strings as real records show them
/// (docs/reference/real-exports.md §1, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// `clientInfo_s` of its Key Vault calls.
    pub keyvault_client_info: &'static str,
    /// `OperationVersion` (the REST API version) of its Key Vault calls.
    pub keyvault_api_version: &'static str,
    /// `AuthenticationProcessingDetails` of its service principal sign-ins.
    pub sign_in_details: &'static str,
}

const MSAL_NET: &str = r#"[{"key":"Azure AD App Authentication Library","value":"Family: MSAL Library: MSAL.NET 4.66.2 Platform: .NET"},{"key":"IsCAEToken","value":"False"}]"#;
const MSAL_PYTHON: &str = r#"[{"key":"Azure AD App Authentication Library","value":"Family: MSAL Library: MSAL.Python 1.31.0 Platform: Python"},{"key":"IsCAEToken","value":"False"}]"#;

/// The clients a Key Vault reader may be, in the order [`keyvault_client`] picks from.
pub const KEYVAULT_CLIENTS: &[Client] = &[
    // Az PowerShell (`Connect-AzAccount`, `Get-AzKeyVaultSecret`), as the seed's VM script runs it.
    Client {
        keyvault_client_info: "PowerShell/7.4.6 Az.KeyVault/6.3.1",
        keyvault_api_version: "7.5",
        sign_in_details: MSAL_NET,
    },
    // The .NET SDK, as seen in a real export.
    Client {
        keyvault_client_info: "azsdk-net-Security.KeyVault.Secrets/4.3.0 (.NET 6.0.35; Microsoft Windows 10.0.14393)",
        keyvault_api_version: "7.3",
        sign_in_details: MSAL_NET,
    },
    // The Python SDK.
    Client {
        keyvault_client_info: "azsdk-python-keyvault-secrets/4.9.0 Python/3.11.10 (Linux-5.15.0-1074-azure-x86_64-with-glibc2.35)",
        keyvault_api_version: "7.5",
        sign_in_details: MSAL_PYTHON,
    },
];

/// The Azure CLI of a pipeline agent (`az login --service-principal`): MSAL for Python.
pub const AZURE_CLI: Client = Client {
    keyvault_client_info: "AZURECLI/2.67.0 (DEB) azsdk-python-keyvault-secrets/4.9.0 Python/3.12.8 (Linux-6.5.0-1025-azure-x86_64-with-glibc2.35)",
    keyvault_api_version: "7.5",
    sign_in_details: MSAL_PYTHON,
};

/// A Logic Apps API connection: its sign-ins name no library (elastic's connector sample).
pub const LOGIC_APPS_CONNECTOR: Client = Client {
    keyvault_client_info: "",
    keyvault_api_version: "7.5",
    sign_in_details: r#"[{"key":"Azure AD App Authentication Library","value":""}]"#,
};

/// The Key Vault client an identity reads secrets with, stable per identity: a VM's system-assigned
/// identity runs Az PowerShell, a user-assigned one an app on the .NET SDK, and service principals
/// one of the three, by `key` (the identity's object id).
pub fn keyvault_client(system_assigned: bool, user_assigned: bool, key: &[u8; 16]) -> &'static Client {
    let index = if system_assigned {
        0
    } else if user_assigned {
        1
    } else {
        usize::from(key[0]) % KEYVAULT_CLIENTS.len()
    };
    &KEYVAULT_CLIENTS[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_party_keys_and_ids_are_unique() {
        for (i, a) in FIRST_PARTY_APPS.iter().enumerate() {
            for b in &FIRST_PARTY_APPS[i + 1..] {
                assert_ne!(a.key, b.key);
                assert_ne!(a.app_id, b.app_id);
            }
        }
        assert_eq!(arm().app_id, "797f4846-ba00-4fd7-ba43-dac1f8f63013");
        assert_eq!(first_party("key_vault").unwrap().display_name, "Azure Key Vault");
    }

    #[test]
    fn failures_resolve_by_key_or_code() {
        assert_eq!(signin_failure("expired_secret").unwrap().code, "7000222");
        assert_eq!(signin_failure("7000215").unwrap().key, "wrong_secret");
        assert!(signin_failure("nope").is_none());
    }
}
