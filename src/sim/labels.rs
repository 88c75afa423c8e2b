//! Ground truth for injected anomalies: who did it, to what, from where — every entity an alert
//! may name — before the records are known.

use crate::manifest::LabelEntity;
use crate::scenario::Tenant;
use crate::scenario::model::{AnomalyKind, IdentityKind};
use crate::scenario::tenant::{Action, Actor, Anomaly, AnomalyDetail, Entity};

/// Ground truth for one injected anomaly, before its records are known.
#[derive(Debug, Clone)]
pub struct LabelSeed {
    /// The scenario that injects it.
    pub scenario: String,
    /// Its kind.
    pub kind: AnomalyKind,
    /// A custom anomaly's behaviour.
    pub label: Option<String>,
    /// A custom anomaly's ATT&CK technique.
    pub technique: Option<String>,
    /// The name of the identity (or, for a custom anomaly done by people, the user) it is about.
    pub identity: String,
    /// That subject's object id.
    pub identity_id: String,
    /// Other names the subject appears under.
    pub aliases: Vec<String>,
    /// Addresses the anomaly comes from.
    pub ips: Vec<String>,
    /// The near-miss reading.
    pub benign: bool,
    /// Every entity involved.
    pub entities: Vec<LabelEntity>,
}

fn entity(kind: &str, name: &str, id: impl ToString) -> LabelEntity {
    LabelEntity {
        kind: kind.to_owned(),
        name: name.to_owned(),
        id: id.to_string(),
    }
}

/// An identity as an entity.
fn identity_entity(tenant: &Tenant, i: usize) -> LabelEntity {
    let identity = &tenant.identities[i];
    let kind = match identity.kind {
        IdentityKind::ServicePrincipal => "service_principal",
        _ => "managed_identity",
    };
    entity(kind, &identity.name, identity.sp_object_id)
}

/// A directory object an action names, as an entity.
fn object_entity(tenant: &Tenant, e: Entity) -> LabelEntity {
    match e {
        Entity::User(u) => entity("user", &tenant.users[u].upn, tenant.users[u].object_id),
        Entity::Identity(i) => identity_entity(tenant, i),
        Entity::Application(a) => entity("application", &tenant.applications[a].name, tenant.applications[a].sp_object_id),
        Entity::Group(g) => entity("group", &tenant.groups[g].name, tenant.groups[g].object_id),
        Entity::Device(d) => entity("device", &tenant.devices[d].name, tenant.devices[d].object_id),
    }
}

fn actor_entity(tenant: &Tenant, actor: Actor) -> LabelEntity {
    match actor {
        Actor::User(u) => object_entity(tenant, Entity::User(u)),
        Actor::Identity(i) => identity_entity(tenant, i),
        Actor::Service(app) => entity("application", app.name, app.app_id),
    }
}

/// The entities one action involves: its actor, what it names, and an address it was given.
fn action_entities(tenant: &Tenant, action: &Action) -> Vec<LabelEntity> {
    let p = &action.params;
    let mut out = vec![actor_entity(tenant, action.actor)];
    out.extend([p.target, p.member].into_iter().flatten().map(|e| object_entity(tenant, e)));
    out.extend(p.group.map(|g| object_entity(tenant, Entity::Group(g))));
    out.extend(p.directory_role.map(|r| entity("directory_role", r.name, r.template_id)));
    out.extend(p.azure_role.map(|r| entity("azure_role", r.name, r.id)));
    out.extend(
        p.arm_resource
            .as_ref()
            .map(|r| entity("azure_resource", &r.name, r.id.to_lowercase())),
    );
    out.extend(
        p.policy
            .map(|i| entity("policy", &tenant.ca_policies[i].name, tenant.ca_policies[i].id)),
    );
    out.extend(p.vault.map(|v| {
        let vault = &tenant.key_vaults[v];
        entity("azure_resource", &vault.name, vault.log_names.resource_id_lower.clone())
    }));
    out.extend(action.ip.map(|ip| entity("ip", &ip.to_string(), "")));
    out
}

/// The ground truth of `anomaly` of `tenant`.
pub fn seed(tenant: &Tenant, anomaly: &Anomaly) -> LabelSeed {
    let mut entities: Vec<LabelEntity> = anomaly.identity.map(|i| identity_entity(tenant, i)).into_iter().collect();
    entities.extend(anomaly.actions.iter().flat_map(|a| action_entities(tenant, a)));
    let (label, technique) = match &anomaly.detail {
        AnomalyDetail::Custom { label, technique } => (Some(label.clone()), technique.clone()),
        _ => (None, None),
    };
    entities.extend(anomaly.ips().into_iter().map(|ip| entity("ip", &ip, "")));
    entities.sort();
    entities.dedup();
    // The subject: the identity it concerns, or the first person acting in it.
    let subject = entities
        .iter()
        .find(|e| e.kind == "service_principal" || e.kind == "managed_identity")
        .or_else(|| entities.iter().find(|e| e.kind == "user"))
        .cloned();
    let subject = anomaly.identity.map(|i| identity_entity(tenant, i)).or(subject);
    LabelSeed {
        scenario: tenant.scenario.clone(),
        kind: anomaly.kind,
        label,
        technique,
        identity: subject.as_ref().map_or_else(String::new, |s| s.name.clone()),
        identity_id: subject.map_or_else(String::new, |s| s.id),
        aliases: anomaly.aliases(),
        ips: anomaly.ips(),
        benign: anomaly.benign,
        entities,
    }
}
