//! What one anomaly does: its actions (a custom anomaly's, or a built-in kind's preset, see
//! `scenario::presets`), performed by a client that holds no token yet.

use super::event::Event;
use super::tokens::RunTokens;
use crate::ids::{IdSource, SimRng};
use crate::scenario::tenant::{Anomaly, Tenant};

/// Emits the events of one injected anomaly.
pub fn anomaly<'t>(ids: &IdSource, tenant: &'t Tenant, anomaly: &'t Anomaly, rng: &mut SimRng, out: &mut Vec<Event<'t>>) {
    super::actions::perform_all(ids, tenant, &anomaly.actions, anomaly.at, &mut RunTokens::fresh(), rng, out);
}
