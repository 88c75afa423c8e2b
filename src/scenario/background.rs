//! A tenant's background activity: the benign directory changes, ARM operations, sign-ins and Key
//! Vault traffic every real tenant logs besides the few workloads a scenario is about. It is
//! resolved into ordinary entities, workloads and schedules — people with names from the seed,
//! apps, managed identities, groups, devices, resources — so that generation, estimation and the
//! token cache treat it like everything else; none of it carries a label, so the ground truth stays
//! exact. Rates are per person and per day, in the order of magnitude the references give (a few
//! directory changes per person and day, audit-operations.md §5; the most frequent operations of
//! arm-and-keyvault-operations.md Part 3).

use super::actions::{application_index, arm_resource, group_index, person_name};
use super::model::{BackgroundLevel, DailyProfile, IdentityKind, TokenCacheMode};
use super::resolve::Ctx;
use super::tenant::*;
use super::vocabulary::{ActionKind, DirectoryAction};
use crate::catalog::{self, arm::arm_operation, roles, services};
use crate::ids::SimRng;
use chrono::TimeDelta;
use rand::RngExt;
use std::net::Ipv4Addr;

/// First family number of background streams (the estimate prices a family's members alike).
const FAMILY_BASE: usize = usize::MAX / 2;

/// The fewest runs a day of any stream: even a small tenant sees each kind of change every few
/// days, so that a week of it shows the whole mix.
const MIN_STREAM_PER_DAY: f64 = 0.5;

/// The people of a tenant of `level`.
pub fn people(level: BackgroundLevel) -> usize {
    match level {
        BackgroundLevel::None => 0,
        BackgroundLevel::Small => 40,
        BackgroundLevel::Medium => 400,
        BackgroundLevel::Large => 4_000,
    }
}

/// Adds the background of `level` to `tenant`.
pub(super) fn add(ctx: &Ctx, level: BackgroundLevel, tenant: &mut Tenant) {
    let n = people(level);
    if n == 0 {
        return;
    }
    let mut b = Builder {
        ctx,
        root: format!("{}/background", tenant.scenario),
        rng: ctx.ids.rng(&format!("{}/background", tenant.scenario), "pools"),
        family: FAMILY_BASE,
    };
    let pools = b.pools(n, tenant);
    b.directory_streams(&pools, tenant);
    b.application_streams(&pools, tenant);
    b.arm_streams(&pools, tenant);
    b.identity_workloads(&pools, tenant);
}

/// VMs, storage accounts and web apps, in that order.
type AzureResources = (Vec<ArmResourceRef>, Vec<ArmResourceRef>, Vec<ArmResourceRef>);

/// The background's people, objects and resources, by index into the tenant's lists.
struct Pools {
    people: usize,
    users: Vec<usize>,
    admins: Vec<usize>,
    newcomers: Vec<usize>,
    leavers: Vec<usize>,
    guests: Vec<usize>,
    groups: Vec<usize>,
    devices: Vec<usize>,
    new_devices: Vec<usize>,
    /// Apps registered before the period: their owners update them.
    registered_apps: Vec<usize>,
    /// Apps registered during the period, with their first secret.
    new_apps: Vec<usize>,
    saas_apps: Vec<usize>,
    service_apps: Vec<usize>,
    managed: Vec<usize>,
    vault: usize,
    readable_vaults: Vec<usize>,
    resource_group: usize,
    vms: Vec<ArmResourceRef>,
    storage: Vec<ArmResourceRef>,
    web_apps: Vec<ArmResourceRef>,
}

struct Builder<'a> {
    ctx: &'a Ctx<'a>,
    root: String,
    rng: SimRng,
    family: usize,
}

const DEPARTMENTS: &[&str] = &[
    "Finance",
    "Sales",
    "Marketing",
    "Engineering",
    "HR",
    "IT Operations",
    "Legal",
    "Support",
    "Security",
    "Procurement",
];
const APP_WORDS: &[&str] = &[
    "Portal",
    "Orders API",
    "Payroll",
    "Inventory",
    "Reporting",
    "Intranet",
    "Helpdesk",
    "Billing",
];
const SERVICE_WORDS: &[&str] = &["Sync", "Connector", "Backup", "Monitoring", "Provisioning", "Archiver"];

