//! `GatewayError`: every way a request can fail inside the gateway, and the one status map.

use http::StatusCode;
use isogate_runtime::RuntimeError;

/// The one error type of `isogate-gateway`.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The tenant's handler (or its module) failed; see the runtime error.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The handler answered with a status or header hyper cannot send.
    #[error("handler returned an invalid response: {0}")]
    InvalidResponse(#[source] http::Error),
    /// The file watcher behind dev-mode reloads failed.
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
        // Handler failures and isogate's own are both 500s until limits (503/504) and
        // routing (4xx) add their variants; the distinction lives in `code()`.
        match self {
            Self::Runtime(_) | Self::InvalidResponse(_) | Self::Watch { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The short, stable code sent in the `isogate-error` response header.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Runtime(RuntimeError::ModuleLoad { .. }) => "module-load",
            Self::Runtime(RuntimeError::NoHandler { .. }) => "no-handler",
            Self::Runtime(RuntimeError::HandlerFailed { .. }) => "handler-threw",
            Self::Runtime(_) => "internal",
            Self::InvalidResponse(_) => "invalid-response",
            Self::Watch { .. } => "internal",
        }
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
}
