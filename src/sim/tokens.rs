//! Token caching: whether a call needs a new sign-in, or reuses a token the client already holds.
//!
//! Real clients do not sign in before every call (real-exports.md §1–2):
//! - a service principal's MSAL client-credentials cache keeps one token per resource for its
//!   lifetime — `exp` one hour after issue, `iat`/`nbf` back-dated five minutes (3,900 s between
//!   them in the AMD activity-log sample) — and MSAL treats a token as expired five minutes before
//!   `exp`, so a token serves the calls of the next 55 minutes;
//! - a managed identity's tokens are cached by the platform "per resource URI for around 24 hours"
//!   (Microsoft's managed-identities FAQ), whatever process asks.
//!
//! Failed sign-ins issue no token, so nothing is cached for them.

use crate::catalog::FirstPartyApp;
use crate::scenario::model::IdentityKind;
use chrono::{DateTime, TimeDelta, Utc};
use rustc_hash::FxHashMap;

/// A service principal's access token lives one hour from issue.
pub const SERVICE_PRINCIPAL_TOKEN_LIFETIME: TimeDelta = TimeDelta::hours(1);
/// The platform caches a managed identity's token for about a day.
pub const MANAGED_IDENTITY_TOKEN_LIFETIME: TimeDelta = TimeDelta::hours(24);
/// Entra back-dates `iat` and `nbf` by five minutes.
pub const ISSUED_AT_BACKDATE: TimeDelta = TimeDelta::minutes(5);
/// A long-lived client process is recycled about daily (App Service, container restarts): its SDK
/// sessions last that long.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::hours(24);
/// MSAL (and the managed-identity SDKs) renew a token that expires within five minutes.
pub const EXPIRY_BUFFER: TimeDelta = TimeDelta::minutes(5);

/// An access token a client holds: what activity records that use it repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// When the sign-in that issued it happened (its `TimeGenerated`).
    pub issued_at: DateTime<Utc>,
    /// `exp`.
    pub expires_at: DateTime<Utc>,
    /// The `uti` claim: the sign-in's `UniqueTokenIdentifier`.
    /// Shared: a cached token is handed to every call it serves.
    pub token_id: std::sync::Arc<str>,
    /// Whether a certificate (not a secret) obtained it (`appidacr` 2 rather than 1).
    pub certificate: bool,
}

impl Token {
    /// A token issued at `issued_at` to an identity of `kind`.
    pub fn issued(kind: IdentityKind, issued_at: DateTime<Utc>, token_id: String, certificate: bool) -> Self {
        Self {
            issued_at,
            expires_at: issued_at + lifetime(kind),
            token_id: token_id.into(),
            certificate,
        }
    }

    /// Whether a client still uses the token at `now` rather than asking for a new one.
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        self.issued_at <= now && now < self.expires_at - EXPIRY_BUFFER
    }

    /// `iat` and `nbf`: the issue time back-dated.
    pub fn not_before(&self) -> DateTime<Utc> {
        self.issued_at - ISSUED_AT_BACKDATE
    }

    /// Moves the token with the records of its run.
    pub fn shift(&mut self, delta: TimeDelta) {
        self.issued_at += delta;
        self.expires_at += delta;
    }
}

/// How long a token issued to an identity of `kind` is valid.
pub fn lifetime(kind: IdentityKind) -> TimeDelta {
    match kind {
        IdentityKind::ServicePrincipal => SERVICE_PRINCIPAL_TOKEN_LIFETIME,
        IdentityKind::SystemAssignedMi | IdentityKind::UserAssignedMi => MANAGED_IDENTITY_TOKEN_LIFETIME,
    }
}

/// How long after issue a client of an identity of `kind` keeps using a token.
pub fn usable_for(kind: IdentityKind) -> TimeDelta {
    lifetime(kind) - EXPIRY_BUFFER
}

