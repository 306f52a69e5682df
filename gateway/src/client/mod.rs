//! The command line's client of the `/v1` API: `isogate deploy`, `versions list`,
//! `deployments list`, `rollback`, `tenants create|list|delete`, `secret put|list|delete`
//! and `tokens create|list|delete`. The server and token
//! come from `--server` / `--token` or `ISOGATE_SERVER` / `ISOGATE_TOKEN`; `--json` prints
//! the API's answers as they are; an error says what to fix.
//!
//! - `pack.rs`: a project folder packed as a version upload.

pub mod pack;

use std::path::PathBuf;

use anyhow::bail;
use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use serde_json::Value;

/// Where the API is and how to call it.
#[derive(Debug, Clone, clap::Args)]
pub struct Remote {
    /// The gateway's admin listener.
    #[arg(
        long,
        env = "ISOGATE_SERVER",
        default_value = "http://127.0.0.1:9901",
        global = true
    )]
    pub server: String,
    /// The bearer token (the operator's `admin_token`).
    #[arg(long, env = "ISOGATE_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Print the API's JSON answers instead of lines for people.
    #[arg(long, global = true)]
    pub json: bool,
}

/// `isogate deploy`.
#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// The project folder (with `isogate.manifest.json` or a wrangler config).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The tenant to deploy to.
    #[arg(long)]
    pub tenant: String,
    /// The new version's share of requests; the rest stays on the live version.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub percentage: u8,
    /// What the version is, in words.
    #[arg(long)]
    pub message: Option<String>,
    /// A short label for the version.
    #[arg(long)]
    pub tag: Option<String>,
    /// Roll back on its own when the new version's 5xx ratio passes the live one's by this
    /// fraction (with `--percentage` under 100).
    #[arg(long)]
    pub max_error_ratio: Option<f64>,
    /// Requests the new version answers before it is judged (with `--max-error-ratio`).
    #[arg(long, default_value_t = 100)]
    pub min_requests: u64,
}

/// `isogate rollback`.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// The version to serve (default: the one the deployment before the live one served most).
    #[arg(long)]
    pub to: Option<u64>,
    /// Why.
    #[arg(long)]
    pub message: Option<String>,
}

/// `isogate tenants …`.
#[derive(Debug, clap::Subcommand)]
pub enum TenantsCommand {
    /// Creates (or replaces) a tenant.
    Create {
        /// Its name.
        name: String,
        /// A host it serves (repeatable).
        #[arg(long = "host", required_unless_present = "spec")]
        hosts: Vec<String>,
        /// A JSON file with the whole spec (hosts, limits, cache, …) instead.
        #[arg(long, conflicts_with = "hosts")]
        spec: Option<PathBuf>,
    },
    /// Lists the tenants.
    List,
    /// Deletes a tenant with its versions and deployments.
    Delete {
        /// Its name.
        name: String,
    },
}

/// `isogate secret …`.
#[derive(Debug, clap::Subcommand)]
pub enum SecretCommand {
    /// Sets a secret of the tenant's `env` from standard input (a trailing newline removed).
    Put {
        /// Its name.
        name: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
    },
    /// Lists the names of the tenant's secrets (values are never returned).
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
    },
    /// Deletes a secret.
    Delete {
        /// Its name.
        name: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
    },
}

/// `isogate tokens …`.
#[derive(Debug, clap::Subcommand)]
pub enum TokensCommand {
    /// Creates a token that may deploy, roll back and read only this tenant; it is shown
    /// once.
    Create {
        /// Its name.
        name: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
    },
    /// Lists the names of the tenant's tokens.
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
    },
    /// Revokes a token.
    Delete {
        /// Its name.
        name: String,
        /// The tenant.
        #[arg(long)]
        tenant: String,
    },
}

/// A call's answer: status and JSON.
struct Answer {
    status: http::StatusCode,
    body: Value,
}

