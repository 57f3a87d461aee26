//! Streaming CSV export that opens cleanly in Excel (es-MX).
//!
//! Excel needs the UTF-8 BOM to show accents, and CRLF line endings. Cells
//! are quoted per RFC 4180, and text that Excel would run as a formula gets
//! a leading apostrophe (CSV injection), since group names and colonias come
//! from outside.

use std::io::{self, BufWriter, Write};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::detail::{Columns, Value};
use super::summary::RequestRow;

/// Column headers of a single-region file (the CSV and the "Detalle" sheet share them).
pub fn detail_headers() -> Vec<&'static str> {
    Columns::default().headers()
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Local wall time as shown to coordinators, e.g. "2026-12-31 23:30".
pub fn local_time_text(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// Whole minutes, rounded down; Excel users sum these.
pub fn whole_minutes(secs: Option<i64>) -> Option<i64> {
    secs.map(|s| s.div_euclid(60))
}

/// Writes rows one at a time; nothing is buffered beyond a `BufWriter`.
pub struct CsvExport<W: Write> {
    out: BufWriter<W>,
    tz: Tz,
    columns: Columns,
    rows: u64,
}

impl<W: Write> CsvExport<W> {
    /// Writes the BOM and the header row of a single-region file. Pass `&mut Vec<u8>` to
    /// collect the file in memory, or any `Write` to stream it.
    pub fn new(w: W, tz: Tz) -> io::Result<Self> {
        Self::with_columns(w, tz, Columns::default())
    }

    pub fn with_columns(w: W, tz: Tz, columns: Columns) -> io::Result<Self> {
        let mut out = BufWriter::new(w);
        out.write_all(BOM)?;
        write_record(&mut out, columns.headers().into_iter().map(Cell::Text))?;
        Ok(CsvExport {
            out,
            tz,
            columns,
            rows: 0,
        })
    }

    pub fn write_row(&mut self, r: &RequestRow) -> io::Result<()> {
        let cells: Vec<(Option<String>, Value<'_>)> = self
            .columns
            .cells(r)
            .into_iter()
            .map(|v| match v {
                Value::Time(t) => (Some(local_time_text(t, self.tz)), v),
                Value::Number(n) => (Some(n.to_string()), v),
                other => (None, other),
            })
            .collect();
        let record = cells.iter().map(|(own, v)| match (own, v) {
            (Some(s), _) => Cell::Raw(s),
            (None, Value::Text(t)) => Cell::Text(t),
            _ => Cell::Empty,
        });
        write_record(&mut self.out, record)?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes and returns the number of data rows written.
    pub fn finish(mut self) -> io::Result<u64> {
        self.out.flush()?;
        Ok(self.rows)
    }
}

/// Streams all `rows` and returns how many were written.
pub fn write_csv<'a, W: Write>(
    w: W,
    tz: Tz,
    rows: impl IntoIterator<Item = &'a RequestRow>,
) -> io::Result<u64> {
    let mut csv = CsvExport::new(w, tz)?;
    for r in rows {
        csv.write_row(r)?;
    }
    csv.finish()
}

enum Cell<'a> {
    /// Untrusted text: guarded against formula injection, then quoted.
    Text(&'a str),
    /// Values this module produced (times, integers): written as is so
    /// Excel still parses them as numbers and dates.
    Raw(&'a str),
    Empty,
}

fn write_record<'a, W: Write>(
    out: &mut W,
    cells: impl Iterator<Item = Cell<'a>>,
) -> io::Result<()> {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        match cell {
            Cell::Text(s) => write_text(out, s)?,
            Cell::Raw(s) => out.write_all(s.as_bytes())?,
            Cell::Empty => {}
        }
    }
    out.write_all(b"\r\n")
}

fn write_text<W: Write>(out: &mut W, s: &str) -> io::Result<()> {
    let guard = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = s.contains([',', '"', '\r', '\n']);
    if quote {
        out.write_all(b"\"")?;
    }
    if guard {
        out.write_all(b"'")?;
    }
    if quote {
        out.write_all(s.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{row, this_week};
    use super::*;
    use chrono_tz::America::{Hermosillo, Mexico_City};

    fn export(rows: &[RequestRow], tz: Tz) -> (String, Vec<u8>) {
        let mut buf = Vec::new();
        let n = write_csv(&mut buf, tz, rows).unwrap();
        assert_eq!(n, rows.len() as u64);
        (String::from_utf8(buf[3..].to_vec()).unwrap(), buf)
    }

    #[test]
    fn bom_header_and_accents() {
        let (text, bytes) = export(&this_week(), Hermosillo);
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let header = text.split("\r\n").next().unwrap();
        assert_eq!(
            header,
            "Folio,Recibido,Acuse,Resuelto,Grupo,Tipo de grupo,Municipio,Colonia,\
             Categoría,Prioridad,Estado,Solicitud,Coordinador,Atendió,Tiempo para acuse (min),\
             Tiempo para resolver (min),Reportes unidos"
        );
        assert!(text.contains(",Puerto Peñasco,Peñasco,Solicitud de plática / taller,"));
        assert_eq!(text.matches("\r\n").count(), 7);
        assert!(!text.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn local_times_minutes_and_labels() {
        let (text, _) = export(&this_week(), Hermosillo);
        let f1 = text
            .split("\r\n")
            .find(|l| l.starts_with("SON-0001"))
            .unwrap();
        // 15:00Z is 08:00 in Sonora; acknowledged after 10 min, resolved after 2 h.
        assert_eq!(
            f1,
            "SON-0001,2026-02-10 08:00,2026-02-10 08:10,2026-02-10 10:00,\
             Comité Villa Bonita,comité vecinal,Hermosillo,,Emergencia (911),Crítica,\
             Resuelto,,Lucía Ramírez,,10,120,2"
        );
        // The Sunday-night report, in Sonora time and in CDMX time.
        let f4 = |t: &str| {
            t.split("\r\n")
                .find(|l| l.starts_with("SON-0004"))
                .unwrap()
                .to_string()
        };
        assert!(f4(&text).starts_with("SON-0004,2026-02-15 23:30,,,"));
        let (cdmx, _) = export(&this_week(), Mexico_City);
        assert!(f4(&cdmx).starts_with("SON-0004,2026-02-16 00:30,,,"));
        assert!(f4(&text).ends_with(",Abierto,,,,,,0"));
    }

    #[test]
    fn quoting_and_formula_guard() {
        let mut r = row("A-1", "2026-02-10T15:00:00Z");
        r.group_name = "=HYPERLINK(\"http://x\",\"clic\")".into();
        r.colonia = Some("Línea 1\nLínea 2".into());
        r.coordinator = Some("@admin".into());
        r.group_kind = "-1+1".into();
        r.municipality = "Nogales, Son.".into();
        let (text, _) = export(&[r], Hermosillo);
        let body = text.split_once("\r\n").unwrap().1;
        assert!(body.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"clic\"\")\","));
        assert!(body.contains(",'-1+1,\"Nogales, Son.\",\"Línea 1\nLínea 2\","));
        assert!(body.contains(",'@admin,"));
        assert!(body.starts_with("A-1,2026-02-10 08:00,"));
    }

    #[test]
    fn request_text_handler_and_the_region_column() {
        let mut r = row("A-1", "2026-02-10T15:00:00Z");
        r.text = Some("=cmd| robo en la esquina, \"urgente\"".into());
        r.handler = Some("ana".into());
        let (one, _) = export(std::slice::from_ref(&r), Hermosillo);
        assert!(
            one.contains(",\"'=cmd| robo en la esquina, \"\"urgente\"\"\",,ana,"),
            "{one}"
        );
        let mut buf = Vec::new();
        let mut csv =
            CsvExport::with_columns(&mut buf, Hermosillo, Columns { region: true }).unwrap();
        csv.write_row(&r).unwrap();
        csv.finish().unwrap();
        let all = String::from_utf8(buf[3..].to_vec()).unwrap();
        assert!(all.starts_with("Folio,Región,Recibido,"));
        assert!(all.contains("\r\nA-1,Sonora,2026-02-10 08:00,"));
    }

    #[test]
    fn empty_export_is_just_the_header() {
        let mut buf = Vec::new();
        let n = CsvExport::new(&mut buf, Hermosillo)
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(n, 0);
        assert!(buf.ends_with(b"Reportes unidos\r\n"));
    }
}
