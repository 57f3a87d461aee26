//! Excel workbook export: a "Resumen" sheet and a streamed "Detalle" sheet.
//!
//! "Detalle" uses rust_xlsxwriter's constant-memory mode: each row goes to
//! a temp file as soon as it is written, so 100,000 requests never sit in
//! memory. The price is that rows must arrive in order, which a single
//! `add_row` cursor guarantees.

use std::borrow::Borrow;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};

pub use rust_xlsxwriter::XlsxError;

use super::detail::{Columns, Value};
use super::summary::{RequestRow, WeeklySummary};
use super::xlsx_summary::write_summary_sheet;

const SUMMARY_SHEET: &str = "Resumen";
const DETAIL_SHEET: &str = "Detalle";
/// Sheet index of "Detalle" (created right after "Resumen").
const DETAIL_INDEX: usize = 1;
/// Excel rejects longer strings; config text is never this long, but an
/// export must not fail on one bad row.
const MAX_CELL_CHARS: usize = 32_767;

/// A workbook being built: create it with the summary, stream rows with
/// [`XlsxReport::add_row`], then call one of the `finish_*` methods.
pub struct XlsxReport {
    workbook: Workbook,
    tz: Tz,
    columns: Columns,
    date: Format,
    next_row: u32,
}

impl XlsxReport {
    /// Writes "Resumen" and the "Detalle" header of a single-region file. `region` is the
    /// display name shown in the title.
    pub fn new(region: &str, tz: Tz, summary: &WeeklySummary) -> Result<Self, XlsxError> {
        Self::with_columns(region, tz, summary, Columns::default())
    }

    pub fn with_columns(
        region: &str,
        tz: Tz,
        summary: &WeeklySummary,
        columns: Columns,
    ) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(SUMMARY_SHEET)?;
        write_summary_sheet(sheet, region, tz, summary)?;

        let header = Format::new()
            .set_bold()
            .set_background_color("#DDEBF7")
            .set_align(FormatAlign::Center)
            .set_text_wrap();
        let detail = workbook.add_worksheet_with_constant_memory()?;
        detail.set_name(DETAIL_SHEET)?;
        for (col, width) in columns.widths().into_iter().enumerate() {
            detail.set_column_width(col as u16, width)?;
        }
        for (col, h) in columns.headers().iter().enumerate() {
            detail.write_string_with_format(0, col as u16, *h, &header)?;
        }
        detail.set_freeze_panes(1, 0)?;

        Ok(XlsxReport {
            workbook,
            tz,
            columns,
            date: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            next_row: 1,
        })
    }

    /// Number of detail rows written so far.
    pub fn rows(&self) -> u64 {
        u64::from(self.next_row - 1)
    }

    pub fn add_row(&mut self, r: &RequestRow) -> Result<(), XlsxError> {
        let (row, tz) = (self.next_row, self.tz);
        let ws = self.workbook.worksheet_from_index(DETAIL_INDEX)?;
        // Strings are written as strings, never formulas, so no injection
        // guard is needed here (unlike CSV).
        for (col, v) in self.columns.cells(r).into_iter().enumerate() {
            let col = col as u16;
            match v {
                Value::Text(s) => {
                    ws.write_string(row, col, fit(s))?;
                }
                Value::Time(t) => {
                    ws.write_datetime_with_format(row, col, excel_time(t, tz)?, &self.date)?;
                }
                Value::Number(n) => {
                    ws.write_number(row, col, n as f64)?;
                }
                Value::Empty => {}
            }
        }
        self.next_row += 1;
        Ok(())
    }

    /// Adds the autofilter (it needs the final row count) and saves.
    /// `W` needs no `Seek`, so an HTTP body buffer or a pipe works.
    pub fn finish_to_writer<W: Write + Send>(mut self, w: W) -> Result<u64, XlsxError> {
        let rows = self.rows();
        let last = self.next_row - 1;
        let ws = self.workbook.worksheet_from_index(DETAIL_INDEX)?;
        ws.autofilter(0, 0, last, (self.columns.headers().len() - 1) as u16)?;
        self.workbook.save_to_writer(w)?;
        Ok(rows)
    }

    pub fn finish_to_path(self, path: impl AsRef<Path>) -> Result<u64, XlsxError> {
        let file = std::fs::File::create(path)?;
        self.finish_to_writer(std::io::BufWriter::new(file))
    }

    /// The whole file in memory, for an HTTP download; returns (bytes, rows).
    pub fn finish_to_buffer(self) -> Result<(Vec<u8>, u64), XlsxError> {
        let mut buf = Vec::new();
        let rows = self.finish_to_writer(&mut buf)?;
        Ok((buf, rows))
    }
}

/// Builds the whole workbook from a row iterator; returns the detail row count.
pub fn write_xlsx<W, I>(
    w: W,
    region: &str,
    tz: Tz,
    summary: &WeeklySummary,
    rows: I,
) -> Result<u64, XlsxError>
where
    W: Write + Send,
    I: IntoIterator,
    I::Item: Borrow<RequestRow>,
{
    let mut report = XlsxReport::new(region, tz, summary)?;
    for r in rows {
        report.add_row(r.borrow())?;
    }
    report.finish_to_writer(w)
}

/// Same as [`write_xlsx`] into a file at `path`.
pub fn write_xlsx_file<I>(
    path: impl AsRef<Path>,
    region: &str,
    tz: Tz,
    summary: &WeeklySummary,
    rows: I,
) -> Result<u64, XlsxError>
where
    I: IntoIterator,
    I::Item: Borrow<RequestRow>,
{
    let mut report = XlsxReport::new(region, tz, summary)?;
    for r in rows {
        report.add_row(r.borrow())?;
    }
    report.finish_to_path(path)
}

/// Local wall time as an Excel date-time (Excel has no time zones).
pub(crate) fn excel_time(t: DateTime<Utc>, tz: Tz) -> Result<ExcelDateTime, XlsxError> {
    let l = t.with_timezone(&tz);
    let year = u16::try_from(l.year())
        .map_err(|_| XlsxError::ParameterError(format!("fecha fuera de rango para Excel: {l}")))?;
    ExcelDateTime::from_ymd(year, l.month() as u8, l.day() as u8)?.and_hms(
        l.hour() as u16,
        l.minute() as u8,
        l.second(),
    )
}

pub(crate) fn fit(s: &str) -> &str {
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests;
