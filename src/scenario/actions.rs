//! Resolving actions: who does them, what they name, checked against the tenant and the
//! catalogues, with located errors for unknown operations and wrong fields. People, groups,
//! applications and devices an action names that the scenario does not declare are made up from
//! their names, with IDs derived from the seed, so that a fixture needs only the lines it is about.

use super::error::{ScenarioError, closest, did_you_mean};
use super::model::{ActionSpec, ScenarioFile, TokenCacheMode, UserSpec};
use super::resolve::{Ctx, R, lookup, reject_unused_fields, resolve_resource_group, resolve_schedule};
use super::tenant::*;
use super::vocabulary::{ActionKind, DirectoryAction};
use crate::catalog::{self, roles};
use chrono::TimeDelta;
use serde_saphyr::Spanned;
use std::net::Ipv4Addr;

type S<T> = Spanned<T>;

/// Office networks people work from: public ranges outside Azure's, one picked per tenant.
const OFFICE_PREFIXES: &[[u8; 2]] = &[[81, 2], [86, 128], [62, 31], [77, 68], [94, 5], [213, 47]];

/// Resolves the declared `users`.
pub(super) fn resolve_users(ctx: &Ctx, specs: &[UserSpec], tenant: &mut Tenant) -> R<()> {
    for spec in specs {
        if !spec.upn.value.contains('@') {
            return Err(ctx
                .err(&spec.upn, format!("`{}` is not a user principal name", spec.upn.value))
                .with_hint("write it like eve@contoso.onmicrosoft.com"));
        }
        if tenant.user_names.contains_key(&spec.upn.value.to_lowercase()) {
            return Err(ctx.err(&spec.upn, format!("duplicate user `{}`", spec.upn.value)));
        }
        let index = user(ctx, &spec.upn.value, tenant);
        if let Some(name) = &spec.name {
            tenant.users[index].display_name = name.value.clone();
        }
        if let Some(ip) = &spec.ip {
            tenant.users[index].ip = parse_ip(ctx, ip)?;
        }
    }
    Ok(())
}

/// The user with `upn` (or a guest with that address), made up (a name from the seed, an office
/// address) when not yet known.
pub(crate) fn user(ctx: &Ctx, upn: &str, tenant: &mut Tenant) -> usize {
    if let Some(i) = tenant.user_names.get(&upn.to_lowercase()) {
        return *i;
    }
    let path = format!("{}/{upn}", tenant.scenario);
    let mut rng = ctx.ids.rng(&path, "user-name");
    tenant.users.push(User {
        upn: upn.to_owned(),
        display_name: person_name(&mut rng),
        // The same derivation anomalies have always used for their actors.
        object_id: ctx.ids.guid(&path, "user"),
        ip: office_ip(ctx, tenant, upn),
        mail: None,
    });
    let index = tenant.users.len() - 1;
    tenant.user_names.insert(upn.to_lowercase(), index);
    index
}

/// The guest invited at `email`: a user whose UPN is the tenant's `#EXT#` form of the address, as
/// every record names a guest once invited (audit-operations.md §2.6); scenarios keep naming them
/// by their address.
pub(crate) fn guest(ctx: &Ctx, email: &str, tenant: &mut Tenant) -> usize {
    let index = user(ctx, email, tenant);
    let u = &mut tenant.users[index];
    if u.mail.is_none()
        && !email
            .to_ascii_lowercase()
            .ends_with(&format!("@{}", tenant.domain.to_ascii_lowercase()))
    {
        u.mail = Some(email.to_owned());
        u.upn = format!("{}#EXT#@{}", email.replace('@', "_"), tenant.domain);
        tenant.user_names.insert(u.upn.to_lowercase(), index);
    }
    index
}

/// A person's display name, stable per seed and user.
pub(crate) fn person_name(rng: &mut crate::ids::SimRng) -> String {
    use fake::Fake;
    use fake::faker::name::en::{FirstName, LastName};
    let first: String = FirstName().fake_with_rng(rng);
    let last: String = LastName().fake_with_rng(rng);
    format!("{first} {last}")
}

/// An address in the tenant's office network: one /16 per tenant, one address per person.
fn office_ip(ctx: &Ctx, tenant: &Tenant, upn: &str) -> Ipv4Addr {
    let office = ctx.ids.public_ip(&tenant.scenario, "office", OFFICE_PREFIXES);
    let person = ctx.ids.public_ip(&format!("{}/{upn}", tenant.scenario), "office-host", &[[0, 0]]);
    let [a, b, ..] = office.octets();
    let [.., c, d] = person.octets();
    Ipv4Addr::new(a, b, c, d)
}

