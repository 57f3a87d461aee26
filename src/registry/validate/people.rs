//! Checks on people: coordinators and members, their phones, BSUIDs and uniqueness.

use toml::Spanned;

use super::super::load::{RawCoordinator, RawMember};
use super::super::model::{Coordinator, CoordinatorRole, Member};
use super::super::phone::Phone;
use super::Checker;

impl Checker {
    pub(super) fn coordinator(
        &mut self,
        si: usize,
        region: &str,
        raw: &RawCoordinator,
    ) -> Coordinator {
        let id = raw.id.get_ref().clone();
        self.check_slug(si, &raw.id, "coordinador");
        self.check_name(si, &raw.name, "coordinador");
        match self.coordinator_ids.get(&id).copied() {
            Some(first) => {
                let at = self.describe(si, first);
                self.error(
                    si,
                    &raw.id,
                    format!("coordinador «{id}» duplicado (ya definido en {at})"),
                );
            }
            None => {
                let here = self.loc(si, &raw.id);
                self.coordinator_ids.insert(id.clone(), here);
            }
        }
        let who = format!("el coordinador {id} de la región {region}");
        let (phone, bsuid) =
            self.contact(si, &raw.name, raw.phone.as_ref(), raw.bsuid.as_ref(), &who);
        if raw.roles.get_ref().is_empty() {
            let msg = format!("el coordinador «{id}» no tiene roles (patrol, prevention, duty, backup, supervisor)");
            self.error(si, &raw.roles, msg);
        }
        let mut roles: Vec<CoordinatorRole> = Vec::new();
        for role in raw.roles.get_ref() {
            if !roles.contains(role) {
                roles.push(*role);
            }
        }
        let shifts = self.shifts(si, &id, raw.shifts.as_ref());
        Coordinator {
            id,
            name: raw.name.get_ref().clone(),
            phone,
            bsuid,
            roles,
            shifts,
        }
    }

    /// Validates a person's phone and BSUID and claims them in the registry-wide identity map.
    fn contact(
        &mut self,
        si: usize,
        name: &Spanned<String>,
        phone: Option<&Spanned<String>>,
        bsuid: Option<&Spanned<String>>,
        who: &str,
    ) -> (Option<Phone>, Option<String>) {
        if phone.is_none() && bsuid.is_none() {
            let msg = format!(
                "«{}» no tiene teléfono ni BSUID: se necesita al menos uno",
                name.get_ref()
            );
            self.error(si, name, msg);
        }
        let mut parsed_phone = None;
        if let Some(raw) = phone {
            match Phone::parse(raw.get_ref()) {
                Ok(p) => {
                    let here = self.loc(si, raw);
                    if let Some((first, owner)) = self.identities.claim_phone(&p, here, who) {
                        let at = self.describe(si, first);
                        self.error(
                            si,
                            raw,
                            format!("teléfono duplicado: ya registrado para {owner} ({at})"),
                        );
                    }
                    parsed_phone = Some(p);
                }
                Err(e) => self.error(si, raw, format!("teléfono inválido: {e}")),
            }
        }
        let mut parsed_bsuid = None;
        if let Some(raw) = bsuid {
            let v = raw.get_ref();
            let ok = !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !ok {
                self.error(
                    si,
                    raw,
                    "BSUID inválido: use solo letras, dígitos, «.», «_» y «-»".to_owned(),
                );
            } else {
                let here = self.loc(si, raw);
                if let Some((first, owner)) = self.identities.claim_bsuid(v, here, who) {
                    let at = self.describe(si, first);
                    self.error(
                        si,
                        raw,
                        format!("BSUID duplicado: ya registrado para {owner} ({at})"),
                    );
                }
                parsed_bsuid = Some(v.clone());
            }
        }
        (parsed_phone, parsed_bsuid)
    }

    pub(super) fn member(&mut self, si: usize, group: &str, raw: &RawMember) -> Member {
        self.check_name(si, &raw.name, "integrante");
        let who = format!("«{}» del grupo {group}", raw.name.get_ref());
        let (phone, bsuid) =
            self.contact(si, &raw.name, raw.phone.as_ref(), raw.bsuid.as_ref(), &who);
        Member {
            name: raw.name.get_ref().clone(),
            phone,
            bsuid,
            role: raw.role,
        }
    }
}
