//! Table plans chosen with `--plan TABLE=PLAN`: refused where Microsoft's table feature list (as
//! the price file dates it) does not allow them, and the analytic rules a move off the Analytics
//! plan would disable (Sentinel's scheduled and NRT rules read Analytics tables only).

use super::prices::{Plan, Prices};
use crate::kql::{ColumnNeeds, TableFilter};
use crate::tables::Table;
use crate::verify::rule::Rule;
use serde::Serialize;
use std::collections::BTreeMap;

/// Why a `--plan` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The argument is not `TABLE=PLAN`.
    #[error("`--plan {0}`: write TABLE=PLAN, e.g. `--plan AADServicePrincipalSignInLogs=basic` (plans: analytics, basic, auxiliary)")]
    Syntax(String),
    /// No such table among the simulated ones.
    #[error("`--plan {table}=…`: tenantless simulates no table `{table}`; it simulates {known}")]
    UnknownTable {
        /// The table asked for.
        table: String,
        /// The simulated tables, listed.
        known: String,
    },
    /// The price file says nothing about the table's plans.
    #[error(
        "`--plan {table}=…`: {file} lists no plans for {table}; add `{table}: {{ plans: [analytics, …], transformations: …, source: … }}` under `plans:`"
    )]
    Unlisted {
        /// The table asked for.
        table: String,
        /// The price file.
        file: String,
    },
    /// The plan is not one the table may use.
    #[error(
        "{table} cannot use the {plan} plan: Microsoft's table feature list ({source_id}, {date}) allows {allowed} for it; \
         choose one of those, or leave {table} on analytics"
    )]
    Ineligible {
        /// The table asked for.
        table: String,
        /// The plan refused.
        plan: Plan,
        /// The plans it may use, listed.
        allowed: String,
        /// The price file's source of the list.
        source_id: String,
        /// That source's date.
        date: String,
    },
}

/// Parses one `--plan TABLE=PLAN` argument (the table's spelling is checked later, against the
/// simulated tables and the price file).
pub fn parse_plan(text: &str) -> Result<(String, Plan), PlanError> {
    let (table, plan) = text.split_once('=').ok_or_else(|| PlanError::Syntax(text.to_owned()))?;
    let plan = plan.trim().parse::<Plan>().map_err(|_| PlanError::Syntax(text.to_owned()))?;
    Ok((table.trim().to_owned(), plan))
}

/// Checks every chosen plan against the simulated tables and the price file's eligibility.
pub fn check(prices: &Prices, plans: &BTreeMap<String, Plan>) -> Result<(), PlanError> {
    for (table, &plan) in plans {
        let Some(simulated) = Table::ALL.iter().find(|t| t.name() == table) else {
            let known: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
            return Err(PlanError::UnknownTable {
                table: table.clone(),
                known: known.join(", "),
            });
        };
        let Some(allowed) = prices.book.plans.get(simulated.name()) else {
            return Err(PlanError::Unlisted {
                table: table.clone(),
                file: prices.path.display().to_string(),
            });
        };
        if !allowed.plans.contains(&plan) {
            let names: Vec<String> = allowed.plans.iter().map(Plan::to_string).collect();
            return Err(PlanError::Ineligible {
                table: table.clone(),
                plan,
                allowed: names.join(", "),
                source_id: allowed.source.clone(),
                date: prices.source(&allowed.source).map_or_else(String::new, |s| s.date.clone()),
            });
        }
    }
    Ok(())
}

/// A rule that reads a table the chosen plans move off Analytics.
#[derive(Debug, Clone, Serialize)]
pub struct DisabledRule {
    /// The rule's `name`.
    pub rule: String,
    /// Its file.
    pub path: String,
    /// The tables it reads (or may read) that leave Analytics, with their new plan.
    pub tables: Vec<(String, Plan)>,
}

