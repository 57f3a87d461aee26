//! The CSV download as a stream: one chunk per batch of rows, read from the database while
//! the previous chunk travels, so a 100,000-row week never sits in memory. A slow client
//! slows the reads (the channel is bounded) instead of filling memory.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use futures_util::stream::{self, Stream};
use tokio::sync::mpsc;

use crate::access::Principal;
use crate::error::AppError;
use crate::reports::export::{record, request_rows, Batches, Format, Scope};
use crate::reports::CsvExport;
use crate::reports::Reports;

/// A `Write` whose bytes are taken out between batches.
#[derive(Clone, Default)]
struct Chunks(Arc<Mutex<Vec<u8>>>);

impl Chunks {
    fn take(&self) -> Bytes {
        Bytes::from(std::mem::take(
            &mut *self.0.lock().unwrap_or_else(|p| p.into_inner()),
        ))
    }
}

impl Write for Chunks {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

type Chunk = Result<Bytes, std::io::Error>;

/// Streams the week's CSV; the export is audited once the last row is out. An error in
/// the middle ends the body early, so the download fails visibly instead of looking whole.
pub fn csv(state: Reports, who: Principal, scope: Scope) -> impl Stream<Item = Chunk> {
    let (tx, rx) = mpsc::channel::<Chunk>(4);
    tokio::spawn(async move {
        if let Err(e) = produce(&state, &who, &scope, &tx).await {
            tracing::warn!(error = %e, "CSV export stopped");
            let _ = tx
                .send(Err(std::io::Error::other("la exportación falló")))
                .await;
        }
    });
    stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
}

async fn produce(
    state: &Reports,
    who: &Principal,
    scope: &Scope,
    tx: &mpsc::Sender<Chunk>,
) -> Result<(), AppError> {
    let chunks = Chunks::default();
    let mut csv = CsvExport::with_columns(chunks.clone(), scope.tz, scope.columns())
        .map_err(anyhow::Error::from)?;
    let (start, end) = scope.week.bounds(scope.tz);
    let mut batches = Batches::new(scope.query(state, who, start, end)?);
    while let Some(items) = batches.next(state).await? {
        for row in request_rows(state, &items).await? {
            csv.write_row(&row).map_err(anyhow::Error::from)?;
        }
        if tx.send(Ok(chunks.take())).await.is_err() {
            // The client went away: nothing was delivered, nothing to record.
            return Ok(());
        }
    }
    let rows = csv.finish().map_err(anyhow::Error::from)?;
    // Recorded before the last chunk goes out, so whoever has the whole file can also
    // find its audit entry.
    record(state, who, scope, Format::Csv, rows).await?;
    let _ = tx.send(Ok(chunks.take())).await;
    Ok(())
}
