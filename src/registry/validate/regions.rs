//! Region checks: ids, state codes, time zones, municipalities and emergency numbers.

use toml::Spanned;

use super::super::load::RawRegion;
use super::super::model::{EmergencyNumber, Region};
use super::Checker;

impl Checker {
    pub(super) fn region(&mut self, si: usize, raw: &RawRegion) {
        let id = raw.id.get_ref().clone();
        self.check_slug(si, &raw.id, "región");
        self.check_name(si, &raw.name, "la región");
        let here = self.loc(si, &raw.id);
        let duplicate = self.region_locs.get(&id).map(|(_, first)| *first);
        if let Some(first) = duplicate {
            let at = self.describe(si, first);
            self.error(
                si,
                &raw.id,
                format!("región «{id}» duplicada (ya definida en {at})"),
            );
        }
        let state = raw.state.get_ref();
        if !(2..=4).contains(&state.len()) || !state.bytes().all(|b| b.is_ascii_uppercase()) {
            let msg = format!(
                "clave de estado «{state}» inválida: use de 2 a 4 letras mayúsculas (p. ej. SON)"
            );
            self.error(si, &raw.state, msg);
        }
        let time_zone = match raw.time_zone.get_ref().parse::<chrono_tz::Tz>() {
            Ok(tz) => tz,
            Err(_) => {
                let msg = format!(
                    "zona horaria «{}» desconocida: use un nombre IANA como America/Hermosillo",
                    raw.time_zone.get_ref()
                );
                self.error(si, &raw.time_zone, msg);
                chrono_tz::Tz::UTC
            }
        };
        let municipalities = self.municipalities(si, &id, state, &raw.municipalities);
        let mut emergency_numbers = Vec::new();
        for n in &raw.emergency_numbers {
            let number = n.number.get_ref();
            if !(3..=15).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
                let msg = format!(
                    "número de emergencia «{number}» inválido: use de 3 a 15 dígitos (p. ej. 911)"
                );
                self.error(si, &n.number, msg);
            }
            emergency_numbers.push(EmergencyNumber {
                label: n.label.clone(),
                number: number.clone(),
            });
        }
        let coordinators = raw
            .coordinator
            .iter()
            .map(|c| self.coordinator(si, &id, c))
            .collect();
        if duplicate.is_none() {
            self.region_locs
                .insert(id.clone(), (self.regions.len(), here));
            self.regions.push(Region {
                id,
                name: raw.name.get_ref().clone(),
                state: state.clone(),
                time_zone,
                municipalities,
                emergency_numbers,
                coordinators,
            });
        }
    }

    /// Municipality names are unique per state code: a multi-state registry may legitimately
    /// have e.g. Moctezuma in both Sonora and San Luis Potosí.
    fn municipalities(
        &mut self,
        si: usize,
        region: &str,
        state: &str,
        raw: &Spanned<Vec<Spanned<String>>>,
    ) -> Vec<String> {
        if raw.get_ref().is_empty() {
            self.error(si, raw, format!("la región «{region}» no tiene municipios"));
        }
        let mut out = Vec::new();
        for m in raw.get_ref() {
            let name = m.get_ref().trim().to_owned();
            if name.is_empty() {
                self.error(si, m, "nombre de municipio vacío".to_owned());
                continue;
            }
            let key = (state.to_owned(), name.clone());
            if let Some((owner, first)) = self.municipality_owner.get(&key).cloned() {
                let at = self.describe(si, first);
                let msg =
                    format!("el municipio «{name}» ya pertenece a la región «{owner}» ({at})");
                self.error(si, m, msg);
                continue;
            }
            let here = self.loc(si, m);
            self.municipality_owner
                .insert(key, (region.to_owned(), here));
            out.push(name);
        }
        out
    }
}
