//! Runs the Web API conformance suite (`tests/conformance/*.js`) inside a real isolate and
//! checks the outcome against `expectations.json`: every known failure carries a reason, and
//! an unexpected failure or an unexpected pass both fail the test.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::*;

#[tokio::test]
async fn conformance_suite_matches_expectations() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    let worker = spawn(folder.join("runner.js"), &[]);
    let (status, body) = call(&worker, get("http://conformance.test/"))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let result: serde_json::Value = serde_json::from_str(&body).unwrap();

    let expected: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(folder.join("expectations.json")).unwrap())
            .unwrap();
    let failures: BTreeMap<String, String> = result["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();

    let mut total = 0;
    println!(
        "{:<10} {:>6} {:>7} {:>7} {:>11}",
        "api", "tests", "passed", "failed", "assertions"
    );
    for (api, counts) in result["apis"].as_object().unwrap() {
        let assertions = counts["assertions"].as_u64().unwrap();
        total += assertions;
        println!(
            "{api:<10} {:>6} {:>7} {:>7} {assertions:>11}",
            counts["tests"], counts["passed"], counts["failed"]
        );
    }
    println!("total assertions: {total}");

    let unexpected: Vec<_> = failures
        .iter()
        .filter(|(id, _)| !expected.contains_key(*id))
        .collect();
    let unexpected_passes: Vec<_> = expected
        .keys()
        .filter(|id| !failures.contains_key(*id))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected failures: {unexpected:#?}"
    );
    assert!(
        unexpected_passes.is_empty(),
        "known failures now pass (remove them from expectations.json): {unexpected_passes:?}"
    );
    assert!(total >= 150, "only {total} assertions ran");
}