fn parse_ip(ctx: &Ctx, at: &S<String>) -> R<Ipv4Addr> {
    at.value
        .trim()
        .parse::<Ipv4Addr>()
        .map_err(|_| ctx.err(at, format!("`{}` is not an IPv4 address", at.value)))
}

/// Resolves the top-level `actions`: once (`at`) or on a `schedule`, by an identity (a workload of
/// its own, with its tokens cached) or by a person.
pub(super) fn resolve_top_actions(ctx: &Ctx, spec: &ScenarioFile, tenant: &mut Tenant) -> R<()> {
    for (i, action) in spec.actions.iter().enumerate() {
        let path = format!("{}/action/{i}", tenant.scenario);
        let schedule = match (&action.at, &action.schedule) {
            (Some(at), None) => {
                let time = ctx.datetime(at)?;
                if time < tenant.start || time >= tenant.end {
                    return Err(ctx
                        .err(at, format!("`{}` lies outside the simulated period", at.value))
                        .with_hint(format!(
                            "the period runs from {} to {}",
                            crate::timefmt::format_ts(tenant.start),
                            crate::timefmt::format_ts(tenant.end)
                        )));
                }
                Schedule::At {
                    times: vec![time],
                    jitter: TimeDelta::zero(),
                }
            }
            (None, Some(schedule)) => resolve_schedule(ctx, schedule, &action.action, (tenant.start, tenant.end))?,
            _ => {
                return Err(ctx
                    .err(&action.action, "an action needs exactly one of `at` or `schedule`")
                    .with_hint("e.g. `at: 2026-11-26T10:00:00Z`, or `schedule: { per_day: 3 }`"));
            }
        };
        if let Some(after) = &action.after {
            return Err(ctx
                .err(after, "`after` places an action inside a custom anomaly")
                .with_hint("use `at` or `schedule` here"));
        }
        let resolved = resolve_action(ctx, action, tenant, &path)?;
        match resolved.actor {
            Actor::Identity(identity) => tenant.workloads.push(Workload {
                name: format!("{}-{}-{i}", tenant.identities[identity].name, action.action.value),
                path,
                identity,
                action: WorkloadAction::Actions(vec![resolved]),
                schedule,
                credential: None,
                token_cache: TokenCacheMode::Shared,
                declaration: usize::MAX - i,
            }),
            Actor::User(_) | Actor::Service(_) => tenant.schedules.push(ActorSchedule {
                family: usize::MAX - i,
                path,
                schedule,
                actions: vec![resolved],
                rotate: false,
            }),
        }
    }
    Ok(())
}

/// Resolves one action; `path` roots the IDs of what it makes up.
pub(super) fn resolve_action(ctx: &Ctx, spec: &ActionSpec, tenant: &mut Tenant, path: &str) -> R<Action> {
    let kind = ActionKind::parse(spec.action.value.trim()).ok_or_else(|| {
        let names = ActionKind::names();
        let hint = match closest(spec.action.value.trim(), names.iter().map(String::as_str)) {
            Some(c) => format!("did you mean `{c}`? docs/scenarios.md lists every action"),
            None => "docs/scenarios.md lists every action".to_owned(),
        };
        ctx.err(&spec.action, format!("unknown action `{}`", spec.action.value))
            .with_hint(hint)
    })?;
    let what = || format!("a `{}` action", spec.action.value.trim());
    reject_unused_fields(ctx, kind.fields(), &fields_given(spec), what)?;
    for field in kind.required() {
        if !fields_given(spec).iter().any(|(f, l)| f == field && l.is_some()) {
            return Err(ctx
                .err(&spec.action, format!("{} needs `{field}`", what()))
                .with_hint(format!("it takes: {}", kind.fields().join(", "))));
        }
    }
    let actor = resolve_actor(ctx, &spec.by, tenant)?;
    check_actor(ctx, spec, kind, actor)?;
    let mut resolver = Params {
        ctx,
        spec,
        kind,
        path,
        params: ActionParams {
            count: 1,
            ..ActionParams::default()
        },
    };
    resolver.resolve(tenant)?;
    if let (Some(at), Actor::Identity(_) | Actor::Service(_)) = (&spec.client, actor) {
        return Err(ctx
            .err(
                at,
                "`client` is the app a person works with; identities and services call with their own",
            )
            .with_hint("remove `client`, or name a person (a UPN) in `by`"));
    }
    if let (Some(at), Actor::User(_) | Actor::Service(_)) = (&spec.sql_database, actor) {
        return Err(ctx
            .err(
                at,
                "a template deployment with `sql_database` is a pipeline's: `by` names an identity",
            )
            .with_hint("name the deploying service principal in `by`"));
    }
    let fails = match (&spec.result, kind) {
        (_, ActionKind::SignIn) | (None, _) => false,
        (Some(r), _) => match r.value.trim() {
            "success" => false,
            "failure" => true,
            other => {
                return Err(ctx
                    .err(r, format!("`{other}` is not a result"))
                    .with_hint("write `success` or `failure`"));
            }
        },
    };
    Ok(Action {
        kind,
        actor,
        ip: spec.ip.as_ref().map(|ip| parse_ip(ctx, ip)).transpose()?,
        fails,
        after: match &spec.after {
            Some(after) => ctx.duration(after, "after")?,
            None => TimeDelta::zero(),
        },
        params: resolver.params,
    })
}

