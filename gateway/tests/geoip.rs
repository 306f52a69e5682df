//! `request.cf` geolocation from MaxMind-format databases (`[server] geoip`), by the client
//! behind a trusted proxy; a database that cannot be read is a located config error.

mod common;

use std::path::Path;

use common::*;
use http::StatusCode;

fn config(dir: &Path, geoip: &str, trusted: &str) -> std::path::PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::create_dir_all(dir.join("cf")).unwrap();
    std::fs::copy(fixtures.join("cf/handler.js"), dir.join("cf/handler.js")).unwrap();
    for database in ["city.mmdb", "asn.mmdb"] {
        std::fs::copy(fixtures.join("geoip").join(database), dir.join(database)).unwrap();
    }
    let text = format!(
        r#"[server]
http = "127.0.0.1:0"
admin = "127.0.0.1:0"
geoip = {geoip}
trusted_proxies = {trusted}

[[tenants]]
name = "cf"
hosts = ["cf.test"]

  [[tenants.routes]]
  path = "/{{*rest}}"
  handler = "cf/handler.js"
"#
    );
    let file = dir.join("isogate.toml");
    std::fs::write(&file, text).unwrap();
    file
}

async fn cf_of(addr: &str, forwarded_for: Option<&str>) -> serde_json::Value {
    let mut request = http::Request::builder()
        .uri(format!("http://{addr}/"))
        .header("host", "cf.test");
    if let Some(chain) = forwarded_for {
        request = request.header("x-forwarded-for", chain);
    }
    let response = client()
        .request(request.body(empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    answer["cf"].clone()
}

#[tokio::test]
async fn request_cf_carries_the_clients_location_and_network() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(
        dir.path(),
        r#"["city.mmdb", "asn.mmdb"]"#,
        r#"["127.0.0.1/32"]"#,
    );
    let server = DevServer::serve(&file, 1, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();

    // Behind the trusted proxy (loopback), the client is the last address it names that is
    // not itself a trusted proxy.
    let cf = cf_of(&addr, Some("203.0.113.50, 192.0.2.7")).await;
    assert_eq!(cf["country"], "PT", "{cf}");
    assert_eq!(cf["isEUCountry"], "1");
    assert_eq!(cf["continent"], "EU");
    assert_eq!(cf["city"], "Lisbon");
    assert_eq!(cf["region"], "Lisbon");
    assert_eq!(cf["regionCode"], "11");
    assert_eq!(cf["postalCode"], "1100-148");
    assert_eq!(cf["timezone"], "Europe/Lisbon");
    assert_eq!(cf["latitude"], "38.71670");
    assert_eq!(cf["longitude"], "-9.13330");
    assert_eq!(cf["asn"], 64500);
    assert_eq!(cf["asOrganization"], "Example Net");
    assert_eq!(cf["httpProtocol"], "HTTP/1.1");

    let cf = cf_of(&addr, Some("2001:db8::10")).await;
    assert_eq!(
        (cf["country"].as_str(), cf["metroCode"].as_str()),
        (Some("US"), Some("819"))
    );
    assert!(
        cf.get("asn").is_none() && cf.get("isEUCountry").is_none(),
        "{cf}"
    );

    // An address the databases do not know, or the proxy itself: no location fields.
    for chain in [Some("198.51.100.1"), None] {
        let cf = cf_of(&addr, chain).await;
        assert!(
            cf.get("country").is_none() && cf.get("asn").is_none(),
            "{cf}"
        );
        assert_eq!(cf["httpProtocol"], "HTTP/1.1");
    }
}

#[tokio::test]
async fn an_untrusted_peer_cannot_claim_another_location() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(dir.path(), r#"["city.mmdb"]"#, "[]");
    let server = DevServer::serve(&file, 1, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let cf = cf_of(&addr, Some("192.0.2.7")).await;
    assert!(cf.get("country").is_none(), "{cf}");
}

#[test]
fn a_geoip_file_that_is_no_database_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(dir.path(), r#"["city.mmdb", "cf/handler.js"]"#, "[]");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isogate"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("isogate.toml:4:")
            && stderr.contains("geoip database ")
            && stderr.contains("handler.js"),
        "{stderr}"
    );
}
