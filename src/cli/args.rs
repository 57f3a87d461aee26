//! What the command line accepts. The help is for the agency's operators and IT staff, so it
//! is in Spanish, with examples for every subcommand; `spanish()` also translates what clap
//! adds on its own (headings, `-h`, `-V`).

use std::path::PathBuf;

use clap::{Arg, ArgAction, Parser, Subcommand};

use super::{healthcheck, load};

/// alerta: clasificación de los reportes ciudadanos recibidos por WhatsApp.
#[derive(Parser)]
#[command(
    name = "alerta",
    version,
    after_help = "Ejemplos:\n  alerta serve\n  alerta check-config\n  alerta config dump\n  \
                  alerta users list\n  alerta <comando> --help"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Servidor HTTP (webhook, cola, API) y trabajos en segundo plano en un solo proceso.
    #[command(
        long_about = "Servidor HTTP (webhook, cola, API) y trabajos en segundo plano en un solo \
                      proceso. Aplica las migraciones al iniciar. /metrics se sirve aparte, en \
                      metrics.listen (127.0.0.1:9464 por defecto). Con SIGTERM deja de aceptar \
                      conexiones y termina lo que tiene en curso dentro de \
                      server.shutdown_grace_secs.",
        after_help = "Ejemplos:\n  alerta serve\n  \
                      ALERTA_BIND=0.0.0.0:8080 DATABASE_URL=postgres://alerta@db/alerta alerta serve\n  \
                      ALERTA_WORKERS=false alerta serve   # réplica que solo recibe webhooks"
    )]
    Serve,
    /// Aplica las migraciones de la base de datos y termina.
    #[command(after_help = "Ejemplo:\n  DATABASE_URL=postgres://alerta@db/alerta alerta migrate")]
    Migrate,
    /// Valida la configuración, el registro, las reglas de clasificación y los textos.
    #[command(
        long_about = "Valida la configuración, el registro, las reglas de clasificación y \
                      config/replies.toml. Muestra cada problema con archivo y línea; termina \
                      con código distinto de cero si hay alguno.",
        after_help = "Ejemplos:\n  alerta check-config\n  \
                      ALERTA_REGISTRY_DIR=fixtures/registry/slp alerta check-config"
    )]
    CheckConfig,
    /// Operaciones sobre la configuración.
    #[command(after_help = "Ejemplo:\n  alerta config dump > efectiva.toml")]
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Termina con 0 si el servicio en marcha responde "ready" en /readyz (HEALTHCHECK, systemd).
    #[command(after_help = "Ejemplos:\n  alerta healthcheck\n  \
                            alerta healthcheck --url http://127.0.0.1:8080 --timeout 3\n  \
                            alerta healthcheck --wait 60   # espera hasta 60 s a que esté listo")]
    Healthcheck(healthcheck::HealthcheckArgs),
    /// Copia consistente de la base SQLite en uso (con PostgreSQL: use pg_dump).
    #[command(
        long_about = "Escribe una copia consistente de la base SQLite mientras `alerta serve` \
                      sigue recibiendo. Los archivos multimedia no van en la copia: respalde \
                      también el directorio que indica (media.dir). Con PostgreSQL indica usar \
                      pg_dump y termina con 1.",
        after_help = "Ejemplo:\n  alerta backup --out /var/backups/alerta-$(date +%F).db"
    )]
    Backup {
        /// Archivo de la copia; no debe existir.
        #[arg(long)]
        out: PathBuf,
    },
    /// Operaciones sobre el registro de grupos.
    #[command(after_help = "Ejemplo:\n  alerta registry dump | jq '.groups | length'")]
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Envía webhooks de ejemplo firmados a un servidor en marcha.
    #[command(after_help = "Ejemplos:\n  alerta simulate\n  \
                            alerta simulate --url http://127.0.0.1:8080 fixtures/whatsapp/demo/01-text.json")]
    Simulate {
        /// URL base del servidor.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Cuerpos de webhook a enviar; sin archivos, una conversación de demostración.
        files: Vec<PathBuf>,
    },
    /// Carga de webhooks firmados; comprueba que cada mensaje aceptado quedó guardado.
    #[command(
        after_help = "Ejemplos:\n  alerta loadgen --requests 20000 --concurrency 64\n  \
                            alerta loadgen --rate 500 --max-batch 4 --no-verify"
    )]
    Loadgen(load::LoadArgs),
    /// Clasifica la entrada estándar, un mensaje por línea (texto o JSON con "text").
    #[command(after_help = "Ejemplo:\n  echo 'hay un incendio en la escuela' | alerta classify")]
    Classify,
    /// Herramientas de clasificación.
    #[command(after_help = "Ejemplo:\n  alerta triage eval fixtures/triage/test/*.jsonl")]
    Triage {
        #[command(subcommand)]
        command: TriageCommand,
    },
    /// Incidentes: reportes del mismo hecho agrupados.
    #[command(after_help = "Ejemplo:\n  alerta incidents eval fixtures/incidents/bursts.jsonl")]
    Incidents {
        #[command(subcommand)]
        command: IncidentsCommand,
    },
    /// Exportaciones para coordinadores.
    #[command(
        after_help = "Ejemplo:\n  alerta export weekly --week 2026-W47 --format xlsx --out semana.xlsx"
    )]
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Solicitudes de acceso y cancelación (ARCO) de una persona.
    #[command(
        after_help = "Ejemplos:\n  alerta privacy export --phone 5216621000101\n  \
                            alerta privacy erase --phone 5216621000101 --reason 'ARCO-2026-014'"
    )]
    Privacy {
        #[command(subcommand)]
        command: PrivacyCommand,
    },
    /// Cuentas de la aplicación web y de la API.
    #[command(after_help = "Ejemplos:\n  alerta users list\n  \
                            alerta users add ana --role admin --password-stdin")]
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Muestra la configuración efectiva como TOML, con los secretos ocultos.
    #[command(
        long_about = "Muestra la configuración efectiva como TOML: config/alerta.toml, el \
                      archivo de ALERTA_CONFIG y las variables de entorno (las específicas y \
                      ALERTA_<SECCIÓN>__<CLAVE>). Los secretos no se muestran: solo si están \
                      definidos; la contraseña de DATABASE_URL se cambia por ***. La salida \
                      sirve como archivo de ALERTA_CONFIG.",
        after_help = "Ejemplos:\n  alerta config dump\n  \
                      ALERTA_SERVER__CONNECTION_LIMIT=2000 alerta config dump | grep connection_limit"
    )]
    Dump,
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Una fila por solicitud de una semana ISO (en la zona horaria de la región), CSV o XLSX.
    #[command(
        after_help = "Ejemplos:\n  alerta export weekly --week 2026-W47 > semana.csv\n  \
                            alerta export weekly --week 2026-W47 --region hermosillo --format xlsx --out semana.xlsx"
    )]
    Weekly {
        /// Semana ISO, p. ej. 2026-W47.
        #[arg(long)]
        week: String,
        /// Solo esta región (su id en el registro).
        #[arg(long)]
        region: Option<String>,
        /// csv o xlsx.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Archivo de salida; sin él, la salida estándar (solo CSV).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum PrivacyCommand {
    /// Muestra como JSON todo lo que se guarda de una persona (queda en la bitácora).
    #[command(
        after_help = "Ejemplo:\n  alerta privacy export --phone 5216621000101 > persona.json"
    )]
    Export {
        /// Número de teléfono.
        #[arg(long)]
        phone: Option<String>,
        /// Identificador de usuario de WhatsApp (BSUID).
        #[arg(long)]
        bsuid: Option<String>,
    },
    /// Borra la identidad y los textos de una persona; quedan las estadísticas anónimas.
    #[command(
        after_help = "Ejemplo:\n  alerta privacy erase --bsuid MX.4810000000000000101 --reason 'ARCO-2026-014'"
    )]
    Erase {
        /// Número de teléfono.
        #[arg(long)]
        phone: Option<String>,
        /// Identificador de usuario de WhatsApp (BSUID).
        #[arg(long)]
        bsuid: Option<String>,
        /// Motivo (el número de la solicitud, para la bitácora).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Crea una cuenta e imprime su token de API en la última línea (se muestra una vez).
    #[command(
        after_help = "Ejemplos:\n  echo 'una-contraseña-larga' | alerta users add ana --role admin --password-stdin\n  \
                            alerta users add luis --role coordinator --region hermosillo"
    )]
    Add {
        /// Nombre de usuario.
        name: String,
        /// operator, coordinator o admin.
        #[arg(long)]
        role: String,
        /// Una región que atiende (repita para varias; un coordinador necesita exactamente
        /// una; un operador sin región ve todas).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Lee la contraseña web de la primera línea de la entrada estándar.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Fija la contraseña web desde la entrada estándar; sus sesiones terminan.
    #[command(after_help = "Ejemplo:\n  echo 'otra-contraseña-larga' | alerta users passwd ana")]
    Passwd {
        /// Nombre de usuario.
        name: String,
    },
    /// Lista las cuentas: rol, regiones, estado y vencimiento del token de API.
    #[command(after_help = "Ejemplo:\n  alerta users list")]
    List,
    /// Desactiva una cuenta: sus sesiones terminan y su token deja de funcionar.
    #[command(after_help = "Ejemplo:\n  alerta users disable ana")]
    Disable {
        /// Nombre de usuario.
        name: String,
    },
    /// Reactiva una cuenta (su token vuelve a funcionar si no ha vencido).
    #[command(after_help = "Ejemplo:\n  alerta users enable ana")]
    Enable {
        /// Nombre de usuario.
        name: String,
    },
    /// Reemplaza el token de API e imprime el nuevo en la última línea (se muestra una vez).
    #[command(after_help = "Ejemplo:\n  alerta users rotate-token ana | tail -n1")]
    RotateToken {
        /// Nombre de usuario.
        name: String,
    },
}

