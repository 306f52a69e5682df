//! `isogate check`: every problem of a config file, and with `--load` whether each handler
//! module loads (parses, resolves its imports and runs its top-level code) in an isolate of
//! its own, under its tenant's limits.

use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;

use isogate_runtime::LoadState;
use isogate_runtime::WorkerHandle;

use crate::config;
use crate::config::ConfigError;
use crate::config::GatewayConfig;
use crate::routing::table::handler_spec;

/// What to check beyond the file itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct CheckOptions {
    /// Load every handler module.
    pub load: bool,
    /// Report secrets that cannot be read as warnings (a machine without the production
    /// secrets), not as errors.
    pub missing_secrets_are_warnings: bool,
}

/// The verdict.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Tenants and routes, when the file is valid.
    pub tenants: usize,
    /// Routes over all tenants.
    pub routes: usize,
    /// Handler modules loaded, with `--load`.
    pub loaded: usize,
    /// Problems that do not fail the check.
    pub warnings: Vec<String>,
    /// Problems that do, one per line: `file:line:col: key: message` for the file, and
    /// `tenant NAME: handler FILE does not load: FILE:LINE:COL: message` for a module.
    pub errors: Vec<String>,
}

/// Checks the config at `file` as `options` say.
pub async fn check(file: &Path, options: CheckOptions) -> CheckReport {
    let (config, warnings) = match config::load_with(file, options.missing_secrets_are_warnings) {
        Ok(loaded) => loaded,
        Err(errors) => {
            return CheckReport {
                errors: errors.0.iter().map(ToString::to_string).collect(),
                ..CheckReport::default()
            }
        }
    };
    let mut report = CheckReport {
        tenants: config.tenants.len(),
        routes: config
            .tenants
            .iter()
            .map(|tenant| tenant.routes.len())
            .sum(),
        warnings: warnings.iter().map(ConfigError::to_string).collect(),
        ..CheckReport::default()
    };
    if options.load {
        load_handlers(&config, &mut report).await;
    }
    report
}

/// Loads each tenant's handler modules once, each in a fresh isolate, and reports those
/// that fail with their loader's or V8's `file:line:col`.
async fn load_handlers(config: &GatewayConfig, report: &mut CheckReport) {
    for tenant in &config.tenants {
        let limits = tenant.limits.or(&config.limits);
        let env = readable_env(tenant);
        let mut seen: Vec<&PathBuf> = Vec::new();
        for route in &tenant.routes {
            let entry = route.handler.get_ref();
            if seen.contains(&entry) {
                continue;
            }
            seen.push(entry);
            let spec = handler_spec(tenant, route, &limits, &env, None);
            let failure = match WorkerHandle::spawn(&spec) {
                Ok(worker) => match worker.loaded().await {
                    LoadState::Failed(error) => Some(error),
                    LoadState::Ready | LoadState::Loading => None,
                },
                Err(error) => Some(error.to_string()),
            };
            match failure {
                Some(error) => report.errors.push(format!(
                    "tenant {}: handler {} does not load: {}",
                    tenant.name.get_ref(),
                    entry.display(),
                    one_line(&error, entry)
                )),
                None => report.loaded += 1,
            }
        }
    }
}

/// The tenant's env with the secrets that can be read (the others were reported already).
fn readable_env(tenant: &config::TenantConfig) -> BTreeMap<String, String> {
    let mut env = tenant.env.clone();
    for (name, source) in &tenant.secrets {
        let value = config::read_secret(name, source.get_ref()).unwrap_or_default();
        env.insert(name.clone(), value);
    }
    env
}

/// A load error on one line, where it happened first: `FILE:LINE:COL: message` when the
/// error names a place (a syntax error's position, the top frame of a throw).
fn one_line(error: &str, entry: &Path) -> String {
    let prefix = format!("loading handler module {}: ", entry.display());
    let error = error.strip_prefix(&prefix).unwrap_or(error);
    let mut lines = error.lines();
    let message = lines.next().unwrap_or_default().trim();
    let place = lines
        .filter_map(|line| line.trim().strip_prefix("at "))
        .map(|frame| {
            // `at name (file:///a.js:1:2)` or `at file:///a.js:1:2`.
            let frame = frame.rsplit_once(" (").map_or(frame, |(_, place)| place);
            let frame = frame.trim_end_matches(')');
            frame.strip_prefix("file://").unwrap_or(frame).to_owned()
        })
        .next();
    match place {
        Some(place) => format!("{place}: {message}"),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_error_is_told_on_one_line_from_where_it_happened() {
        let entry = Path::new("/app/handler.js");
        let error = "loading handler module /app/handler.js: Uncaught SyntaxError: Unexpected \
                     token '}'\n    at file:///app/handler.js:2:40";
        assert_eq!(
            one_line(error, entry),
            "/app/handler.js:2:40: Uncaught SyntaxError: Unexpected token '}'"
        );
        let thrown = "Uncaught Error: boom\n    at load (file:///app/lib.js:3:9)\n    at x";
        assert_eq!(
            one_line(thrown, entry),
            "/app/lib.js:3:9: Uncaught Error: boom"
        );
        assert_eq!(one_line("no handler", entry), "no handler");
    }
}
