//! A tenant's deployed versions as the router sees them: each version's routes are a table
//! of their own in the router (without hosts), and a request picks one before its path is
//! routed: the version its `isogate-version` header names, else the one a hash of its
//! stickiness key falls on, so that one client stays on one version (on every node: the
//! hash is the same everywhere).

use std::hash::Hash;
use std::hash::Hasher;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::OnceLock;

use http::HeaderMap;

use crate::config::Stickiness;
use crate::config::VersionShare;
use crate::metrics::Metrics;
use crate::metrics::VersionMeters;

/// The request header asking for one version of the live deployment.
pub const VERSION_HEADER: &str = "isogate-version";

/// One deployed version of a tenant.
#[derive(Debug)]
pub struct VersionSlot {
    /// The version's id.
    pub id: u64,
    /// Its share, in percent.
    pub percentage: u8,
    /// The deployment giving it the share.
    pub deployment: u64,
    /// Where its routes are in the router: this many tables after the tenant's first.
    pub offset: usize,
    /// Its own edge cache, while it shares the tenant with other versions.
    pub edge: Option<Arc<str>>,
    /// Its counters, looked up on its first request.
    meters: OnceLock<Arc<VersionMeters>>,
}

impl VersionSlot {
    /// A slot for version `id` (its share of `deployment`) routed `offset` tables after the
    /// tenant's first.
    pub fn new(share: &VersionShare, offset: usize) -> Self {
        Self {
            id: share.id,
            percentage: share.percentage,
            deployment: share.deployment,
            offset,
            edge: None,
            meters: OnceLock::new(),
        }
    }

    /// Its counters in `metrics`.
    pub fn meters(&self, tenant: &str, metrics: &Metrics) -> &Arc<VersionMeters> {
        self.meters
            .get_or_init(|| metrics.version(tenant, self.deployment, self.id))
    }
}

/// A tenant's deployed versions (none for a tenant of the config file).
#[derive(Debug, Default)]
pub struct Versions {
    /// In deployment order.
    pub slots: Vec<VersionSlot>,
    /// What keeps a client on one version.
    pub stickiness: Stickiness,
}

impl Versions {
    /// The version of `tenant` a request goes to: the one `isogate-version` names, else by
    /// the hash of its stickiness key (`client` is asked for only when that is the client's
    /// address); `None` for a tenant without versions.
    pub fn pick(
        &self,
        tenant: &str,
        headers: &HeaderMap,
        client: impl FnOnce() -> IpAddr,
    ) -> Option<&VersionSlot> {
        match self.slots.as_slice() {
            [] => return None,
            [only] => return Some(only),
            _ => {}
        }
        if let Some(asked) = headers
            .get(VERSION_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
        {
            if let Some(slot) = self.slots.iter().find(|slot| slot.id == asked) {
                return Some(slot);
            }
        }
        let total: u64 = self
            .slots
            .iter()
            .map(|slot| u64::from(slot.percentage))
            .sum();
        let mut hasher = std::hash::DefaultHasher::new();
        tenant.hash(&mut hasher);
        match self.key(headers) {
            Some(key) => key.hash(&mut hasher),
            None => client().hash(&mut hasher),
        }
        let mut point = hasher.finish() % total.max(1);
        for slot in &self.slots {
            let share = u64::from(slot.percentage);
            if point < share {
                return Some(slot);
            }
            point -= share;
        }
        self.slots.last()
    }

    /// The header or cookie value stickiness uses, when the request has it.
    fn key<'h>(&self, headers: &'h HeaderMap) -> Option<&'h [u8]> {
        match &self.stickiness {
            Stickiness::Client => None,
            Stickiness::Header(name) => headers.get(name.as_str()).map(|value| value.as_bytes()),
            Stickiness::Cookie(name) => headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(cookie, _)| *cookie == name)
                .map(|(_, value)| value.as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(id: u64, percentage: u8) -> VersionShare {
        VersionShare {
            id,
            percentage,
            deployment: 1,
        }
    }

    fn split(first: u8) -> Versions {
        Versions {
            slots: vec![
                VersionSlot::new(&share(1, first), 0),
                VersionSlot::new(&share(2, 100 - first), 1),
            ],
            stickiness: Stickiness::Client,
        }
    }

    #[test]
    fn a_split_sends_each_client_to_one_version_in_its_share() {
        let versions = split(90);
        let headers = HeaderMap::new();
        let mut second = 0;
        for n in 0..10_000u32 {
            let client = IpAddr::from(n.wrapping_mul(2_654_435_761).to_be_bytes());
            let picked = versions.pick("acme", &headers, || client).unwrap().id;
            assert_eq!(
                versions.pick("acme", &headers, || client).unwrap().id,
                picked
            );
            second += u32::from(picked == 2);
        }
        // 10% of 10,000, within five standard deviations (σ = 30).
        assert!((850..=1150).contains(&second), "{second}");
    }

    #[test]
    fn the_version_header_and_a_sticky_cookie_choose() {
        let mut versions = split(50);
        let client = IpAddr::from([10, 0, 0, 1]);
        let mut headers = HeaderMap::new();
        headers.insert(VERSION_HEADER, "2".parse().unwrap());
        assert_eq!(versions.pick("acme", &headers, || client).unwrap().id, 2);
        headers.insert(VERSION_HEADER, "1".parse().unwrap());
        assert_eq!(versions.pick("acme", &headers, || client).unwrap().id, 1);
        // A version outside the deployment is not one to ask for: the hash decides.
        headers.insert(VERSION_HEADER, "9".parse().unwrap());
        assert!(versions.pick("acme", &headers, || client).is_some());

        versions.stickiness = Stickiness::Cookie("uid".to_owned());
        let mut seen = std::collections::BTreeSet::new();
        for user in 0..64 {
            let mut headers = HeaderMap::new();
            headers.insert(
                http::header::COOKIE,
                format!("a=b; uid=user{user}").parse().unwrap(),
            );
            let picked = versions.pick("acme", &headers, || client).unwrap().id;
            let other_client = IpAddr::from([10, 0, 0, 2]);
            assert_eq!(
                versions.pick("acme", &headers, || other_client).unwrap().id,
                picked
            );
            seen.insert(picked);
        }
        assert_eq!(seen.len(), 2);
    }
}
