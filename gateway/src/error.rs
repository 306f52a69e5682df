//! The gateway's two kinds of error: [`RequestError`], every way a request can fail, each
//! answered and logged as its one [`Descriptor`] says; and [`SetupError`], what stops a
//! start or a reload (never a request's answer).

use http::StatusCode;
use isogate_runtime::LimitKind;
use isogate_runtime::RuntimeError;
use tracing::Level;

use crate::routing::RouteConflict;

/// How a request error is answered and logged, decided in one place for each error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Descriptor {
    /// The response status.
    pub status: StatusCode,
    /// The short, stable code of the `isogate-error` response header.
    pub code: &'static str,
    /// How severe it is in the log: debug for the client's mistakes, warn for limit stops,
    /// error for failures of a handler or of isogate.
    pub level: Level,
    /// The body's text, safe for anyone to read (no stack, no file paths).
    pub public: String,
    /// Seconds a client should wait before trying again (`Retry-After`), when it may.
    pub retry_after: Option<u32>,
}

/// Every way a request can fail inside the gateway.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
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
    /// The tenant's handler (or its module, or the isolate it runs in) failed.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The handler answered with a status or header hyper cannot send.
    #[error("handler returned an invalid response: {0}")]
    InvalidResponse(#[source] http::Error),
}

impl RequestError {
    /// How it is answered and logged.
    pub fn describe(&self) -> Descriptor {
        let client = |status, code| Descriptor {
            status,
            code,
            level: Level::DEBUG,
            public: self.to_string(),
            retry_after: None,
        };
        match self {
            Self::MissingHost => client(StatusCode::BAD_REQUEST, "missing-host"),
            Self::InvalidHost(_) => client(StatusCode::BAD_REQUEST, "invalid-host"),
            Self::UnknownHost { .. } => client(StatusCode::NOT_FOUND, "unknown-host"),
            Self::Misdirected { .. } => client(StatusCode::MISDIRECTED_REQUEST, "misdirected"),
            Self::NoRoute => client(StatusCode::NOT_FOUND, "no-route"),
            Self::MethodNotAllowed { .. } => {
                client(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed")
            }
            Self::BodyTooLarge { .. } => client(StatusCode::PAYLOAD_TOO_LARGE, "body-too-large"),
            Self::Runtime(error) => runtime(error),
            Self::InvalidResponse(_) => failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "invalid-response",
                "handler returned an invalid response",
                None,
            ),
        }
    }
}

/// A failure of the handler or of isogate: logged as an error.
fn failure(
    status: StatusCode,
    code: &'static str,
    public: &str,
    retry_after: Option<u32>,
) -> Descriptor {
    Descriptor {
        status,
        code,
        level: Level::ERROR,
        public: public.to_owned(),
        retry_after,
    }
}

/// Each runtime error by name: an error the runtime adds is a compile error here until it
/// is given its answer.
fn runtime(error: &RuntimeError) -> Descriptor {
    const SERVER: StatusCode = StatusCode::INTERNAL_SERVER_ERROR;
    const UNAVAILABLE: StatusCode = StatusCode::SERVICE_UNAVAILABLE;
    match error {
        RuntimeError::ModuleLoad { .. } => {
            failure(SERVER, "module-load", "handler failed to load", None)
        }
        RuntimeError::NoHandler { .. } => {
            failure(SERVER, "no-handler", "handler failed to load", None)
        }
        RuntimeError::HandlerFailed { .. } => {
            failure(SERVER, "handler-threw", "handler threw an exception", None)
        }
        RuntimeError::LimitExceeded(breach) => Descriptor {
            status: match breach.kind {
                LimitKind::Wall => StatusCode::GATEWAY_TIMEOUT,
                _ => UNAVAILABLE,
            },
            code: breach.kind.code(),
            level: Level::WARN,
            public: breach.to_string(),
            retry_after: (breach.kind == LimitKind::Concurrency).then_some(1),
        },
        RuntimeError::WorkerCrashed(_) => failure(
            UNAVAILABLE,
            "worker-crashed",
            "the worker process running the handler ended",
            Some(1),
        ),
        RuntimeError::WorkerGone => failure(
            UNAVAILABLE,
            "worker-gone",
            "the handler's isolate stopped before answering",
            Some(1),
        ),
        RuntimeError::Bootstrap(_) => failure(
            SERVER,
            "isolate-start",
            "the handler's isolate did not start",
            None,
        ),
        RuntimeError::Spawn(_) => failure(
            UNAVAILABLE,
            "worker-start",
            "no worker could be started for the handler",
            Some(1),
        ),
    }
}

/// What stops `isogate serve` from starting, or a reload from being taken.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
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
    /// A geoip database could not be read.
    #[error("{0}")]
    Geo(String),
    /// A handler's workers could not be started.
    #[error("starting a handler's workers: {0}")]
    Workers(#[from] RuntimeError),
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
    /// A listener could not be bound.
    #[error("listening on {addr}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Handlers failed to load at a start that requires them ready.
    #[error("handlers failed to load (--require-ready):\n{0}")]
    NotReady(String),
    /// Worker processes were asked for without the command that starts one.
    #[error("[pool] isolation = \"process\" needs the command that starts a worker process")]
    NoWorkerCommand,
    /// The state store could not be opened or read.
    #[error("the store at {location}: {error}")]
    Store {
        /// Where the store is.
        location: String,
        /// What failed.
        #[source]
        error: isogate_store::StoreError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handler_throw_is_a_500_logged_as_an_error() {
        let error = RequestError::from(RuntimeError::HandlerFailed {
            message: "Error: boom".into(),
            stack: "Error: boom\n    at file:///app/handler.js:1:7".into(),
        });
        let described = error.describe();
        assert_eq!(described.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(described.code, "handler-threw");
        assert_eq!(described.level, Level::ERROR);
        assert!(!described.public.contains("handler.js"), "{described:?}");
    }

    #[test]
    fn limits_are_503_or_504_and_a_concurrency_refusal_says_when_to_retry() {
        let breach = |kind| {
            RequestError::from(RuntimeError::LimitExceeded(isogate_runtime::LimitBreach {
                kind,
                limit: 1,
                used: isogate_runtime::Measured::Cpu(std::time::Duration::from_millis(2)),
                cpu: std::time::Duration::ZERO,
                heap_used: 0,
            }))
            .describe()
        };
        assert_eq!(
            breach(LimitKind::Cpu).status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(breach(LimitKind::Cpu).code, "cpu-limit");
        assert_eq!(breach(LimitKind::Cpu).level, Level::WARN);
        assert_eq!(breach(LimitKind::Memory).code, "memory-limit");
        assert_eq!(breach(LimitKind::Wall).status, StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(breach(LimitKind::Concurrency).retry_after, Some(1));
        assert_eq!(breach(LimitKind::Cpu).retry_after, None);
        assert_eq!(breach(LimitKind::Subrequest).code, "subrequest-limit");
    }

    #[test]
    fn client_mistakes_are_logged_at_debug_and_say_what_was_wrong() {
        let described = RequestError::UnknownHost {
            host: "nobody.test".into(),
        }
        .describe();
        assert_eq!(described.status, StatusCode::NOT_FOUND);
        assert_eq!(described.level, Level::DEBUG);
        assert_eq!(described.public, "no tenant serves host nobody.test");
    }
}
