//! The response cache end to end: `Cache-Status` and `Age` on every path (hit, miss, stale,
//! revalidated), Vary, what must not be stored, conditional requests, coalescing, streamed
//! bodies, bounds, purges and tenant separation.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use http::HeaderMap;
use http::StatusCode;
use http_body_util::BodyExt;
use http_body_util::Full;

const TOKEN: &str = "purge-secret";

fn start() -> (DevServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for tenant in ["shop", "small"] {
        std::fs::create_dir(dir.path().join(tenant)).unwrap();
        std::fs::copy(
            fixtures.join("cache/handler.js"),
            dir.path().join(tenant).join("handler.js"),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("token"), format!("{TOKEN}\n")).unwrap();
    let config = r#"
[server]
http = "127.0.0.1:0"
admin = "127.0.0.1:0"
admin_token = { file = "token" }

[cache]
max_bytes = 1048576
max_object_bytes = 131072

# One isolate each: the handler counts its calls in module globals.
[[tenants]]
name = "shop"
hosts = ["shop.test"]
cache = { honor_client_no_cache = true }
max_isolates = 1

  [[tenants.routes]]
  path = "/bypass"
  handler = "shop/handler.js"
  cache = { bypass = true }

  [[tenants.routes]]
  path = "/sorted"
  handler = "shop/handler.js"
  cache = { sort_query = true }

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "shop/handler.js"

[[tenants]]
name = "small"
hosts = ["small.test"]
cache = { max_bytes = 262144 }
max_isolates = 1

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "small/handler.js"
"#;
    std::fs::write(dir.path().join("isogate.toml"), config).unwrap();
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 2, &[]);
    (server, dir)
}

