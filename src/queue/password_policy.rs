//! What a new password must be. Length alone let through «1234567890», «aaaaaaaaaa» and
//! «contraseña2024», which are the first guesses of any spraying script. The rules are the
//! ones NIST SP 800-63B asks for (length, a list of known-bad passwords, repetitive or
//! sequential characters, the account's own name) and nothing more: no composition rules,
//! which push people to «Contraseña1!».

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

pub const MIN_CHARS: usize = 10;

/// Passwords (and the words they are built on) that lists of leaked passwords put first,
/// in Spanish and English, plus the obvious words of this service. Compared after folding
/// case and accents and dropping digits and symbols, so «Contraseña2024!» is «contrasena».
const COMMON: &[&str] = &[
    "password",
    "passw",
    "pass",
    "contrasena",
    "contrasenas",
    "clave",
    "micontrasena",
    "miclave",
    "secreto",
    "qwerty",
    "qwertyuiop",
    "asdfgh",
    "asdfghjkl",
    "zxcvbnm",
    "abc",
    "abcd",
    "abcde",
    "admin",
    "administrador",
    "root",
    "usuario",
    "user",
    "login",
    "welcome",
    "bienvenido",
    "bienvenida",
    "iloveyou",
    "teamo",
    "teamomucho",
    "amor",
    "amormio",
    "princesa",
    "monkey",
    "dragon",
    "master",
    "football",
    "futbol",
    "america",
    "chivas",
    "pumas",
    "cruzazul",
    "tigres",
    "rayados",
    "mexico",
    "mexicano",
    "sonora",
    "hermosillo",
    "chihuahua",
    "queretaro",
    "sanluis",
    "alerta",
    "alertaciudadana",
    "seguridad",
    "policia",
    "emergencia",
    "operador",
    "coordinador",
    "supervisor",
    "sunshine",
    "letmein",
    "trustno",
    "shadow",
    "superman",
    "batman",
    "hola",
    "holamundo",
    "hello",
    "helloworld",
    "changeme",
    "cambiame",
    "temporal",
    "prueba",
    "test",
    "testing",
    "default",
];

/// `Ok` or the reason in Spanish, for the person choosing it.
pub fn check(name: &str, password: &str) -> Result<(), String> {
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < MIN_CHARS {
        return Err(format!(
            "la contraseña debe tener al menos {MIN_CHARS} caracteres"
        ));
    }
    let folded = fold(password);
    let letters: String = folded.chars().filter(|c| c.is_alphabetic()).collect();
    if COMMON.contains(&letters.as_str()) || letters.is_empty() && looks_patterned(&folded) {
        return Err("esa contraseña es de las más comunes; elija otra".into());
    }
    if looks_patterned(&folded) {
        return Err("la contraseña no puede ser una repetición o una secuencia".into());
    }
    let name = fold(name);
    if name.chars().count() >= 3 && folded.contains(&name) {
        return Err("la contraseña no puede contener el nombre de usuario".into());
    }
    Ok(())
}

/// Lower case, without accents.
fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Few distinct characters, one short unit repeated, or a run up or down the alphabet or
/// the digits (with the 0 after the 9, as on a keyboard).
fn looks_patterned(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return true;
    }
    let repeated = (1..=chars.len() / 2).any(|period| {
        chars
            .iter()
            .enumerate()
            .skip(period)
            .all(|(i, c)| *c == chars[i - period])
    });
    let step = |a: char, b: char| -> i64 {
        let key = |c: char| if c == '0' { 10 + '0' as i64 } else { c as i64 };
        key(b) - key(a)
    };
    let steps: Vec<i64> = chars.windows(2).map(|w| step(w[0], w[1])).collect();
    let sequential = steps.iter().all(|d| *d == 1) || steps.iter().all(|d| *d == -1);
    repeated || sequential
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_sprayers_try_first() {
        for weak in [
            "corta",
            "1234567890",
            "0987654321",
            "abcdefghijk",
            "aaaaaaaaaaaa",
            "abababababab",
            "abcabcabcabc",
            "Contraseña2024!",
            "password123",
            "Qwertyuiop",
            "12121212121212",
            "hermosillo2026",
            "ana.lopez.2026",
        ] {
            assert!(check("ana.lopez", weak).is_err(), "{weak:?} accepted");
        }
    }

    #[test]
    fn accepts_ordinary_passphrases() {
        for good in [
            "una-contraseña-larga",
            "caballo correcto batería grapa",
            "Tr3s tristes tigres",
            "mi perro se llama Canelo",
            "x9#kP2!mQz",
        ] {
            assert_eq!(check("ana.lopez", good), Ok(()), "{good:?}");
        }
    }

    #[test]
    fn the_reason_is_specific() {
        assert!(check("ana", "1234567890").unwrap_err().contains("comunes"));
        assert!(check("ana", "xyxyxyxyxyxy")
            .unwrap_err()
            .contains("repetición"));
        assert!(check("beto", "soy beto y ya")
            .unwrap_err()
            .contains("nombre"));
    }
}
