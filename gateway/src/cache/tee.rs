//! Streamed responses that may be cached: each chunk goes to the client as it comes and is
//! kept aside; the whole body is stored once the stream ends cleanly, or once it has all of
//! its declared `Content-Length` (hyper stops reading a body there, so its end would never
//! be seen: a proxied `fetch` response is the common case), and only if it stayed under the
//! object size cap.

use std::pin::Pin;
use std::task::Context;
use std::task::Poll;

use bytes::Bytes;
use bytes::BytesMut;
use http_body_util::BodyExt;
use hyper::body::Body;
use hyper::body::Frame;
use isogate_runtime::BodyError;
use tokio::sync::mpsc;

use super::store::Stored;
use crate::http::response::GatewayBody;

/// Called with the complete response.
pub(super) type Commit = Box<dyn FnOnce(Stored) + Send + Sync>;

/// A body streaming `chunks` to the client that stores `stored`, with the body it saw,
/// through `commit` when the stream ends cleanly within `limit` bytes.
pub(super) fn store_when_complete(
    chunks: mpsc::Receiver<Result<Bytes, BodyError>>,
    stored: Stored,
    limit: u64,
    commit: Commit,
) -> GatewayBody {
    let declared = stored
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    Tee {
        chunks,
        kept: BytesMut::new(),
        limit,
        declared,
        pending: Some((stored, commit)),
    }
    .boxed()
}

struct Tee {
    chunks: mpsc::Receiver<Result<Bytes, BodyError>>,
    kept: BytesMut,
    limit: u64,
    /// The body's declared length: once that much has come, the body is complete.
    declared: Option<u64>,
    /// Until the end, or until the body turns out too large or broken.
    pending: Option<(Stored, Commit)>,
}

impl Tee {
    /// Stores what was kept as the whole body.
    fn commit(&mut self) {
        if let Some((mut stored, commit)) = self.pending.take() {
            stored.body = std::mem::take(&mut self.kept).freeze();
            commit(stored);
        }
    }
}

impl Body for Tee {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        match this.chunks.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                if this.pending.is_some() {
                    let kept = (this.kept.len() + chunk.len()) as u64;
                    if kept > this.limit || this.declared.is_some_and(|declared| kept > declared) {
                        this.pending = None;
                        this.kept = BytesMut::new();
                    } else {
                        this.kept.extend_from_slice(&chunk);
                        if this.declared == Some(kept) {
                            this.commit();
                        }
                    }
                }
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(Some(Err(error))) => {
                this.pending = None;
                Poll::Ready(Some(Err(error)))
            }
            Poll::Ready(None) => {
                // A body shorter than it declared is broken: not stored.
                if this
                    .declared
                    .is_none_or(|declared| declared == this.kept.len() as u64)
                {
                    this.commit();
                }
                Poll::Ready(None)
            }
        }
    }
}