/// Sends `method path` to `host` with extra `headers`.
async fn send(
    server: &DevServer,
    method: &str,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.base))
        .header("host", host);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client()
        .request(request.body(empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

async fn shop(server: &DevServer, path: &str) -> (StatusCode, HeaderMap, String) {
    send(server, "GET", "shop.test", path, &[]).await
}

/// How often the handler ran for `path` (of `host`).
async fn calls(server: &DevServer, host: &str, path: &str) -> u32 {
    let (_, _, body) = send(server, "GET", host, &format!("/count?path={path}"), &[]).await;
    body.parse().unwrap()
}

fn status(headers: &HeaderMap) -> &str {
    headers["cache-status"].to_str().unwrap()
}

/// POSTs a purge order to the admin listener.
async fn purge(server: &DevServer, order: &str, token: &str) -> (StatusCode, String) {
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("{}/admin/cache/purge", server.addresses[1]))
        .header("authorization", format!("Bearer {token}"))
        .body(
            Full::new(bytes::Bytes::from(order.to_owned()))
                .map_err(|never| match never {})
                .boxed(),
        )
        .unwrap();
    let response = client().request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A gauge of `/metrics` for `tenant`.
async fn gauge(server: &DevServer, name: &str, tenant: &str) -> u64 {
    let (_, _, text) = get(&format!("{}/metrics", server.addresses[1])).await;
    let prefix = format!("{name}{{tenant=\"{tenant}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn cache_hit_skips_handler_with_age_and_status() {
    let (server, _dir) = start();
    let (code, headers, first) = shop(&server, "/fresh").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        status(&headers),
        "isogate; fwd=uri-miss; fwd-status=200; stored"
    );
    assert_eq!(first, "/fresh #1");
    let (_, headers, second) = shop(&server, "/fresh").await;
    assert_eq!(status(&headers), "isogate; hit; ttl=60");
    assert_eq!(headers["age"], "0");
    assert_eq!(second, first);
    let (_, headers, body) = send(&server, "HEAD", "shop.test", "/fresh", &[]).await;
    assert_eq!(status(&headers), "isogate; hit; ttl=60");
    assert!(body.is_empty());
    assert_eq!(calls(&server, "shop.test", "/fresh").await, 1);

    // The route's own key order, and a route that bypasses the cache.
    shop(&server, "/sorted?b=1&a=2").await;
    let (_, headers, body) = shop(&server, "/sorted?a=2&b=1").await;
    assert!(status(&headers).starts_with("isogate; hit;"), "{body}");
    let (_, headers, _) = shop(&server, "/bypass").await;
    assert_eq!(status(&headers), "isogate; fwd=bypass");
    shop(&server, "/bypass").await;
    assert_eq!(calls(&server, "shop.test", "/bypass").await, 2);
}

#[tokio::test]
async fn cache_partitions_by_vary_and_refuses_private_and_cookies() {
    let (server, _dir) = start();
    let english = [("accept-language", "en")];
    let french = [("accept-language", "fr")];
    let (_, headers, _) = send(&server, "GET", "shop.test", "/vary", &english).await;
    assert!(status(&headers).contains("fwd=uri-miss"));
    let (_, headers, body) = send(&server, "GET", "shop.test", "/vary", &french).await;
    assert!(status(&headers).contains("fwd=vary-miss"), "{body}");
    assert_eq!(body, "lang fr #2");
    let (_, headers, body) = send(&server, "GET", "shop.test", "/vary", &english).await;
    assert!(status(&headers).starts_with("isogate; hit"));
    assert_eq!(body, "lang en #1");
    let (_, _, body) = send(&server, "GET", "shop.test", "/vary", &french).await;
    assert_eq!(body, "lang fr #2");

    for path in ["/private", "/cookie"] {
        let (_, first, _) = shop(&server, path).await;
        let (_, second, body) = shop(&server, path).await;
        assert_eq!(body, format!("{} #2", &path[1..]));
        let detail = if path == "/private" {
            "private"
        } else {
            "set-cookie"
        };
        assert_eq!(
            status(&first),
            format!("isogate; fwd=uri-miss; fwd-status=200; detail={detail}")
        );
        // Found not storable: the next requests go straight through for a while.
        assert_eq!(
            status(&second),
            "isogate; fwd=uri-miss; fwd-status=200; detail=pass"
        );
    }
}

#[tokio::test]
async fn cache_answers_conditional_requests_with_304() {
    let (server, _dir) = start();
    let matching = [("if-none-match", "\"v1\"")];
    // A conditional miss is fetched whole, stored, and answered 304 by the cache.
    let (code, headers, body) = send(&server, "GET", "shop.test", "/etag", &matching).await;
    assert_eq!(code, StatusCode::NOT_MODIFIED);
    assert_eq!(
        status(&headers),
        "isogate; fwd=uri-miss; fwd-status=200; stored"
    );
    assert!(body.is_empty());
    let (code, headers, _) = send(&server, "GET", "shop.test", "/etag", &matching).await;
    assert_eq!(code, StatusCode::NOT_MODIFIED);
    assert_eq!(headers["etag"], "\"v1\"");
    assert!(status(&headers).starts_with("isogate; hit"));
    let (code, _, body) = send(
        &server,
        "GET",
        "shop.test",
        "/etag",
        &[("if-none-match", "\"v0\"")],
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(body, "etag #1");
    assert_eq!(calls(&server, "shop.test", "/etag").await, 1);
}

#[tokio::test]
async fn cache_revalidates_serves_stale_and_survives_errors() {
    let (server, _dir) = start();
    shop(&server, "/short").await;
    shop(&server, "/swr").await;
    shop(&server, "/sie").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;

    // Stale with a validator: a conditional request, answered 304 by the handler.
    let (code, headers, body) = shop(&server, "/short").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        status(&headers),
        "isogate; fwd=stale; fwd-status=304; stored"
    );
    assert_eq!(body, "short #1");
    assert_eq!(calls(&server, "shop.test", "/short:304").await, 1);

    // stale-while-revalidate: the stale body now, a fresh one once the refresh lands.
    let (_, headers, body) = shop(&server, "/swr").await;
    assert_eq!(body, "swr #1");
    let cache_status = status(&headers);
    assert!(
        cache_status.starts_with("isogate; hit; ttl=-"),
        "{cache_status}"
    );
    let mut refreshed = String::new();
    for _ in 0..50 {
        refreshed = shop(&server, "/swr").await.2;
        if refreshed != "swr #1" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(refreshed, "swr #2");
    // The refresh is counted like any call: it has an access line of its own.
    let logs = server.logs_when(|logs| logs.contains("-refresh"));
    assert!(
        logs.lines().any(|line| line.contains("isogate::access")
            && line.contains("-refresh")
            && line.contains("/swr")),
        "no access line for the refresh in {logs}"
    );

    // stale-if-error: the handler now throws; the stale entry answers.
    let (code, headers, body) = shop(&server, "/sie").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body, "sie #1");
    let cache_status = status(&headers);
    assert!(
        cache_status.contains("fwd=stale; detail=stale-if-error"),
        "{cache_status}"
    );
}

#[tokio::test]
async fn cache_coalesces_concurrent_misses_into_one_call() {
    let (server, _dir) = start();
    // Once the tenant stores answers, a new URL's misses are expected to be storable too.
    shop(&server, "/big?warm").await;
    let base = server.base.clone();
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let base = base.clone();
        requests.spawn(async move {
            let request = http::Request::builder()
                .uri(format!("{base}/slow"))
                .header("host", "shop.test")
                .body(empty())
                .unwrap();
            let response = client().request(request).await.unwrap();
            let code = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (code, body)
        });
    }
    while let Some(joined) = requests.join_next().await {
        let (code, body) = joined.unwrap();
        assert_eq!(code, StatusCode::OK);
        assert_eq!(body, "slow #1");
    }
    assert_eq!(calls(&server, "shop.test", "/slow").await, 1);
}

#[tokio::test]
async fn cache_stores_streamed_bodies_whole() {
    let (server, _dir) = start();
    let (_, headers, first) = shop(&server, "/stream").await;
    assert_eq!(status(&headers), "isogate; fwd=uri-miss; fwd-status=200");
    assert_eq!(
        first,
        "part 1 of call 1\npart 2 of call 1\npart 3 of call 1\n"
    );
    let (_, headers, second) = shop(&server, "/stream").await;
    assert!(status(&headers).starts_with("isogate; hit"));
    assert_eq!(second, first);
}

#[tokio::test]
async fn cache_stores_streamed_bodies_of_declared_length() {
    let (server, _dir) = start();
    let (_, headers, first) = shop(&server, "/stream-length").await;
    assert_eq!(status(&headers), "isogate; fwd=uri-miss; fwd-status=200");
    assert_eq!(first.len(), 51, "{first}");
    let (_, headers, second) = shop(&server, "/stream-length").await;
    assert!(status(&headers).starts_with("isogate; hit"), "{headers:?}");
    assert_eq!(second, first);
}

#[tokio::test]
async fn cache_stores_a_server_error_that_says_how_long_it_holds() {
    let (server, _dir) = start();
    let (code, _, first) = shop(&server, "/unavailable").await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
    let (code, headers, second) = shop(&server, "/unavailable").await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
    assert!(status(&headers).starts_with("isogate; hit"), "{headers:?}");
    assert_eq!(second, first);
}

#[tokio::test]
async fn cache_answers_a_byte_range_from_a_stored_response() {
    let (server, _dir) = start();
    let (code, _, whole) = shop(&server, "/big?range").await;
    assert_eq!(code, StatusCode::OK);
    let (code, headers, part) = send(
        &server,
        "GET",
        "shop.test",
        "/big?range",
        &[("range", "bytes=10-19")],
    )
    .await;
    assert_eq!(code, StatusCode::PARTIAL_CONTENT, "{headers:?}");
    assert_eq!(
        headers["content-range"],
        format!("bytes 10-19/{}", whole.len())
    );
    assert_eq!(part, whole[10..20]);
    assert!(status(&headers).starts_with("isogate; hit"), "{headers:?}");
    let (code, headers, _) = send(
        &server,
        "GET",
        "shop.test",
        "/big?range",
        &[("range", "bytes=999999-")],
    )
    .await;
    assert_eq!(code, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(headers["content-range"], format!("bytes */{}", whole.len()));
    assert_eq!(calls(&server, "shop.test", "/big").await, 1);
}

#[tokio::test]
async fn concurrent_misses_of_an_api_that_stores_nothing_run_side_by_side() {
    let (server, _dir) = start();
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let base = server.base.clone();
        requests.spawn(async move {
            let request = http::Request::builder()
                .uri(format!("{base}/slow-api"))
                .header("host", "shop.test")
                .body(empty())
                .unwrap();
            client().request(request).await.unwrap().status()
        });
    }
    while let Some(status) = requests.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
    let (_, _, most) = shop(&server, "/most-running").await;
    assert_eq!(most, "3", "the misses waited for one another");
    assert_eq!(calls(&server, "shop.test", "/slow-api").await, 3);
}

#[tokio::test]
async fn the_global_bound_evicts_the_least_recently_used() {
    let (server, _dir) = start();
    // One entry kept in use while twice the global bound (1 MiB) of others is stored.
    shop(&server, "/big?i=hot").await;
    for i in 0..32 {
        shop(&server, &format!("/big?i={i}")).await;
        let (_, headers, _) = shop(&server, "/big?i=hot").await;
        assert!(
            status(&headers).starts_with("isogate; hit"),
            "the entry in use was evicted after {i} others: {headers:?}"
        );
    }
}

#[tokio::test]
async fn cache_stays_within_quota_and_global_bound() {
    let (server, _dir) = start();
    // Twice the small tenant's quota (256 KiB), then twice the global bound (1 MiB).
    for i in 0..8 {
        send(&server, "GET", "small.test", &format!("/big?i={i}"), &[]).await;
    }
    let small = gauge(&server, "isogate_cache_bytes", "small").await;
    assert!(small <= 262_144, "small tenant holds {small} bytes");
    assert!(gauge(&server, "isogate_cache_evictions_total", "small").await > 0);
    for i in 0..32 {
        shop(&server, &format!("/big?i={i}")).await;
    }
    let total = gauge(&server, "isogate_cache_bytes", "shop").await
        + gauge(&server, "isogate_cache_bytes", "small").await;
    assert!(total <= 1_048_576, "the cache holds {total} bytes");
    assert!(gauge(&server, "isogate_cache_evictions_total", "shop").await > 0);
    // The newest entry is still served from the cache.
    let (_, headers, _) = shop(&server, "/big?i=31").await;
    assert!(status(&headers).starts_with("isogate; hit"));
}

#[tokio::test]
async fn cache_purges_by_url_prefix_tag_and_tenant() {
    let (server, _dir) = start();
    let hit = |headers: &HeaderMap| status(headers).starts_with("isogate; hit");
    for path in ["/fresh", "/tagged/a", "/tagged/b", "/other"] {
        shop(&server, path).await;
        assert!(hit(&shop(&server, path).await.1), "{path} cached");
    }
    send(&server, "GET", "small.test", "/fresh", &[]).await;

    let (code, _) = purge(&server, r#"{"urls":["http://shop.test/fresh"]}"#, "wrong").await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let (code, body) = purge(&server, r#"{"urls":["http://nobody.test/"]}"#, TOKEN).await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");

    let (code, body) = purge(&server, r#"{"urls":["http://shop.test/fresh"]}"#, TOKEN).await;
    assert_eq!((code, body.as_str()), (StatusCode::OK, "{\"purged\":1}\n"));
    assert!(!hit(&shop(&server, "/fresh").await.1));
    // Only the shop's entry went.
    assert!(hit(&send(&server, "GET", "small.test", "/fresh", &[])
        .await
        .1));

    // A URL is purged as requests key it: the host without its port, the query sorted
    // where the route sorts it.
    send(&server, "GET", "shop.test:8080", "/sorted?b=1&a=2", &[]).await;
    assert!(hit(&shop(&server, "/sorted?a=2&b=1").await.1));
    let order = r#"{"urls":["http://shop.test:8080/sorted?b=1&a=2"]}"#;
    let (_, body) = purge(&server, order, TOKEN).await;
    assert_eq!(body, "{\"purged\":1}\n");
    assert!(!hit(&shop(&server, "/sorted?a=2&b=1").await.1));
    send(&server, "GET", "shop.test:8080", "/fresh", &[]).await;
    let (_, body) = purge(&server, r#"{"urls":["http://shop.test/fresh"]}"#, TOKEN).await;
    assert_eq!(body, "{\"purged\":1}\n");

    let (_, body) = purge(&server, r#"{"tags":["red"],"tenant":"shop"}"#, TOKEN).await;
    assert_eq!(body, "{\"purged\":1}\n");
    assert!(!hit(&shop(&server, "/tagged/a").await.1));
    assert!(hit(&shop(&server, "/tagged/b").await.1));

    let (_, body) = purge(
        &server,
        r#"{"prefixes":["http://shop.test/tagged/"]}"#,
        TOKEN,
    )
    .await;
    assert_eq!(body, "{\"purged\":2}\n");
    assert!(!hit(&shop(&server, "/tagged/b").await.1));

    let (_, body) = purge(&server, r#"{"tenant":"shop","everything":true}"#, TOKEN).await;
    assert!(body.starts_with("{\"purged\":"), "{body}");
    assert!(!hit(&shop(&server, "/other").await.1));
    assert!(hit(&send(&server, "GET", "small.test", "/fresh", &[])
        .await
        .1));
}

#[tokio::test]
async fn cache_tenants_and_client_directives_stay_apart() {
    let (server, _dir) = start();
    shop(&server, "/fresh").await;
    // Another tenant with the same path has its own entry.
    let (_, headers, body) = send(&server, "GET", "small.test", "/fresh", &[]).await;
    assert!(status(&headers).contains("fwd=uri-miss"));
    assert_eq!(body, "/fresh #1");

    // The shop honours a client's no-cache; the small tenant does not.
    let reload = [("cache-control", "no-cache")];
    let (_, headers, body) = send(&server, "GET", "shop.test", "/fresh", &reload).await;
    assert_eq!(
        status(&headers),
        "isogate; fwd=request; fwd-status=200; stored"
    );
    assert_eq!(body, "/fresh #2");
    let (_, headers, _) = send(&server, "GET", "small.test", "/fresh", &reload).await;
    assert!(status(&headers).starts_with("isogate; hit"));

    // A successful unsafe request invalidates the URL.
    let (_, headers, _) = send(&server, "POST", "shop.test", "/fresh", &[]).await;
    assert_eq!(status(&headers), "isogate; fwd=method");
    let (_, headers, _) = shop(&server, "/fresh").await;
    assert!(status(&headers).contains("fwd=uri-miss"));
}

#[tokio::test]
async fn cache_api_put_match_delete_per_tenant() {
    let (server, _dir) = start();
    let api = |host: &'static str, path: String| {
        let server = &server;
        async move { send(server, "GET", host, &path, &[]).await.2 }
    };
    assert_eq!(api("shop.test", "/api/match?key=a".into()).await, "miss");
    assert_eq!(api("shop.test", "/api/put?key=a".into()).await, "stored");
    assert_eq!(
        api("shop.test", "/api/match?key=a".into()).await,
        "value of a"
    );
    // Another tenant, and another cache of the same tenant, do not see it.
    assert_eq!(api("small.test", "/api/match?key=a".into()).await, "miss");
    assert_eq!(
        api("shop.test", "/api/named/match?key=a".into()).await,
        "miss"
    );
    assert_eq!(
        api("shop.test", "/api/named/put?key=a".into()).await,
        "stored"
    );
    assert_eq!(
        api("shop.test", "/api/named/match?key=a".into()).await,
        "value of a"
    );

    // put honours Cache-Control, and refuses what Workers refuse.
    assert_eq!(
        api("shop.test", "/api/put-uncacheable?key=b".into()).await,
        "offered"
    );
    assert_eq!(api("shop.test", "/api/match?key=b".into()).await, "miss");
    assert_eq!(
        api("shop.test", "/api/put-post?key=c".into()).await,
        "TypeError: Cannot cache response to non-GET request."
    );

    assert_eq!(api("shop.test", "/api/delete?key=a".into()).await, "true");
    assert_eq!(api("shop.test", "/api/delete?key=a".into()).await, "false");
    assert_eq!(api("shop.test", "/api/match?key=a".into()).await, "miss");
    assert_eq!(
        api("shop.test", "/api/named/match?key=a".into()).await,
        "value of a"
    );
}
