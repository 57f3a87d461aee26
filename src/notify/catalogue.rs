//! Every purpose alerta sends, in one place: the `{markers}` its texts may use and the
//! approved template that carries it when free-form text cannot (outside the 24-hour window,
//! or after a 131047). `config/replies.toml` is validated against this list, and the README's
//! "Plantillas" table is this list, ready to be submitted in WhatsApp Manager.
//!
//! Every purpose has a template: since 2026-10-01 a free-form message is billed like a
//! utility template anyway, so a template costs nothing extra, and a purpose without one
//! would lose its message for good on Meta's occasional in-window 131047.

/// A template as it must be created in WhatsApp Manager (category *Utility*, named
/// parameters). `body` is the text to submit; `{{name}}` are its parameters, in `params` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateDef {
    pub name: &'static str,
    pub language: &'static str,
    pub params: &'static [&'static str],
    pub body: &'static str,
}

/// One purpose: the markers its texts may use, its template, and variant-specific templates
/// (`text_<variant>` texts that say something the default template does not).
#[derive(Debug, Clone, Copy)]
pub struct PurposeDef {
    pub purpose: &'static str,
    pub markers: &'static [&'static str],
    pub template: TemplateDef,
    pub variants: &'static [(&'static str, TemplateDef)],
}

/// Meta's language code for every template: Mexican Spanish.
const ES_MX: &str = "es_MX";

const NOTICE_MARKERS: &[&str] = &[
    "folio",
    "estado",
    "categoria",
    "prioridad",
    "grupo",
    "colonia",
    "extracto",
];

