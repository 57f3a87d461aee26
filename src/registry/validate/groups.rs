//! Group checks: ids, region and municipality references, colonias and Cloud API ids.

use toml::Spanned;

use super::super::load::RawGroup;
use super::super::model::Group;
use super::Checker;

impl Checker {
    pub(super) fn group(&mut self, si: usize, raw: &RawGroup, complete: bool) {
        let id = raw.id.get_ref().clone();
        self.check_slug(si, &raw.id, "grupo");
        self.check_name(si, &raw.name, "el grupo");
        let duplicate = self.group_ids.get(&id).copied();
        match duplicate {
            Some(first) => {
                let at = self.describe(si, first);
                self.error(
                    si,
                    &raw.id,
                    format!("grupo «{id}» duplicado (ya definido en {at})"),
                );
            }
            None => {
                let here = self.loc(si, &raw.id);
                self.group_ids.insert(id.clone(), here);
            }
        }
        let region_id = raw.region.get_ref();
        let municipality = raw.municipality.get_ref();
        match self.region_locs.get(region_id) {
            Some(&(idx, _)) => {
                let region = &self.regions[idx];
                if !region.has_municipality(municipality) {
                    let msg = format!(
                        "el municipio «{municipality}» no pertenece a la región «{region_id}» ({})",
                        region.municipalities.join(", ")
                    );
                    self.error(si, &raw.municipality, msg);
                }
            }
            None if complete => {
                self.error(si, &raw.region, format!("región «{region_id}» desconocida"));
            }
            None => {}
        }
        if raw.colonias.get_ref().is_empty() {
            self.error(
                si,
                &raw.colonias,
                format!("el grupo «{id}» no tiene colonias"),
            );
        }
        for colonia in raw.colonias.get_ref() {
            if colonia.get_ref().trim().is_empty() {
                self.error(si, colonia, "nombre de colonia vacío".to_owned());
            }
        }
        let cloud_group_id = raw.group_id.as_ref().map(|g| self.cloud_id(si, &id, g));
        if raw.member.is_empty() {
            let msg =
                format!("el grupo «{id}» no tiene integrantes: registre al menos a su enlace");
            self.error(si, &raw.id, msg);
        }
        let members = raw.member.iter().map(|m| self.member(si, &id, m)).collect();
        if duplicate.is_none() {
            self.groups.push(Group {
                id,
                name: raw.name.get_ref().clone(),
                kind: raw.kind,
                region: region_id.clone(),
                municipality: municipality.clone(),
                colonias: raw
                    .colonias
                    .get_ref()
                    .iter()
                    .map(|c| c.get_ref().trim().to_owned())
                    .collect(),
                cloud_group_id,
                members,
            });
        }
    }

    fn cloud_id(&mut self, si: usize, group: &str, raw: &Spanned<String>) -> String {
        let v = raw.get_ref().trim().to_owned();
        if v.is_empty() || v.chars().any(char::is_whitespace) {
            self.error(
                si,
                raw,
                "group_id de Cloud API inválido: no puede estar vacío ni tener espacios".to_owned(),
            );
        } else if let Some((owner, first)) = self.cloud_ids.get(&v).cloned() {
            let at = self.describe(si, first);
            self.error(
                si,
                raw,
                format!("group_id de Cloud API duplicado: ya lo usa el grupo «{owner}» ({at})"),
            );
        } else {
            let here = self.loc(si, raw);
            self.cloud_ids.insert(v.clone(), (group.to_owned(), here));
        }
        v
    }
}