impl Builder<'_> {
    fn next_family(&mut self) -> usize {
        self.family += 1;
        self.family
    }

    /// A made-up company name, as vendors' and in-house apps are named.
    fn company(&mut self) -> String {
        use fake::Fake;
        use fake::faker::name::en::LastName;
        LastName().fake_with_rng::<String, _>(&mut self.rng)
    }

    /// The organisation's groups, one or more per department.
    fn groups(&mut self, n: usize, tenant: &mut Tenant) -> Vec<usize> {
        (0..(n / 8).max(4))
            .map(|k| {
                let name = format!(
                    "{} {}",
                    DEPARTMENTS[k % DEPARTMENTS.len()],
                    if k < DEPARTMENTS.len() {
                        "Team".to_owned()
                    } else {
                        format!("Team {}", k / DEPARTMENTS.len() + 1)
                    }
                );
                group_index(self.ctx, &name, tenant)
            })
            .collect()
    }

    /// The Azure resources people operate on in the portal: VMs, storage accounts, web apps.
    fn azure_resources(&mut self, n: usize, tenant: &Tenant, resource_group: usize, vault: usize) -> AzureResources {
        let resource = |b: &mut Self, tenant: &Tenant, op: &str, name: String| {
            let rg = &tenant.resource_groups[resource_group];
            let subscription = tenant.subscriptions[rg.subscription].id;
            let mut r = arm_resource(op, Some(&name), (subscription, &rg.name), &b.root);
            r.region = tenant.key_vaults[vault].placement.region;
            r
        };
        let org = tenant.domain.split('.').next().unwrap_or("org").to_lowercase();
        let vms = (0..(n / 10).max(2))
            .map(|k| {
                resource(
                    self,
                    tenant,
                    "Microsoft.Compute/virtualMachines/write",
                    format!("vm-dev-{:02}", k + 1),
                )
            })
            .collect();
        let storage = (0..(n / 25).max(1))
            .map(|k| {
                resource(
                    self,
                    tenant,
                    "Microsoft.Storage/storageAccounts/write",
                    format!(
                        "st{}{:02}",
                        org.chars().filter(char::is_ascii_alphanumeric).take(12).collect::<String>(),
                        k + 1
                    ),
                )
            })
            .collect();
        let web_apps = (0..(n / 25).max(1))
            .map(|k| {
                resource(
                    self,
                    tenant,
                    "Microsoft.Web/sites/write",
                    format!(
                        "app-{}-{:02}",
                        APP_WORDS[k % APP_WORDS.len()].to_lowercase().replace(' ', "-"),
                        k + 1
                    ),
                )
            })
            .collect();
        (vms, storage, web_apps)
    }

    fn pools(&mut self, n: usize, tenant: &mut Tenant) -> Pools {
        let resource_group = self.resource_group(tenant);
        let mut user_pool =
            |b: &mut Self, count: usize, tag: &str| -> Vec<usize> { (0..count).map(|k| b.person(tenant, tag, k)).collect::<Vec<_>>() };
        let users = user_pool(self, n, "staff");
        let admins = users[..(n / 20).max(2).min(n)].to_vec();
        let newcomers = user_pool(self, (n / 10).max(2), "newcomer");
        let leavers = users[n - (n / 20).max(1)..].to_vec();
        let guests = user_pool(self, (n / 20).max(2), "guest");
        let groups = self.groups(n, tenant);
        let devices = (0..n).map(|k| self.device(tenant, "DESKTOP", k)).collect();
        let new_devices = (0..(n / 10).max(2)).map(|k| self.device(tenant, "LAPTOP", k)).collect();
        let mut apps = |b: &mut Self, offset: usize| -> Vec<usize> {
            (0..(n / 20).max(2))
                .map(|k| {
                    let name = format!("{} {}", b.company(), APP_WORDS[(k + offset) % APP_WORDS.len()]);
                    application_index(b.ctx, &name, tenant)
                })
                .collect()
        };
        let registered_apps = apps(self, 0);
        let new_apps = apps(self, 3);
        let saas_apps = (0..5)
            .map(|_| {
                let name = format!("{} for Microsoft 365", self.company());
                application_index(self.ctx, &name, tenant)
            })
            .collect();
        let service_apps = (0..(n / 15).max(3)).map(|k| self.service_principal(tenant, k)).collect();
        let (vault, readable_vaults) = self.vaults(tenant, resource_group);
        let managed = (0..(n / 15).max(3))
            .map(|k| self.managed_identity(tenant, resource_group, k))
            .collect();
        let (vms, storage, web_apps) = self.azure_resources(n, tenant, resource_group, vault);
        Pools {
            people: n,
            users,
            admins,
            newcomers,
            leavers,
            guests,
            groups,
            devices,
            new_devices,
            registered_apps,
            new_apps,
            saas_apps,
            service_apps,
            managed,
            vault,
            readable_vaults,
            resource_group,
            vms,
            storage,
            web_apps,
        }
    }

    /// A person of the organisation: `first.last@domain`, named from the seed.
    fn person(&mut self, tenant: &mut Tenant, tag: &str, k: usize) -> usize {
        let mut rng = self.ctx.ids.rng(&format!("{}/{tag}/{k}", self.root), "name");
        let name = person_name(&mut rng);
        let local: String = name
            .to_lowercase()
            .replace(' ', ".")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let domain = if tag == "guest" {
            "partner.example.com".to_owned()
        } else {
            tenant.domain.clone()
        };
        let mut upn = format!("{local}@{domain}");
        let mut suffix = 2;
        while tenant.user_names.contains_key(&upn.to_lowercase()) {
            upn = format!("{local}{suffix}@{domain}");
            suffix += 1;
        }
        let index = if tag == "guest" {
            super::actions::guest(self.ctx, &upn, tenant)
        } else {
            super::actions::user(self.ctx, &upn, tenant)
        };
        tenant.users[index].display_name = name;
        index
    }

    fn device(&mut self, tenant: &mut Tenant, prefix: &str, k: usize) -> usize {
        let path = format!("{}/device/{prefix}/{k}", self.root);
        let mut rng = self.ctx.ids.rng(&path, "name");
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
        let name: String = (0..7).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
        tenant.devices.push(Device {
            name: format!("{prefix}-{name}"),
            object_id: self.ctx.ids.guid(&path, "object"),
            device_id: self.ctx.ids.guid(&path, "device"),
        });
        tenant.devices.len() - 1
    }

    /// The resource group background resources live in: the first declared, or one of its own.
    fn resource_group(&mut self, tenant: &mut Tenant) -> usize {
        if !tenant.resource_groups.is_empty() {
            return 0;
        }
        tenant.subscriptions.push(Subscription {
            name: format!("{}-subscription", tenant.scenario),
            id: self.ctx.ids.guid(&format!("{}/subscription", self.root), "id"),
        });
        tenant.resource_groups.push(ResourceGroup {
            subscription: tenant.subscriptions.len() - 1,
            name: "rg-shared".to_owned(),
        });
        tenant.resource_groups.len() - 1
    }

    /// The vault background reads go to, and the vaults managed identities may read: behind a
    /// private endpoint, where they call from their private address. A vault of the background's
    /// own is added when the scenario has none of those.
    fn vaults(&mut self, tenant: &mut Tenant, resource_group: usize) -> (usize, Vec<usize>) {
        let private: Vec<usize> = (0..tenant.key_vaults.len())
            .filter(|v| tenant.key_vaults[*v].private_endpoint)
            .collect();
        if !private.is_empty() {
            return (private[0], private);
        }
        let org: String = tenant
            .domain
            .split('.')
            .next()
            .unwrap_or("org")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(14)
            .collect();
        let name = format!("kv-{}-shared", org.to_lowercase());
        let placement = Placement {
            resource_group,
            region: tenant.identities.first().map_or(&catalog::REGIONS[0], |i| i.region),
        };
        let log_names = tenant.log_names(&placement, "Microsoft.KeyVault/vaults", &name);
        tenant.key_vaults.push(KeyVault {
            name,
            placement,
            private_endpoint: true,
            secrets: vec!["app-config".to_owned(), "db-password".to_owned(), "api-key".to_owned()],
            log_names,
        });
        let v = tenant.key_vaults.len() - 1;
        (v, vec![v])
    }

    /// A vendor's or in-house service's service principal, signing in with a client secret.
    fn service_principal(&mut self, tenant: &mut Tenant, k: usize) -> usize {
        let name = format!("{} {}", self.company(), SERVICE_WORDS[k % SERVICE_WORDS.len()]);
        let path = format!("{}/service/{k}", self.root);
        let credential = Credential {
            kind: super::model::CredentialType::ClientSecret,
            name: "client secret".to_owned(),
            key_id: self.ctx.ids.guid(&path, "key_id"),
            thumbprint: None,
            start: tenant.start - TimeDelta::days(120),
            expiry: tenant.start + TimeDelta::days(600),
        };
        self.identity(tenant, name, path, IdentityKind::ServicePrincipal, vec![credential], None)
    }

    /// The identity of an App Service app or a container workload: system-assigned to a web app,
    /// or user-assigned.
    fn managed_identity(&mut self, tenant: &mut Tenant, resource_group: usize, k: usize) -> usize {
        let word = APP_WORDS[k % APP_WORDS.len()].to_lowercase().replace(' ', "-");
        let (name, kind, provider_type) = if k.is_multiple_of(2) {
            (
                format!("app-{word}-{:02}", k + 1),
                IdentityKind::SystemAssignedMi,
                "Microsoft.Web/sites",
            )
        } else {
            (
                format!("id-{word}-{:02}", k + 1),
                IdentityKind::UserAssignedMi,
                "Microsoft.ManagedIdentity/userAssignedIdentities",
            )
        };
        let placement = Placement {
            resource_group,
            region: &catalog::REGIONS[0],
        };
        let arm_id = tenant.arm_id(&placement, provider_type, &name);
        let path = format!("{}/managed/{k}", self.root);
        self.identity(tenant, name, path, kind, Vec::new(), Some(arm_id))
    }

    fn identity(
        &mut self,
        tenant: &mut Tenant,
        name: String,
        path: String,
        kind: IdentityKind,
        credentials: Vec<Credential>,
        msi: Option<String>,
    ) -> usize {
        let region = tenant.identities.first().map_or(&catalog::REGIONS[0], |i| i.region);
        let ids = self.ctx.ids;
        let mut rng = ids.rng(&path, "network");
        tenant.identities.push(Identity {
            name,
            app_id: ids.guid(&path, "app_id"),
            sp_object_id: ids.guid(&path, "sp_object_id"),
            application_object_id: ids.guid(&path, "application_object_id"),
            kind,
            credentials,
            msi_resource_id: msi,
            region,
            egress_ip: ids.public_ip(&path, "egress_ip", region.prefixes),
            private_ip: Ipv4Addr::new(10, rng.random_range(64..=127), rng.random_range(16..=31), rng.random_range(4..=250)),
            weight: 1,
            path,
        });
        tenant.identities.len() - 1
    }

    /// A background stream: `actions` done in turn, `per_day` times a day, by people or services.
    fn stream(&mut self, tenant: &mut Tenant, name: &str, per_day: f64, profile: DailyProfile, actions: Vec<Action>) {
        if actions.is_empty() || per_day <= 0.0 {
            return;
        }
        let per_day = per_day.max(MIN_STREAM_PER_DAY);
        let family = self.next_family();
        tenant.schedules.push(ActorSchedule {
            path: format!("{}/stream/{name}", self.root),
            family,
            schedule: Schedule::PerDay {
                runs: per_day,
                profile,
                jitter: TimeDelta::zero(),
                range: None,
            },
            actions,
            rotate: true,
        });
    }

    /// A workload of a background identity.
    fn workload(
        &mut self,
        tenant: &mut Tenant,
        identity: usize,
        name: &str,
        (per_day, profile): (f64, DailyProfile),
        action: WorkloadAction,
        cache: TokenCacheMode,
    ) {
        let family = self.next_family();
        let path = format!("{}/{name}", tenant.identities[identity].path);
        tenant.workloads.push(Workload {
            name: format!("{}-{name}", tenant.identities[identity].name),
            path,
            identity,
            action,
            schedule: Schedule::PerDay {
                runs: per_day,
                profile,
                jitter: TimeDelta::minutes(5),
                range: None,
            },
            credential: None,
            token_cache: cache,
            declaration: family,
        });
    }
}