/// `by`: a person (a UPN), an identity, or a Microsoft service, by name.
fn resolve_actor(ctx: &Ctx, by: &S<String>, tenant: &mut Tenant) -> R<Actor> {
    let name = by.value.trim();
    if name.contains('@') {
        return Ok(Actor::User(user(ctx, name, tenant)));
    }
    if let Some(service) = catalog::services::SERVICES.iter().find(|s| s.name == name) {
        return Ok(Actor::Service(service));
    }
    lookup(ctx, "identity", by, &tenant.identities, |i| &i.name)
        .map(Actor::Identity)
        .map_err(|e| e.with_hint("`by` names a user by UPN (with an @) or one of the scenario's identities"))
}

/// Refuses an actor that cannot do the operation, saying who can.
fn check_actor(ctx: &Ctx, spec: &ActionSpec, kind: ActionKind, actor: Actor) -> R<()> {
    let problem = match (kind, actor) {
        (ActionKind::Directory(d), Actor::Identity(_)) if !d.apps_may_perform() => Some("only a person can do this"),
        (ActionKind::SignIn, Actor::User(_)) => {
            Some("people's sign-ins are in SigninLogs, which tenantless does not write; sign_in is for identities")
        }
        (ActionKind::KeyVault, Actor::User(_)) => Some("Key Vault requests are simulated for identities"),
        (ActionKind::ApiCall, Actor::User(_)) => Some("people's sign-ins are in SigninLogs, which tenantless does not write"),
        (ActionKind::Directory(_) | ActionKind::KeyVault, Actor::Service(_)) => None,
        (_, Actor::Service(_)) => Some("a Microsoft service does directory changes and Key Vault reads here"),
        _ => None,
    };
    match problem {
        Some(problem) => Err(ctx
            .err(&spec.by, format!("`{}` cannot `{}`: {problem}", spec.by.value, spec.action.value))
            .with_hint("name another actor in `by`")),
        None => Ok(()),
    }
}

/// What kind of object an operation's `target` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TargetKind {
    Application,
    User,
    Group,
    Device,
    /// A name only: a custom role's.
    Name,
    /// A person invited from outside, by their own address.
    Guest,
}

fn target_kind(d: DirectoryAction) -> TargetKind {
    use DirectoryAction::*;
    match d {
        InviteExternalUser => TargetKind::Guest,
        AddUser | UpdateUser | DeleteUser | ResetUserPassword | RevokeSessions | RegisterSecurityInfo | DeleteSecurityInfo => {
            TargetKind::User
        }
        AddGroup | UpdateGroup | DeleteGroup => TargetKind::Group,
        RegisterDevice | UpdateDevice | DeleteDevice => TargetKind::Device,
        AddRoleDefinition | UpdateRoleDefinition => TargetKind::Name,
        _ => TargetKind::Application,
    }
}

/// Resolves an action's fields into [`ActionParams`].
struct Params<'a> {
    ctx: &'a Ctx<'a>,
    spec: &'a ActionSpec,
    kind: ActionKind,
    path: &'a str,
    params: ActionParams,
}

