//! Route match cost: host → tenant → path over 1,000 routes across 100 tenants.
//!
//!     cargo bench -p isogate-gateway --bench routing

use std::hint::black_box;

use criterion::criterion_group;
use criterion::criterion_main;
use criterion::Criterion;
use http::Method;
use isogate_gateway::routing::Lookup;
use isogate_gateway::routing::Router;
use isogate_gateway::routing::TenantRoutes;

/// Ten routes per tenant, the shapes real APIs have: static, params, nested params, a
/// catch-all.
const PATTERNS: [&str; 10] = [
    "/",
    "/health",
    "/api/v1/users",
    "/api/v1/users/{id}",
    "/api/v1/users/{id}/posts",
    "/api/v1/users/{id}/posts/{post}",
    "/api/v1/orders/{order}/items/{item}",
    "/login",
    "/assets/{*path}",
    "/webhooks/{provider}",
];

fn router() -> Router<usize> {
    let mut router = Router::default();
    for tenant in 0..100 {
        let mut routes = TenantRoutes::default();
        for (index, pattern) in PATTERNS.iter().enumerate() {
            let methods = (index % 2 == 0).then(|| vec![Method::GET, Method::POST]);
            routes
                .add(pattern, methods.as_deref(), tenant * 10 + index)
                .unwrap();
        }
        let exact = format!("t{tenant}.example.com");
        let wildcard = format!("*.t{tenant}.example.com");
        router.add_tenant([exact.as_str(), wildcard.as_str()], routes);
    }
    router
}

fn bench_routing(c: &mut Criterion) {
    let router = router();
    let requests: Vec<(String, &str)> = (0..100)
        .map(|i| {
            let host = if i % 3 == 0 {
                format!("www.t{i}.example.com")
            } else {
                format!("t{i}.example.com:8443")
            };
            let path = match i % 5 {
                0 => "/api/v1/users/42/posts/7",
                1 => "/assets/css/site.css",
                2 => "/health",
                3 => "/api/v1/orders/9/items/3",
                _ => "/webhooks/github",
            };
            (host, path)
        })
        .collect();
    let mut next = 0;
    c.bench_function("route match, 1000 routes / 100 tenants", |b| {
        b.iter(|| {
            let (host, path) = &requests[next % requests.len()];
            next += 1;
            let found = router.lookup(black_box(host), &Method::GET, black_box(path));
            assert!(matches!(found, Lookup::Found { .. }));
            black_box(found);
        });
    });
}

criterion_group!(benches, bench_routing);
criterion_main!(benches);
