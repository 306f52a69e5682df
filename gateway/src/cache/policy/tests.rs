use std::time::Duration;
use std::time::SystemTime;

use http::HeaderMap;

use super::*;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    map
}

fn verdict(status: u16, auth: bool, pairs: &[(&str, &str)]) -> Result<Freshness, Skip> {
    storable(
        status,
        auth,
        &headers(pairs),
        &RoutePolicy::default(),
        SystemTime::now(),
    )
}

#[test]
fn policy_prefers_s_maxage_over_max_age_over_expires() {
    let now = SystemTime::now();
    let expires = httpdate::fmt_http_date(now + Duration::from_secs(500));
    let date = httpdate::fmt_http_date(now);
    let all = [
        ("cache-control", "max-age=20, s-maxage=30"),
        ("expires", expires.as_str()),
        ("date", date.as_str()),
    ];
    assert_eq!(
        verdict(200, false, &all).unwrap().lifetime,
        Duration::from_secs(30)
    );
    let no_shared = [
        ("cache-control", "max-age=20"),
        ("expires", expires.as_str()),
    ];
    assert_eq!(
        verdict(200, false, &no_shared).unwrap().lifetime,
        Duration::from_secs(20)
    );
    let lifetime = verdict(200, false, &all[1..]).unwrap().lifetime.as_secs();
    assert!((499..=500).contains(&lifetime), "{lifetime}");
    assert_eq!(
        verdict(200, false, &[("expires", "garbage")]),
        Err(Skip::NoFreshness)
    );
}

#[test]
fn policy_refuses_what_a_shared_cache_must_not_store() {
    assert_eq!(
        verdict(200, false, &[("cache-control", "no-store, max-age=60")]),
        Err(Skip::NoStore)
    );
    assert_eq!(
        verdict(200, false, &[("cache-control", "private, max-age=60")]),
        Err(Skip::Private)
    );
    assert_eq!(
        verdict(
            200,
            false,
            &[("cache-control", "max-age=60"), ("vary", "Accept, *")]
        ),
        Err(Skip::VaryAny)
    );
    assert_eq!(
        verdict(
            200,
            false,
            &[("cache-control", "max-age=60"), ("set-cookie", "a=b")]
        ),
        Err(Skip::SetCookie)
    );
    assert!(verdict(
        200,
        false,
        &[
            ("cache-control", "public, max-age=60"),
            ("set-cookie", "a=b")
        ]
    )
    .is_ok());
    assert_eq!(
        verdict(200, true, &[("cache-control", "max-age=60")]),
        Err(Skip::Authorization)
    );
    assert!(verdict(200, true, &[("cache-control", "s-maxage=60")]).is_ok());
    assert_eq!(
        verdict(206, false, &[("cache-control", "max-age=60")]),
        Err(Skip::Status)
    );
    assert_eq!(verdict(200, false, &[]), Err(Skip::NoFreshness));
    // Explicit freshness makes a status cacheable that is not cacheable by default.
    assert!(verdict(302, false, &[("cache-control", "max-age=60")]).is_ok());
}

#[test]
fn policy_no_cache_stores_for_revalidation_only_with_a_validator() {
    let with_etag = verdict(
        200,
        false,
        &[("cache-control", "no-cache"), ("etag", "\"v1\"")],
    )
    .unwrap();
    assert!(with_etag.always_revalidate);
    assert_eq!(with_etag.lifetime, Duration::ZERO);
    assert_eq!(
        verdict(200, false, &[("cache-control", "no-cache")]),
        Err(Skip::NoFreshness)
    );
}

#[test]
fn policy_must_revalidate_forbids_stale_windows() {
    let free = verdict(
        200,
        false,
        &[(
            "cache-control",
            "max-age=1, stale-while-revalidate=30, stale-if-error=60",
        )],
    )
    .unwrap();
    assert_eq!(free.stale_while_revalidate, Duration::from_secs(30));
    assert_eq!(free.stale_if_error, Duration::from_secs(60));
    let strict = verdict(
        200,
        false,
        &[(
            "cache-control",
            "max-age=1, stale-while-revalidate=30, must-revalidate",
        )],
    )
    .unwrap();
    assert_eq!(strict.stale_while_revalidate, Duration::ZERO);
}

