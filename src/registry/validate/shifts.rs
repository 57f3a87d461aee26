//! Duty-roster checks: day names, `HH:MM` times and non-empty day lists, each reported at the
//! line of the offending value.

use chrono::NaiveTime;
use toml::Spanned;

use super::super::load::RawShift;
use super::super::shift::{parse_day, parse_time, Shift};
use super::Checker;

impl Checker {
    /// Validates a coordinator's `shifts`. A shift with any problem is dropped from the result;
    /// the registry is rejected anyway, so the partial roster is never used.
    pub(super) fn shifts(
        &mut self,
        si: usize,
        coordinator: &str,
        raw: Option<&Spanned<Vec<RawShift>>>,
    ) -> Vec<Shift> {
        let Some(raw) = raw else {
            return Vec::new();
        };
        if raw.get_ref().is_empty() {
            // An empty list could mean "never on duty" as well as "always": make it explicit.
            let msg = format!(
                "el coordinador «{coordinator}» tiene una lista de turnos vacía: \
                 omita `shifts` si está de guardia siempre"
            );
            self.error(si, raw, msg);
        }
        let shifts: Vec<Shift> = raw
            .get_ref()
            .iter()
            .filter_map(|shift| self.shift(si, shift))
            .collect();
        for (i, a) in shifts.iter().enumerate() {
            if let Some(b) = shifts[i + 1..].iter().find(|b| a.overlaps(b)) {
                let msg = format!(
                    "el coordinador «{coordinator}» tiene turnos que se enciman ({} y {}): \
                     una misma hora no puede estar en dos turnos",
                    a.label(),
                    b.label()
                );
                self.error(si, raw, msg);
                break;
            }
        }
        shifts
    }

    fn shift(&mut self, si: usize, raw: &RawShift) -> Option<Shift> {
        let mut days = Vec::new();
        let mut ok = true;
        if raw.days.get_ref().is_empty() {
            let msg = "turno sin días: indique al menos uno de lun, mar, mie, jue, vie, sab, dom"
                .to_owned();
            self.error(si, &raw.days, msg);
            ok = false;
        }
        for day in raw.days.get_ref() {
            match parse_day(day.get_ref()) {
                Some(d) if !days.contains(&d) => days.push(d),
                Some(_) => {}
                None => {
                    let msg = format!(
                        "día «{}» inválido: use lun, mar, mie, jue, vie, sab o dom",
                        day.get_ref()
                    );
                    self.error(si, day, msg);
                    ok = false;
                }
            }
        }
        let start = self.shift_time(si, &raw.start, false);
        let end = self.shift_time(si, &raw.end, true);
        match (start, end) {
            (Some(start), Some(end)) if ok => Some(Shift { days, start, end }),
            _ => None,
        }
    }

    fn shift_time(
        &mut self,
        si: usize,
        raw: &Spanned<toml::Value>,
        is_end: bool,
    ) -> Option<NaiveTime> {
        let parsed = match raw.get_ref() {
            toml::Value::String(s) => parse_time(s, is_end),
            // An unquoted TOML local time such as `07:00:00`.
            toml::Value::Datetime(dt) => match (dt.date, dt.offset, dt.time) {
                (None, None, Some(t)) if t.second == 0 && t.nanosecond == 0 => {
                    NaiveTime::from_hms_opt(u32::from(t.hour), u32::from(t.minute), 0)
                }
                _ => None,
            },
            _ => None,
        };
        if parsed.is_none() {
            let shown = match raw.get_ref() {
                toml::Value::String(s) => s.clone(),
                toml::Value::Datetime(dt) => dt.to_string(),
                other => other.to_string(),
            };
            let (what, range) = if is_end {
                ("fin", "00:00 y 24:00")
            } else {
                ("inicio", "00:00 y 23:59")
            };
            let msg = format!("hora de {what} «{shown}» inválida: use HH:MM entre {range}");
            self.error(si, raw, msg);
        }
        parsed
    }
}