/// An action by `actor`.
fn act(kind: ActionKind, actor: Actor, params: ActionParams) -> Action {
    Action {
        kind,
        actor,
        ip: None,
        fails: false,
        after: TimeDelta::zero(),
        params,
    }
}

fn params() -> ActionParams {
    ActionParams {
        count: 1,
        ..ActionParams::default()
    }
}

fn with_text(mut p: ActionParams, pairs: &[(&'static str, &str)]) -> ActionParams {
    p.text.extend(pairs.iter().map(|(k, v)| (*k, (*v).to_owned())));
    p
}

fn dir(d: DirectoryAction) -> ActionKind {
    ActionKind::Directory(d)
}

fn arm(key: &str) -> ActionKind {
    ActionKind::Arm(arm_operation(key).unwrap_or_else(|| panic!("the ARM catalogue declares `{key}`")))
}

/// A stream of portal operations: its name, the operation's key, the resources it acts on in
/// turn, the people who do it in turn, and its runs per person and day.
type PortalStream<'a> = (&'a str, &'a str, &'a [ArmResourceRef], &'a [usize], f64);

/// The ARM operation `key` on each of `resources`, by `actors` in turn.
fn on_resources(key: &str, resources: &[ArmResourceRef], actors: &[usize]) -> Vec<Action> {
    let by = |k: usize| Actor::User(actors[k % actors.len()]);
    resources
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let params = ActionParams {
                arm_resource: Some(r.clone()),
                ..params()
            };
            act(arm(key), by(k), params)
        })
        .collect()
}