/// The catalogue. Order is the README's.
pub const CATALOGUE: [PurposeDef; 20] = [
    PurposeDef {
        purpose: "reply_emergency",
        markers: &["folio", "estado", "numeros", "incidente"],
        template: TemplateDef {
            name: "alerta_llame_911",
            language: ES_MX,
            params: &["folio", "numeros"],
            body: "🚨 Si hay una emergencia en este momento, llame al 9-1-1 AHORA. Este número no es una línea de emergencias. Números locales: {{numeros}}. Su reporte quedó registrado con folio {{folio}}.",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "reply_tip",
        markers: &["folio", "estado", "incidente"],
        template: TemplateDef {
            name: "alerta_denuncia_089",
            language: ES_MX,
            params: &["folio"],
            body: "Gracias por la información. Para este tipo de reportes use el 089 Denuncia Anónima: es gratuito, las 24 horas, y protege su identidad. No publique nombres, fotos ni direcciones de personas sospechosas. Folio de registro: {{folio}}.",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "reply_ack",
        markers: &["folio", "estado", "region", "incidente"],
        template: TemplateDef {
            name: "alerta_acuse_folio",
            language: ES_MX,
            params: &["folio", "region"],
            body: "Recibimos su solicitud con folio {{folio}}. La región {{region}} le dará seguimiento. Para consultar su estado escriba el folio.",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "reply_follow_up",
        markers: &["folio", "estado"],
        template: TemplateDef {
            name: "alerta_estado_reporte",
            language: ES_MX,
            params: &["folio", "estado"],
            body: "Su reporte {{folio}} {{estado}}.",
        },
        variants: &[(
            "none",
            TemplateDef {
                name: "alerta_sin_solicitud",
                language: ES_MX,
                params: &[],
                body: "No encontramos una solicitud abierta de su grupo. Si tiene un folio, escríbalo tal como se lo enviamos.",
            },
        )],
    },
    PurposeDef {
        purpose: "reply_unregistered",
        markers: &[],
        template: TemplateDef {
            name: "alerta_registro_grupo",
            language: ES_MX,
            params: &[],
            body: "Este número recibe reportes de grupos registrados en el programa. Para registrarse, escriba «quiero unirme»; si el enlace de su grupo le dio un código, escriba «ALTA» y el código. Si hay una emergencia, llame al 9-1-1. Para denuncias anónimas, llame al 089.",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "join_received",
        markers: &[],
        template: TemplateDef {
            name: "alerta_alta_recibida",
            language: ES_MX,
            params: &[],
            body: "Recibimos su solicitud para unirse al programa. La coordinación de su región la revisará y le avisaremos por este medio. Si hay una emergencia, llame al 9-1-1.",
        },
        variants: &[(
            "duplicate",
            TemplateDef {
                name: "alerta_alta_en_revision",
                language: ES_MX,
                params: &[],
                body: "Su solicitud para unirse al programa ya está en revisión. Le avisaremos en cuanto la coordinación la atienda.",
            },
        )],
    },
    PurposeDef {
        purpose: "join_welcome",
        markers: &["grupo", "aviso"],
        template: TemplateDef {
            name: "alerta_bienvenida_grupo",
            language: ES_MX,
            params: &["grupo", "aviso"],
            body: "Bienvenida o bienvenido al grupo {{grupo}}. Sus mensajes a este número se atienden ahora como reportes de su grupo. Si hay una emergencia, llame al 9-1-1. Para darse de baja escriba BAJA. Aviso de privacidad: {{aviso}}",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "join_declined",
        markers: &["motivo"],
        template: TemplateDef {
            name: "alerta_alta_no_aprobada",
            language: ES_MX,
            params: &["motivo"],
            body: "Gracias por su interés. No fue posible aprobar su solicitud para unirse al programa: {{motivo}}. Si tiene dudas, comuníquese con la coordinación de prevención de su municipio.",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "invite_code",
        markers: &["codigo", "grupo", "vence"],
        template: TemplateDef {
            name: "alerta_codigo_invitacion",
            language: ES_MX,
            params: &["codigo", "grupo", "vence"],
            body: "Código de invitación para {{grupo}}: ALTA {{codigo}}. Vence: {{vence}}. Quien escriba «ALTA {{codigo}}» a este número se une al grupo.",
        },
        variants: &[(
            "not_enlace",
            TemplateDef {
                name: "alerta_codigo_solo_enlace",
                language: ES_MX,
                params: &[],
                body: "Solo el enlace del grupo puede generar códigos de invitación. Pida el código a su enlace.",
            },
        )],
    },
    PurposeDef {
        purpose: "invite_refused",
        markers: &[],
        template: TemplateDef {
            name: "alerta_codigo_no_valido",
            language: ES_MX,
            params: &[],
            body: "El código no es válido. Escríbalo como se lo enviaron (por ejemplo ALTA 4F7K) o pida uno nuevo al enlace de su grupo.",
        },
        variants: &[
            (
                "expired",
                TemplateDef {
                    name: "alerta_codigo_vencido",
                    language: ES_MX,
                    params: &[],
                    body: "El código ya venció. Pida uno nuevo al enlace de su grupo.",
                },
            ),
            (
                "throttled",
                TemplateDef {
                    name: "alerta_codigo_demasiados_intentos",
                    language: ES_MX,
                    params: &[],
                    body: "Recibimos demasiados códigos no válidos de este número. Espere una hora antes de intentar de nuevo o pida ayuda al enlace de su grupo.",
                },
            ),
        ],
    },
    PurposeDef {
        purpose: "member_left",
        markers: &["grupo"],
        template: TemplateDef {
            name: "alerta_baja_registrada",
            language: ES_MX,
            params: &["grupo"],
            body: "Su baja del grupo {{grupo}} quedó registrada: sus mensajes ya no se atienden como parte del grupo. Para volver, pida un código al enlace o escriba «quiero unirme».",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "coordinator_notice",
        markers: NOTICE_MARKERS,
        template: TemplateDef {
            name: "alerta_aviso_coordinador",
            language: ES_MX,
            params: &[
                "folio",
                "categoria",
                "prioridad",
                "grupo",
                "colonia",
                "extracto",
            ],
            body: "Nuevo reporte {{folio}} ({{prioridad}}). Categoría: {{categoria}}. Grupo: {{grupo}}, colonia {{colonia}}. «{{extracto}}» Responda «ok {{folio}}» al atenderlo.",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "incident_update",
        markers: &[
            "folio",
            "estado",
            "resumen",
            "categoria",
            "prioridad",
            "extracto",
        ],
        template: TemplateDef {
            name: "alerta_incidente_crece",
            language: ES_MX,
            params: &["folio", "resumen", "categoria", "extracto"],
            body: "El incidente {{folio}} suma {{resumen}}. Categoría: {{categoria}}. Último: «{{extracto}}» Responda «ok {{folio}}» al atenderlo.",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "escalation_notice",
        markers: &[
            "folio",
            "estado",
            "nivel",
            "categoria",
            "prioridad",
            "grupo",
            "colonia",
            "extracto",
        ],
        template: TemplateDef {
            name: "alerta_escalamiento",
            language: ES_MX,
            params: &[
                "folio",
                "nivel",
                "categoria",
                "prioridad",
                "grupo",
                "colonia",
            ],
            body: "⚠️ ESCALAMIENTO nivel {{nivel}}: el reporte {{folio}} ({{prioridad}}) no ha sido atendido. Categoría: {{categoria}}. Grupo: {{grupo}}, colonia {{colonia}}. Responda «ok {{folio}}» al atenderlo.",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "reporter_status",
        markers: &["folio", "estado", "incidente"],
        template: TemplateDef {
            name: "alerta_estado_reporte",
            language: ES_MX,
            params: &["folio", "estado"],
            body: "Su reporte {{folio}} {{estado}}.",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "command_unknown",
        markers: &["folio"],
        template: TemplateDef {
            name: "alerta_folio_no_encontrado",
            language: ES_MX,
            params: &["folio"],
            body: "No encontramos un reporte abierto con el folio {{folio}}. Revise el folio o si ya fue atendido.",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "operator_reply",
        markers: &["folio", "estado", "texto"],
        template: TemplateDef {
            name: "alerta_respuesta_operador",
            language: ES_MX,
            params: &["folio", "texto"],
            body: "Folio {{folio}}: {{texto}}",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "weekly_digest",
        // `{tendencias}` lists the week's colonia trends in the text; the template leaves
        // them to the trend alerts' own template, so the approved body stays as it is.
        markers: &[
            "region",
            "semana",
            "total",
            "en_plazo",
            "abiertas",
            "mensajes",
            "costo",
            "enlace",
            "tendencias",
        ],
        template: TemplateDef {
            name: "alerta_resumen_semanal",
            language: ES_MX,
            params: &[
                "region", "semana", "total", "en_plazo", "abiertas", "mensajes", "costo", "enlace",
            ],
            body: "Resumen semanal de solicitudes — {{region}}, {{semana}}. Solicitudes: {{total}}. Con acuse dentro del plazo: {{en_plazo}}. Abiertas al cierre de la semana: {{abiertas}}. Mensajes enviados: {{mensajes}}. Costo estimado: {{costo}}. Detalle y gráficas: {{enlace}}",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "trend_alert",
        markers: &[
            "categoria",
            "colonia",
            "municipio",
            "total",
            "promedio",
            "semanas",
            "semana",
            "enlace",
        ],
        template: TemplateDef {
            name: "alerta_tendencia_colonia",
            language: ES_MX,
            params: &[
                "categoria",
                "colonia",
                "municipio",
                "total",
                "promedio",
                "semanas",
                "semana",
                "enlace",
            ],
            body: "Tendencia: {{categoria}} en Col. {{colonia}} ({{municipio}}): {{total}} en la semana, promedio {{promedio}} en las {{semanas}} anteriores. {{semana}}. Detalle: {{enlace}}",
        },
        variants: &[],
    },
    PurposeDef {
        purpose: "privacy_notice",
        markers: &["aviso"],
        template: TemplateDef {
            name: "alerta_aviso_privacidad",
            language: ES_MX,
            params: &["aviso"],
            body: "Aviso de privacidad: sus datos (número, nombre de perfil y mensajes) se usan para atender y canalizar sus reportes de seguridad y para estadísticas sin datos personales. Aviso completo y derechos ARCO: {{aviso}}",
        },
        variants: &[],
    },
];

/// The catalogue entry of `purpose`.
pub fn purpose(purpose: &str) -> Option<&'static PurposeDef> {
    CATALOGUE.iter().find(|p| p.purpose == purpose)
}

impl PurposeDef {
    /// The template for a text variant (its own when it has one, else the purpose's).
    pub fn template_for(&self, variant: Option<&str>) -> &TemplateDef {
        variant
            .and_then(|v| self.variants.iter().find(|(name, _)| *name == v))
            .map_or(&self.template, |(_, t)| t)
    }
}

/// Every distinct template, once (two purposes may share one), in catalogue order.
pub fn templates() -> Vec<&'static TemplateDef> {
    let mut out: Vec<&'static TemplateDef> = Vec::new();
    for p in &CATALOGUE {
        for t in std::iter::once(&p.template).chain(p.variants.iter().map(|(_, t)| t)) {
            if !out.iter().any(|o| o.name == t.name) {
                out.push(t);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A template's parameters are markers of its purpose, and its body names each of them
    /// exactly as `{{name}}`; two purposes sharing a template name share one definition.
    #[test]
    fn templates_are_consistent() {
        for p in &CATALOGUE {
            for t in std::iter::once(&p.template).chain(p.variants.iter().map(|(_, t)| t)) {
                for param in t.params {
                    assert!(p.markers.contains(param), "{}: {param}", p.purpose);
                    assert!(t.body.contains(&format!("{{{{{param}}}}}")), "{}", t.name);
                    assert!(param.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
                }
                let placeholders = t.body.matches("{{").count();
                let named: usize = t
                    .params
                    .iter()
                    .map(|param| t.body.matches(&format!("{{{{{param}}}}}")).count())
                    .sum();
                assert_eq!(placeholders, named, "{}: unknown placeholder", t.name);
                let same = templates().into_iter().find(|o| o.name == t.name).unwrap();
                assert_eq!(same, t, "{} is defined twice differently", t.name);
            }
        }
        let names: Vec<&str> = CATALOGUE.iter().map(|p| p.purpose).collect();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names, unique);
    }
}
