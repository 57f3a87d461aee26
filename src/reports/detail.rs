//! The columns of a request's detail line, defined once for the CSV and the "Detalle"
//! sheet so the two files cannot drift apart. Each cell says what it is (text, instant,
//! number); the writers decide how their format spells it.

use chrono::{DateTime, Utc};

use super::csv::whole_minutes;
use super::stats::{ack_secs, resolve_secs};
use super::summary::RequestRow;
use crate::vocab::labels::{category_es, priority_es, status_es};

/// Which optional columns a file carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Columns {
    /// "Región": files that cover more than one region need it to tell rows apart.
    pub region: bool,
}

/// (header, width in the XLSX) of every column, `None` marking the optional "Región".
const ALL: [(&str, f64, bool); 18] = [
    ("Folio", 14.0, false),
    ("Región", 20.0, true),
    ("Recibido", 17.0, false),
    ("Acuse", 17.0, false),
    ("Resuelto", 17.0, false),
    ("Grupo", 32.0, false),
    ("Tipo de grupo", 16.0, false),
    ("Municipio", 18.0, false),
    ("Colonia", 22.0, false),
    ("Categoría", 30.0, false),
    ("Prioridad", 11.0, false),
    ("Estado", 15.0, false),
    ("Solicitud", 60.0, false),
    ("Coordinador", 22.0, false),
    ("Atendió", 22.0, false),
    ("Tiempo para acuse (min)", 12.0, false),
    ("Tiempo para resolver (min)", 12.0, false),
    ("Reportes unidos", 10.0, false),
];

/// One cell of a detail line.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Text from outside (names, the citizen's words): written as text, never a formula.
    Text(&'a str),
    /// An instant, shown in the file's local time (a date in Excel).
    Time(DateTime<Utc>),
    /// A whole number (minutes, counts): a number Excel can sum.
    Number(i64),
    Empty,
}

impl Columns {
    fn shown(self) -> impl Iterator<Item = &'static (&'static str, f64, bool)> {
        ALL.iter()
            .filter(move |(_, _, optional)| !optional || self.region)
    }

    pub fn headers(self) -> Vec<&'static str> {
        self.shown().map(|c| c.0).collect()
    }

    pub fn widths(self) -> Vec<f64> {
        self.shown().map(|c| c.1).collect()
    }

    /// The row's cells in header order.
    pub fn cells(self, r: &RequestRow) -> Vec<Value<'_>> {
        fn text(s: Option<&str>) -> Value<'_> {
            s.map_or(Value::Empty, Value::Text)
        }
        let time = |t: Option<DateTime<Utc>>| t.map_or(Value::Empty, Value::Time);
        let minutes = |s: Option<i64>| whole_minutes(s).map_or(Value::Empty, Value::Number);
        let mut cells = vec![Value::Text(&r.folio)];
        if self.region {
            cells.push(Value::Text(&r.region_name));
        }
        cells.extend([
            Value::Time(r.received_at),
            time(r.acknowledged_at),
            time(r.resolved_at),
            Value::Text(&r.group_name),
            Value::Text(&r.group_kind),
            Value::Text(&r.municipality),
            text(r.colonia.as_deref()),
            Value::Text(category_es(&r.category)),
            Value::Text(priority_es(&r.priority)),
            Value::Text(status_es(&r.status)),
            text(r.text.as_deref()),
            text(r.coordinator.as_deref()),
            text(r.handler.as_deref()),
            minutes(ack_secs(r)),
            minutes(resolve_secs(r)),
            Value::Number(i64::from(r.merged_count)),
        ]);
        cells
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_column_only_when_asked() {
        let one = Columns::default();
        let all = Columns { region: true };
        assert_eq!(one.headers().len() + 1, all.headers().len());
        assert!(!one.headers().contains(&"Región"));
        assert_eq!(all.headers()[1], "Región");
        let r = crate::reports::test_support::row("A", "2026-02-10T15:00:00Z");
        assert_eq!(one.cells(&r).len(), one.headers().len());
        assert_eq!(all.cells(&r).len(), all.widths().len());
        assert_eq!(all.cells(&r)[1], Value::Text("Sonora"));
    }
}