impl Params<'_> {
    fn resolve(&mut self, tenant: &mut Tenant) -> R<()> {
        let (ctx, spec) = (self.ctx, self.spec);
        match (&spec.target, self.kind) {
            (Some(target), ActionKind::Directory(d)) if target_kind(d) == TargetKind::Name => {
                self.params.text.insert("target", target.value.trim().to_owned());
            }
            (Some(target), ActionKind::Directory(d)) => self.params.target = Some(self.entity(target, target_kind(d), tenant)?),
            _ => {}
        }
        if let Some(member) = &spec.member {
            self.params.member = Some(self.principal(member, tenant)?);
        }
        if let Some(group) = &spec.group {
            self.params.group = Some(group_index(ctx, &group.value, tenant));
        }
        if let Some(role) = &spec.role {
            self.role(role)?;
        }
        if let Some(resource) = &spec.resource {
            self.resource(resource)?;
        }
        if let Some(app_role) = &spec.app_role {
            let api = *self
                .params
                .api
                .get_or_insert(catalog::first_party("graph").expect("catalog has Graph"));
            self.params.app_role = Some(roles::app_role_of(api.key, &app_role.value).ok_or_else(|| {
                let known: Vec<&str> = roles::APP_ROLES.iter().filter(|r| r.api == api.key).map(|r| r.value).collect();
                let hint = did_you_mean(&app_role.value, known.iter().copied(), || {
                    format!("known permissions of {}: {}", api.display_name, known.join(", "))
                });
                ctx.err(
                    app_role,
                    format!("unknown application permission `{}` of {}", app_role.value, api.display_name),
                )
                .with_hint(hint)
            })?);
        }
        if let Some(policy) = &spec.policy {
            self.params.policy = Some(policy_index(ctx, policy, self.kind, tenant)?);
        }
        if let Some(vault) = &spec.vault {
            self.params.vault = Some(lookup(ctx, "key vault", vault, &tenant.key_vaults, |k| &k.name)?);
        }
        if let Some(duration) = &spec.duration {
            self.params.duration = Some(ctx.duration(duration, "duration")?);
        }
        if let Some(count) = &spec.count {
            self.params.count = ctx.positive(count, "count", 10_000)?;
        }
        if let Some(status) = &spec.status {
            const STATUSES: [i64; 8] = [200, 202, 400, 401, 403, 404, 409, 429];
            if !STATUSES.contains(&status.value) {
                return Err(ctx
                    .err(status, format!("Key Vault does not log HTTP status {}", status.value))
                    .with_hint("use one of 200, 202, 400, 401, 403, 404, 409, 429"));
            }
            self.params.status = Some(status.value as u16);
        }
        if let (ActionKind::KeyVault, Some(operation)) = (self.kind, &spec.operation) {
            catalog::keyvault::operation(&operation.value).ok_or_else(|| {
                let hint = did_you_mean(
                    operation.value.trim(),
                    catalog::keyvault::KEYVAULT_OPERATIONS.iter().copied(),
                    || "e.g. SecretGet, SecretList, KeyDecrypt, VaultGet".to_owned(),
                );
                ctx.err(operation, format!("unknown Key Vault operation `{}`", operation.value))
                    .with_hint(hint)
            })?;
        }
        self.params.credential_type = spec.credential_type.as_ref().map(|c| c.value);
        self.token_use()?;
        self.client()?;
        if let Some(spacing) = &spec.spacing {
            self.params.spacing = Some(ctx.duration(spacing, "spacing")?);
        }
        if let Some(target) = &spec.sql_database {
            self.sql_database(target, tenant)?;
        }
        self.sign_in_result()?;
        self.arm_fields(tenant)?;
        self.texts()?;
        self.excluded_user()?;
        Ok(())
    }

    /// A `target` of the operation's kind: found by name (or UPN), or made up.
    fn entity(&self, at: &S<String>, kind: TargetKind, tenant: &mut Tenant) -> R<Entity> {
        let name = at.value.trim();
        Ok(match kind {
            TargetKind::User | TargetKind::Guest => {
                if !name.contains('@') {
                    return Err(self
                        .ctx
                        .err(at, format!("`{name}` is not a user principal name"))
                        .with_hint("name the user by UPN, e.g. bob@contoso.onmicrosoft.com"));
                }
                if kind == TargetKind::Guest {
                    Entity::User(guest(self.ctx, name, tenant))
                } else {
                    Entity::User(user(self.ctx, name, tenant))
                }
            }
            TargetKind::Group => Entity::Group(group_index(self.ctx, name, tenant)),
            TargetKind::Device => Entity::Device(device_index(self.ctx, name, tenant)),
            TargetKind::Application | TargetKind::Name => match tenant.identities.iter().position(|i| i.name == name) {
                Some(i) => Entity::Identity(i),
                None => Entity::Application(application_index(self.ctx, name, tenant)),
            },
        })
    }

    /// A `member`: a user (by UPN), an identity, an application or a group, by name.
    fn principal(&self, at: &S<String>, tenant: &mut Tenant) -> R<Entity> {
        let name = at.value.trim();
        if name.contains('@') {
            return Ok(Entity::User(user(self.ctx, name, tenant)));
        }
        if let Some(i) = tenant.identities.iter().position(|i| i.name == name) {
            return Ok(Entity::Identity(i));
        }
        if let Some(i) = tenant.applications.iter().position(|a| a.name == name) {
            return Ok(Entity::Application(i));
        }
        if let Some(i) = tenant.groups.iter().position(|g| g.name == name) {
            return Ok(Entity::Group(i));
        }
        let names = tenant.identities.iter().map(|i| i.name.as_str());
        let hint = match closest(name, names) {
            Some(c) => format!("did you mean `{c}`? A user is named by UPN, with an @"),
            None => "name a user by UPN (with an @), or an identity, application or group by name".to_owned(),
        };
        Err(self.ctx.err(at, format!("unknown principal `{name}`")).with_hint(hint))
    }

    /// `role`: a directory role for directory actions, an Azure role for ARM ones.
    fn role(&mut self, at: &S<String>) -> R<()> {
        let name = at.value.trim();
        if matches!(self.kind, ActionKind::Directory(_)) {
            self.params.directory_role = Some(roles::directory_role(name).ok_or_else(|| {
                let known = roles::DIRECTORY_ROLES.iter().map(|r| r.name);
                let hint = did_you_mean(name, known, || {
                    "name a built-in directory role, e.g. Global Administrator".to_owned()
                });
                self.ctx.err(at, format!("unknown directory role `{name}`")).with_hint(hint)
            })?);
        } else {
            self.params.azure_role = Some(roles::azure_role(name).ok_or_else(|| {
                let known = roles::AZURE_ROLES.iter().map(|r| r.name);
                let hint = did_you_mean(name, known, || "name a built-in Azure role, e.g. Owner".to_owned());
                self.ctx.err(at, format!("unknown Azure role `{name}`")).with_hint(hint)
            })?);
        }
        Ok(())
    }

    /// `resource`: an API for grants and sign-ins, an ARM resource for ARM actions.
    fn resource(&mut self, at: &S<String>) -> R<()> {
        let name = at.value.trim();
        match self.kind {
            ActionKind::Arm(_) | ActionKind::GenericArm => {
                self.params.text.insert("resource", name.to_owned());
            }
            _ => {
                self.params.api = Some(catalog::first_party(name).ok_or_else(|| {
                    let keys: Vec<&str> = catalog::FIRST_PARTY_APPS.iter().map(|a| a.key).collect();
                    let hint = did_you_mean(name, keys.iter().copied(), || format!("known APIs: {}", keys.join(", ")));
                    self.ctx.err(at, format!("unknown API `{name}`")).with_hint(hint)
                })?);
            }
        }
        Ok(())
    }

    /// `token`: how an identity gets the token its call presents; a sign-in is itself how a
    /// token is obtained.
    fn token_use(&mut self) -> R<()> {
        let Some(given) = &self.spec.token else { return Ok(()) };
        if self.kind == ActionKind::SignIn {
            return Err(self
                .ctx
                .err(given, "a sign-in obtains a token; `token` says how other calls get theirs")
                .with_hint("remove `token` here"));
        }
        let text = given.value.trim();
        self.params.token = text.parse().map_err(|_| {
            use strum::VariantNames;
            let hint = did_you_mean(text, TokenUse::VARIANTS.iter().copied(), || {
                format!("one of: {}", TokenUse::VARIANTS.join(", "))
            });
            self.ctx.err(given, format!("`token` cannot be `{text}`")).with_hint(hint)
        })?;
        Ok(())
    }

    /// `client`: the app a person works with.
    fn client(&mut self) -> R<()> {
        let Some(given) = &self.spec.client else { return Ok(()) };
        let key = given.value.trim();
        self.params.client = Some(catalog::services::client_app(key).ok_or_else(|| {
            let keys: Vec<&str> = catalog::services::CLIENTS.iter().map(|c| c.key).collect();
            let hint = did_you_mean(key, keys.iter().copied(), || format!("one of: {}", keys.join(", ")));
            self.ctx.err(given, format!("unknown client `{key}`")).with_hint(hint)
        })?);
        Ok(())
    }

    /// deployment_write's `sql_database`: a declared `server/database` the template deploys.
    fn sql_database(&mut self, target: &S<String>, tenant: &Tenant) -> R<()> {
        let ctx = self.ctx;
        if self.kind != ActionKind::parse("deployment_write").expect("the catalogue has deployment_write") {
            return Err(ctx
                .err(target, "`sql_database` names what a deployment deploys")
                .with_hint("use it with `do: deployment_write`"));
        }
        let (server, database) = target
            .value
            .split_once('/')
            .ok_or_else(|| ctx.err(target, format!("`{}` is not `server/database`", target.value)))?;
        let index = tenant
            .sql_servers
            .iter()
            .position(|s| s.name == server && s.databases.iter().any(|d| d == database))
            .ok_or_else(|| {
                ctx.err(target, format!("no SQL database `{}` is declared", target.value))
                    .with_hint("declare it under `resources: sql_servers:`")
            })?;
        self.params.sql_database = Some((index, database.to_owned()));
        Ok(())
    }

    /// sign_in's `result`: `success`, or a failure by AADSTS reason or code.
    fn sign_in_result(&mut self) -> R<()> {
        let (ActionKind::SignIn, Some(result)) = (self.kind, &self.spec.result) else {
            return Ok(());
        };
        let text = result.value.trim();
        if text == "success" || text == "0" {
            return Ok(());
        }
        let failure = catalog::signin_failure(text).ok_or_else(|| {
            let keys: Vec<&str> = catalog::SIGNIN_FAILURES.iter().map(|f| f.key).collect();
            self.ctx
                .err(result, format!("unknown sign-in result `{text}`"))
                .with_hint(format!("write `success`, or one of {}", keys.join(", ")))
        })?;
        self.params.failure = Some((failure.code, failure.description));
        Ok(())
    }

    /// ARM actions: the resource group (default the first declared) and the resource's id.
    fn arm_fields(&mut self, tenant: &Tenant) -> R<()> {
        let operation = match self.kind {
            ActionKind::Arm(op) => op.name.to_owned(),
            ActionKind::GenericArm => match &self.spec.operation {
                Some(op) if op.value.matches('/').count() >= 2 => op.value.trim().to_owned(),
                Some(op) => {
                    return Err(self
                        .ctx
                        .err(op, format!("`{}` is not an ARM operation", op.value))
                        .with_hint("write it as ARM names it, e.g. Microsoft.Compute/virtualMachines/write"));
                }
                None => return Ok(()),
            },
            ActionKind::CloudShell => "Microsoft.Storage/storageAccounts/write".to_owned(),
            _ => return Ok(()),
        };
        let placement = match &self.spec.resource_group {
            Some(rg) => resolve_resource_group(self.ctx, rg, tenant)?,
            None if tenant.resource_groups.is_empty() => {
                return Err(ScenarioError::new(
                    self.ctx.file,
                    "an ARM action needs a resource group, and the scenario declares none",
                )
                .at_line(
                    self.ctx.source,
                    self.spec.action.referenced.line() as usize,
                    self.spec.action.referenced.column() as usize,
                )
                .with_hint("declare one under `subscriptions: - name: … resource_groups: [...]`"));
            }
            None => 0,
        };
        let rg = &tenant.resource_groups[placement];
        let subscription = tenant.subscriptions[rg.subscription].id;
        let given = self.params.text.get("resource").cloned();
        let given = match given {
            // An access-policy change is `<vault>/add`, `/remove` or `/replace` (its REST path's
            // operation kind); a vault alone is an addition.
            Some(vault) if operation.eq_ignore_ascii_case(ACCESS_POLICY_WRITE) && !vault.contains('/') => Some(format!("{vault}/add")),
            other => other,
        };
        if operation.eq_ignore_ascii_case(ACCESS_POLICY_WRITE) {
            let vault = given.as_deref().and_then(|g| g.split('/').next()).unwrap_or_default();
            self.params.vault = tenant.key_vaults.iter().position(|k| k.name.eq_ignore_ascii_case(vault));
        }
        let resource = arm_resource(&operation, given.as_deref(), (subscription, &rg.name), self.path);
        self.params.arm_resource = Some(ArmResourceRef {
            region: tenant_region(tenant),
            ..resource
        });
        self.params.arm_scope = self.spec.scope.as_ref().map(|scope| match scope.value.trim() {
            "subscription" => format!("/subscriptions/{subscription}"),
            "resource_group" => format!("/subscriptions/{subscription}/resourceGroups/{}", rg.name),
            other => other.to_owned(),
        });
        Ok(())
    }

    /// A Conditional Access exclusion names the user it excludes.
    fn excluded_user(&self) -> R<()> {
        let excludes = self.kind == ActionKind::Directory(DirectoryAction::UpdateConditionalAccessPolicy)
            && self.params.text.get("change").is_some_and(|c| c == "exclude_user");
        if excludes && !matches!(self.params.member, Some(Entity::User(_))) {
            let at = self.spec.member.as_ref().unwrap_or(&self.spec.action);
            return Err(self
                .ctx
                .err(at, "`change: exclude_user` needs the excluded user in `member`")
                .with_hint("e.g. `member: eve@contoso.onmicrosoft.com`"));
        }
        Ok(())
    }

    /// Text fields, kept as given; those with a closed set of values must name one of them.
    fn texts(&mut self) -> R<()> {
        let s = self.spec;
        for (name, value) in [
            ("scopes", &s.scopes),
            ("consent", &s.consent),
            ("new_name", &s.new_name),
            ("reply_url", &s.reply_url),
            ("issuer", &s.issuer),
            ("subject", &s.subject),
            ("justification", &s.justification),
            ("method", &s.method),
            ("partner_tenant", &s.partner_tenant),
            ("domain", &s.domain),
            ("change", &s.change),
            ("direction", &s.direction),
            ("access", &s.access),
            ("os", &s.os),
            ("vm_size", &s.vm_size),
            ("publisher", &s.publisher),
            ("extension_type", &s.extension_type),
            ("command", &s.command),
            ("port", &s.port),
            ("source", &s.source),
            ("permissions", &s.permissions),
            ("operation", &s.operation),
            ("object", &s.object),
            ("credential", &s.credential),
            ("country", &s.country),
            ("file_uris", &s.file_uris),
            ("storage", &s.storage),
        ] {
            let Some(v) = value else { continue };
            let given = v.value.trim();
            if let Some(choices) = self.kind.choices(name).filter(|c| !c.contains(&given)) {
                let hint = did_you_mean(given, choices.iter().copied(), || format!("one of: {}", choices.join(", ")));
                return Err(self
                    .ctx
                    .err(v, format!("`{name}` of `{}` cannot be `{given}`", self.spec.action.value))
                    .with_hint(hint));
            }
            self.params.text.insert(name, given.to_owned());
        }
        Ok(())
    }
}

