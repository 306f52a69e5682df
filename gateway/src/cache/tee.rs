//! Streamed responses that may be cached: each chunk goes to the client as it comes and is
//! kept aside; the whole body is stored once the stream ends cleanly, and only if it stayed
//! under the object size cap.

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
    Tee {
        chunks,
        kept: BytesMut::new(),
        limit,
        pending: Some((stored, commit)),
    }
    .boxed()
}

struct Tee {
    chunks: mpsc::Receiver<Result<Bytes, BodyError>>,
    kept: BytesMut,
    limit: u64,
    /// Until the end, or until the body turns out too large or broken.
    pending: Option<(Stored, Commit)>,
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
                    if (this.kept.len() + chunk.len()) as u64 > this.limit {
                        this.pending = None;
                        this.kept = BytesMut::new();
                    } else {
                        this.kept.extend_from_slice(&chunk);
                    }
                }
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(Some(Err(error))) => {
                this.pending = None;
                Poll::Ready(Some(Err(error)))
            }
            Poll::Ready(None) => {
                if let Some((mut stored, commit)) = this.pending.take() {
                    stored.body = std::mem::take(&mut this.kept).freeze();
                    commit(stored);
                }
                Poll::Ready(None)
            }
        }
    }
}
