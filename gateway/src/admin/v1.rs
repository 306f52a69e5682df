//! `/v1`: tenants, code versions and deployments over HTTP, as JSON (errors are
//! `{ "error": { "code", "message" } }`, the message naming the field or file at fault).
//! Every request needs `Authorization: Bearer <token>`: the operator's `server.admin_token`
//! (everything), or a token of one tenant (that tenant's reads, versions, deployments and
//! secrets only).
//!
//! - `GET /v1/tenants`; `GET|PUT|DELETE /v1/tenants/{name}`
//! - `GET|POST /v1/tenants/{name}/versions` (a `.tar.gz` upload); `GET …/versions/{id}`
//! - `GET|POST /v1/tenants/{name}/deployments`
//! - `GET|POST /v1/tenants/{name}/tokens`; `DELETE …/tokens/{token}` (admin)
//! - `GET /v1/tenants/{name}/secrets`; `PUT|DELETE …/secrets/{KEY}` (values never returned)
//! - `GET /v1/openapi.json`: the OpenAPI document of all of it (`openapi.json`)

use bytes::Bytes;
use http::Method;
use http::Request;
use http::Response;
use http::StatusCode;
use http_body_util::BodyExt;
use http_body_util::Full;
use http_body_util::Limited;
use hyper::body::Incoming;
use serde_json::json;
use serde_json::Value;

use super::purge::same;
use super::throttle::UPLOADS;
use super::throttle::UPLOAD_EVERY;
use super::throttle::WRITES;
use super::throttle::WRITES_PER_SECOND;
use super::Admin;
use crate::deploy::records::State;
use crate::deploy::ApiError;
use crate::deploy::Caller;
use crate::deploy::Platform;

/// Largest JSON body accepted.
const MOST_JSON_BYTES: u64 = 1 << 20;

/// The OpenAPI document of `/v1`, served at `/v1/openapi.json` (no token needed).
const OPENAPI: &str = include_str!("openapi.json");

/// Serves one `/v1` request.
pub(super) async fn handle(request: Request<Incoming>, admin: &Admin) -> Response<Full<Bytes>> {
    if request.uri().path() == "/v1/openapi.json" && request.method() == Method::GET {
        let mut response = Response::new(Full::new(Bytes::from_static(OPENAPI.as_bytes())));
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        return response;
    }
    match answer(request, admin).await {
        Ok((status, body)) => json_response(status, &body),
        Err(error) => {
            let mut response = json_response(error.status, &error.body());
            if let Some(wait) = error.retry_after {
                response
                    .headers_mut()
                    .insert(http::header::RETRY_AFTER, http::HeaderValue::from(wait));
            }
            response
        }
    }
}

type Answer = Result<(StatusCode, Value), ApiError>;