#[derive(Subcommand)]
pub enum RegistryCommand {
    /// Muestra el registro almacenado (JSON o TOML) o escribe sus integrantes en XLSX.
    #[command(after_help = "Ejemplos:\n  alerta registry dump\n  \
                            alerta registry dump --format toml > registro.toml\n  \
                            alerta registry dump --xlsx integrantes.xlsx")]
    Dump {
        /// Formato de la salida estándar.
        #[arg(long, value_enum, default_value = "json")]
        format: super::registry::DumpFormat,
        /// Escribe la lista de integrantes (una fila por persona) en este archivo XLSX.
        #[arg(long)]
        xlsx: Option<PathBuf>,
    },
    /// Importa el registro: un directorio o archivo TOML, o una lista de integrantes CSV/XLSX.
    #[command(
        long_about = "Importa un registro TOML (directorio o archivo, como config/registry/) \
                      que reemplaza grupos, integrantes y coordinadores, o una lista CSV/XLSX \
                      con una fila por integrante (columnas grupo, nombre, telefono, bsuid, \
                      rol) que reemplaza los integrantes de los grupos que nombra. Informa \
                      cada problema con archivo y línea o fila, y no cambia nada si hay alguno.",
        after_help = "Ejemplos:\n  alerta registry import --dry-run integrantes.xlsx\n  \
                      alerta registry import config/registry"
    )]
    Import {
        /// Directorio o archivo .toml, .csv o .xlsx.
        path: PathBuf,
        /// Muestra los cambios sin aplicarlos.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum IncidentsCommand {
    /// Reproduce ráfagas etiquetadas en orden de llegada y mide la precisión y la
    /// exhaustividad por pares del agrupamiento (todo el archivo y sus dos mitades).
    #[command(
        long_about = "Reproduce ráfagas etiquetadas (líneas JSON con id, event, text, category, \
                      region, colonia, municipality, group, minute, lat, lon, forwarded) en \
                      orden de llegada y mide la precisión y la exhaustividad por pares del \
                      agrupamiento. Termina con 1 si el archivo completo queda por debajo de \
                      0.90 de precisión u 0.80 de exhaustividad (la meta es 0.95 / 0.85).",
        after_help = "Ejemplo:\n  alerta incidents eval fixtures/incidents/bursts.jsonl"
    )]
    Eval {
        /// Archivo JSONL etiquetado.
        file: PathBuf,
        /// Muestra el informe pero termina con 0 aunque no se alcance el mínimo.
        #[arg(long)]
        no_fail: bool,
        /// Lista también las uniones equivocadas y los reportes que no se unieron a su
        /// evento, con las señales de cada decisión (para archivos de desarrollo).
        #[arg(long)]
        errores: bool,
    },
}

