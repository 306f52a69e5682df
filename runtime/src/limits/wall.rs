//! The wall-clock limit over a streamed response body: a request's deadline covers its whole
//! answer, not only the head. A body still streaming at the deadline is cut: the consumer
//! reads an error (the client sees a truncated body, never a clean end), the producer is
//! cancelled, and one log line says why.

use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::message::BodyError;

/// Chunks a body may be ahead of its consumer here, besides the slot kept for the error.
const AHEAD: usize = 1;

/// What a cut body's log line names.
pub(crate) struct Cut {
    /// The tenant (or file in dev mode).
    pub(crate) label: std::sync::Arc<str>,
    /// The request whose body this is.
    pub(crate) request_id: String,
    /// The wall-clock limit.
    pub(crate) wall: Duration,
    /// When the request began.
    pub(crate) started: Instant,
}

/// Relays `chunks` until they end or `cut.started + cut.wall` passes, whichever is first.
pub(crate) fn bound_body(
    mut chunks: mpsc::Receiver<Result<Bytes, BodyError>>,
    cut: Cut,
) -> mpsc::Receiver<Result<Bytes, BodyError>> {
    // One slot more than is ever filled with data, so the error always fits, even when the
    // consumer has stopped reading.
    let (sender, receiver) = mpsc::channel(AHEAD + 1);
    tokio::spawn(async move {
        let deadline = tokio::time::sleep_until(cut.started + cut.wall);
        tokio::pin!(deadline);
        let mut sent: u64 = 0;
        loop {
            let room = tokio::select! {
                biased;
                () = &mut deadline => break,
                room = sender.reserve_many(AHEAD + 1) => room,
            };
            let Ok(mut room) = room else { return };
            let item = tokio::select! {
                biased;
                () = &mut deadline => break,
                () = sender.closed() => return,
                item = chunks.recv() => item,
            };
            let Some(item) = item else { return };
            if let Ok(chunk) = &item {
                sent += chunk.len() as u64;
            }
            if let Some(permit) = room.next() {
                permit.send(item);
            }
        }
        drop(chunks);
        let elapsed = cut.started.elapsed();
        tracing::warn!(
            tenant = &*cut.label,
            request_id = cut.request_id,
            limit_ms = cut.wall.as_millis() as u64,
            elapsed_ms = elapsed.as_millis() as u64,
            sent_bytes = sent,
            "wall limit exceeded while streaming the response body: the body was cut"
        );
        let _ = sender.try_send(Err(format!(
            "wall limit {} ms exceeded while streaming the response body ({sent} bytes sent)",
            cut.wall.as_millis()
        )
        .into()));
    });
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(wall: Duration) -> Cut {
        Cut {
            label: "t".into(),
            request_id: "r".to_owned(),
            wall,
            started: Instant::now(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_ends_in_time_passes_through_whole() {
        let (sender, chunks) = mpsc::channel(4);
        let mut bounded = bound_body(chunks, cut(Duration::from_secs(5)));
        for part in ["a", "b"] {
            sender.send(Ok(Bytes::from(part))).await.unwrap();
        }
        drop(sender);
        let mut got = Vec::new();
        while let Some(item) = bounded.recv().await {
            got.push(item.unwrap());
        }
        assert_eq!(got, ["a", "b"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_past_the_deadline_ends_in_an_error_and_cancels_its_producer() {
        let (sender, chunks) = mpsc::channel(4);
        let mut bounded = bound_body(chunks, cut(Duration::from_secs(1)));
        sender.send(Ok(Bytes::from("first"))).await.unwrap();
        assert_eq!(bounded.recv().await.unwrap().unwrap(), "first");
        let error = bounded.recv().await.unwrap().unwrap_err();
        assert!(
            error.to_string().starts_with("wall limit 1000 ms exceeded"),
            "{error}"
        );
        assert!(bounded.recv().await.is_none());
        sender.closed().await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_consumer_that_stopped_reading_still_gets_the_error_after_what_it_holds() {
        let (sender, chunks) = mpsc::channel(64);
        let mut bounded = bound_body(chunks, cut(Duration::from_secs(1)));
        for _ in 0..64 {
            if sender.try_send(Ok(Bytes::from("x"))).is_err() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut data = 0;
        let error = loop {
            match bounded.recv().await.unwrap() {
                Ok(_) => data += 1,
                Err(error) => break error,
            }
        };
        assert!(data <= AHEAD, "{data} chunks held");
        assert!(error.to_string().contains("exceeded"), "{error}");
        sender.closed().await;
    }
}
