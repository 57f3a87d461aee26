//! Weekly request summaries for coordinators who live in Excel.
//!
//! Everything here works on plain [`RequestRow`] values, so the module has
//! no dependency on the store or the web layer: callers fetch rows for
//! `IsoWeek::bounds(tz)` (plus the 4 weeks before, for the change column)
//! and pick an output:
//!
//! - [`WeeklySummary::compute`]: the figures, `Serialize` for the web page.
//! - [`CsvExport`]: streaming CSV (UTF-8 BOM, CRLF, injection-safe).
//! - [`XlsxReport`] / [`write_xlsx`]: "Resumen" + "Detalle" workbook, the
//!   detail sheet streamed in constant-memory mode.
//! - [`category_weeks_svg`] / [`ack_times_svg`]: static SVG charts.
//!
//! Weeks are ISO weeks of the LOCAL date in the region's zone; text a
//! coordinator reads is Spanish.

pub mod charts;
pub mod colonia;
pub mod costs;
pub mod csv;
pub mod detail;
pub mod digest;
pub mod export;
pub mod page;
pub mod pending;
pub mod stats;
pub mod summary;
mod svg;
pub mod trend_notice;
pub mod trends;
pub mod week;
pub mod xlsx;
mod xlsx_summary;

#[cfg(test)]
mod test_support;

pub use self::charts::{ack_times_svg, category_color, category_weeks_svg, CHART_WEEKS};
pub use self::costs::{CostLine, MessageCosts};
pub use self::csv::{detail_headers, write_csv, CsvExport};
pub use self::detail::Columns;
pub use self::stats::{format_duration_es, AckHistogram, DurationStats, ACK_BUCKET_LABELS};
pub use self::summary::{
    series, CategoryChange, DeadlineStats, GroupCount, RequestRow, WeeklySeries, WeeklySummary,
    PREVIOUS_WEEKS,
};
pub use self::week::{weeks_in_year, IsoWeek, WeekParseError};
pub use self::xlsx::{write_xlsx, write_xlsx_file, XlsxError, XlsxReport};
pub use crate::vocab::labels::{category_es, priority_es, status_es, CATEGORY_ORDER};

use std::sync::Arc;

use crate::config::Config;
use crate::registry::SharedRegistry;
use crate::store::Store;

/// What exports, summaries and the digest read: the store, the registry (regions, their
/// zones and coordinators), the settings (deadlines, costs, the public URL), and the
/// sender's wake-up for the digest it queues. The web layer builds it from its state.
#[derive(Clone)]
pub struct Reports {
    pub store: Arc<Store>,
    pub registry: SharedRegistry,
    pub config: Arc<Config>,
    pub outbox_wakeup: Arc<tokio::sync::Notify>,
}
