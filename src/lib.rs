//! tenantless: simulate the logs of an Entra ID tenant's non-human identities across five Log Analytics
//! tables, and run KQL correlations and detection rules over them.

pub mod cli;
pub mod kql;
