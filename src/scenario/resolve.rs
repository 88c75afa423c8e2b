//! Validation and resolution of a parsed scenario into a [`Tenant`]: every reference checked and
//! turned into an index, every ID derived from (seed, entity path), every error located.

use super::error::{ScenarioError, closest, did_you_mean};
use super::model::*;
use super::tenant::*;
use crate::catalog::{self, Region};
use crate::ids::{IdSource, random_hex_upper};
use crate::timefmt::parse_duration;
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngExt;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::Path;
use uuid::Uuid;

/// Largest population a scenario may declare; beyond it a typo (extra zeros) is more likely than intent.
pub const MAX_POPULATION: i64 = 1_000_000;

/// Most identities (plain ones and population members) one scenario resolves to when every one is
/// held in memory, as `generate` and `estimate --exact` need: past it, memory runs out before
/// anything is written. A larger tenant is split into several scenarios, generated one by one.
/// Measured: 250,000 members running one workload each peak at 650 MB while generated.
pub const MAX_IDENTITIES: u64 = 250_000;

/// Most workloads one scenario resolves to (each population workload counts once per member, and a
/// Key Vault workload once per secret it reads, since each holds that secret's version).
pub const MAX_WORKLOAD_ENTRIES: u64 = 500_000;

/// Longest identity name or population name template, in bytes. Entra display names are at most
/// 256 characters; every member, workload and record repeats the name.
pub const MAX_NAME_BYTES: usize = 256;

/// The latest period start: a period, even extended to 366 days by `--days`, must end by
/// 9999-12-01, so that no timestamp (nor a run's jitter past the end) reaches year 10000, which the
/// log formats cannot write.
pub const LATEST_START: &str = "9998-11-30T00:00:00Z";

/// How a scenario is resolved: its population members, and its background's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// Every member, or representatives.
    pub members: Members,
    /// Overrides the scenario's `background` (the `--background` option).
    pub background: Option<BackgroundLevel>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            members: Members::All,
            background: None,
        }
    }
}

/// How population members are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Members {
    /// Every member, up to [`MAX_IDENTITIES`] and [`MAX_WORKLOAD_ENTRIES`]: `generate`, `estimate --exact`.
    All,
    /// For each population, up to [`STAND_INS`] members per name length standing (their `weight`)
    /// for every member whose name has that length, plus each member a workload or an anomaly
    /// names; no limit applies. The analytic estimate needs counts, not identities, and a member's
    /// records differ in size from another's only by the length of its name and the random phase
    /// of its schedules, which the stand-ins sample.
    Representatives,
}

/// Members standing for the others of their name length (see [`Members::Representatives`]): as
/// many as the analytic estimate replays of a group of alike clients that keep their tokens.
pub const STAND_INS: u64 = 32;

pub(super) struct Ctx<'a> {
    pub(super) file: &'a Path,
    pub(super) source: &'a str,
    pub(super) ids: IdSource,
}

pub(super) type R<T> = Result<T, ScenarioError>;