#[derive(Subcommand)]
pub enum TriageCommand {
    /// Evalúa el clasificador con archivos JSONL etiquetados y revisa los umbrales de calidad.
    #[command(
        after_help = "Ejemplos:\n  alerta triage eval fixtures/triage/test/*.jsonl\n  \
                            alerta triage eval --no-fail --targets sealed fixtures/triage/sealed/*.jsonl"
    )]
    Eval {
        /// Archivos del corpus (líneas JSON con "text" y "category").
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Muestra el informe pero termina con 0 aunque no se alcance un umbral.
        #[arg(long)]
        no_fail: bool,
        /// Qué límites revisar: `test` (los de la partición de prueba) o `sealed` (la meta
        /// para escritores con los que nunca se entrenó: exhaustividad 0.98, falsas
        /// emergencias 0.02, macro-F1 0.92, error de calibración 0.05).
        #[arg(long, default_value = "test", value_parser = ["test", "sealed"])]
        targets: String,
    },
    /// Entrena el modelo (bayesiano, luego la etapa calibrada elegida en pliegues que dejan
    /// fuera a cada escritor) con archivos JSONL etiquetados y lo escribe.
    #[command(
        after_help = "Ejemplo:\n  alerta triage train fixtures/triage/train/*.jsonl --out config/triage/model.tsv"
    )]
    Train {
        /// Archivos del corpus (líneas JSON con "text" y "category").
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Dónde escribir el modelo (por defecto, la salida estándar).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Muestra las correcciones de los operadores al clasificador como JSONL etiquetado.
    #[command(after_help = "Ejemplo:\n  alerta triage corrections > correcciones.jsonl")]
    Corrections,
}