async fn answer(request: Request<Incoming>, admin: &Admin) -> Answer {
    let Some(platform) = &admin.platform else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_store",
            "this gateway keeps no store",
        ));
    };
    let caller = authorize(&request, admin, platform)?;
    let by = caller.name();
    let path = request.uri().path().to_owned();
    let parts: Vec<&str> = path
        .trim_start_matches("/v1/")
        .split('/')
        .filter(|part| !part.is_empty())
        .collect();
    let method = request.method().clone();
    match parts.as_slice() {
        // The listing shows a tenant's token its own tenant only.
        ["tenants"] => {}
        ["tenants", name, ..] => {
            caller.may(name)?;
            let admin_only = matches!(
                (&method, &parts[2..]),
                (&Method::PUT | &Method::DELETE, [])
                    | (&Method::POST | &Method::DELETE, ["tokens", ..])
            );
            if admin_only {
                caller.admin_only()?;
            }
        }
        _ => caller.admin_only()?,
    }
    if caller != Caller::Admin && method != Method::GET && method != Method::HEAD {
        let upload = method == Method::POST && matches!(parts.as_slice(), [_, _, "versions"]);
        admin.throttle.admit(&by, upload).map_err(|wait| ApiError {
            retry_after: Some(wait),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                if upload {
                    format!(
                        "token {by} uploads faster than its limit ({UPLOADS} at once, then one every {} s); retry in {wait} s",
                        UPLOAD_EVERY.as_secs()
                    )
                } else {
                    format!(
                        "token {by} writes faster than its limit ({WRITES} at once, then {WRITES_PER_SECOND} a second); retry in {wait} s"
                    )
                },
            )
        })?;
    }
    match (method.clone(), parts.as_slice()) {
        (Method::GET, ["tenants"]) => Ok((StatusCode::OK, list_tenants(platform, &caller))),
        (Method::GET, ["tenants", name]) => get_tenant(platform, name),
        (Method::PUT, ["tenants", name]) => {
            let name = (*name).to_owned();
            let body = read(request, MOST_JSON_BYTES).await?;
            let (created, warnings) = platform.put_tenant(&name, &body).await?;
            let (_, mut view) = get_tenant(platform, &name)?;
            view["warnings"] = json!(warnings);
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, view))
        }
        (Method::DELETE, ["tenants", name]) => {
            platform.delete_tenant(name).await?;
            Ok((StatusCode::OK, json!({ "deleted": name })))
        }
        (Method::GET, ["tenants", name, "versions"]) => {
            let state = platform.state();
            known(&state, name)?;
            let versions: Vec<Value> = state
                .versions
                .get(*name)
                .into_iter()
                .flat_map(|versions| versions.values().rev())
                .map(|version| json!(version))
                .collect();
            Ok((StatusCode::OK, json!({ "versions": versions })))
        }
        (Method::GET, ["tenants", name, "versions", id]) => {
            let state = platform.state();
            known(&state, name)?;
            let version = id
                .parse()
                .ok()
                .and_then(|id| state.version(name, id))
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::NOT_FOUND,
                        "not_found",
                        format!("tenant {name:?} has no version {id:?}"),
                    )
                })?;
            Ok((StatusCode::OK, json!(version)))
        }
        (Method::POST, ["tenants", name, "versions"]) => {
            let name = (*name).to_owned();
            known(&platform.state(), &name)?;
            let cap = platform.upload_cap(&name);
            let upload = read(request, cap).await?;
            let version = platform
                .create_version(&name, &upload, &by, &admin.pool)
                .await?;
            Ok((StatusCode::CREATED, json!(version)))
        }
        (Method::GET, ["tenants", name, "deployments"]) => {
            let state = platform.state();
            known(&state, name)?;
            let deployments: Vec<Value> = state
                .deployments
                .get(*name)
                .into_iter()
                .flat_map(|deployments| deployments.values().rev())
                .map(|deployment| json!(deployment))
                .collect();
            Ok((StatusCode::OK, json!({ "deployments": deployments })))
        }
        (Method::POST, ["tenants", name, "deployments"]) => {
            let name = (*name).to_owned();
            let body = read(request, MOST_JSON_BYTES).await?;
            let (deployment, served) = platform.deploy(&name, &body, &by).await?;
            let mut view = json!(deployment);
            view["served"] = json!(served);
            Ok((StatusCode::CREATED, view))
        }
        (Method::POST, ["tenants", name, "tokens"]) => {
            let name = (*name).to_owned();
            let body = read(request, MOST_JSON_BYTES).await?;
            let asked: Value = serde_json::from_slice(&body).map_err(|error| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    format!("the body is not JSON: {error}"),
                )
            })?;
            let Some(token_name) = asked["name"].as_str() else {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    "name: a token needs a name",
                ));
            };
            let token = platform.create_token(&name, token_name, &by).await?;
            Ok((
                StatusCode::CREATED,
                json!({ "tenant": name, "name": token_name, "token": token }),
            ))
        }
        (Method::GET, ["tenants", name, "tokens" | "secrets"]) => {
            let state = platform.state();
            known(&state, name)?;
            let names: Vec<&String> = if parts[2] == "tokens" {
                state
                    .tokens
                    .get(*name)
                    .into_iter()
                    .flat_map(|tokens| tokens.keys())
                    .collect()
            } else {
                state
                    .secrets
                    .get(*name)
                    .into_iter()
                    .flat_map(|secrets| secrets.keys())
                    .collect()
            };
            Ok((StatusCode::OK, json!({ parts[2]: names })))
        }
        (Method::DELETE, ["tenants", name, "tokens", token]) => {
            platform.delete_token(name, token).await?;
            Ok((StatusCode::OK, json!({ "deleted": token })))
        }
        (Method::PUT, ["tenants", name, "secrets", key]) => {
            let (name, key) = ((*name).to_owned(), (*key).to_owned());
            let body = read(request, MOST_JSON_BYTES).await?;
            platform.put_secret(&name, &key, &body).await?;
            Ok((StatusCode::OK, json!({ "secret": key })))
        }
        (Method::DELETE, ["tenants", name, "secrets", key]) => {
            platform.delete_secret(name, key).await?;
            Ok((StatusCode::OK, json!({ "deleted": key })))
        }
        (
            _,
            ["tenants"]
            | ["tenants", _]
            | ["tenants", _, "versions" | "deployments" | "tokens" | "secrets"]
            | ["tenants", _, "tokens" | "secrets", _],
        ) => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{method} is not a method of {path}"),
        )),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no endpoint {path}"),
        )),
    }
}