/// The ARM operation of Key Vault access-policy changes.
const ACCESS_POLICY_WRITE: &str = "Microsoft.KeyVault/vaults/accessPolicies/write";

/// The tenant's default region: where its first resource group's resources are made up.
fn tenant_region(tenant: &Tenant) -> &'static catalog::Region {
    tenant
        .key_vaults
        .first()
        .map(|k| k.placement.region)
        .or_else(|| tenant.identities.first().map(|i| i.region))
        .unwrap_or(&catalog::REGIONS[0])
}

/// The resource an ARM operation acts on: an id given in full, or a name (`vm-01`, or
/// `nsg-web/allow-rdp` for a nested type) of the type the operation names, in `rg`; with no name,
/// one derived from `path`.
pub(crate) fn arm_resource(operation: &str, given: Option<&str>, (subscription, rg): (uuid::Uuid, &str), path: &str) -> ArmResourceRef {
    let region = &catalog::REGIONS[0];
    if let Some(id) = given.filter(|g| g.starts_with("/subscriptions/")) {
        let name = id.rsplit('/').next().unwrap_or_default().to_owned();
        let resource_group = id
            .split('/')
            .skip_while(|s| !s.eq_ignore_ascii_case("resourceGroups"))
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        return ArmResourceRef {
            id: id.to_owned(),
            name,
            resource_group,
            subscription,
            region,
        };
    }
    // The resource type is the operation minus its verb (`…/write`, `…/listKeys/action`).
    let mut segments: Vec<&str> = operation.split('/').collect();
    if segments.last().is_some_and(|s| s.eq_ignore_ascii_case("action")) {
        segments.pop();
    }
    segments.pop();
    let types = &segments[1.min(segments.len())..];
    let default_name = format!(
        "{}-{:04x}",
        types.last().map_or("res", |t| t.trim_end_matches('s')).to_lowercase(),
        fnv(path) & 0xffff
    );
    let names: Vec<String> = match given {
        Some(g) => g.split('/').map(str::to_owned).collect(),
        None => types.iter().map(|_| default_name.clone()).collect(),
    };
    let provider = segments.first().copied().unwrap_or("Microsoft.Resources");
    let scope = format!("/subscriptions/{subscription}/resourceGroups/{rg}");
    let (id, resource_group) = match (provider, types) {
        ("Microsoft.Resources", ["subscriptions", "resourceGroups"]) => {
            let name = names.last().cloned().unwrap_or_default();
            (format!("/subscriptions/{subscription}/resourceGroups/{name}"), name)
        }
        ("Microsoft.Portal", _) => ("/providers/Microsoft.Portal/consoles/default".to_owned(), String::new()),
        // A subscription's own operations name the subscription; an alias is tenant-wide.
        ("Microsoft.Subscription", []) => (format!("/subscriptions/{subscription}"), String::new()),
        ("Microsoft.Subscription", ["aliases"]) => (format!("/providers/Microsoft.Subscription/aliases/{}", names[0]), String::new()),
        // Elevation is tenant-wide: its record names the provider at the root.
        ("Microsoft.Authorization", []) => ("/providers/Microsoft.Authorization".to_owned(), String::new()),
        _ => {
            let mut id = format!("{scope}/providers/{provider}");
            for (i, t) in types.iter().enumerate() {
                let name = names.get(i).or(names.last()).cloned().unwrap_or_default();
                id.push_str(&format!("/{t}/{name}"));
            }
            (id, rg.to_owned())
        }
    };
    ArmResourceRef {
        name: id.rsplit('/').next().unwrap_or_default().to_owned(),
        id,
        resource_group,
        subscription,
        region,
    }
}