/// The rules that could no longer run as Sentinel analytic rules: those whose query reads, or may
/// read (a `union *`, a wildcard, a mention in a comment), a table on Basic or Auxiliary.
pub fn disabled_rules(rules: &[Rule], plans: &BTreeMap<String, Plan>) -> Vec<DisabledRule> {
    let moved: Vec<(&String, Plan)> = plans.iter().filter(|(_, p)| **p != Plan::Analytics).map(|(t, p)| (t, *p)).collect();
    if moved.is_empty() {
        return Vec::new();
    }
    rules
        .iter()
        .filter_map(|rule| {
            let reads = TableFilter::for_queries([(rule.file.query.as_str(), ColumnNeeds::default())]);
            let tables: Vec<(String, Plan)> = moved
                .iter()
                .filter(|(t, _)| reads.wants(t))
                .map(|(t, p)| ((*t).clone(), *p))
                .collect();
            (!tables.is_empty()).then(|| DisabledRule {
                rule: rule.file.name.clone(),
                path: rule.path.display().to_string(),
                tables,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plans(pairs: &[(&str, Plan)]) -> BTreeMap<String, Plan> {
        pairs.iter().map(|(t, p)| ((*t).to_owned(), *p)).collect()
    }

    /// Microsoft's table feature list: the sign-in tables may be Basic or Auxiliary, AuditLogs
    /// Auxiliary but not Basic, AzureActivity and AzureDiagnostics Analytics only.
    #[test]
    fn eligibility_follows_the_table_feature_list() {
        let prices = Prices::bundled().unwrap();
        for table in ["AADServicePrincipalSignInLogs", "AADManagedIdentitySignInLogs"] {
            for plan in [Plan::Analytics, Plan::Basic, Plan::Auxiliary] {
                assert_eq!(check(&prices, &plans(&[(table, plan)])), Ok(()), "{table} {plan}");
            }
        }
        assert_eq!(check(&prices, &plans(&[("AuditLogs", Plan::Auxiliary)])), Ok(()));
        let refused = [
            ("AuditLogs", Plan::Basic),
            ("AzureActivity", Plan::Basic),
            ("AzureActivity", Plan::Auxiliary),
            ("AzureDiagnostics", Plan::Basic),
            ("AzureDiagnostics", Plan::Auxiliary),
        ];
        for (table, plan) in refused {
            let error = check(&prices, &plans(&[(table, plan)])).unwrap_err();
            assert!(matches!(error, PlanError::Ineligible { .. }), "{table} {plan}: {error}");
        }
    }

    #[test]
    fn a_refusal_says_why_and_what_to_do() {
        let prices = Prices::bundled().unwrap();
        let error = check(&prices, &plans(&[("AuditLogs", Plan::Basic)])).unwrap_err().to_string();
        assert!(error.starts_with("AuditLogs cannot use the basic plan"), "{error}");
        assert!(error.contains("allows analytics, auxiliary"), "{error}");
        assert!(error.contains("tables-features, 2026-09-28"), "{error}");
        let unknown = check(&prices, &plans(&[("SigninLogs", Plan::Basic)])).unwrap_err().to_string();
        assert!(unknown.contains("simulates no table `SigninLogs`"), "{unknown}");
    }

    #[test]
    fn plan_arguments_parse_or_say_how_to_write_them() {
        assert_eq!(
            parse_plan("AuditLogs=Auxiliary").unwrap(),
            ("AuditLogs".to_owned(), Plan::Auxiliary)
        );
        assert!(matches!(parse_plan("AuditLogs"), Err(PlanError::Syntax(_))));
        assert!(matches!(parse_plan("AuditLogs=archive"), Err(PlanError::Syntax(_))));
    }

    /// The seed's failed-sign-in rule reads only the SP sign-ins; its credential rule joins them
    /// with AuditLogs.
    #[test]
    fn rules_reading_a_table_moved_off_analytics_are_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let rules: Vec<Rule> = ["seed-failed-signins.yaml", "seed-credential-added-to-active-sp.yaml"]
            .iter()
            .map(|f| crate::verify::rule::load(&dir.join(f)).unwrap())
            .collect();
        let audit = disabled_rules(&rules, &plans(&[("AuditLogs", Plan::Auxiliary)]));
        assert_eq!(audit.len(), 1, "{audit:?}");
        assert!(audit[0].path.ends_with("seed-credential-added-to-active-sp.yaml"));
        assert_eq!(audit[0].tables, [("AuditLogs".to_owned(), Plan::Auxiliary)]);
        let signins = disabled_rules(&rules, &plans(&[("AADServicePrincipalSignInLogs", Plan::Basic)]));
        assert_eq!(signins.len(), 2, "{signins:?}");
        assert!(disabled_rules(&rules, &plans(&[("AuditLogs", Plan::Analytics)])).is_empty());
    }
}