/// The command tree with clap's own words in Spanish: the usage line, the section headings,
/// and the `-h`/`-V` flags (clap has no locale setting, so each command gets them here).
pub fn spanish(cmd: clap::Command) -> clap::Command {
    let root = cmd.get_name() == "alerta";
    let has_positionals = cmd.get_positionals().next().is_some();
    let has_subcommands = cmd.has_subcommands();
    let mut template = String::from("{about-with-newline}\nUso: {usage}\n");
    if has_subcommands {
        template.push_str("\nComandos:\n{subcommands}\n");
    }
    if has_positionals {
        template.push_str("\nArgumentos:\n{positionals}\n");
    }
    template.push_str("\nOpciones:\n{options}{after-help}");
    let mut cmd = cmd
        .help_template(template)
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Muestra esta ayuda"),
        );
    if root {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Muestra la versión"),
        );
    }
    cmd.mut_subcommands(spanish)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every command, however deep, with its path from the root.
    fn walk(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
        out.push((path.clone(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            walk(sub, format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_command_has_spanish_help_with_examples() {
        let mut all = Vec::new();
        walk(&spanish(Cli::command()), "alerta".into(), &mut all);
        assert!(all.len() > 25, "{}", all.len());
        for (path, mut cmd) in all {
            let help = cmd.render_long_help().to_string();
            assert!(help.contains("Uso: "), "{path}:\n{help}");
            assert!(help.contains("Ejemplo"), "{path} has no example:\n{help}");
            assert!(help.contains("Muestra esta ayuda"), "{path}:\n{help}");
            for english in ["Usage:", "Print help", "Options:", "Commands:"] {
                assert!(!help.contains(english), "{path} says {english:?}:\n{help}");
            }
        }
    }
}