/// Checks the bearer token; who presented it.
fn authorize(
    request: &Request<Incoming>,
    admin: &Admin,
    platform: &Platform,
) -> Result<Caller, ApiError> {
    let Some(token) = &admin.token else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the API is disabled: set server.admin_token",
        ));
    };
    let presented = super::bearer(request);
    if same(presented.as_bytes(), token.as_bytes()) {
        Ok(Caller::Admin)
    } else if let Some(caller) = platform.tenant_caller(presented) {
        Ok(caller)
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token (Authorization: Bearer <token>)",
        ))
    }
}

/// Reads the body, at most `most` bytes.
async fn read(request: Request<Incoming>, most: u64) -> Result<Bytes, ApiError> {
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than {most} bytes"),
        )
    };
    if declared.is_some_and(|length| length > most) {
        return Err(too_large());
    }
    let limit = usize::try_from(most).unwrap_or(usize::MAX);
    match Limited::new(request.into_body(), limit).collect().await {
        Ok(body) => Ok(body.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(error) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_body",
            format!("reading the body: {error}"),
        )),
    }
}

/// 404 unless the store has tenant `name`.
fn known(state: &State, name: &str) -> Result<(), ApiError> {
    if state.tenants.contains_key(name) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no tenant {name:?}"),
        ))
    }
}

/// Every tenant: the API's, then the config file's; for a tenant's token, its own.
fn list_tenants(platform: &Platform, caller: &Caller) -> Value {
    let state = platform.state();
    let mut tenants: Vec<Value> = state
        .tenants
        .keys()
        .filter(|name| caller.may(name).is_ok())
        .map(|name| tenant_view(&state, name))
        .collect();
    if *caller != Caller::Admin {
        return json!({ "tenants": tenants });
    }
    let (file, listed) = platform.file_tenant_list();
    tenants.extend(listed.into_iter().map(
        |(name, hosts)| json!({ "name": name, "source": "config", "file": file, "hosts": hosts }),
    ));
    json!({ "tenants": tenants })
}

fn get_tenant(platform: &Platform, name: &str) -> Answer {
    let state = platform.state();
    if state.tenants.contains_key(name) {
        return Ok((StatusCode::OK, tenant_view(&state, name)));
    }
    let (file, listed) = platform.file_tenant_list();
    if let Some((name, hosts)) = listed.into_iter().find(|(listed, _)| listed == name) {
        return Ok((
            StatusCode::OK,
            json!({ "name": name, "source": "config", "file": file, "hosts": hosts }),
        ));
    }
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no tenant {name:?}"),
    ))
}

/// A tenant of the API: its spec, with its name and live deployment.
fn tenant_view(state: &State, name: &str) -> Value {
    let mut view = state
        .tenants
        .get(name)
        .map_or_else(|| json!({}), |spec| json!(spec));
    view["name"] = json!(name);
    view["source"] = json!("api");
    view["deployment"] = json!(state.live(name));
    view
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{body}\n"))));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