impl Remote {
    async fn call(
        &self,
        method: http::Method,
        path: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<Answer> {
        let Some(token) = &self.token else {
            bail!("no token: pass --token or set ISOGATE_TOKEN (the gateway's server.admin_token)");
        };
        if !self.server.starts_with("http://") {
            bail!(
                "--server {} is not an http:// URL of the gateway's admin listener",
                self.server
            );
        }
        let uri = format!("{}{path}", self.server.trim_end_matches('/'));
        let request = http::Request::builder()
            .method(method)
            .uri(&uri)
            .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Full::new(Bytes::from(body)))
            .with_context(|| format!("{uri} is not a URL"))?;
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let response = client.request(request).await.with_context(|| {
            format!(
                "cannot reach {} (is `isogate serve` running there?)",
                self.server
            )
        })?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .with_context(|| format!("reading the answer of {uri}"))?
            .to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| json!({ "text": String::from_utf8_lossy(&bytes) }));
        Ok(Answer { status, body })
    }

    /// A call that must succeed: its JSON, or the API's error as the command's.
    async fn ok(&self, method: http::Method, path: &str, body: Vec<u8>) -> anyhow::Result<Value> {
        let answer = self.call(method, path, body).await?;
        if answer.status.is_success() {
            return Ok(answer.body);
        }
        let message = answer.body["error"]["message"]
            .as_str()
            .map_or_else(|| answer.body.to_string(), str::to_owned);
        bail!(
            "{} ({}): {message}",
            answer.status,
            answer.body["error"]["code"].as_str().unwrap_or("error")
        )
    }

    fn print(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        let text = if self.json {
            value.to_string()
        } else {
            human(value)
        };
        crate::client::say(&text);
    }
}

/// Prints one line of a command's output.
#[allow(clippy::print_stdout, reason = "the command's output")]
fn say(text: &str) {
    println!("{text}");
}

/// Prints progress, apart from the output.
#[allow(clippy::print_stderr, reason = "progress goes to stderr")]
fn progress(text: &str) {
    eprintln!("{text}");
}

/// `isogate deploy`: packs, uploads, deploys.
pub async fn deploy(remote: &Remote, args: DeployArgs) -> anyhow::Result<()> {
    let packed = pack::pack(&args.dir, args.message.clone(), args.tag.clone()).await?;
    progress(&format!(
        "uploading {} files ({} bytes, {} compressed) to tenant {}…",
        packed.files,
        packed.bytes,
        packed.archive.len(),
        args.tenant
    ));
    let tenant = &args.tenant;
    let version = remote
        .ok(
            http::Method::POST,
            &format!("/v1/tenants/{tenant}/versions"),
            packed.archive,
        )
        .await?;
    let id = version["id"]
        .as_u64()
        .context("the answer names no version id")?;
    progress(&format!(
        "version {id} stored (sha256 {})",
        version["sha256"].as_str().unwrap_or("")
    ));
    let mut versions = vec![json!({ "id": id, "percentage": args.percentage })];
    if args.percentage < 100 {
        let tenant_view = remote
            .ok(
                http::Method::GET,
                &format!("/v1/tenants/{tenant}"),
                Vec::new(),
            )
            .await?;
        let Some(stable) = largest_share(&tenant_view["deployment"]) else {
            bail!("tenant {tenant} has no live deployment to split with: deploy at 100% first");
        };
        if stable == id {
            bail!("version {id} is already the live one");
        }
        versions.push(json!({ "id": stable, "percentage": 100 - args.percentage }));
    }
    let mut request = json!({ "versions": versions, "message": args.message });
    if let Some(ratio) = args.max_error_ratio {
        request["auto_rollback"] =
            json!({ "max_error_ratio": ratio, "min_requests": args.min_requests });
    }
    let deployment = remote
        .ok(
            http::Method::POST,
            &format!("/v1/tenants/{tenant}/deployments"),
            request.to_string().into_bytes(),
        )
        .await?;
    remote.print(&deployment, |deployment| {
        format!(
            "deployed version {id} to {tenant} at {}% (deployment {}){}",
            args.percentage,
            deployment["id"],
            if deployment["served"] == true {
                ""
            } else {
                "; this node does not serve it yet"
            }
        )
    });
    Ok(())
}

/// The version a deployment gives the largest share.
fn largest_share(deployment: &Value) -> Option<u64> {
    deployment["versions"]
        .as_array()?
        .iter()
        .max_by_key(|share| share["percentage"].as_u64().unwrap_or(0))
        .and_then(|share| share["id"].as_u64())
}

