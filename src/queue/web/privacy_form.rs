//! The admins' access and erasure requests as web forms: which person (phone number or
//! BSUID) and, for an erasure, the reason and an explicit confirmation. What is missing is
//! said in Spanish before anything runs; `arco` does the work and writes the audit.

use serde::Deserialize;

use crate::privacy::arco::Subject;

/// The file name of an access request's download.
pub const EXPORT_FILENAME: &str = "datos-personales.json";

/// The fields both forms may send; which ones matter depends on the form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PrivacyForm {
    pub csrf: Option<String>,
    pub phone: Option<String>,
    pub bsuid: Option<String>,
    /// "Motivo": the legal ground, kept in the audit trail.
    pub reason: Option<String>,
    /// The checkbox "Entiendo que no se puede deshacer": "1" when ticked.
    pub confirm: Option<String>,
}

/// An erasure the form asked for, checked.
pub struct Erasure {
    pub subject: Subject,
    pub reason: String,
}

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl PrivacyForm {
    /// The person the request is about; a phone number must have digits to mean anyone.
    pub fn subject(&self) -> Result<Subject, String> {
        let phone = clean(&self.phone);
        if phone
            .as_deref()
            .is_some_and(|p| !p.chars().any(|c| c.is_ascii_digit()))
        {
            return Err("El teléfono no tiene dígitos.".into());
        }
        let s = Subject {
            phone,
            bsuid: clean(&self.bsuid),
        };
        if s.phone.is_none() && s.bsuid.is_none() {
            return Err("Indique el teléfono o el BSUID de la persona.".into());
        }
        Ok(s)
    }

    /// An erasure needs the person, a reason and the ticked confirmation.
    pub fn erasure(&self) -> Result<Erasure, String> {
        let subject = self.subject()?;
        let reason =
            clean(&self.reason).ok_or_else(|| "Indique el motivo de la supresión.".to_owned())?;
        if self.confirm.as_deref() != Some("1") {
            return Err("Marque la casilla para confirmar la supresión.".into());
        }
        Ok(Erasure { subject, reason })
    }
}

/// What the page says after an erasure.
pub fn erased_message(n: u64) -> String {
    let what = if n == 1 {
        "1 mensaje suprimido".to_owned()
    } else {
        format!("{n} mensajes suprimidos")
    };
    format!("{what}; los reportes se conservan sin datos personales.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> PrivacyForm {
        serde_urlencoded::from_str(&serde_urlencoded::to_string(pairs).unwrap()).unwrap()
    }

    #[test]
    fn a_person_is_needed() {
        assert!(form(&[]).subject().is_err());
        assert!(form(&[("phone", " "), ("bsuid", "")]).subject().is_err());
        assert!(form(&[("phone", "sin número")]).subject().is_err());
        let s = form(&[("phone", " +52 662 100 0101 ")]).subject().unwrap();
        assert_eq!(s.phone.as_deref(), Some("+52 662 100 0101"));
        let s = form(&[("bsuid", "MX.1")]).subject().unwrap();
        assert_eq!((s.phone, s.bsuid.as_deref()), (None, Some("MX.1")));
    }

    #[test]
    fn erasure_needs_reason_and_confirmation() {
        let e = form(&[("phone", "5216621000101")]).erasure().err().unwrap();
        assert!(e.contains("motivo"), "{e}");
        let e = form(&[("phone", "5216621000101"), ("reason", "solicitud ARCO 12")])
            .erasure()
            .err()
            .unwrap();
        assert!(e.contains("confirmar"), "{e}");
        let ok = form(&[
            ("phone", "5216621000101"),
            ("reason", " solicitud ARCO 12 "),
            ("confirm", "1"),
        ])
        .erasure()
        .unwrap();
        assert_eq!(ok.reason, "solicitud ARCO 12");
    }

    #[test]
    fn messages() {
        assert_eq!(
            erased_message(3),
            "3 mensajes suprimidos; los reportes se conservan sin datos personales."
        );
        assert!(erased_message(1).starts_with("1 mensaje suprimido;"));
    }
}
