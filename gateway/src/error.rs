//! `GatewayError`: every way a request can fail inside the gateway, and the one status map.

use http::StatusCode;
use isogate_runtime::LimitKind;
use isogate_runtime::RuntimeError;

use crate::routing::RouteConflict;

/// The one error type of `isogate-gateway`.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The request has no host to route by.
    #[error("the request names no host")]
    MissingHost,
    /// The request's host is not a host (or there are two).
    #[error("invalid host: {0}")]
    InvalidHost(&'static str),
    /// No tenant serves the requested host (plain HTTP).
    #[error("no tenant serves host {host}")]
    UnknownHost {
        /// The host asked for.
        host: String,
    },
    /// The host is not served on this connection: unknown over TLS, or another tenant's
    /// than the one the TLS handshake named.
    #[error("host {host} is not served on this connection")]
    Misdirected {
        /// The host asked for.
        host: String,
    },
    /// The tenant has no route for the path.
    #[error("no route for this path")]
    NoRoute,
    /// A route matches the path but not the method.
    #[error("method not allowed (allowed: {allow})")]
    MethodNotAllowed {
        /// The methods the route serves, for the `Allow` header.
        allow: String,
    },
    /// The request body is larger than the tenant allows.
    #[error("request body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The tenant's handler (or its module) failed; see the runtime error.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The handler answered with a status or header hyper cannot send.
    #[error("handler returned an invalid response: {0}")]
    InvalidResponse(#[source] http::Error),
    /// The configuration file is invalid.
    #[error("invalid configuration:\n{0}")]
    Config(#[from] crate::config::ConfigErrors),
    /// Two routes of a tenant overlap.
    #[error("tenant {tenant}: {conflict}")]
    Route {
        /// The tenant.
        tenant: String,
        /// The overlap.
        #[source]
        conflict: RouteConflict,
    },
    /// A tenant's secret could not be read.
    #[error("tenant {tenant}: {message}")]
    Secret {
        /// The tenant.
        tenant: String,
        /// Which secret and why (never its value).
        message: String,
    },
    /// A certificate or key file could not be used.
    #[error("{0}")]
    Certificate(String),
    /// A reload was rejected because a handler module it changed does not load.
    #[error("tenant {tenant}: handler {} does not load: {error}", entry.display())]
    Reload {
        /// The tenant.
        tenant: String,
        /// The module.
        entry: std::path::PathBuf,
        /// The load error.
        error: String,
    },
    /// rustls refused the TLS settings.
    #[error("TLS setup")]
    Tls(#[source] rustls::Error),
    /// The file watcher behind reloads failed.
    #[error("watching {path} for changes")]
    Watch {
        /// The folder being watched.
        path: String,
        /// The watcher's error.
        #[source]
        source: notify::Error,
    },
}

impl GatewayError {
    /// The single map from error to HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingHost | Self::InvalidHost(_) => StatusCode::BAD_REQUEST,
            Self::UnknownHost { .. } | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::Misdirected { .. } => StatusCode::MISDIRECTED_REQUEST,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Runtime(RuntimeError::LimitExceeded(breach)) => match breach.kind {
                LimitKind::Wall => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            },
            Self::Runtime(RuntimeError::WorkerCrashed(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Runtime(_)
            | Self::InvalidResponse(_)
            | Self::Config(_)
            | Self::Route { .. }
            | Self::Secret { .. }
            | Self::Certificate(_)
            | Self::Reload { .. }
            | Self::Tls(_)
            | Self::Watch { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The short, stable code sent in the `isogate-error` response header.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHost => "missing-host",
            Self::InvalidHost(_) => "invalid-host",
            Self::UnknownHost { .. } => "unknown-host",
            Self::Misdirected { .. } => "misdirected",
            Self::NoRoute => "no-route",
            Self::MethodNotAllowed { .. } => "method-not-allowed",
            Self::BodyTooLarge { .. } => "body-too-large",
            Self::Runtime(RuntimeError::LimitExceeded(breach)) => breach.kind.code(),
            Self::Runtime(RuntimeError::ModuleLoad { .. }) => "module-load",
            Self::Runtime(RuntimeError::NoHandler { .. }) => "no-handler",
            Self::Runtime(RuntimeError::HandlerFailed { .. }) => "handler-threw",
            Self::Runtime(RuntimeError::WorkerCrashed(_)) => "worker-crashed",
            Self::Runtime(_) => "internal",
            Self::InvalidResponse(_) => "invalid-response",
            Self::Config(_)
            | Self::Route { .. }
            | Self::Secret { .. }
            | Self::Certificate(_)
            | Self::Reload { .. }
            | Self::Tls(_)
            | Self::Watch { .. } => "internal",
        }
    }

    /// Whether the client caused it (logged at debug, not error).
    pub fn is_client_error(&self) -> bool {
        self.status().is_client_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_error_maps_handler_throw_to_500() {
        let error = GatewayError::from(RuntimeError::HandlerFailed {
            message: "Error: boom".into(),
            stack: String::new(),
        });
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error.code(), "handler-threw");
    }

    #[test]
    fn gateway_error_maps_limits_to_503_and_wall_to_504() {
        let breach = |kind| {
            GatewayError::from(RuntimeError::LimitExceeded(isogate_runtime::LimitBreach {
                kind,
                limit: 1,
                used: isogate_runtime::Measured::Cpu(std::time::Duration::from_millis(2)),
                cpu: std::time::Duration::ZERO,
                heap_used: 0,
            }))
        };
        assert_eq!(
            breach(LimitKind::Cpu).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(breach(LimitKind::Cpu).code(), "cpu-limit");
        assert_eq!(breach(LimitKind::Memory).code(), "memory-limit");
        assert_eq!(
            breach(LimitKind::Wall).status(),
            StatusCode::GATEWAY_TIMEOUT
        );
        assert_eq!(breach(LimitKind::Concurrency).code(), "concurrency-limit");
        assert_eq!(breach(LimitKind::Subrequest).code(), "subrequest-limit");
    }
}
