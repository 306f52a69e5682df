//! Automatic rollback of gradual deployments: twice a second, each live deployment with an
//! `auto_rollback` rule compares what its new versions answered on this node within it
//! with what its stable version did, and once the new versions' 5xx share (limit stops
//! among them) exceeds the stable one's by more than the rule allows over enough requests,
//! deploys the stable version at 100% with the reason as its message. Every node judges
//! its own traffic; the first to commit the rollback wins, the others see it and stop.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::records::DeploymentRecord;
use super::records::State;
use super::Platform;
use crate::metrics::Metrics;

/// How often live deployments are judged.
const EVERY: Duration = Duration::from_millis(500);

/// Who a rollback is recorded as made by.
const AUTO_ROLLBACK: &str = "auto-rollback";

/// The stable version of `live`: the one the deployment before it gave the largest share to,
/// if `live` has it; else the one `live` gives the largest share (the first of equals).
fn stable(state: &State, name: &str, live: &DeploymentRecord) -> Option<u64> {
    let before = state
        .deployments
        .get(name)
        .and_then(|deployments| deployments.range(..live.id).next_back())
        .map(|(_, before)| before);
    let largest = |deployment: &DeploymentRecord| {
        deployment
            .versions
            .iter()
            .fold(None::<&super::records::Share>, |best, share| match best {
                Some(best) if best.percentage >= share.percentage => Some(best),
                _ => Some(share),
            })
            .map(|share| share.id)
    };
    before
        .and_then(largest)
        .filter(|id| live.versions.iter().any(|share| share.id == *id))
        .or_else(|| largest(live))
}

impl Platform {
    /// Judges live gradual deployments for the life of the process, reading what each
    /// version answered from `metrics`.
    pub fn guard_rollouts(self: &Arc<Self>, metrics: Arc<Metrics>) {
        let platform = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(EVERY);
            loop {
                ticks.tick().await;
                platform.judge(&metrics).await;
            }
        });
    }

    async fn judge(&self, metrics: &Metrics) {
        let state = self.state();
        for name in state.tenants.keys() {
            let Some(live) = state.live(name) else {
                continue;
            };
            let Some(rule) = live.auto_rollback else {
                continue;
            };
            let Some(stable) = stable(&state, name, live) else {
                continue;
            };
            let since = |id: u64| metrics.version(name, live.id, id).figures();
            let (stable_requests, stable_errors) = since(stable);
            let (new_requests, new_errors) = live
                .versions
                .iter()
                .filter(|share| share.id != stable)
                .map(|share| since(share.id))
                .fold((0, 0), |(r, e), (r2, e2)| (r + r2, e + e2));
            if new_requests < rule.min_requests.max(1) {
                continue;
            }
            #[allow(clippy::cast_precision_loss, reason = "request counts far below 2^52")]
            let ratio = |errors: u64, requests: u64| errors as f64 / requests.max(1) as f64;
            let new_ratio = ratio(new_errors, new_requests);
            let stable_ratio = ratio(stable_errors, stable_requests);
            if new_ratio - stable_ratio <= rule.max_error_ratio {
                continue;
            }
            let why = format!(
                "automatic rollback of deployment {}: the new versions answered {new_errors} of \
                 {new_requests} requests with 5xx ({:.1}%), stable version {stable} \
                 {stable_errors} of {stable_requests} ({:.1}%); more than {:.1} points apart",
                live.id,
                new_ratio * 100.0,
                stable_ratio * 100.0,
                rule.max_error_ratio * 100.0
            );
            let body = json!({ "versions": [{ "id": stable, "percentage": 100 }], "message": why });
            match self
                .deploy(name, body.to_string().as_bytes(), AUTO_ROLLBACK)
                .await
            {
                Ok((deployment, _)) => {
                    tracing::warn!(tenant = %name, deployment = deployment.id, "{why}");
                }
                Err(error) => {
                    tracing::error!(tenant = %name, "automatic rollback failed: {}", error.message);
                }
            }
        }
    }
}