/// `isogate versions list`.
pub async fn list_versions(remote: &Remote, tenant: &str) -> anyhow::Result<()> {
    let listed = remote
        .ok(
            http::Method::GET,
            &format!("/v1/tenants/{tenant}/versions"),
            Vec::new(),
        )
        .await?;
    remote.print(&listed, |listed| {
        let mut lines = vec!["ID  SHA256        FILES  BYTES  TAG  MESSAGE".to_owned()];
        for version in listed["versions"].as_array().into_iter().flatten() {
            lines.push(format!(
                "{}  {}  {}  {}  {}  {}",
                version["id"],
                version["sha256"]
                    .as_str()
                    .unwrap_or("")
                    .get(..12)
                    .unwrap_or(""),
                version["files"],
                version["size"],
                version["tag"].as_str().unwrap_or("-"),
                version["message"].as_str().unwrap_or("")
            ));
        }
        lines.join("\n")
    });
    Ok(())
}

/// `isogate deployments list`.
pub async fn list_deployments(remote: &Remote, tenant: &str) -> anyhow::Result<()> {
    let listed = remote
        .ok(
            http::Method::GET,
            &format!("/v1/tenants/{tenant}/deployments"),
            Vec::new(),
        )
        .await?;
    remote.print(&listed, |listed| {
        let mut lines = vec!["ID  WHEN(UNIX)  BY  SPLIT  MESSAGE".to_owned()];
        for deployment in listed["deployments"].as_array().into_iter().flatten() {
            let split: Vec<String> = deployment["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|share| format!("v{}:{}%", share["id"], share["percentage"]))
                .collect();
            lines.push(format!(
                "{}  {}  {}  {}  {}",
                deployment["id"],
                deployment["created_unix_s"],
                deployment["by"].as_str().unwrap_or(""),
                split.join(","),
                deployment["message"].as_str().unwrap_or("")
            ));
        }
        lines.join("\n")
    });
    Ok(())
}

/// `isogate rollback`: deploys an earlier version at 100%.
pub async fn rollback(remote: &Remote, args: RollbackArgs) -> anyhow::Result<()> {
    let tenant = &args.tenant;
    let target = match args.to {
        Some(version) => version,
        None => {
            let listed = remote
                .ok(
                    http::Method::GET,
                    &format!("/v1/tenants/{tenant}/deployments"),
                    Vec::new(),
                )
                .await?;
            let deployments = listed["deployments"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let live = deployments.first().cloned().unwrap_or(Value::Null);
            let live_versions: Vec<u64> = live["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|share| share["id"].as_u64())
                .collect();
            let earlier = deployments.iter().skip(1).filter_map(largest_share);
            let target = if live_versions.len() > 1 {
                // A split goes back to its stable version, the one served before it.
                earlier
                    .take(1)
                    .find(|version| live_versions.contains(version))
                    .or_else(|| largest_share(&live))
            } else {
                earlier
                    .into_iter()
                    .find(|version| !live_versions.contains(version))
            };
            target.with_context(|| {
                format!(
                    "tenant {tenant} has no earlier version to roll back to; name one with --to"
                )
            })?
        }
    };
    let message = args
        .message
        .unwrap_or_else(|| format!("rollback to version {target}"));
    let request = json!({ "versions": [{ "id": target, "percentage": 100 }], "message": message });
    let deployment = remote
        .ok(
            http::Method::POST,
            &format!("/v1/tenants/{tenant}/deployments"),
            request.to_string().into_bytes(),
        )
        .await?;
    remote.print(&deployment, |deployment| {
        format!(
            "{tenant} serves version {target} (deployment {})",
            deployment["id"]
        )
    });
    Ok(())
}

/// `isogate tenants …`.
pub async fn tenants(remote: &Remote, command: TenantsCommand) -> anyhow::Result<()> {
    match command {
        TenantsCommand::Create { name, hosts, spec } => {
            let body = match spec {
                Some(file) => {
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?
                }
                None => json!({ "hosts": hosts }).to_string().into_bytes(),
            };
            let tenant = remote
                .ok(http::Method::PUT, &format!("/v1/tenants/{name}"), body)
                .await?;
            remote.print(&tenant, |tenant| {
                let mut lines = vec![format!("tenant {name} serves {}", tenant["hosts"])];
                for warning in tenant["warnings"].as_array().into_iter().flatten() {
                    lines.push(format!("warning: {}", warning.as_str().unwrap_or("")));
                }
                lines.join("\n")
            });
        }
        TenantsCommand::List => {
            let listed = remote
                .ok(http::Method::GET, "/v1/tenants", Vec::new())
                .await?;
            remote.print(&listed, |listed| {
                let mut lines = vec!["NAME  SOURCE  HOSTS  LIVE".to_owned()];
                for tenant in listed["tenants"].as_array().into_iter().flatten() {
                    let live = largest_share(&tenant["deployment"])
                        .map_or_else(|| "-".to_owned(), |id| format!("v{id}"));
                    lines.push(format!(
                        "{}  {}  {}  {live}",
                        tenant["name"].as_str().unwrap_or(""),
                        tenant["source"].as_str().unwrap_or(""),
                        tenant["hosts"]
                    ));
                }
                lines.join("\n")
            });
        }
        TenantsCommand::Delete { name } => {
            let deleted = remote
                .ok(
                    http::Method::DELETE,
                    &format!("/v1/tenants/{name}"),
                    Vec::new(),
                )
                .await?;
            remote.print(&deleted, |_| format!("tenant {name} deleted"));
        }
    }
    Ok(())
}

/// `isogate secret …`.
pub async fn secret(remote: &Remote, command: SecretCommand) -> anyhow::Result<()> {
    match command {
        SecretCommand::Put { name, tenant } => {
            let mut value = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut value)
                .context("reading the secret from standard input")?;
            let value = value.strip_suffix('\n').unwrap_or(&value);
            let value = value.strip_suffix('\r').unwrap_or(value);
            let answer = remote
                .ok(
                    http::Method::PUT,
                    &format!("/v1/tenants/{tenant}/secrets/{name}"),
                    value.as_bytes().to_vec(),
                )
                .await?;
            remote.print(&answer, |_| format!("secret {name} of {tenant} set"));
        }
        SecretCommand::List { tenant } => {
            let listed = remote
                .ok(
                    http::Method::GET,
                    &format!("/v1/tenants/{tenant}/secrets"),
                    Vec::new(),
                )
                .await?;
            remote.print(&listed, |listed| names(&listed["secrets"]));
        }
        SecretCommand::Delete { name, tenant } => {
            let answer = remote
                .ok(
                    http::Method::DELETE,
                    &format!("/v1/tenants/{tenant}/secrets/{name}"),
                    Vec::new(),
                )
                .await?;
            remote.print(&answer, |_| format!("secret {name} of {tenant} deleted"));
        }
    }
    Ok(())
}

/// `isogate tokens …`.
pub async fn tokens(remote: &Remote, command: TokensCommand) -> anyhow::Result<()> {
    match command {
        TokensCommand::Create { name, tenant } => {
            let body = json!({ "name": name }).to_string().into_bytes();
            let created = remote
                .ok(
                    http::Method::POST,
                    &format!("/v1/tenants/{tenant}/tokens"),
                    body,
                )
                .await?;
            remote.print(&created, |created| {
                format!(
                    "{}\n(token {name} of {tenant}; it is not shown again)",
                    created["token"].as_str().unwrap_or("")
                )
            });
        }
        TokensCommand::List { tenant } => {
            let listed = remote
                .ok(
                    http::Method::GET,
                    &format!("/v1/tenants/{tenant}/tokens"),
                    Vec::new(),
                )
                .await?;
            remote.print(&listed, |listed| names(&listed["tokens"]));
        }
        TokensCommand::Delete { name, tenant } => {
            let answer = remote
                .ok(
                    http::Method::DELETE,
                    &format!("/v1/tenants/{tenant}/tokens/{name}"),
                    Vec::new(),
                )
                .await?;
            remote.print(&answer, |_| format!("token {name} of {tenant} revoked"));
        }
    }
    Ok(())
}

/// A JSON list of names, one per line.
fn names(list: &Value) -> String {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}
