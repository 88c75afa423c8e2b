//! Diagnostic settings' collection mode (`--diagnostics-mode`): whether a category's resource logs
//! land in the shared `AzureDiagnostics` table or in the category's resource-specific table
//! (docs/reference/resource-specific.md §1.1, RL; DS-REST `logAnalyticsDestinationType`).

use super::{Category, Table};
use serde::Serialize;

/// A diagnostic setting's destination table choice for one category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticsMode {
    /// Everything in `AzureDiagnostics` (the API's default, `logAnalyticsDestinationType: null`).
    #[default]
    Azure,
    /// One table per category (`logAnalyticsDestinationType: Dedicated`).
    ResourceSpecific,
}

impl DiagnosticsMode {
    /// Both modes, in the order reports list them.
    pub const ALL: [DiagnosticsMode; 2] = [DiagnosticsMode::Azure, DiagnosticsMode::ResourceSpecific];

    /// The spelling `--diagnostics-mode` takes and reports show.
    pub fn name(self) -> &'static str {
        match self {
            DiagnosticsMode::Azure => "azure",
            DiagnosticsMode::ResourceSpecific => "resource-specific",
        }
    }

    /// The other of the two modes.
    pub fn other(self) -> DiagnosticsMode {
        match self {
            DiagnosticsMode::Azure => DiagnosticsMode::ResourceSpecific,
            DiagnosticsMode::ResourceSpecific => DiagnosticsMode::Azure,
        }
    }

    fn parse(text: &str) -> Result<DiagnosticsMode, ModeError> {
        DiagnosticsMode::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| ModeError::UnknownMode(text.trim().to_owned()))
    }
}

/// The categories `--diagnostics-mode` names: those of tenantless's tables that land in
/// `AzureDiagnostics` in the default mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeCategory {
    /// Key Vault `AuditEvent`: `AZKVAuditLogs` in resource-specific mode.
    KeyVault,
    /// Logic Apps (Consumption) `WorkflowRuntime`: `AzureDiagnostics` only.
    LogicApps,
}

impl ModeCategory {
    const ALL: [ModeCategory; 2] = [ModeCategory::KeyVault, ModeCategory::LogicApps];

    fn name(self) -> &'static str {
        match self {
            ModeCategory::KeyVault => "keyvault",
            ModeCategory::LogicApps => "logicapps",
        }
    }
}

/// Why a `--diagnostics-mode` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModeError {
    /// A category that is not one of [`ModeCategory`].
    #[error("--diagnostics-mode: unknown category `{0}`; the categories are keyvault and logicapps (e.g. keyvault=resource-specific)")]
    UnknownCategory(String),
    /// A mode that is neither `azure` nor `resource-specific`.
    #[error("--diagnostics-mode: unknown mode `{0}`; the modes are azure and resource-specific (e.g. keyvault=resource-specific)")]
    UnknownMode(String),
    /// Resource-specific mode for Logic Apps: tenantless simulates Consumption workflows, which
    /// Microsoft documents as logging to AzureDiagnostics only (resource-specific.md §2.1: SL-LOGIC,
    /// LA-REF); `LogicAppWorkflowRuntime` is fed by Logic Apps Standard (SL-WEB, LA-DIAG).
    #[error(
        "--diagnostics-mode logicapps=resource-specific: the Logic Apps tenantless simulates are Consumption workflows (Microsoft.Logic/workflows), whose WorkflowRuntime logs go to AzureDiagnostics only; LogicAppWorkflowRuntime holds Logic Apps Standard (Microsoft.Web/sites) runs, which tenantless does not simulate. Keep logicapps=azure (the default) and use keyvault=resource-specific for Key Vault"
    )]
    LogicAppsResourceSpecific,
}

/// The mode of every category that has two: what a run writes and an estimate prices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct DiagnosticsModes {
    /// Key Vault `AuditEvent`.
    pub keyvault: DiagnosticsMode,
}

impl DiagnosticsModes {
    /// Every category that supports it in resource-specific mode.
    pub const RESOURCE_SPECIFIC: DiagnosticsModes = DiagnosticsModes {
        keyvault: DiagnosticsMode::ResourceSpecific,
    };