impl Ctx<'_> {
    pub(super) fn err<T>(&self, at: &S<T>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::new(self.file, message).at_line(self.source, at.referenced.line() as usize, at.referenced.column() as usize)
    }

    pub(super) fn datetime(&self, at: &S<String>) -> R<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(at.value.trim())
            .map(|t| crate::timefmt::to_ticks(t.with_timezone(&Utc)))
            .map_err(|e| {
                self.err(at, format!("`{}` is not an RFC 3339 date-time ({e})", at.value))
                    .with_hint("write it like 2026-11-28T09:30:00Z")
            })
    }

    pub(super) fn duration(&self, at: &S<String>, what: &str) -> R<TimeDelta> {
        parse_duration(&at.value).map_err(|e| {
            self.err(at, format!("{what}: {e}"))
                .with_hint("write durations like 90s, 15m, 4h, 1d or 1h30m")
        })
    }

    fn guid(&self, given: Option<&S<String>>, path: &str, purpose: &str) -> R<Uuid> {
        match given {
            Some(text) => Uuid::parse_str(text.value.trim()).map_err(|_| {
                self.err(text, format!("`{}` is not a GUID", text.value))
                    .with_hint("use the form 8d2a6c1e-0000-4000-8000-000000000000, or leave it out to derive one")
            }),
            None => Ok(self.ids.guid(path, purpose)),
        }
    }

    fn region(&self, given: Option<&S<String>>, default: &'static Region) -> R<&'static Region> {
        match given {
            None => Ok(default),
            Some(name) => catalog::region(&name.value).ok_or_else(|| {
                let known = catalog::region_names();
                let hint = match closest(&name.value, known.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`? known regions: {}", known.join(", ")),
                    None => format!("known regions: {}", known.join(", ")),
                };
                self.err(name, format!("unknown region `{}`", name.value)).with_hint(hint)
            }),
        }
    }

    pub(super) fn positive(&self, at: &S<i64>, what: &str, max: i64) -> R<u32> {
        if at.value < 1 || at.value > max {
            let hint = if at.value < 1 {
                "a count cannot be zero or negative".to_owned()
            } else {
                format!("more than {max} is more likely a typo than a tenant")
            };
            return Err(self
                .err(at, format!("{what} must be between 1 and {max}, not {}", at.value))
                .with_hint(hint));
        }
        Ok(at.value as u32)
    }
}

/// Finds `name` among `names`, or errors with a suggestion.
pub(super) fn lookup<T>(ctx: &Ctx, what: &str, at: &S<String>, names: &[T], name_of: impl Fn(&T) -> &str) -> R<usize> {
    if let Some(i) = names.iter().position(|n| name_of(n) == at.value) {
        return Ok(i);
    }
    let candidates: Vec<&str> = names.iter().map(&name_of).collect();
    let hint = match closest(&at.value, candidates.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None if candidates.is_empty() => format!("the scenario declares no {what}"),
        None => format!("declared {what}s: {}", candidates.join(", ")),
    };
    Err(ctx.err(at, format!("unknown {what} `{}`", at.value)).with_hint(hint))
}

fn ensure_unique<'a>(ctx: &Ctx, what: &str, items: impl IntoIterator<Item = &'a S<String>>) -> R<()> {
    let mut seen = BTreeMap::new();
    for item in items {
        if item.value.trim().is_empty() {
            return Err(ctx.err(item, format!("{what} name is empty")));
        }
        if let Some(line) = seen.insert(item.value.as_str(), item.referenced.line()) {
            return Err(ctx
                .err(item, format!("duplicate {what} `{}` (first declared on line {line})", item.value))
                .with_hint("names must be unique"));
        }
    }
    Ok(())
}

/// Resolves a parsed scenario with every population member. `file` and `source` are used for error
/// locations only.
pub fn resolve(file: &Path, source: &str, spec: &ScenarioFile, ids: IdSource) -> R<Tenant> {
    resolve_with(file, source, spec, ids, LoadOptions::default())
}

/// Resolves a parsed scenario, its populations as `members` says.
pub fn resolve_with(file: &Path, source: &str, spec: &ScenarioFile, ids: IdSource, options: LoadOptions) -> R<Tenant> {
    let members = options.members;
    let ctx = Ctx { file, source, ids };
    let scenario = spec.name.value.trim().to_owned();
    if scenario.is_empty() {
        return Err(ctx.err(&spec.name, "scenario name is empty"));
    }
    let root = scenario.as_str();

    let start = ctx.datetime(&spec.period.start)?;
    let duration = ctx.duration(&spec.period.duration, "period duration")?;
    if duration <= TimeDelta::zero() {
        return Err(ctx.err(&spec.period.duration, "the period must last longer than zero"));
    }
    if duration > TimeDelta::days(366) {
        return Err(ctx.err(&spec.period.duration, "the period may last at most 366 days"));
    }
    check_start_leaves_room(&ctx, &spec.period.start, start)?;
    let default_region = ctx.region(spec.tenant.region.as_ref(), &catalog::REGIONS[0])?;

    let mut tenant = Tenant {
        scenario: scenario.clone(),
        tenant_id: ctx.guid(spec.tenant.id.as_ref(), root, "tenant")?,
        domain: spec.tenant.domain.value.clone(),
        workspace_id: ctx.guid(spec.tenant.workspace_id.as_ref(), root, "workspace")?,
        start,
        end: start + duration,
        subscriptions: Vec::new(),
        resource_groups: Vec::new(),
        key_vaults: Vec::new(),
        sql_servers: Vec::new(),
        logic_apps: Vec::new(),
        virtual_machines: Vec::new(),
        ca_policies: Vec::new(),
        users: Vec::new(),
        user_names: std::collections::HashMap::new(),
        groups: Vec::new(),
        applications: Vec::new(),
        devices: Vec::new(),
        schedules: Vec::new(),
        identities: Vec::new(),
        workloads: Vec::new(),
        anomalies: Vec::new(),
        expectations: Vec::new(),
        first_party_sp_ids: catalog::FIRST_PARTY_APPS
            .iter()
            .map(|app| ids.guid(&format!("{root}/first_party/{}", app.key), "sp_object_id"))
            .collect(),
    };
    if !spec.tenant.domain.value.contains('.') {
        return Err(ctx
            .err(&spec.tenant.domain, format!("`{}` is not a domain name", spec.tenant.domain.value))
            .with_hint("e.g. contoso.onmicrosoft.com"));
    }

    // Subscriptions and resource groups.
    ensure_unique(&ctx, "subscription", spec.subscriptions.iter().map(|s| &s.name))?;
    for sub in &spec.subscriptions {
        let index = tenant.subscriptions.len();
        tenant.subscriptions.push(Subscription {
            name: sub.name.value.clone(),
            id: ctx.guid(sub.id.as_ref(), &format!("{root}/subscription/{}", sub.name.value), "id")?,
        });
        ensure_unique(&ctx, "resource group", sub.resource_groups.iter())?;
        for rg in &sub.resource_groups {
            tenant.resource_groups.push(ResourceGroup {
                subscription: index,
                name: rg.value.clone(),
            });
        }
    }

    resolve_resources(&ctx, &spec.resources, default_region, &mut tenant)?;

    // Identities, then population members (their names share one namespace).
    for identity in &spec.identities {
        check_name_length(&ctx, &identity.name, "an identity name")?;
        let path = format!("{root}/identity/{}", identity.name.value);
        let resolved = resolve_identity(&ctx, identity, &identity.name.value, &path, default_region, &tenant)?;
        tenant.identities.push(resolved);
    }
    let population_members = resolve_populations(&ctx, spec, default_region, members, &mut tenant)?;
    check_identity_names_unique(&ctx, spec, &tenant)?;

    resolve_workloads(&ctx, spec, population_members, &mut tenant)?;
    super::actions::resolve_users(&ctx, &spec.users, &mut tenant)?;
    super::actions::resolve_top_actions(&ctx, spec, &mut tenant)?;
    for (i, anomaly) in spec.anomalies.iter().enumerate() {
        let resolved = resolve_anomaly(&ctx, anomaly, i, &mut tenant)?;
        tenant.anomalies.push(resolved);
    }
    tenant.expectations = resolve_expectations(&ctx, &spec.expectations, &tenant)?;
    let level = options
        .background
        .or(spec.background.as_ref().map(|b| b.value))
        .unwrap_or(BackgroundLevel::Small);
    super::background::add(&ctx, level, &mut tenant);
    Ok(tenant)
}

/// The scenario's expectations of rules, each behaviour one of its anomalies stands for: an
/// expectation of a behaviour the scenario never injects could never be judged.
fn resolve_expectations(ctx: &Ctx, specs: &[ExpectationSpec], tenant: &Tenant) -> R<Vec<crate::manifest::Expectation>> {
    let injected: Vec<String> = tenant.anomalies.iter().map(Anomaly::behaviour).collect();
    let behaviours = |list: &[S<String>]| -> R<Vec<String>> {
        list.iter()
            .map(|b| {
                let name = b.value.trim();
                if injected.iter().any(|i| i == name) {
                    return Ok(name.to_owned());
                }
                let hint = did_you_mean(name, injected.iter().map(String::as_str), || {
                    "name a built-in anomaly kind or a custom anomaly's `label` that this scenario injects".to_owned()
                });
                Err(ctx.err(b, format!("no anomaly of this scenario is `{name}`")).with_hint(hint))
            })
            .collect()
    };
    specs
        .iter()
        .map(|spec| {
            if spec.rule.value.trim().is_empty() {
                return Err(ctx
                    .err(&spec.rule, "an expectation names its rule")
                    .with_hint("its file name, `name` or `id`"));
            }
            Ok(crate::manifest::Expectation {
                rule: spec.rule.value.trim().to_owned(),
                catches: behaviours(&spec.catches)?,
                misses: behaviours(&spec.misses)?,
            })
        })
        .collect()
}

/// Resolves the scenario's own workloads, then each population member's (`population_members`:
/// each population's index and the range of its members in `tenant.identities`).
fn resolve_workloads(
    ctx: &Ctx,
    spec: &ScenarioFile,
    population_members: Vec<(usize, std::ops::Range<usize>)>,
    tenant: &mut Tenant,
) -> R<()> {
    let root = tenant.scenario.clone();
    let mut workload_names = BTreeMap::new();
    for (wi, workload) in spec.workloads.iter().enumerate() {
        let Some(identity_ref) = &workload.identity else {
            return Err(ctx
                .err(&workload.kind, "this workload names no `identity`")
                .with_hint("add `identity: <name of a declared identity>`"));
        };
        let identity = lookup(ctx, "identity", identity_ref, &tenant.identities, |i| &i.name)?;
        let name = match &workload.name {
            Some(n) => n.value.clone(),
            None => format!("{}-{}-{wi}", tenant.identities[identity].name, workload.kind.value),
        };
        if let Some(n) = &workload.name
            && workload_names.insert(name.clone(), ()).is_some()
        {
            return Err(ctx
                .err(n, format!("duplicate workload `{name}`"))
                .with_hint("workload names must be unique"));
        }
        let path = format!("{root}/workload/{name}");
        let resolved = resolve_workload(ctx, workload, name, path, identity, tenant)?;
        tenant.workloads.push(Workload {
            declaration: wi,
            ..resolved
        });
    }
    let mut declaration = spec.workloads.len();
    for (pi, members) in population_members {
        let population = &spec.populations[pi];
        for (wi, workload) in population.workloads.iter().enumerate() {
            if let Some(identity_ref) = &workload.identity {
                return Err(ctx
                    .err(
                        identity_ref,
                        "a population's workload must not name an identity: every member runs it",
                    )
                    .with_hint("remove `identity:` here"));
            }
            for member in members.clone() {
                let name = format!("{}-{}-{wi}", tenant.identities[member].name, workload.kind.value);
                let path = format!("{}/workload/{wi}", tenant.identities[member].path);
                let resolved = resolve_workload(ctx, workload, name, path, member, tenant)?;
                tenant.workloads.push(Workload { declaration, ..resolved });
            }
            declaration += 1;
        }
    }
    Ok(())
}

/// Refuses a period starting so late that it, or its extension by `--days`, would run past 9999.
fn check_start_leaves_room(ctx: &Ctx, at: &S<String>, start: DateTime<Utc>) -> R<()> {
    let latest = DateTime::parse_from_rfc3339(LATEST_START)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if start <= latest {
        return Ok(());
    }
    Err(ctx
        .err(
            at,
            format!(
                "the period starts at `{}`, later than {LATEST_START}, the latest start accepted",
                at.value.trim()
            ),
        )
        .with_hint(
            "log timestamps stop at year 9999: a period, even extended to 366 days by --days, must end by \
             9999-12-01; start it earlier",
        ))
}

/// Refuses a name longer than [`MAX_NAME_BYTES`].
fn check_name_length(ctx: &Ctx, at: &S<String>, what: &str) -> R<()> {
    if at.value.len() <= MAX_NAME_BYTES {
        return Ok(());
    }
    Err(ctx
        .err(
            at,
            format!("{what} is {} bytes long; at most {MAX_NAME_BYTES} are accepted", at.value.len()),
        )
        .with_hint("Entra display names are at most 256 characters: shorten it"))
}

/// Expands every population into identities appended to `tenant.identities` (all members, or
/// their stand-ins, as `members` says), and returns each population's
/// index with the range of its members there.
fn resolve_populations(
    ctx: &Ctx,
    spec: &ScenarioFile,
    default_region: &'static Region,
    members: Members,
    tenant: &mut Tenant,
) -> R<Vec<(usize, std::ops::Range<usize>)>> {
    ensure_unique(ctx, "population", spec.populations.iter().map(|p| &p.name))?;
    let mut counts = Vec::with_capacity(spec.populations.len());
    for population in &spec.populations {
        let count = ctx.positive(&population.count, "a population's count", MAX_POPULATION)?;
        let template = &population.identity.name;
        check_name_length(ctx, template, "a population member name template")?;
        if !template.value.contains("{n") {
            return Err(ctx
                .err(
                    template,
                    format!(
                        "population member name `{}` has no `{{n}}`: all {count} members would share one name",
                        template.value
                    ),
                )
                .with_hint("write e.g. `app-{n:03}`; {n} is the member's 1-based index"));
        }
        parse_template(&template.value).map_err(|e| ctx.err(template, e))?;
        counts.push(count);
    }
    check_scale(ctx, spec, &counts, tenant, members)?;
    // Identities that workloads and anomalies name must exist even when members are represented.
    let named: Vec<&str> = spec
        .workloads
        .iter()
        .filter_map(|w| w.identity.as_ref())
        .chain(spec.anomalies.iter().filter_map(|a| a.identity.as_ref()))
        .chain(
            spec.actions
                .iter()
                .chain(spec.anomalies.iter().flat_map(|a| &a.actions))
                .flat_map(|a| [Some(&a.by), a.target.as_ref(), a.member.as_ref()].into_iter().flatten()),
        )
        .map(|n| n.value.as_str())
        .collect();
    let root = tenant.scenario.clone();
    let mut ranges = Vec::with_capacity(spec.populations.len());
    for ((pi, population), count) in spec.populations.iter().enumerate().zip(counts) {
        let template = &population.identity.name;
        let numbers = if members == Members::Representatives {
            let mut wanted: Vec<u32> = named.iter().filter_map(|n| member_index(&template.value, count, n)).collect();
            wanted.sort_unstable();
            wanted.dedup();
            representatives(&template.value, count, &wanted)
        } else {
            (1..=count).map(|n| (n, 1)).collect()
        };
        let first = tenant.identities.len();
        for (n, weight) in numbers {
            let name = expand_member_name(&template.value, n).map_err(|e| ctx.err(template, e))?;
            let path = format!("{root}/population/{}/{n}", population.name.value);
            let mut resolved = resolve_identity(ctx, &population.identity, &name, &path, default_region, tenant)?;
            resolved.weight = weight;
            tenant.identities.push(resolved);
        }
        ranges.push((pi, first..tenant.identities.len()));
    }
    if members == Members::Representatives {
        check_plain_names_outside_populations(ctx, spec)?;
    }
    Ok(ranges)
}

/// Refuses a scenario larger than [`MAX_IDENTITIES`] or [`MAX_WORKLOAD_ENTRIES`] when every member
/// is needed, with an error located on the population's `count` that crosses the limit (stand-ins
/// have no limit).
fn check_scale(ctx: &Ctx, spec: &ScenarioFile, counts: &[u32], tenant: &Tenant, members: Members) -> R<()> {
    if members == Members::Representatives {
        return Ok(());
    }
    let secrets_read = |w: &WorkloadSpec| -> u64 {
        let listed = w.secrets.as_ref().map(Vec::len).or_else(|| {
            let vault = w.vault.as_ref()?;
            tenant.key_vaults.iter().find(|k| k.name == vault.value).map(|k| k.secrets.len())
        });
        listed.unwrap_or(0).max(1) as u64
    };
    let mut identities = spec.identities.len() as u64;
    let mut entries: u64 = spec.workloads.iter().map(secrets_read).sum();
    for (population, &count) in spec.populations.iter().zip(counts) {
        identities += u64::from(count);
        entries += u64::from(count) * population.workloads.iter().map(secrets_read).sum::<u64>();
        let over = if identities > MAX_IDENTITIES {
            Some(format!("{identities} identities, past {MAX_IDENTITIES}"))
        } else if entries > MAX_WORKLOAD_ENTRIES {
            Some(format!(
                "{entries} workload entries (one per member and per secret read), past {MAX_WORKLOAD_ENTRIES}"
            ))
        } else {
            None
        };
        let Some(over) = over else { continue };
        return Err(ctx
            .err(
                &population.count,
                format!("this population brings the scenario to {over}, the most one scenario holds in memory"),
            )
            .with_hint(format!(
                "split the tenant into several scenarios (shards) of at most {MAX_IDENTITIES} identities, each with \
                 its own `name` and populations, and generate each into its own --out; `estimate` (without \
                 --exact) answers for this scenario as it is"
            )));
    }
    Ok(())
}

/// The members standing for a population of `count` (see [`Members::Representatives`]), with how
/// many members each stands for: each member in `named` (sorted) for itself, and for each name length,
/// the first [`STAND_INS`] other members with that length for the rest of them, in even shares.
fn representatives(template: &str, count: u32, named: &[u32]) -> Vec<(u32, u64)> {
    let width = parse_template(template).map_or(0, |(_, width, _)| width);
    let digits = |n: u32| n.to_string().len().max(width);
    let mut out = Vec::new();
    let mut lo = 1u32;
    while lo <= count {
        // The last member whose name is as long as `lo`'s.
        let len = digits(lo);
        let hi = if len >= 10 {
            count
        } else {
            (10u64.pow(len as u32) - 1).min(u64::from(count)) as u32
        };
        let inside: Vec<u32> = named.iter().copied().filter(|n| (lo..=hi).contains(n)).collect();
        let rest = u64::from(hi - lo + 1) - inside.len() as u64;
        let stand_ins: Vec<u32> = (lo..=hi)
            .filter(|n| !inside.contains(n))
            .take(STAND_INS.min(rest) as usize)
            .collect();
        let shares = stand_ins.len() as u64;
        for (i, n) in stand_ins.into_iter().enumerate() {
            out.push((n, rest / shares + u64::from((i as u64) < rest % shares)));
        }
        out.extend(inside.into_iter().map(|n| (n, 1)));
        lo = hi.saturating_add(1);
        if hi == u32::MAX {
            break;
        }
    }
    out.sort_unstable();
    out
}

/// When only stand-ins exist, a plain identity named like a population member is caught by matching its name against each population's template.
fn check_plain_names_outside_populations(ctx: &Ctx, spec: &ScenarioFile) -> R<()> {
    for identity in &spec.identities {
        for population in &spec.populations {
            // Counts were validated before expansion.
            let count = population.count.value.clamp(0, MAX_POPULATION) as u32;
            if let Some(n) = member_index(&population.identity.name.value, count, &identity.name.value) {
                return Err(ctx
                    .err(
                        &identity.name,
                        format!(
                            "identity name `{}` is also member {n} of population `{}`",
                            identity.name.value, population.name.value
                        ),
                    )
                    .with_hint("identity and population member names must be unique"));
            }
        }
    }
    Ok(())
}

/// A member name template split at its placeholder: the text before, the zero-padding width
/// (0 for `{n}`), and the text after.
fn parse_template(template: &str) -> Result<(&str, usize, &str), String> {
    let open = template.find("{n").ok_or("no {n} placeholder")?;
    let close = template[open..].find('}').map(|c| open + c).ok_or("unclosed `{n` placeholder")?;
    let spec = &template[open + 2..close];
    let width = match spec {
        "" => 0,
        _ => spec
            .strip_prefix(":0")
            .and_then(|w| w.parse::<usize>().ok())
            .filter(|w| *w <= 12)
            .ok_or_else(|| format!("bad placeholder `{{n{spec}}}`: use {{n}} or {{n:03}}"))?,
    };
    Ok((&template[..open], width, &template[close + 1..]))
}

/// Replaces `{n}` or `{n:0W}` (zero-padded to width W) by `n`.
pub fn expand_member_name(template: &str, n: u32) -> Result<String, String> {
    let (before, width, after) = parse_template(template)?;
    Ok(format!("{before}{n:0width$}{after}"))
}

/// Which member (1..=count) of the population with `template` is called `name`, if any.
fn member_index(template: &str, count: u32, name: &str) -> Option<u32> {
    let (before, _, after) = parse_template(template).ok()?;
    let digits = name.strip_prefix(before)?.strip_suffix(after)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    ((1..=count).contains(&n) && expand_member_name(template, n).ok()? == name).then_some(n)
}

fn check_identity_names_unique(ctx: &Ctx, spec: &ScenarioFile, tenant: &Tenant) -> R<()> {
    let mut seen = BTreeMap::new();
    for (i, identity) in tenant.identities.iter().enumerate() {
        if let Some(first) = seen.insert(identity.name.as_str(), i) {
            // Point at the declaration of the later one: a plain identity or a population template.
            let at = spec
                .identities
                .get(i)
                .map(|s| &s.name)
                .or_else(|| spec.populations.iter().map(|p| &p.identity.name).find(|n| n.value.contains("{n")))
                .unwrap_or(&spec.name);
            return Err(ctx
                .err(
                    at,
                    format!(
                        "identity name `{}` is used twice (identities #{} and #{})",
                        identity.name,
                        first + 1,
                        i + 1
                    ),
                )
                .with_hint("identity and population member names must be unique"));
        }
    }
    Ok(())
}

fn resolve_resources(ctx: &Ctx, spec: &ResourcesSpec, default_region: &'static Region, tenant: &mut Tenant) -> R<()> {
    let root = tenant.scenario.clone();
    let placement = |tenant: &Tenant, rg: &S<String>, location: Option<&S<String>>| -> R<Placement> {
        Ok(Placement {
            resource_group: resolve_resource_group(ctx, rg, tenant)?,
            region: ctx.region(location, default_region)?,
        })
    };

    ensure_unique(ctx, "key vault", spec.key_vaults.iter().map(|k| &k.name))?;
    for kv in &spec.key_vaults {
        let p = placement(tenant, &kv.resource_group, kv.location.as_ref())?;
        let secrets: Vec<String> = kv.secrets.iter().map(|s| s.value.clone()).collect();
        let log_names = tenant.log_names(&p, "Microsoft.KeyVault/vaults", &kv.name.value);
        tenant.key_vaults.push(KeyVault {
            name: kv.name.value.clone(),
            placement: p,
            private_endpoint: kv.private_endpoint,
            secrets,
            log_names,
        });
    }
    ensure_unique(ctx, "SQL server", spec.sql_servers.iter().map(|k| &k.name))?;
    for sql in &spec.sql_servers {
        let p = placement(tenant, &sql.resource_group, sql.location.as_ref())?;
        ensure_unique(ctx, "database", sql.databases.iter())?;
        tenant.sql_servers.push(SqlServer {
            name: sql.name.value.clone(),
            placement: p,
            databases: sql.databases.iter().map(|d| d.value.clone()).collect(),
        });
    }
    ensure_unique(ctx, "logic app", spec.logic_apps.iter().map(|k| &k.name))?;
    for la in &spec.logic_apps {
        let p = placement(tenant, &la.resource_group, la.location.as_ref())?;
        let mut rng = ctx.ids.rng(&format!("{root}/logic_app/{}", la.name.value), "workflow_id");
        let actions = if la.actions.is_empty() {
            vec!["Run_query_and_list_results".to_owned(), "Send_event".to_owned()]
        } else {
            la.actions.iter().map(|a| a.value.clone()).collect()
        };
        tenant.logic_apps.push(LogicApp {
            name: la.name.value.clone(),
            placement: p,
            tags: la.tags.clone(),
            trigger: la.trigger.as_ref().map_or_else(|| "Recurrence".to_owned(), |t| t.value.clone()),
            actions,
            workflow_id: random_hex_upper(&mut rng, 16).to_lowercase(),
        });
    }
    ensure_unique(ctx, "virtual machine", spec.virtual_machines.iter().map(|k| &k.name))?;
    for vm in &spec.virtual_machines {
        let p = placement(tenant, &vm.resource_group, vm.location.as_ref())?;
        let path = format!("{root}/vm/{}", vm.name.value);
        let mut rng = ctx.ids.rng(&path, "private_ip");
        let private_ip = Ipv4Addr::new(10, rng.random_range(0..=63), rng.random_range(0..=15), rng.random_range(4..=250));
        let public_ip = ctx.ids.public_ip(&path, "public_ip", p.region.prefixes);
        tenant.virtual_machines.push(VirtualMachine {
            name: vm.name.value.clone(),
            placement: p,
            private_ip,
            public_ip,
        });
    }
    ensure_unique(
        ctx,
        "conditional access policy",
        spec.conditional_access_policies.iter().map(|k| &k.name),
    )?;
    for policy in &spec.conditional_access_policies {
        let id = ctx.guid(policy.id.as_ref(), &format!("{root}/ca_policy/{}", policy.name.value), "id")?;
        tenant.ca_policies.push(CaPolicy {
            name: policy.name.value.clone(),
            id,
        });
    }
    Ok(())
}

/// `subscription/resource-group`, or just `resource-group` when that name is unique.
pub(super) fn resolve_resource_group(ctx: &Ctx, at: &S<String>, tenant: &Tenant) -> R<usize> {
    let all: Vec<String> = tenant
        .resource_groups
        .iter()
        .map(|rg| format!("{}/{}", tenant.subscriptions[rg.subscription].name, rg.name))
        .collect();
    let matches: Vec<usize> = match at.value.split_once('/') {
        Some(_) => all.iter().position(|full| *full == at.value).into_iter().collect(),
        None => tenant
            .resource_groups
            .iter()
            .enumerate()
            .filter(|(_, rg)| rg.name == at.value)
            .map(|(i, _)| i)
            .collect(),
    };
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => {
            let hint = match closest(&at.value, all.iter().map(String::as_str)) {
                Some(c) => format!("did you mean `{c}`?"),
                None if all.is_empty() => "declare it under `subscriptions: - name: … resource_groups: [...]`".to_owned(),
                None => format!("declared resource groups: {}", all.join(", ")),
            };
            Err(ctx.err(at, format!("unknown resource group `{}`", at.value)).with_hint(hint))
        }
        _ => Err(ctx
            .err(at, format!("resource group `{}` exists in several subscriptions", at.value))
            .with_hint("write it as `<subscription>/<resource group>`")),
    }
}

fn resolve_identity(
    ctx: &Ctx,
    spec: &IdentitySpec,
    name: &str,
    path: &str,
    default_region: &'static Region,
    tenant: &Tenant,
) -> R<Identity> {
    let kind = spec.kind.value;
    let mut region = ctx.region(spec.region.as_ref(), default_region)?;
    let mut rng = ctx.ids.rng(path, "network");
    let mut private_ip = Ipv4Addr::new(10, rng.random_range(64..=127), rng.random_range(0..=15), rng.random_range(4..=250));
    let mut egress_ip = ctx.ids.public_ip(path, "egress_ip", region.prefixes);
    let msi_resource_id = match kind {
        IdentityKind::SystemAssignedMi => {
            let Some(target) = &spec.attached_to else {
                return Err(ctx
                    .err(&spec.kind, "a system-assigned managed identity needs `attached_to`")
                    .with_hint("name the virtual machine or logic app it belongs to"));
            };
            if let Some(vm) = tenant.virtual_machines.iter().find(|vm| vm.name == target.value) {
                region = vm.placement.region;
                private_ip = vm.private_ip;
                egress_ip = vm.public_ip;
                Some(tenant.arm_id(&vm.placement, "Microsoft.Compute/virtualMachines", &vm.name))
            } else if let Some(la) = tenant.logic_apps.iter().find(|la| la.name == target.value) {
                region = la.placement.region;
                Some(tenant.arm_id(&la.placement, "Microsoft.Logic/workflows", &la.name))
            } else {
                let names = tenant
                    .virtual_machines
                    .iter()
                    .map(|v| v.name.as_str())
                    .chain(tenant.logic_apps.iter().map(|l| l.name.as_str()));
                let hint = closest(&target.value, names).map_or_else(
                    || "declare it under `resources: virtual_machines:` or `logic_apps:`".to_owned(),
                    |c| format!("did you mean `{c}`?"),
                );
                return Err(ctx
                    .err(
                        target,
                        format!("unknown resource `{}` to attach the managed identity to", target.value),
                    )
                    .with_hint(hint));
            }
        }
        IdentityKind::UserAssignedMi => {
            let Some(rg) = &spec.resource_group else {
                return Err(ctx
                    .err(&spec.kind, "a user-assigned managed identity needs `resource_group`")
                    .with_hint("name the resource group that holds it, e.g. `prod/rg-identities`"));
            };
            let placement = Placement {
                resource_group: resolve_resource_group(ctx, rg, tenant)?,
                region,
            };
            Some(tenant.arm_id(&placement, "Microsoft.ManagedIdentity/userAssignedIdentities", name))
        }
        IdentityKind::ServicePrincipal => None,
    };
    if kind != IdentityKind::SystemAssignedMi
        && let Some(at) = &spec.attached_to
    {
        return Err(ctx
            .err(at, "only a system-assigned managed identity is `attached_to` a resource")
            .with_hint("remove `attached_to`, or set `kind: system_assigned_mi`"));
    }
    if kind != IdentityKind::ServicePrincipal
        && let Some(first) = spec.credentials.first()
    {
        return Err(ctx
            .err(&first.kind, "managed identities have no credentials of their own")
            .with_hint("remove `credentials`, or set `kind: service_principal`"));
    }
    let mut credentials = Vec::new();
    for (ci, cred) in spec.credentials.iter().enumerate() {
        credentials.push(resolve_credential(ctx, cred, &format!("{path}/credential/{ci}"), tenant)?);
    }
    Ok(Identity {
        name: name.to_owned(),
        path: path.to_owned(),
        kind,
        app_id: ctx.ids.guid(path, "app_id"),
        sp_object_id: ctx.ids.guid(path, "sp_object_id"),
        application_object_id: ctx.ids.guid(path, "application_object_id"),
        credentials,
        msi_resource_id,
        region,
        egress_ip,
        private_ip,
        weight: 1,
    })
}

fn resolve_credential(ctx: &Ctx, spec: &CredentialSpec, path: &str, tenant: &Tenant) -> R<Credential> {
    let start = match &spec.start {
        Some(s) => ctx.datetime(s)?,
        None => tenant.start - TimeDelta::days(180),
    };
    let expiry = match &spec.expiry {
        Some(e) => ctx.datetime(e)?,
        None => start + TimeDelta::days(365),
    };
    if expiry <= start {
        let error = match &spec.expiry {
            Some(at) => ctx.err(at, "the credential expires before it starts"),
            None => ctx.err(&spec.kind, "the credential expires before it starts"),
        };
        return Err(error.with_hint("`expiry` must be later than `start`"));
    }
    let thumbprint = match (spec.kind.value, &spec.thumbprint) {
        (CredentialType::ClientSecret, Some(t)) => {
            return Err(ctx
                .err(t, "a client secret has no thumbprint")
                .with_hint("remove `thumbprint`, or use `type: certificate`"));
        }
        (CredentialType::ClientSecret, None) => None,
        (CredentialType::Certificate, Some(t)) => {
            let ok = t.value.len() == 40 && t.value.chars().all(|c| c.is_ascii_hexdigit());
            if !ok {
                return Err(ctx
                    .err(t, format!("`{}` is not a certificate thumbprint", t.value))
                    .with_hint("a SHA-1 thumbprint is 40 hex digits"));
            }
            Some(t.value.to_ascii_uppercase())
        }
        (CredentialType::Certificate, None) => Some(random_hex_upper(&mut ctx.ids.rng(path, "thumbprint"), 20)),
    };
    let default_name = match spec.kind.value {
        CredentialType::ClientSecret => "client secret",
        CredentialType::Certificate => "certificate",
    };
    Ok(Credential {
        kind: spec.kind.value,
        name: spec.name.as_ref().map_or_else(|| default_name.to_owned(), |n| n.value.clone()),
        key_id: ctx.guid(spec.key_id.as_ref(), path, "key_id")?,
        thumbprint,
        start,
        expiry,
    })
}

/// Names the field a workload kind needs, or errors at the workload's `kind`.
fn required<'a, T>(ctx: &Ctx, spec: &WorkloadSpec, field: &'a Option<T>, name: &str, example: &str) -> R<&'a T> {
    field.as_ref().ok_or_else(|| {
        ctx.err(&spec.kind, format!("a `{}` workload needs `{name}`", spec.kind.value))
            .with_hint(format!("add e.g. `{name}: {example}`"))
    })
}

/// Where each kind-specific workload field was given, by name.
fn workload_fields_given(spec: &WorkloadSpec) -> [(&'static str, Option<(u32, u32)>); 7] {
    // A secrets list is located at its first entry (an empty list, which names nothing, passes).
    let secrets = spec
        .secrets
        .as_ref()
        .and_then(|list| list.first())
        .map(|s| (s.referenced.line() as u32, s.referenced.column() as u32));
    [
        ("vault", loc(&spec.vault)),
        ("secrets", secrets),
        ("sql_database", loc(&spec.sql_database)),
        ("signins_per_run", loc(&spec.signins_per_run)),
        ("logic_app", loc(&spec.logic_app)),
        ("operation", loc(&spec.operation)),
        ("policy", loc(&spec.policy)),
    ]
}

fn resolve_workload(ctx: &Ctx, spec: &WorkloadSpec, name: String, path: String, identity: usize, tenant: &Tenant) -> R<Workload> {
    reject_unused_fields(ctx, spec.kind.value.fields(), &workload_fields_given(spec), || {
        format!("a `{}` workload", spec.kind.value)
    })?;
    let action = match spec.kind.value {
        WorkloadKind::Actions => {
            return Err(ctx
                .err(&spec.kind, "`actions` is not a workload kind")
                .with_hint("scheduled actions go under the top-level `actions:`, with a `schedule`"));
        }
        WorkloadKind::KeyvaultSecretRead => {
            let vault_ref = required(ctx, spec, &spec.vault, "vault", "kv-prod")?;
            let vault = lookup(ctx, "key vault", vault_ref, &tenant.key_vaults, |k| &k.name)?;
            let secrets: Vec<String> = match &spec.secrets {
                Some(list) => list.iter().map(|s| s.value.clone()).collect(),
                None => tenant.key_vaults[vault].secrets.clone(),
            };
            if secrets.is_empty() {
                return Err(ctx
                    .err(vault_ref, "no secret to read: neither the workload nor the vault lists any")
                    .with_hint("add `secrets: [name]` to the workload or the vault"));
            }
            let versions = secrets
                .iter()
                .map(|s| secret_version(&ctx.ids, &tenant.scenario, &tenant.key_vaults[vault].name, s))
                .collect();
            WorkloadAction::KeyVaultSecretRead { vault, secrets, versions }
        }
        WorkloadKind::ArmDeployment => {
            let target = required(ctx, spec, &spec.sql_database, "sql_database", "sql-prod-01/appdb")?;
            let Some((server_name, database)) = target.value.split_once('/') else {
                return Err(ctx
                    .err(target, format!("`{}` is not `server/database`", target.value))
                    .with_hint("e.g. sql-prod-01/appdb"));
            };
            let Some(sql_server) = tenant.sql_servers.iter().position(|s| s.name == server_name) else {
                let hint = closest(server_name, tenant.sql_servers.iter().map(|s| s.name.as_str())).map_or_else(
                    || "declare it under `resources: sql_servers:`".to_owned(),
                    |c| format!("did you mean `{c}`?"),
                );
                return Err(ctx.err(target, format!("unknown SQL server `{server_name}`")).with_hint(hint));
            };
            if !tenant.sql_servers[sql_server].databases.iter().any(|d| d == database) {
                return Err(ctx
                    .err(target, format!("SQL server `{server_name}` has no database `{database}`"))
                    .with_hint("list it under the server's `databases:`"));
            }
            let signins_per_run = match &spec.signins_per_run {
                Some(n) => ctx.positive(n, "signins_per_run", 100)?,
                None => 4,
            };
            WorkloadAction::ArmDeployment {
                sql_server,
                database: database.to_owned(),
                signins_per_run,
            }
        }
        WorkloadKind::LogicAppRun => {
            let la = required(ctx, spec, &spec.logic_app, "logic_app", "Send-Alerts-To-EventHub")?;
            WorkloadAction::LogicAppRun {
                logic_app: lookup(ctx, "logic app", la, &tenant.logic_apps, |l| &l.name)?,
            }
        }
        WorkloadKind::GraphOperation => {
            let operation = required(ctx, spec, &spec.operation, "operation", "delete_conditional_access_policy")?.value;
            let policy = required(ctx, spec, &spec.policy, "policy", "\"Block legacy authentication\"")?;
            WorkloadAction::GraphOperation {
                operation,
                policy: lookup(ctx, "conditional access policy", policy, &tenant.ca_policies, |p| &p.name)?,
            }
        }
    };
    let credential = match &spec.credential {
        None => None,
        Some(c) => Some(lookup(ctx, "credential", c, &tenant.identities[identity].credentials, |cr| {
            &cr.name
        })?),
    };
    if tenant.identities[identity].kind == IdentityKind::ServicePrincipal && tenant.identities[identity].credentials.is_empty() {
        let message = format!(
            "service principal `{}` has no credentials to sign in with",
            tenant.identities[identity].name
        );
        let error = match &spec.identity {
            Some(at) => ctx.err(at, message),
            None => ctx.err(&spec.kind, message),
        };
        return Err(error.with_hint("add a `credentials:` entry (client_secret or certificate) to the identity"));
    }
    Ok(Workload {
        name,
        path,
        identity,
        action,
        schedule: resolve_schedule(ctx, &spec.schedule, &spec.kind, (tenant.start, tenant.end))?,
        credential,
        token_cache: resolve_token_cache(ctx, spec, &tenant.identities[identity])?,
        declaration: 0,
    })
}

/// The workload's token caching: as given, or what its client does by default; a managed identity's
/// tokens are the platform's to cache, so `per_run` is refused for one.
fn resolve_token_cache(ctx: &Ctx, spec: &WorkloadSpec, identity: &Identity) -> R<TokenCacheMode> {
    let given = spec.token_cache.as_ref();
    if let (IdentityKind::SystemAssignedMi | IdentityKind::UserAssignedMi, Some(n)) = (identity.kind, &spec.signins_per_run) {
        return Err(ctx
            .err(
                n,
                format!("`{}` is a managed identity: its tokens are cached by the platform", identity.name),
            )
            .with_hint(
                "a managed identity's pipeline signs in about once a day per resource, not on every run; remove `signins_per_run`",
            ));
    }
    if identity.kind != IdentityKind::ServicePrincipal {
        return match given {
            Some(at) if at.value == TokenCacheMode::PerRun => Err(ctx
                .err(
                    at,
                    format!("`{}` is a managed identity: its tokens are cached by the platform", identity.name),
                )
                .with_hint(
                    "managed identity tokens are cached per resource for about 24 hours whatever the process does; \
                     remove `token_cache`",
                )),
            _ => Ok(TokenCacheMode::Shared),
        };
    }
    let mode = given.map_or(spec.kind.value.default_token_cache(), |m| m.value);
    if let (TokenCacheMode::Shared, Some(n)) = (mode, &spec.signins_per_run) {
        return Err(ctx
            .err(
                n,
                "`signins_per_run` counts the fresh logins of a pipeline that signs in on every run",
            )
            .with_hint("with `token_cache: shared` the agent signs in only when its token has expired; remove one of them"));
    }
    Ok(mode)
}

pub(super) fn resolve_schedule<T>(ctx: &Ctx, spec: &ScheduleSpec, at: &S<T>, period: (DateTime<Utc>, DateTime<Utc>)) -> R<Schedule> {
    let jitter = match &spec.jitter {
        Some(j) => ctx.duration(j, "jitter")?,
        None => TimeDelta::zero(),
    };
    // Point at the last of the schedule kinds given (the one that conflicts), or at the workload.
    let given: Vec<(u32, u32)> = [
        loc(&spec.every),
        loc(&spec.per_day),
        spec.at
            .as_ref()
            .and_then(|a| a.first())
            .map(|t| (t.referenced.line() as u32, t.referenced.column() as u32)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if given.len() != 1 {
        let message = "a schedule needs exactly one of `every`, `per_day` or `at`";
        let error = match given.iter().max() {
            Some((line, column)) => ScenarioError::new(ctx.file, message).at_line(ctx.source, *line as usize, *column as usize),
            None => ctx.err(at, message),
        };
        return Err(error.with_hint("e.g. `schedule: { every: 4h, jitter: 5m }`"));
    }
    if let (Some(profile), None) = (&spec.profile, &spec.per_day) {
        return Err(ctx.err(profile, "`profile` only applies to `per_day` schedules"));
    }
    if let Some(every) = &spec.every {
        let interval = ctx.duration(every, "every")?;
        if interval < TimeDelta::seconds(1) {
            return Err(ctx.err(every, "`every` must be at least 1s"));
        }
        return Ok(Schedule::Every { interval, jitter });
    }
    if let Some(per_day) = &spec.per_day {
        let (runs, range) = resolve_rate(ctx, per_day)?;
        return Ok(Schedule::PerDay {
            runs,
            profile: spec.profile.as_ref().map_or(DailyProfile::Flat, |p| p.value),
            jitter,
            range,
        });
    }
    let mut times = Vec::new();
    for t in spec.at.iter().flatten() {
        let time = ctx.datetime(t)?;
        if time < period.0 || time >= period.1 {
            return Err(ctx
                .err(t, format!("`{}` lies outside the simulated period", t.value))
                .with_hint(format!(
                    "the period runs from {} to {}",
                    crate::timefmt::format_ts(period.0),
                    crate::timefmt::format_ts(period.1)
                )));
        }
        times.push(time);
    }
    times.sort();
    Ok(Schedule::At { times, jitter })
}

/// A `per_day` rate: the runs `generate` simulates, and the `low..high` range when one was given.
fn resolve_rate(ctx: &Ctx, rate: &S<crate::scenario::model::Rate>) -> R<(f64, Option<(f64, f64)>)> {
    use crate::scenario::model::Rate;
    let bad = |what: String| {
        ctx.err(rate, what)
            .with_hint("write a number of runs per day, or a range `low..high`, e.g. `per_day: 20..60`")
    };
    let in_bounds = |v: f64| v.is_finite() && (0.0..=86_400.0).contains(&v);
    match &rate.value {
        Rate::Exact(v) if in_bounds(*v) => Ok((*v, None)),
        Rate::Exact(v) => Err(bad(format!("`per_day` must be between 0 and 86400, not {v}"))),
        Rate::Range(text) => {
            let parse = |part: &str| part.trim().parse::<f64>().ok().filter(|v| in_bounds(*v));
            match text.split_once("..").map(|(a, b)| (parse(a), parse(b))) {
                Some((Some(low), Some(high))) if low <= high => Ok(((low + high) / 2.0, Some((low, high)))),
                Some((Some(low), Some(high))) => Err(bad(format!("`per_day: {text}`: the low end {low} is above the high end {high}"))),
                _ => Err(bad(format!(
                    "`per_day: {text}` is neither a number nor a range of two numbers between 0 and 86400"
                ))),
            }
        }
    }
}

fn resolve_anomaly(ctx: &Ctx, spec: &AnomalySpec, index: usize, tenant: &mut Tenant) -> R<Anomaly> {
    let at = ctx.datetime(&spec.at)?;
    if at < tenant.start || at >= tenant.end {
        return Err(ctx
            .err(&spec.at, format!("`{}` lies outside the simulated period", spec.at.value))
            .with_hint(format!(
                "the period runs from {} to {}",
                crate::timefmt::format_ts(tenant.start),
                crate::timefmt::format_ts(tenant.end)
            )));
    }
    reject_unused_fields(ctx, spec.kind.value.fields(), &anomaly_fields_given(spec), || {
        format!("a {} anomaly", spec.kind.value)
    })?;
    if spec.kind.value == AnomalyKind::Custom {
        return resolve_custom_anomaly(ctx, spec, (index, at), tenant);
    }
    let Some(identity_ref) = &spec.identity else {
        return Err(ctx
            .err(&spec.kind, format!("a {} anomaly needs `identity`", spec.kind.value))
            .with_hint("name the identity it concerns"));
    };
    let identity = lookup(ctx, "identity", identity_ref, &tenant.identities, |i| &i.name)?;
    let path = format!("{}/anomaly/{}/{}", tenant.scenario, identity_ref.value, spec.at.value);
    let ip = match &spec.ip {
        Some(ip) => ip
            .value
            .trim()
            .parse::<Ipv4Addr>()
            .map_err(|_| ctx.err(ip, format!("`{}` is not an IPv4 address", ip.value)))?,
        // Addresses outside Azure's ranges: where stolen credentials are replayed from.
        None => ctx.ids.public_ip(&path, "ip", &[[185, 220], [45, 134], [91, 219]]),
    };
    let fields = AnomalyFields {
        ctx,
        spec,
        tenant,
        is_sp: tenant.identities[identity].kind == IdentityKind::ServicePrincipal,
    };
    let detail = fields.detail(identity, ip)?;
    let mut actions = super::presets::actions(ctx, &detail, identity, spec.benign, &path, tenant);
    super::presets::follow_renames(&mut actions);
    Ok(Anomaly {
        kind: spec.kind.value,
        identity: Some(identity),
        at,
        benign: spec.benign,
        detail,
        actions,
    })
}

/// A custom anomaly: its label, technique and actions (at least one).
fn resolve_custom_anomaly(ctx: &Ctx, spec: &AnomalySpec, (index, at): (usize, DateTime<Utc>), tenant: &mut Tenant) -> R<Anomaly> {
    let label = spec.label.as_ref().ok_or_else(|| {
        ctx.err(&spec.kind, "a custom anomaly needs a `label`")
            .with_hint("name the behaviour, e.g. `label: app-granted-role-management`")
    })?;
    if spec.actions.is_empty() {
        return Err(ctx
            .err(&spec.kind, "a custom anomaly needs `actions`")
            .with_hint("list what happens, e.g. `actions: [{ by: eve@contoso.com, do: add_member_to_role, member: bob@contoso.com, role: Global Administrator }]`"));
    }
    if let Some(identity) = &spec.identity {
        return Err(ctx
            .err(identity, "a custom anomaly names its actors in its actions")
            .with_hint("remove `identity`; each action says `by`"));
    }
    let mut actions = Vec::with_capacity(spec.actions.len());
    for (i, action) in spec.actions.iter().enumerate() {
        if let Some(at) = action.at.as_ref().or(action.schedule.as_ref().and(Some(&action.action))) {
            return Err(ctx
                .err(at, "an anomaly's action happens `after` the anomaly's `at`")
                .with_hint("replace `at`/`schedule` with `after: 5m` (default 0s)"));
        }
        let path = format!("{}/anomaly/{index}/action/{i}", tenant.scenario);
        actions.push(super::actions::resolve_action(ctx, action, tenant, &path)?);
    }
    super::presets::follow_renames(&mut actions);
    let identity = actions.iter().find_map(|a| match a.actor {
        Actor::Identity(i) => Some(i),
        Actor::User(_) | Actor::Service(_) => None,
    });
    Ok(Anomaly {
        kind: AnomalyKind::Custom,
        identity,
        at,
        benign: spec.benign,
        detail: AnomalyDetail::Custom {
            label: label.value.trim().to_owned(),
            technique: spec.technique.as_ref().map(|t| t.value.trim().to_owned()),
        },
        actions,
    })
}

/// An anomaly's fields, read with their defaults and checked against the tenant.
struct AnomalyFields<'a> {
    ctx: &'a Ctx<'a>,
    spec: &'a AnomalySpec,
    tenant: &'a Tenant,
    is_sp: bool,
}

impl AnomalyFields<'_> {
    /// The kind's details; one arm per kind, the longer ones in their own functions.
    fn detail(&self, identity: usize, ip: Ipv4Addr) -> R<AnomalyDetail> {
        let (spec, tenant) = (self.spec, self.tenant);
        Ok(match spec.kind.value {
            AnomalyKind::FailedSignins => self.failed_signins(ip)?,
            AnomalyKind::CredentialAddedToActiveSp => {
                self.require_sp()?;
                AnomalyDetail::CredentialAdded {
                    actor_upn: self.actor(),
                    actor_ip: ip,
                    credential_type: self.credential_type(),
                    on: self.credential_on(),
                }
            }
            AnomalyKind::RenameThenCredential => {
                self.require_sp()?;
                let new_name = spec
                    .new_name
                    .as_ref()
                    .map_or_else(|| format!("{}-legacy", tenant.identities[identity].name), |n| n.value.clone());
                AnomalyDetail::RenameThenCredential {
                    actor_upn: self.actor(),
                    actor_ip: ip,
                    new_name,
                    credential_type: self.credential_type(),
                    on: self.credential_on(),
                    add_credential: !spec.benign,
                }
            }
            AnomalyKind::SigninFromUnusualIp => AnomalyDetail::UnusualIp {
                ip,
                resource: self.resource(if self.is_sp { "arm" } else { "key_vault" })?,
                vault: self.vault(!self.is_sp)?,
            },
            AnomalyKind::NewResourceAccess => {
                let resource = self.resource("graph")?;
                let vault = self.vault(resource.key == "key_vault")?;
                AnomalyDetail::NewResourceAccess { resource, vault }
            }
            AnomalyKind::CaPolicyDeletedByApp => self.ca_policy_deleted()?,
            AnomalyKind::KeyvaultMassRead => AnomalyDetail::KeyVaultMassRead {
                vault: self.vault(true)?.unwrap_or_default(),
                count: self.count(25, 10_000)?,
            },
            AnomalyKind::SigninWithoutActivity => {
                self.require_sp()?;
                AnomalyDetail::SigninWithoutActivity {
                    count: self.count(3, 1_000)?,
                    resource: self.resource("arm")?,
                }
            }
            AnomalyKind::ActivityWithoutSignin => self.activity_without_signin(ip)?,
            AnomalyKind::Custom => return Err(self.ctx.err(&spec.kind, "a custom anomaly is resolved from its actions")),
        })
    }

    fn require_sp(&self) -> R<()> {
        if self.is_sp {
            return Ok(());
        }
        let at = self.spec.identity.as_ref().unwrap_or(&self.spec.at);
        Err(self
            .ctx
            .err(at, format!("a {} anomaly needs a service principal", self.spec.kind.value))
            .with_hint("name an identity of kind service_principal"))
    }

    fn count(&self, default: u32, max: i64) -> R<u32> {
        self.spec.count.as_ref().map_or(Ok(default), |c| self.ctx.positive(c, "count", max))
    }

    fn resource(&self, default: &'static str) -> R<&'static catalog::FirstPartyApp> {
        let Some(r) = &self.spec.resource else {
            return Ok(catalog::first_party(default).expect("default resource is in the catalog"));
        };
        catalog::first_party(&r.value).ok_or_else(|| {
            let keys: Vec<&str> = catalog::FIRST_PARTY_APPS.iter().map(|a| a.key).collect();
            self.ctx
                .err(r, format!("unknown resource app `{}`", r.value))
                .with_hint(format!("known: {}", keys.join(", ")))
        })
    }

    fn vault(&self, needed: bool) -> R<Option<usize>> {
        match &self.spec.vault {
            Some(v) => lookup(self.ctx, "key vault", v, &self.tenant.key_vaults, |k| &k.name).map(Some),
            None if needed => Err(self
                .ctx
                .err(&self.spec.kind, format!("a {} anomaly here needs `vault`", self.spec.kind.value))
                .with_hint("name a declared key vault")),
            None => Ok(None),
        }
    }

    fn actor(&self) -> String {
        self.spec
            .actor
            .as_ref()
            .map_or_else(|| format!("admin@{}", self.tenant.domain), |a| a.value.clone())
    }

    fn credential_type(&self) -> CredentialType {
        self.spec.credential_type.as_ref().map_or(CredentialType::ClientSecret, |c| c.value)
    }

    fn credential_on(&self) -> CredentialOn {
        self.spec.credential_on.as_ref().map_or(CredentialOn::Application, |c| c.value)
    }

    fn failed_signins(&self, ip: Ipv4Addr) -> R<AnomalyDetail> {
        let reason = self.spec.reason.as_ref().ok_or_else(|| {
            self.ctx
                .err(&self.spec.kind, "a failed_signins anomaly needs `reason`")
                .with_hint(reason_hint())
        })?;
        let failure = catalog::signin_failure(&reason.value).ok_or_else(|| {
            self.ctx
                .err(reason, format!("unknown sign-in failure `{}`", reason.value))
                .with_hint(reason_hint())
        })?;
        Ok(AnomalyDetail::FailedSignins {
            code: failure.code,
            description: failure.description,
            count: self.count(5, 10_000)?,
            ip,
            resource: self.resource("arm")?,
        })
    }

    fn ca_policy_deleted(&self) -> R<AnomalyDetail> {
        self.require_sp()?;
        let policy = self.spec.policy.as_ref().ok_or_else(|| {
            self.ctx
                .err(&self.spec.kind, "a ca_policy_deleted_by_app anomaly needs `policy`")
                .with_hint("name a declared conditional access policy")
        })?;
        Ok(AnomalyDetail::CaPolicyDeleted {
            policy: lookup(self.ctx, "conditional access policy", policy, &self.tenant.ca_policies, |p| &p.name)?,
        })
    }

    fn activity_without_signin(&self, ip: Ipv4Addr) -> R<AnomalyDetail> {
        self.require_sp()?;
        let ctx = self.ctx;
        let target = self.spec.sql_database.as_ref().ok_or_else(|| {
            ctx.err(&self.spec.kind, "an activity_without_signin anomaly needs `sql_database`")
                .with_hint("e.g. sql-prod-01/appdb")
        })?;
        let (server, database) = target
            .value
            .split_once('/')
            .ok_or_else(|| ctx.err(target, format!("`{}` is not `server/database`", target.value)))?;
        let sql_server = self
            .tenant
            .sql_servers
            .iter()
            .position(|s| s.name == server && s.databases.iter().any(|d| d == database))
            .ok_or_else(|| {
                ctx.err(target, format!("no SQL database `{}` is declared", target.value))
                    .with_hint("declare it under `resources: sql_servers:`")
            })?;
        Ok(AnomalyDetail::ActivityWithoutSignin {
            sql_server,
            database: database.to_owned(),
            ip,
        })
    }
}

/// Where each optional anomaly field was given, by name.
fn anomaly_fields_given(spec: &AnomalySpec) -> [(&'static str, Option<(u32, u32)>); 14] {
    let first_action = spec
        .actions
        .first()
        .map(|a| (a.action.referenced.line() as u32, a.action.referenced.column() as u32));
    [
        ("label", loc(&spec.label)),
        ("technique", loc(&spec.technique)),
        ("actions", first_action),
        ("credential_on", loc(&spec.credential_on)),
        ("reason", loc(&spec.reason)),
        ("count", loc(&spec.count)),
        ("ip", loc(&spec.ip)),
        ("resource", loc(&spec.resource)),
        ("actor", loc(&spec.actor)),
        ("credential_type", loc(&spec.credential_type)),
        ("new_name", loc(&spec.new_name)),
        ("vault", loc(&spec.vault)),
        ("policy", loc(&spec.policy)),
        ("sql_database", loc(&spec.sql_database)),
    ]
}

/// Fields that only some kinds use must not be silently ignored on the others: the first one given
/// that `used` does not list is an error at its place. `what` names the entry ("a keyvault_mass_read
/// anomaly").
pub(super) fn reject_unused_fields(
    ctx: &Ctx,
    used: &[&str],
    given: &[(&'static str, Option<(u32, u32)>)],
    what: impl FnOnce() -> String,
) -> R<()> {
    let Some((field, Some((line, column)))) = given.iter().find(|(f, l)| l.is_some() && !used.contains(f)) else {
        return Ok(());
    };
    let takes = if used.is_empty() {
        "no optional field".to_owned()
    } else {
        used.join(", ")
    };
    Err(ScenarioError::new(ctx.file, format!("`{field}` does not apply to {}", what()))
        .at_line(ctx.source, *line as usize, *column as usize)
        .with_hint(format!("this kind takes: {takes}")))
}

pub(super) fn loc<T>(field: &Option<S<T>>) -> Option<(u32, u32)> {
    field.as_ref().map(|f| (f.referenced.line() as u32, f.referenced.column() as u32))
}

fn reason_hint() -> String {
    let keys: Vec<&str> = catalog::SIGNIN_FAILURES.iter().map(|f| f.key).collect();
    format!("one of: {}", keys.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_expand_with_padding() {
        assert_eq!(expand_member_name("app-{n}", 7).unwrap(), "app-7");
        assert_eq!(expand_member_name("app-{n:03}-x", 7).unwrap(), "app-007-x");
        assert!(expand_member_name("app-{n:x}", 7).is_err());
    }

    /// Stand-ins leave most members unresolved, so a plain identity named like one must be caught
    /// by its name, as when every member is resolved.
    #[test]
    fn a_plain_identity_named_like_a_member_is_refused_with_stand_ins_too() {
        let source = "name: clash\ntenant: { domain: clash.onmicrosoft.com }\nperiod: { start: 2026-11-01T00:00:00Z, duration: 1d }\n\
                      background: none\nidentities:\n  - { name: app-0500, kind: service_principal }\npopulations:\n  \
                      - { name: apps, count: 1000, identity: { name: \"app-{n:04}\", kind: service_principal } }\n";
        for members in [Members::All, Members::Representatives] {
            let options = LoadOptions { members, background: None };
            let error =
                crate::scenario::parse_with(Path::new("clash.yaml"), source, IdSource::new(1), options).expect_err("the names clash");
            assert!(error.to_string().contains("app-0500"), "{members:?}: {error}");
        }
    }

    #[test]
    fn representatives_stand_for_every_member_once_per_name_length() {
        let reps = representatives("app-{n}", 1_000_000, &[]);
        let firsts: Vec<u32> = reps.iter().filter(|r| r.1 > 1).map(|r| r.0).collect();
        // Classes 1..=9 and 1_000_000 have too few members to share: each stands for itself.
        assert_eq!(firsts.first(), Some(&10));
        assert!(reps.iter().any(|r| r.0 == 100_000 + 31) && !reps.iter().any(|r| r.0 == 100_000 + 32));
        assert_eq!(reps.len(), 9 + 5 * 32 + 1);
        assert_eq!(reps.iter().map(|r| r.1).sum::<u64>(), 1_000_000);
        // Padding to 3 digits puts 1..=999 in one class; 1000.. in the next. 999 = 32 * 31 + 7:
        // the first seven stand-ins stand for one more member.
        let padded = representatives("app-{n:03}", 1_500, &[]);
        assert_eq!(padded.len(), 64);
        assert_eq!((padded[0], padded[6], padded[7], padded[31]), ((1, 32), (7, 32), (8, 31), (32, 31)));
        assert_eq!(padded[32], (1_000, 501 / 32 + 1));
        assert_eq!(padded.iter().map(|r| r.1).sum::<u64>(), 1_500);
        // A named member stands for itself, and the class's stand-ins skip it.
        let class = |n: u32| n.to_string().len();
        let named = representatives("a{n}", 100, &[1, 11, 12]);
        assert!(named.contains(&(11, 1)) && named.contains(&(12, 1)));
        assert_eq!(named.iter().filter(|r| class(r.0) == 2).count(), 32 + 2);
        assert_eq!(named.iter().map(|r| r.1).sum::<u64>(), 100);
        assert_eq!(representatives("a{n}", 1, &[1]), [(1, 1)]);
    }

    #[test]
    fn member_index_reads_the_number_back_from_a_name() {
        assert_eq!(member_index("app-{n:03}-x", 50, "app-007-x"), Some(7));
        assert_eq!(member_index("app-{n:03}-x", 50, "app-7-x"), None, "padding must match");
        assert_eq!(member_index("app-{n}", 50, "app-51"), None, "past the count");
        assert_eq!(member_index("app-{n}", 50, "app-0"), None);
        assert_eq!(member_index("app-{n}", 50, "app-x"), None);
        assert_eq!(member_index("app-{n}", 50, "other"), None);
    }
}