#[test]
fn policy_route_ttl_overrides_the_handler() {
    let route = RoutePolicy {
        ttl: Some(Duration::from_secs(90)),
        ..RoutePolicy::default()
    };
    let freshness = storable(200, false, &headers(&[]), &route, SystemTime::now()).unwrap();
    assert_eq!(freshness.lifetime, Duration::from_secs(90));
    let private = headers(&[("cache-control", "private")]);
    assert_eq!(
        storable(200, false, &private, &route, SystemTime::now()),
        Err(Skip::Private)
    );
}

#[test]
fn policy_answers_conditionals_by_etag_then_date() {
    let stored = headers(&[
        ("etag", "W/\"v1\""),
        ("last-modified", "Sun, 29 Nov 2026 10:00:00 GMT"),
    ]);
    assert!(not_modified(
        &headers(&[("if-none-match", "\"v0\", \"v1\"")]),
        &stored
    ));
    assert!(not_modified(&headers(&[("if-none-match", "*")]), &stored));
    assert!(!not_modified(
        &headers(&[("if-none-match", "\"v2\"")]),
        &stored
    ));
    // If-None-Match wins even when the date would match.
    assert!(!not_modified(
        &headers(&[
            ("if-none-match", "\"v2\""),
            ("if-modified-since", "Sun, 29 Nov 2026 11:00:00 GMT")
        ]),
        &stored
    ));
    assert!(not_modified(
        &headers(&[("if-modified-since", "Sun, 29 Nov 2026 10:00:00 GMT")]),
        &stored
    ));
    assert!(!not_modified(
        &headers(&[("if-modified-since", "Sun, 29 Nov 2026 09:59:59 GMT")]),
        &stored
    ));
}

#[test]
fn policy_reads_client_reload_and_vary() {
    assert!(ClientDirectives::parse(&headers(&[("cache-control", "no-cache")])).reload);
    assert!(ClientDirectives::parse(&headers(&[("cache-control", "max-age=0")])).reload);
    assert!(ClientDirectives::parse(&headers(&[("pragma", "no-cache")])).reload);
    assert!(!ClientDirectives::parse(&headers(&[("cache-control", "max-age=5")])).reload);
    let vary = vary_names(&headers(&[
        ("vary", "Accept-Language, accept"),
        ("vary", "Accept"),
    ]))
    .unwrap();
    let names: Vec<&str> = vary.iter().map(|name| name.as_str()).collect();
    assert_eq!(names, ["accept", "accept-language"]);
    let quoted = Directives::parse(&headers(&[(
        "cache-control",
        "private=\"a, b\", max-age=5",
    )]));
    assert!(quoted.private);
    assert_eq!(quoted.max_age, Some(Duration::from_secs(5)));
}

#[test]
fn dates_are_read_leniently_as_recipients_do() {
    let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
    for text in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "sun, 06 nov 1994 08:49:37 gmt",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Mon Nov  6 08:49:37 1994",
        "Thu, 06 Nov 1994 08:49:37 GMT",
    ] {
        assert_eq!(http_date(&text.parse().unwrap()), Some(expected), "{text}");
    }
    for text in [
        "yesterday",
        "06 Nov 1994",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "0",
    ] {
        assert_eq!(http_date(&text.parse().unwrap()), None, "{text}");
    }
}

#[test]
fn an_age_list_counts_its_first_value() {
    let freshness = verdict(
        200,
        false,
        &[("cache-control", "max-age=10000"), ("age", "7200, 0")],
    )
    .unwrap();
    assert_eq!(freshness.initial_age, Duration::from_secs(7200));
}

#[test]
fn a_server_error_with_explicit_freshness_is_storable_and_without_it_is_not() {
    assert!(verdict(503, false, &[("cache-control", "max-age=60")]).is_ok());
    assert!(verdict(500, false, &[]).is_err());
}