    /// The modes `--diagnostics-mode` values set, in order, over the default (`azure` for all):
    /// `CATEGORY=MODE`, or a bare `MODE` for every category that supports it.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<DiagnosticsModes, ModeError> {
        let mut modes = DiagnosticsModes::default();
        for value in values {
            let value = value.as_ref();
            let Some((category, mode)) = value.split_once('=') else {
                // A bare mode leaves Logic Apps in AzureDiagnostics, the only table it has.
                modes.keyvault = DiagnosticsMode::parse(value)?;
                continue;
            };
            let wanted = category.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
            let category = ModeCategory::ALL
                .into_iter()
                .find(|c| c.name() == wanted)
                .ok_or_else(|| ModeError::UnknownCategory(category.trim().to_owned()))?;
            let mode = DiagnosticsMode::parse(mode)?;
            match (category, mode) {
                (ModeCategory::KeyVault, mode) => modes.keyvault = mode,
                (ModeCategory::LogicApps, DiagnosticsMode::Azure) => {}
                (ModeCategory::LogicApps, DiagnosticsMode::ResourceSpecific) => return Err(ModeError::LogicAppsResourceSpecific),
            }
        }
        Ok(modes)
    }

    /// Whether every category is in its default mode (the run writes the five default tables).
    pub fn is_default(&self) -> bool {
        *self == DiagnosticsModes::default()
    }

    /// The mode of `category`, `None` for a category with one table only.
    pub fn mode_of(&self, category: Category) -> Option<DiagnosticsMode> {
        match category {
            Category::KeyVaultAuditEvent => Some(self.keyvault),
            _ => None,
        }
    }

    /// These modes with `category` switched to `mode` (unchanged for a category with one table).
    pub fn with(mut self, category: Category, mode: DiagnosticsMode) -> DiagnosticsModes {
        if category == Category::KeyVaultAuditEvent {
            self.keyvault = mode;
        }
        self
    }

    /// The table `category`'s records land in.
    pub fn table(&self, category: Category) -> Table {
        match (category, self.keyvault) {
            (Category::KeyVaultAuditEvent, DiagnosticsMode::ResourceSpecific) => Table::AZKVAuditLogs,
            _ => category.table(),
        }
    }

    /// The tables a run in these modes writes, in [`Table::ALL`] order: those some category lands in.
    pub fn tables(&self) -> Vec<Table> {
        Table::ALL
            .into_iter()
            .filter(|t| Category::ALL.iter().any(|c| self.table(*c) == *t))
            .collect()
    }

    /// The categories with two modes, for side-by-side comparisons.
    pub fn switchable() -> impl Iterator<Item = Category> {
        Category::ALL
            .into_iter()
            .filter(|c| DiagnosticsModes::default().mode_of(*c).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_per_category_and_bare() {
        assert_eq!(DiagnosticsModes::parse::<&str>(&[]), Ok(DiagnosticsModes::default()));
        assert_eq!(
            DiagnosticsModes::parse(&["keyvault=resource-specific"]),
            Ok(DiagnosticsModes::RESOURCE_SPECIFIC)
        );
        assert_eq!(
            DiagnosticsModes::parse(&["resource-specific"]),
            Ok(DiagnosticsModes::RESOURCE_SPECIFIC)
        );
        assert_eq!(
            DiagnosticsModes::parse(&["resource-specific", "KeyVault=azure", "logicapps=azure"]),
            Ok(DiagnosticsModes::default())
        );
    }

    #[test]
    fn bad_values_are_refused_with_what_is_valid() {
        let unknown = DiagnosticsModes::parse(&["storage=azure"]).unwrap_err();
        assert_eq!(unknown, ModeError::UnknownCategory("storage".into()));
        assert!(unknown.to_string().contains("keyvault and logicapps"));
        let mode = DiagnosticsModes::parse(&["keyvault=dedicated"]).unwrap_err();
        assert!(mode.to_string().contains("azure and resource-specific"), "{mode}");
        let logic = DiagnosticsModes::parse(&["logicapps=resource-specific"]).unwrap_err();
        assert_eq!(logic, ModeError::LogicAppsResourceSpecific);
        assert!(logic.to_string().contains("Consumption") && logic.to_string().contains("Standard"));
    }

    #[test]
    fn resource_specific_key_vault_lands_in_its_own_table() {
        let modes = DiagnosticsModes::RESOURCE_SPECIFIC;
        assert_eq!(modes.table(Category::KeyVaultAuditEvent), Table::AZKVAuditLogs);
        assert_eq!(modes.table(Category::LogicAppsWorkflowRuntime), Table::AzureDiagnostics);
        assert_eq!(modes.tables().len(), 6);
        assert_eq!(DiagnosticsModes::default().tables().len(), 5);
        assert!(!DiagnosticsModes::default().tables().contains(&Table::AZKVAuditLogs));
    }
}
