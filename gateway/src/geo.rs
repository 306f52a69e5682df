//! Geolocation for `request.cf`: MaxMind-format databases named by `[server] geoip` (a City
//! or Country database, an ASN database, or one that holds both, as GeoLite2, GeoIP2 and
//! DB-IP ship them), looked up by the client's address with the `maxminddb` crate. The
//! fields are Workers' own: `country`, `isEUCountry`, `continent`, `city`, `postalCode`,
//! `latitude`, `longitude`, `timezone`, `metroCode`, `region`, `regionCode`, `asn` and
//! `asOrganization`, each only when a database knows it.
//!
//! The client is the connection's peer, or, when the peer is a trusted proxy, the last
//! address in `X-Forwarded-For` that is not one of the trusted proxies.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use http::HeaderMap;
use ipnet::IpNet;
use serde::Deserialize;
use serde_json::Map;
use serde_json::Value;

/// The opened databases, in config order; an earlier one's answer for a field wins.
#[derive(Debug)]
pub struct Geo {
    databases: Vec<Arc<Database>>,
}

/// One opened database and what identifies the file it was read from.
struct Database {
    path: PathBuf,
    stamp: Option<(std::time::SystemTime, u64)>,
    reader: maxminddb::Reader<Vec<u8>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &self.path)
            .field("type", &self.reader.metadata().database_type)
            .finish_non_exhaustive()
    }
}

/// When the file at `path` was last written, and its size.
fn stamp(path: &Path) -> Option<(std::time::SystemTime, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

/// Opens the database at `path`; the message names the file and why it cannot be used.
pub fn open_database(path: &Path) -> Result<(), String> {
    maxminddb::Reader::open_readfile(path)
        .map(|_| ())
        .map_err(|error| format!("geoip database {}: {error}", path.display()))
}

impl Geo {
    /// Opens `paths` (none: no geolocation), reusing the databases of `previous` whose files
    /// have not changed since it read them.
    pub fn open(paths: &[PathBuf], previous: Option<&Self>) -> Result<Option<Self>, String> {
        if paths.is_empty() {
            return Ok(None);
        }
        let mut kept: BTreeMap<PathBuf, Arc<Database>> = previous
            .map(|geo| geo.databases.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|database| (database.path.clone(), database))
            .collect();
        let mut databases = Vec::with_capacity(paths.len());
        for path in paths {
            let now = stamp(path);
            match kept.remove(path) {
                Some(database) if now.is_some() && database.stamp == now => {
                    databases.push(database);
                }
                _ => {
                    let reader = maxminddb::Reader::open_readfile(path)
                        .map_err(|error| format!("geoip database {}: {error}", path.display()))?;
                    databases.push(Arc::new(Database {
                        path: path.clone(),
                        stamp: now,
                        reader,
                    }));
                }
            }
        }
        Ok(Some(Self { databases }))
    }

    /// Adds what the databases know of `client` to `cf`.
    pub fn annotate(&self, client: IpAddr, cf: &mut Map<String, Value>) {
        for database in &self.databases {
            let Ok(found) = database.reader.lookup(client) else {
                continue;
            };
            if let Ok(Some(record)) = found.decode::<Record<'_>>() {
                record.annotate(cf);
            }
        }
    }
}

/// The client `request` came from: the peer, or the last address a trusted proxy names
/// that is not one of the trusted proxies.
pub fn client_address(headers: &HeaderMap, peer: IpAddr, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let named: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| item.trim().parse().ok())
        .collect();
    named
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

/// The fields of a City, Country or ASN record that `request.cf` carries.
#[derive(Debug, Default, Deserialize)]
struct Record<'a> {
    #[serde(borrow, default)]
    continent: Option<Code<'a>>,
    #[serde(borrow, default)]
    country: Option<Country<'a>>,
    #[serde(borrow, default)]
    city: Option<Names<'a>>,
    #[serde(borrow, default)]
    postal: Option<Code<'a>>,
    #[serde(borrow, default)]
    location: Option<Location<'a>>,
    #[serde(borrow, default)]
    subdivisions: Option<Vec<Subdivision<'a>>>,
    #[serde(default)]
    autonomous_system_number: Option<Integer>,
    #[serde(borrow, default)]
    autonomous_system_organization: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct Code<'a> {
    #[serde(borrow, default)]
    code: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct Country<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
    #[serde(default)]
    is_in_european_union: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct Names<'a> {
    #[serde(borrow, default)]
    names: Option<BTreeMap<&'a str, &'a str>>,
}

impl Names<'_> {
    fn english(&self) -> Option<&str> {
        self.names.as_ref()?.get("en").copied()
    }
}