/// The directory operation `kind` on each of `targets`, the `k`-th by `by(k, target)`.
fn on_targets(kind: DirectoryAction, targets: &[Entity], by: impl Fn(usize, Entity) -> Actor) -> Vec<Action> {
    targets
        .iter()
        .enumerate()
        .map(|(k, target)| {
            let params = ActionParams {
                target: Some(*target),
                ..params()
            };
            act(dir(kind), by(k, *target), params)
        })
        .collect()
}

/// The ARM operation `key` on `resource`, by the identity `by`.
fn on_resource(key: &str, by: usize, resource: &ArmResourceRef) -> Action {
    let params = ActionParams {
        arm_resource: Some(resource.clone()),
        ..params()
    };
    act(arm(key), Actor::Identity(by), params)
}

/// A call of `by` to an API whose reads no table logs.
fn api_call(by: usize, api: &str) -> Action {
    let params = ActionParams {
        api: catalog::first_party(api),
        ..params()
    };
    act(ActionKind::ApiCall, Actor::Identity(by), params)
}

/// A Key Vault request of `by`: `(operation, object)` (no object: the default), answered with
/// `status` (default 200).
fn vault_request(by: usize, vault: usize, (operation, object): (&str, &str), status: Option<u16>) -> Action {
    let params = ActionParams {
        vault: Some(vault),
        status,
        ..params()
    };
    let mut text = vec![("operation", operation)];
    if !object.is_empty() {
        text.push(("object", object));
    }
    act(ActionKind::KeyVault, Actor::Identity(by), with_text(params, &text))
}