/// A small stable hash for made-up names.
fn fnv(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The group named `name`, made up when not yet known.
pub(crate) fn group_index(ctx: &Ctx, name: &str, tenant: &mut Tenant) -> usize {
    if let Some(i) = tenant.groups.iter().position(|g| g.name == name) {
        return i;
    }
    tenant.groups.push(Group {
        name: name.to_owned(),
        object_id: ctx.ids.guid(&format!("{}/group/{name}", tenant.scenario), "object"),
    });
    tenant.groups.len() - 1
}

/// The device named `name`, made up when not yet known.
fn device_index(ctx: &Ctx, name: &str, tenant: &mut Tenant) -> usize {
    if let Some(i) = tenant.devices.iter().position(|d| d.name == name) {
        return i;
    }
    let path = format!("{}/device/{name}", tenant.scenario);
    tenant.devices.push(Device {
        name: name.to_owned(),
        object_id: ctx.ids.guid(&path, "object"),
        device_id: ctx.ids.guid(&path, "device"),
    });
    tenant.devices.len() - 1
}

/// The application named `name` (none of the identities), made up when not yet known.
pub(crate) fn application_index(ctx: &Ctx, name: &str, tenant: &mut Tenant) -> usize {
    if let Some(i) = tenant.applications.iter().position(|a| a.name == name) {
        return i;
    }
    let path = format!("{}/application/{name}", tenant.scenario);
    tenant.applications.push(Application {
        name: name.to_owned(),
        app_id: ctx.ids.guid(&path, "app_id"),
        sp_object_id: ctx.ids.guid(&path, "sp_object_id"),
        application_object_id: ctx.ids.guid(&path, "application_object_id"),
    });
    tenant.applications.len() - 1
}

/// A Conditional Access policy by name; creating one declares it.
fn policy_index(ctx: &Ctx, at: &S<String>, kind: ActionKind, tenant: &mut Tenant) -> R<usize> {
    if let Some(i) = tenant.ca_policies.iter().position(|p| p.name == at.value) {
        return Ok(i);
    }
    if kind == ActionKind::Directory(DirectoryAction::AddConditionalAccessPolicy) {
        tenant.ca_policies.push(CaPolicy {
            name: at.value.clone(),
            id: ctx.ids.guid(&format!("{}/ca_policy/{}", tenant.scenario, at.value), "id"),
        });
        return Ok(tenant.ca_policies.len() - 1);
    }
    lookup(ctx, "conditional access policy", at, &tenant.ca_policies, |p| &p.name)
}

/// Where each optional action field was given, by name.
fn fields_given(spec: &ActionSpec) -> Vec<(&'static str, Option<(u32, u32)>)> {
    use super::resolve::loc;
    vec![
        ("count", loc(&spec.count)),
        ("target", loc(&spec.target)),
        ("member", loc(&spec.member)),
        ("role", loc(&spec.role)),
        ("group", loc(&spec.group)),
        ("app_role", loc(&spec.app_role)),
        ("resource", loc(&spec.resource)),
        ("scopes", loc(&spec.scopes)),
        ("consent", loc(&spec.consent)),
        ("credential_type", loc(&spec.credential_type)),
        ("new_name", loc(&spec.new_name)),
        ("reply_url", loc(&spec.reply_url)),
        ("issuer", loc(&spec.issuer)),
        ("subject", loc(&spec.subject)),
        ("duration", loc(&spec.duration)),
        ("justification", loc(&spec.justification)),
        ("method", loc(&spec.method)),
        ("partner_tenant", loc(&spec.partner_tenant)),
        ("domain", loc(&spec.domain)),
        ("policy", loc(&spec.policy)),
        ("change", loc(&spec.change)),
        ("direction", loc(&spec.direction)),
        ("access", loc(&spec.access)),
        ("os", loc(&spec.os)),
        ("resource_group", loc(&spec.resource_group)),
        ("scope", loc(&spec.scope)),
        ("vm_size", loc(&spec.vm_size)),
        ("publisher", loc(&spec.publisher)),
        ("extension_type", loc(&spec.extension_type)),
        ("command", loc(&spec.command)),
        ("port", loc(&spec.port)),
        ("source", loc(&spec.source)),
        ("permissions", loc(&spec.permissions)),
        ("operation", loc(&spec.operation)),
        ("vault", loc(&spec.vault)),
        ("object", loc(&spec.object)),
        ("status", loc(&spec.status)),
        ("credential", loc(&spec.credential)),
        ("country", loc(&spec.country)),
        ("spacing", loc(&spec.spacing)),
        ("file_uris", loc(&spec.file_uris)),
        ("storage", loc(&spec.storage)),
        ("sql_database", loc(&spec.sql_database)),
    ]
}