#[derive(Debug, Deserialize)]
struct Location<'a> {
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
    #[serde(borrow, default)]
    time_zone: Option<&'a str>,
    #[serde(default)]
    metro_code: Option<Integer>,
}

#[derive(Debug, Deserialize)]
struct Subdivision<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
    #[serde(borrow, default)]
    names: Option<BTreeMap<&'a str, &'a str>>,
}

/// An unsigned number of whichever width the database stored it in (MaxMind's own use
/// `uint16` and `uint32` for these fields; other vendors differ).
#[derive(Debug, Clone, Copy)]
struct Integer(u64);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Integer;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an unsigned integer")
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Integer, E> {
                Ok(Integer(value))
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Integer, E> {
                u64::try_from(value)
                    .map(Integer)
                    .map_err(|_| E::custom("a negative number"))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Record<'_> {
    fn annotate(&self, cf: &mut Map<String, Value>) {
        let mut set = |key: &str, value: Value| {
            cf.entry(key.to_owned()).or_insert(value);
        };
        if let Some(code) = self.continent.as_ref().and_then(|c| c.code) {
            set("continent", code.into());
        }
        if let Some(country) = &self.country {
            if let Some(code) = country.iso_code {
                set("country", code.into());
            }
            if country.is_in_european_union == Some(true) {
                set("isEUCountry", "1".into());
            }
        }
        if let Some(city) = self.city.as_ref().and_then(Names::english) {
            set("city", city.into());
        }
        if let Some(code) = self.postal.as_ref().and_then(|p| p.code) {
            set("postalCode", code.into());
        }
        if let Some(location) = &self.location {
            if let (Some(latitude), Some(longitude)) = (location.latitude, location.longitude) {
                set("latitude", format!("{latitude:.5}").into());
                set("longitude", format!("{longitude:.5}").into());
            }
            if let Some(zone) = location.time_zone {
                set("timezone", zone.into());
            }
            if let Some(Integer(metro)) = location.metro_code {
                set("metroCode", metro.to_string().into());
            }
        }
        if let Some(region) = self.subdivisions.as_ref().and_then(|s| s.first()) {
            if let Some(name) = region.names.as_ref().and_then(|n| n.get("en")) {
                set("region", (*name).into());
            }
            if let Some(code) = region.iso_code {
                set("regionCode", code.into());
            }
        }
        if let Some(Integer(asn)) = self.autonomous_system_number {
            set("asn", asn.into());
        }
        if let Some(organization) = self.autonomous_system_organization {
            set("asOrganization", organization.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/geoip")
            .join(name)
    }

    #[test]
    fn city_and_asn_databases_give_workers_fields() {
        let geo = Geo::open(&[fixture("city.mmdb"), fixture("asn.mmdb")], None)
            .unwrap()
            .unwrap();
        let mut cf = Map::new();
        geo.annotate("192.0.2.7".parse().unwrap(), &mut cf);
        assert_eq!(
            Value::Object(cf),
            serde_json::json!({
                "continent": "EU", "country": "PT", "isEUCountry": "1", "city": "Lisbon",
                "postalCode": "1100-148", "latitude": "38.71670", "longitude": "-9.13330",
                "timezone": "Europe/Lisbon", "region": "Lisbon", "regionCode": "11",
                "asn": 64500, "asOrganization": "Example Net",
            })
        );
        let mut cf = Map::new();
        geo.annotate("2001:db8::1".parse().unwrap(), &mut cf);
        assert_eq!(cf["country"], "US");
        assert_eq!(cf["metroCode"], "819");
        assert!(!cf.contains_key("isEUCountry") && !cf.contains_key("asn"));
        let mut cf = Map::new();
        geo.annotate("198.51.100.1".parse().unwrap(), &mut cf);
        assert!(cf.is_empty());
    }

    #[test]
    fn a_file_that_is_no_database_is_refused_by_name() {
        let error = Geo::open(&[fixture("make.py")], None).unwrap_err();
        assert!(
            error.starts_with("geoip database ") && error.contains("make.py"),
            "{error}"
        );
    }

    #[test]
    fn the_client_behind_trusted_proxies_is_the_last_untrusted_address() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 192.0.2.7, 10.1.1.1".parse().unwrap(),
        );
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(
            client_address(&headers, proxy, &trusted),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
        let direct: IpAddr = "198.51.100.3".parse().unwrap();
        assert_eq!(client_address(&headers, direct, &trusted), direct);
        assert_eq!(client_address(&HeaderMap::new(), proxy, &trusted), proxy);
    }
}