/// Which tokens an identity's client holds: `(tenant, identity, resource key)`.
type Key = (usize, usize, &'static str);

/// The tokens every long-lived client of the simulation holds, across runs.
#[derive(Debug, Default)]
pub struct TokenCache {
    /// FxHash: looked up on every call of every run, with short keys a hash-flooding attack
    /// cannot choose, so SipHash's strength buys nothing and costs a few percent of generation.
    tokens: FxHashMap<Key, Token>,
    /// When each long-lived client's current SDK session started.
    sessions: FxHashMap<Key, DateTime<Utc>>,
}

impl TokenCache {
    /// An empty cache: no client holds a token when the period starts.
    pub fn new() -> Self {
        Self::default()
    }

    fn usable(&self, key: &Key, now: DateTime<Utc>) -> Option<&Token> {
        self.tokens.get(key).filter(|t| t.usable_at(now))
    }
}

/// The token view of one run: the run's own tokens first, then — for a client that outlives its
/// runs — the shared cache. Tokens the run obtains are kept aside until the run is placed in time
/// (see [`RunTokens::finish`]).
#[derive(Debug)]
pub struct RunTokens<'c> {
    tenant: usize,
    identity: usize,
    shared: Option<&'c TokenCache>,
    obtained: Vec<(&'static str, Token)>,
    sessions: Vec<(&'static str, DateTime<Utc>)>,
}

impl<'c> RunTokens<'c> {
    /// The view of a run by identity `identity` of tenant `tenant`; `shared` is `None` for a client
    /// that starts afresh each run.
    pub fn new(tenant: usize, identity: usize, shared: Option<&'c TokenCache>) -> Self {
        Self {
            tenant,
            identity,
            shared,
            obtained: Vec::new(),
            sessions: Vec::new(),
        }
    }

    /// A run with no cache at all: every call signs in (one-off anomalies, sample runs).
    pub fn fresh() -> Self {
        Self::new(0, 0, None)
    }

    /// The token for `resource` the client can still use at `now`, if it holds one.
    pub fn usable(&self, resource: &FirstPartyApp, now: DateTime<Utc>) -> Option<&Token> {
        let own = self
            .obtained
            .iter()
            .rev()
            .find(|(key, t)| *key == resource.key && t.usable_at(now))
            .map(|(_, t)| t);
        own.or_else(|| {
            self.shared
                .and_then(|cache| cache.usable(&(self.tenant, self.identity, resource.key), now))
        })
    }

    /// Whether a Key Vault SDK client starts a session at `now` — and so sends the unauthenticated
    /// challenge first: a client that starts afresh every run always does; a long-lived one when it
    /// has none, or its session is a day old (the process is recycled about daily). Renewing a
    /// token within a session sends no challenge: the SDK keeps what the challenge told it.
    pub fn starts_session(&self, resource: &FirstPartyApp, now: DateTime<Utc>) -> bool {
        if self.usable(resource, now).is_some() {
            return false;
        }
        let Some(cache) = self.shared else { return true };
        let own = self.sessions.iter().rev().find(|(key, _)| *key == resource.key).map(|(_, t)| t);
        let started = own.or_else(|| cache.sessions.get(&(self.tenant, self.identity, resource.key)));
        started.is_none_or(|t| now - *t >= SESSION_LIFETIME)
    }

    /// Records that the client started a session with `resource` at `now`.
    pub fn start_session(&mut self, resource: &FirstPartyApp, now: DateTime<Utc>) {
        self.sessions.push((resource.key, now));
    }

    /// Keeps a token the run obtained for `resource`.
    pub fn keep(&mut self, resource: &FirstPartyApp, token: Token) {
        self.obtained.push((resource.key, token));
    }

    /// The tokens the run obtained, per resource key.
    pub fn obtained(&self) -> impl Iterator<Item = (&'static str, &Token)> {
        self.obtained.iter().map(|(k, t)| (*k, t))
    }

    /// Ends the run: its tokens, moved by `delta` (the run was moved to stay inside the period),
    /// to be stored for later runs when the client outlives its runs.
    pub fn finish(self, delta: TimeDelta) -> Obtained {
        let keep = self.shared.is_some();
        let shifted = |(key, t): (&'static str, DateTime<Utc>)| (key, t + delta);
        Obtained {
            tenant: self.tenant,
            identity: self.identity,
            tokens: if keep { self.obtained } else { Vec::new() }
                .into_iter()
                .map(|(key, mut token)| {
                    token.shift(delta);
                    (key, token)
                })
                .collect(),
            sessions: if keep { self.sessions } else { Vec::new() }.into_iter().map(shifted).collect(),
        }
    }
}

/// The tokens a finished run leaves to its client's later runs.
#[derive(Debug)]
pub struct Obtained {
    tenant: usize,
    identity: usize,
    tokens: Vec<(&'static str, Token)>,
    sessions: Vec<(&'static str, DateTime<Utc>)>,
}

impl TokenCache {
    /// Keeps what a finished run obtained, replacing the tokens it renewed.
    pub fn store(&mut self, obtained: Obtained) {
        for (key, token) in obtained.tokens {
            self.tokens.insert((obtained.tenant, obtained.identity, key), token);
        }
        for (key, started) in obtained.sessions {
            self.sessions.insert((obtained.tenant, obtained.identity, key), started);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
    }

    #[test]
    fn a_service_principal_token_serves_55_minutes_and_its_claims_span_3900_seconds() {
        let token = Token::issued(IdentityKind::ServicePrincipal, t0(), "uti".into(), false);
        assert!(token.usable_at(t0() + TimeDelta::minutes(54)));
        assert!(!token.usable_at(t0() + TimeDelta::minutes(55)));
        assert!(!token.usable_at(t0() - TimeDelta::seconds(1)));
        // The AMD activity-log sample: exp − iat = 3,900 s.
        assert_eq!((token.expires_at - token.not_before()).num_seconds(), 3_900);
    }

    #[test]
    fn a_managed_identity_token_serves_about_a_day() {
        let token = Token::issued(IdentityKind::UserAssignedMi, t0(), "uti".into(), false);
        assert!(token.usable_at(t0() + TimeDelta::hours(23)));
        assert!(!token.usable_at(t0() + TimeDelta::hours(24)));
    }

    #[test]
    fn shared_runs_see_committed_tokens_and_fresh_runs_do_not() {
        let key_vault = crate::catalog::first_party("key_vault").unwrap();
        let mut cache = TokenCache::new();
        let mut first = RunTokens::new(0, 3, Some(&cache));
        assert!(first.usable(key_vault, t0()).is_none());
        first.keep(key_vault, Token::issued(IdentityKind::ServicePrincipal, t0(), "a".into(), false));
        assert_eq!(first.usable(key_vault, t0()).map(|t| &*t.token_id), Some("a"));
        let obtained = first.finish(TimeDelta::seconds(-2));
        cache.store(obtained);
        let later = t0() + TimeDelta::minutes(30);
        let second = RunTokens::new(0, 3, Some(&cache));
        let token = second.usable(key_vault, later).expect("the shared token is reused");
        assert_eq!(token.issued_at, t0() - TimeDelta::seconds(2), "finishing moved it with its run");
        assert!(
            RunTokens::new(0, 4, Some(&cache)).usable(key_vault, later).is_none(),
            "per identity"
        );
        assert!(
            RunTokens::new(0, 3, None).usable(key_vault, later).is_none(),
            "a fresh client holds none"
        );
    }
}