impl Builder<'_> {
    /// Directory changes people and Microsoft services make every day.
    fn directory_streams(&mut self, p: &Pools, tenant: &mut Tenant) {
        use DirectoryAction::*;
        let n = p.people as f64;
        let users: Vec<Entity> = p.users.iter().map(|u| Entity::User(*u)).collect();
        let entities = |pool: &[usize], entity: fn(usize) -> Entity| -> Vec<Entity> { pool.iter().map(|i| entity(*i)).collect() };
        let admin = |k: usize, _: Entity| Actor::User(p.admins[k % p.admins.len()]);
        let colleague = |step: usize| move |k: usize, _: Entity| Actor::User(p.users[k * step % p.users.len()]);
        let themselves = |_: usize, e: Entity| match e {
            Entity::User(u) => Actor::User(u),
            _ => Actor::User(p.users[0]),
        };
        let intune = Actor::Service(services::service("intune").expect("catalog has Intune"));
        let office = DailyProfile::BusinessHours;
        self.stream(tenant, "update-user", 0.8 * n, office, on_targets(UpdateUser, &users, admin));
        let devices = entities(&p.devices, Entity::Device);
        self.stream(
            tenant,
            "update-device",
            0.6 * n,
            DailyProfile::Flat,
            on_targets(UpdateDevice, &devices, |_, _| intune),
        );
        let methods = ["authenticator", "phone", "fido2"];
        let mut registrations = on_targets(RegisterSecurityInfo, &users, themselves);
        for (k, r) in registrations.iter_mut().enumerate() {
            r.params.text.insert("method", methods[k % methods.len()].to_owned());
        }
        self.stream(tenant, "register-security-info", 0.03 * n, office, registrations);
        self.stream(
            tenant,
            "change-password",
            0.03 * n,
            office,
            on_targets(ChangeUserPassword, &users, themselves),
        );
        self.stream(
            tenant,
            "reset-password",
            0.01 * n,
            office,
            on_targets(ResetUserPassword, &users, admin),
        );
        self.stream(
            tenant,
            "revoke-sessions",
            0.01 * n,
            office,
            on_targets(RevokeSessions, &users, admin),
        );
        let newcomers = entities(&p.newcomers, Entity::User);
        self.stream(tenant, "add-user", 0.01 * n, office, on_targets(AddUser, &newcomers, admin));
        let leavers = entities(&p.leavers, Entity::User);
        self.stream(tenant, "delete-user", 0.005 * n, office, on_targets(DeleteUser, &leavers, admin));
        let guests = entities(&p.guests, Entity::User);
        self.stream(
            tenant,
            "invite-guest",
            0.01 * n,
            office,
            on_targets(InviteExternalUser, &guests, colleague(7)),
        );
        let new_devices = entities(&p.new_devices, Entity::Device);
        self.stream(
            tenant,
            "register-device",
            0.01 * n,
            office,
            on_targets(RegisterDevice, &new_devices, colleague(3)),
        );
        self.group_streams(p, tenant);
        self.pim_streams(p, tenant);
    }

    /// Group membership and upkeep.
    fn group_streams(&mut self, p: &Pools, tenant: &mut Tenant) {
        let n = p.people as f64;
        let membership = |kind: DirectoryAction| -> Vec<Action> {
            (0..p.users.len().min(60))
                .map(|k| {
                    act(
                        dir(kind),
                        Actor::User(p.admins[k % p.admins.len()]),
                        ActionParams {
                            member: Some(Entity::User(p.users[(k * 5) % p.users.len()])),
                            group: Some(p.groups[k % p.groups.len()]),
                            ..params()
                        },
                    )
                })
                .collect()
        };
        self.stream(
            tenant,
            "add-member-to-group",
            0.1 * n,
            DailyProfile::BusinessHours,
            membership(DirectoryAction::AddMemberToGroup),
        );
        self.stream(
            tenant,
            "remove-member-from-group",
            0.04 * n,
            DailyProfile::BusinessHours,
            membership(DirectoryAction::RemoveMemberFromGroup),
        );
        let updates: Vec<Action> = p
            .groups
            .iter()
            .map(|g| {
                act(
                    dir(DirectoryAction::UpdateGroup),
                    Actor::User(p.admins[0]),
                    ActionParams {
                        target: Some(Entity::Group(*g)),
                        ..params()
                    },
                )
            })
            .collect();
        self.stream(tenant, "update-group", 0.005 * n, DailyProfile::BusinessHours, updates);
    }

    /// Administrators activate their eligible roles through PIM, as well-run tenants do.
    fn pim_streams(&mut self, p: &Pools, tenant: &mut Tenant) {
        let roles = [
            "User Administrator",
            "Exchange Administrator",
            "Security Administrator",
            "Global Administrator",
        ];
        let activations: Vec<Action> = p
            .admins
            .iter()
            .enumerate()
            .map(|(k, a)| {
                let mut params = with_text(params(), &[("justification", "Planned change")]);
                params.directory_role = roles::directory_role(roles[k % roles.len()]);
                params.duration = Some(TimeDelta::hours(4));
                act(dir(DirectoryAction::PimActivate), Actor::User(*a), params)
            })
            .collect();
        let per_day = 0.5 * p.admins.len() as f64;
        self.stream(tenant, "pim-activate", per_day, DailyProfile::BusinessHours, activations);
    }

    /// Applications: new registrations with their first secret, updates, people's consent to
    /// SaaS apps. Only apps that never sign in get credentials, as a new registration does.
    fn application_streams(&mut self, p: &Pools, tenant: &mut Tenant) {
        let n = p.people as f64;
        for (k, app) in p.new_apps.iter().enumerate() {
            let by = Actor::User(p.admins[k % p.admins.len()]);
            let target = Some(Entity::Application(*app));
            let created = act(dir(DirectoryAction::AddApplication), by, ActionParams { target, ..params() });
            let mut secret = act(
                dir(DirectoryAction::AddApplicationCredential),
                by,
                ActionParams { target, ..params() },
            );
            secret.after = TimeDelta::minutes(3);
            let family = self.next_family();
            let period = (tenant.end - tenant.start).num_seconds().max(1);
            let at = tenant.start + TimeDelta::seconds(self.rng.random_range(0..period));
            tenant.schedules.push(ActorSchedule {
                path: format!("{}/register-app/{k}", self.root),
                family,
                schedule: Schedule::At {
                    times: vec![at],
                    jitter: TimeDelta::zero(),
                },
                actions: vec![created, secret],
                rotate: false,
            });
        }
        let updates: Vec<Action> = p
            .registered_apps
            .iter()
            .map(|a| {
                act(
                    dir(DirectoryAction::UpdateApplication),
                    Actor::User(p.admins[0]),
                    ActionParams {
                        target: Some(Entity::Application(*a)),
                        ..params()
                    },
                )
            })
            .collect();
        self.stream(tenant, "update-application", 0.01 * n, DailyProfile::BusinessHours, updates);
        let owners: Vec<Action> = p
            .registered_apps
            .iter()
            .enumerate()
            .map(|(k, a)| {
                act(
                    dir(DirectoryAction::AddApplicationOwner),
                    Actor::User(p.admins[0]),
                    ActionParams {
                        target: Some(Entity::Application(*a)),
                        member: Some(Entity::User(p.users[(k * 11) % p.users.len()])),
                        ..params()
                    },
                )
            })
            .collect();
        self.stream(tenant, "add-application-owner", 0.003 * n, DailyProfile::BusinessHours, owners);
        let consents: Vec<Action> = (0..p.users.len().min(40))
            .map(|k| {
                let mut params = with_text(params(), &[("scopes", "User.Read openid profile email"), ("consent", "user")]);
                params.target = Some(Entity::Application(p.saas_apps[k % p.saas_apps.len()]));
                act(
                    dir(DirectoryAction::ConsentToApplication),
                    Actor::User(p.users[(k * 3) % p.users.len()]),
                    params,
                )
            })
            .collect();
        self.stream(tenant, "consent", 0.01 * n, DailyProfile::BusinessHours, consents);
    }

    /// ARM operations people make in the portal and CLI, a few of them denied.
    fn arm_streams(&mut self, p: &Pools, tenant: &mut Tenant) {
        let n = p.people as f64;
        let devs = &p.users[p.admins.len()..];
        let rg = tenant.resource_groups[p.resource_group].name.clone();
        let subscription = tenant.subscriptions[tenant.resource_groups[p.resource_group].subscription].id;
        let derived = |b: &Self, op: &str, names: &mut dyn Iterator<Item = String>| -> Vec<ArmResourceRef> {
            names
                .map(|name| arm_resource(op, Some(&name), (subscription, &rg), &b.root))
                .collect()
        };
        let public_ips = derived(
            self,
            "Microsoft.Network/publicIPAddresses/write",
            &mut p.vms.iter().map(|vm| format!("pip-{}", vm.name)),
        );
        let snapshots = derived(
            self,
            "Microsoft.Compute/snapshots/write",
            &mut p.vms.iter().map(|vm| format!("snap-{}-os", vm.name)),
        );
        let vault = &tenant.key_vaults[p.vault];
        let vault_id = tenant.arm_id(&vault.placement, "Microsoft.KeyVault/vaults", &vault.name);
        let vaults = derived(self, "Microsoft.KeyVault/vaults/write", &mut std::iter::once(vault_id.clone()));
        let settings = format!("{vault_id}/providers/Microsoft.Insights/diagnosticSettings/send-to-workspace");
        let settings = derived(self, "Microsoft.Insights/diagnosticSettings/write", &mut std::iter::once(settings));
        let groups = derived(
            self,
            "Microsoft.Resources/subscriptions/resourceGroups/write",
            &mut std::iter::once(rg.clone()),
        );
        let admins = &p.admins;
        let portal: [PortalStream; 14] = [
            ("list-storage-keys", "storage_list_keys", &p.storage, admins, 0.05),
            ("read-app-settings", "web_config_list", &p.web_apps, devs, 0.03),
            ("update-vm", "vm_write", &p.vms, devs, 0.02),
            ("restart-vm", "vm_restart", &p.vms, devs, 0.02),
            ("update-web-app", "web_site_write", &p.web_apps, devs, 0.01),
            ("update-disk", "disk_write", &p.vms, devs, 0.01),
            ("update-storage-account", "storage_account_write", &p.storage, admins, 0.005),
            ("update-nic", "nic_write", &p.vms, devs, 0.005),
            ("update-public-ip", "public_ip_write", &public_ips, devs, 0.005),
            ("take-snapshot", "snapshot_write", &snapshots, devs, 0.005),
            ("update-vault", "keyvault_write", &vaults, admins, 0.003),
            ("update-diagnostic-settings", "diagnostic_settings_write", &settings, admins, 0.003),
            ("tag-resource-group", "resource_group_write", &groups, admins, 0.003),
            ("denied-vm-start", "vm_start", &p.vms, devs, 0.005),
        ];
        for (name, key, resources, actors, rate) in portal {
            let mut actions = on_resources(key, resources, actors);
            // Developers try to start machines they may not: denied, as some share of ARM calls is.
            if name.starts_with("denied") {
                actions.iter_mut().for_each(|a| a.fails = true);
            }
            self.stream(tenant, name, rate * n, DailyProfile::BusinessHours, actions);
        }
        self.role_streams(p, devs, tenant);
        self.nsg_stream(p, tenant);
        let graph = Actor::Service(services::service("resource_graph").expect("catalog has Resource Graph"));
        let scans: Vec<Action> = (0..tenant.key_vaults.len())
            .map(|v| {
                act(
                    ActionKind::KeyVault,
                    graph,
                    with_text(
                        ActionParams {
                            vault: Some(v),
                            ..params()
                        },
                        &[("operation", "VaultGet")],
                    ),
                )
            })
            .collect();
        let per_day = 4.0 * tenant.key_vaults.len() as f64;
        self.stream(tenant, "resource-graph-vault-scan", per_day, DailyProfile::Flat, scans);
    }

    /// Readers granted on a storage account, and taken away again.
    fn role_streams(&mut self, p: &Pools, devs: &[usize], tenant: &mut Tenant) {
        let n = p.people as f64;
        let readers = |key: &str| -> Vec<Action> {
            devs.iter()
                .take(20)
                .map(|u| {
                    let mut params = ActionParams {
                        member: Some(Entity::User(*u)),
                        arm_resource: p.storage.first().cloned(),
                        ..params()
                    };
                    params.azure_role = roles::azure_role("Reader");
                    act(arm(key), Actor::User(p.admins[0]), params)
                })
                .collect()
        };
        self.stream(
            tenant,
            "grant-reader",
            0.005 * n,
            DailyProfile::BusinessHours,
            readers("role_assignment_write"),
        );
        self.stream(
            tenant,
            "revoke-reader",
            0.003 * n,
            DailyProfile::BusinessHours,
            readers("role_assignment_delete"),
        );
    }

    /// An administrator keeps the dev machines' HTTPS rules up to date.
    fn nsg_stream(&mut self, p: &Pools, tenant: &mut Tenant) {
        let rg = &tenant.resource_groups[p.resource_group];
        let rules: Vec<Action> = p
            .vms
            .iter()
            .take(4)
            .map(|vm| {
                let name = format!("nsg-{}/allow-https", vm.name);
                let op = "Microsoft.Network/networkSecurityGroups/securityRules/write";
                let nsg = arm_resource(op, Some(&name), (vm.subscription, &rg.name), &self.root);
                let params = ActionParams {
                    arm_resource: Some(nsg),
                    ..params()
                };
                act(
                    arm("nsg_rule_write"),
                    Actor::User(p.admins[0]),
                    with_text(params, &[("port", "443"), ("source", "VirtualNetwork")]),
                )
            })
            .collect();
        self.stream(
            tenant,
            "update-nsg-rule",
            0.005 * p.people as f64,
            DailyProfile::BusinessHours,
            rules,
        );
    }

    /// What the background's apps and managed identities do: read Graph and storage (only their
    /// sign-ins show), read their secrets, tag resources, shut dev machines down at night.
    fn identity_workloads(&mut self, p: &Pools, tenant: &mut Tenant) {
        let flat = DailyProfile::Flat;
        for (k, sp) in p.service_apps.iter().enumerate() {
            let api = ["graph", "storage", "log_analytics"][k % 3];
            self.actions(tenant, *sp, "reads", (24.0, flat), vec![api_call(*sp, api)]);
            let vault = p.readable_vaults[k % p.readable_vaults.len()];
            let read = self.secret_read(tenant, vault, 0);
            self.workload(tenant, *sp, "secret", (12.0, flat), read, TokenCacheMode::Shared);
        }
        for (k, mi) in p.managed.iter().enumerate() {
            let vault = p.readable_vaults[k % p.readable_vaults.len()];
            let read = self.secret_read(tenant, vault, k);
            self.workload(tenant, *mi, "secret", (24.0, flat), read, TokenCacheMode::Shared);
            self.actions(tenant, *mi, "storage", (48.0, flat), vec![api_call(*mi, "storage")]);
        }
        self.vault_workloads(p, tenant);
        self.automation_workloads(p, tenant);
        self.logic_app(p, tenant);
    }

    /// A reporting Logic App: hourly, it queries the workspace through its API connection, whose
    /// service principal signs in to the Log Analytics API, and mails the result.
    fn logic_app(&mut self, p: &Pools, tenant: &mut Tenant) {
        let name = "Hourly-Operations-Report".to_owned();
        let mut rng = self.ctx.ids.rng(&format!("{}/logic_app/{name}", self.root), "workflow_id");
        tenant.logic_apps.push(LogicApp {
            name,
            placement: Placement {
                resource_group: p.resource_group,
                region: tenant.key_vaults[p.vault].placement.region,
            },
            tags: std::collections::BTreeMap::new(),
            trigger: "Recurrence".to_owned(),
            actions: vec!["Run_query_and_list_results".to_owned(), "Send_an_email_(V2)".to_owned()],
            workflow_id: crate::ids::random_hex_upper(&mut rng, 16).to_lowercase(),
        });
        let run = WorkloadAction::LogicAppRun {
            logic_app: tenant.logic_apps.len() - 1,
        };
        let connection = p.service_apps[5 % p.service_apps.len()];
        self.workload(
            tenant,
            connection,
            "report",
            (24.0, DailyProfile::Flat),
            run,
            TokenCacheMode::Shared,
        );
    }

    /// Key Vault traffic besides plain secret reads: denials, rotation, keys in use.
    fn vault_workloads(&mut self, p: &Pools, tenant: &mut Tenant) {
        let flat = DailyProfile::Flat;
        let app = |k: usize| p.service_apps[k % p.service_apps.len()];
        // One app now and then asks for a secret it may not read: a 403 its own reads make ordinary.
        let denied = vault_request(app(0), p.vault, ("SecretGet", "restricted-secret"), Some(403));
        self.actions(tenant, app(0), "denied", (0.5, flat), vec![denied]);
        // Rotation automation lists the secrets and sets a new version of one.
        let list = vault_request(app(3), p.vault, ("SecretList", ""), None);
        let mut set = vault_request(app(3), p.vault, ("SecretSet", "api-key"), None);
        set.after = TimeDelta::seconds(2);
        self.actions(tenant, app(3), "rotation", (0.5, DailyProfile::Nightly), vec![list, set]);
        // A document-signing service signs with a key all day.
        let sign = vault_request(app(4), p.vault, ("KeySign", "signing-key"), None);
        self.actions(tenant, app(4), "signing", (30.0, DailyProfile::BusinessHours), vec![sign]);
        // A storage account's customer-managed key: its identity unwraps it every few hours.
        let unwrap = vault_request(p.managed[0], p.vault, ("KeyUnwrap", "storage-cmk"), None);
        self.actions(tenant, p.managed[0], "cmk", (6.0, flat), vec![unwrap]);
    }

    /// Automation on resources: tagging, a release pipeline, dev machines off at night.
    fn automation_workloads(&mut self, p: &Pools, tenant: &mut Tenant) {
        let flat = DailyProfile::Flat;
        // Governance automation tags resources.
        let governance = p.service_apps[1 % p.service_apps.len()];
        if let Some(vm) = p.vms.first() {
            self.actions(
                tenant,
                governance,
                "tags",
                (6.0, flat),
                vec![on_resource("tags_write", governance, vm)],
            );
        }
        // A release pipeline deploys the web apps on working days, signing in afresh each run.
        let pipeline = p.service_apps[2 % p.service_apps.len()];
        if let Some(app) = p.web_apps.first() {
            let rg = &tenant.resource_groups[p.resource_group];
            let op = "Microsoft.Resources/deployments/write";
            let deployment = arm_resource(op, Some(&format!("{}-release", app.name)), (app.subscription, &rg.name), &self.root);
            let deploy = on_resource("deployment_write", pipeline, &deployment);
            let mut write = on_resource("web_site_write", pipeline, app);
            write.after = TimeDelta::seconds(40);
            let release = WorkloadAction::Actions(vec![deploy, write]);
            self.workload(
                tenant,
                pipeline,
                "release",
                (2.0, DailyProfile::BusinessHours),
                release,
                TokenCacheMode::PerRun,
            );
        }
        // The automation identity deallocates dev machines at night and starts them by day.
        let automation = p.managed[1 % p.managed.len()];
        let on_vms = |key: &str| -> Vec<Action> { p.vms.iter().map(|vm| on_resource(key, automation, vm)).collect() };
        self.actions(
            tenant,
            automation,
            "deallocate",
            (1.0, DailyProfile::Nightly),
            on_vms("vm_deallocate"),
        );
        self.actions(tenant, automation, "start", (1.0, DailyProfile::BusinessHours), on_vms("vm_start"));
    }

    /// The read of one of `vault`'s secrets (the `k`-th, wrapping), as a workload does it.
    fn secret_read(&self, tenant: &Tenant, vault: usize, k: usize) -> WorkloadAction {
        let secrets = &tenant.key_vaults[vault].secrets;
        let secret = secrets
            .get(k % secrets.len().max(1))
            .cloned()
            .unwrap_or_else(|| "secret".to_owned());
        let version = secret_version(&self.ctx.ids, &tenant.scenario, &tenant.key_vaults[vault].name, &secret);
        WorkloadAction::KeyVaultSecretRead {
            vault,
            secrets: vec![secret],
            versions: vec![version],
        }
    }

    /// A workload of `identity` doing `actions`, with a shared token as long-lived clients do.
    fn actions(&mut self, tenant: &mut Tenant, identity: usize, name: &str, rate: (f64, DailyProfile), actions: Vec<Action>) {
        self.workload(
            tenant,
            identity,
            name,
            rate,
            WorkloadAction::Actions(actions),
            TokenCacheMode::Shared,
        );
    }
}
