//! The state every handler shares ([`AppState`]), and how it is built from the settings:
//! the store, the registry, the classifier, and the workers that move their data. Services
//! below the web layer never see this type; they take the parts they need.

use std::sync::Arc;

use anyhow::Context;
use tokio::sync::Notify;

use crate::config::Config;
use crate::incidents::IncidentWorker;
use crate::notify::{Replies, Sender, Transport};
use crate::registry::{Registry, SharedRegistry};
use crate::routing::{Escalator, RegistrySync};
use crate::store::{self, Store};
use crate::triage::Classifier;
use crate::vocab::Clock;
use crate::whatsapp::client::GraphClient;

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    /// This replica's copy of the stored registry, reloaded when another replica changes it.
    pub registry: SharedRegistry,
    /// Writes to the stored registry and the reloader that keeps `registry` current.
    pub registry_sync: RegistrySync,
    pub classifier: Arc<Classifier>,
    pub replies: Arc<Replies>,
    /// `[join] phrases` of the replies file, for intake.
    pub join_words: Arc<crate::vocab::JoinWords>,
    /// Wakes the sender as soon as intake queued something (the 9-1-1 reply cannot wait for
    /// the next poll).
    pub outbox_wakeup: Arc<Notify>,
    /// Report changes for the queue's live streams.
    pub changes: crate::notify::changes::ChangeFeed,
    pub login_throttle: Arc<crate::queue::login_throttle::LoginThrottle>,
    /// The budget for argon2 checks: a login flood waits or is refused, never piles up.
    pub password_work: Arc<crate::queue::password::PasswordWork>,
    /// Proxies whose `X-Forwarded-For` names the real client of a login.
    pub trusted_proxies: Arc<crate::queue::client_addr::TrustedProxies>,
    /// Where fetched media files live.
    pub blobs: Arc<crate::store::blobs::BlobStore>,
    pub pseudonyms: Arc<crate::privacy::Pseudonymizer>,
}

impl axum::extract::FromRef<AppState> for crate::intake::Webhook {
    fn from_ref(state: &AppState) -> Self {
        crate::intake::Webhook {
            config: state.config.clone(),
            store: state.store.clone(),
            registry: state.registry.clone(),
            classifier: state.classifier.clone(),
            pseudonyms: state.pseudonyms.clone(),
            join_words: state.join_words.clone(),
            outbox_wakeup: state.outbox_wakeup.clone(),
            changes: state.changes.clone(),
        }
    }
}

impl AppState {
    /// Loads the registry and the classifier and connects the store named in `config`. The
    /// configured registry gives the regions; an empty database takes its groups and
    /// coordinators, and from then on they are the database's.
    pub async fn build(config: Config) -> anyhow::Result<AppState> {
        let configured = Registry::load_dir(&config.registry_dir)
            .map_err(|e| anyhow::anyhow!("registro inválido:\n{e}"))?;
        let classifier = load_classifier(&config)?;
        let replies = Replies::load(&config.replies).map_err(|e| anyhow::anyhow!(e))?;
        let store = store::connect(&config.database_url, &config.store)
            .await
            .context("no se pudo abrir la base de datos")?;
        let registry_sync = RegistrySync::open(store.clone(), configured, chrono::Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        let registry = registry_sync.shared.current();
        tracing::info!(
            backend = store.backend(),
            registry = %registry.summary(),
            classifier = classifier.version(),
            "state ready"
        );
        let web = &config.web;
        let login_throttle = Arc::new(crate::queue::login_throttle::LoginThrottle::new(
            web.login_attempts,
            web.login_attempts_per_address,
            std::time::Duration::from_secs(web.login_lockout_secs),
        ));
        let password_work = Arc::new(crate::queue::password::PasswordWork::new(
            web.password_workers,
            web.password_queue,
        ));
        let trusted_proxies =
            crate::queue::client_addr::TrustedProxies::parse(&web.trusted_proxies)
                .map_err(|e| anyhow::anyhow!(e))?;
        let media = &config.media;
        let blobs = crate::store::blobs::BlobStore::open(
            media.dir.clone(),
            media.max_file_bytes,
            media.max_total_bytes,
        )
        .with_context(|| format!("no se pudo abrir {}", media.dir.display()))?;
        let pseudonyms = crate::privacy::pseudonymizer(&config)?;
        Ok(AppState {
            pseudonyms: Arc::new(pseudonyms),
            blobs: Arc::new(blobs),
            login_throttle,
            password_work,
            trusted_proxies: Arc::new(trusted_proxies),
            changes: crate::notify::changes::ChangeFeed::default(),
            config: Arc::new(config),
            store,
            registry: registry_sync.shared.clone(),
            registry_sync,
            classifier: Arc::new(classifier),
            join_words: Arc::new(replies.join_words().clone()),
            replies: Arc::new(replies),
            outbox_wakeup: Arc::new(Notify::new()),
        })
    }

    /// The outbox sender for this state: live with an access token, dry-run without.
    pub fn sender(&self, clock: Clock) -> anyhow::Result<Sender> {
        let wa = &self.config.whatsapp;
        let transport = match (&wa.access_token, &wa.phone_number_id) {
            (Some(token), Some(number)) => Transport::Graph {
                client: GraphClient::new(
                    &wa.api_base,
                    &wa.api_version,
                    number,
                    token.expose(),
                    wa.send_timeout,
                )?,
                token_fingerprint: Transport::fingerprint(token.expose()),
            },
            (Some(_), None) => anyhow::bail!("WHATSAPP_PHONE_NUMBER_ID es necesario para enviar"),
            (None, _) => Transport::DryRun,
        };
        Ok(Sender::new(
            self.store.clone(),
            self.replies.clone(),
            transport,
            self.config.sender.clone(),
            clock,
            self.outbox_wakeup.clone(),
        ))
    }

    /// The media fetcher, when there is an access token to fetch with.
    pub fn media_fetcher(
        &self,
        clock: Clock,
    ) -> anyhow::Result<Option<crate::intake::media_fetch::MediaFetcher>> {
        let wa = &self.config.whatsapp;
        let Some(token) = &wa.access_token else {
            return Ok(None);
        };
        let m = &self.config.media;
        Ok(Some(crate::intake::media_fetch::MediaFetcher {
            store: self.store.clone(),
            client: crate::whatsapp::media::MediaClient::new(
                &wa.api_base,
                &wa.api_version,
                token.expose(),
                wa.send_timeout,
            )?,
            blobs: self.blobs.clone(),
            settings: crate::intake::media_fetch::MediaSettings {
                max_file_bytes: m.max_file_bytes,
                max_attempts: m.max_attempts,
                poll: std::time::Duration::from_secs(m.poll_secs.max(1)),
                lease: std::time::Duration::from_secs(120),
            },
            clock,
        }))
    }

    /// The part of the state access, erasure and retention work with.
    pub fn privacy(&self) -> crate::privacy::Privacy {
        crate::privacy::Privacy {
            store: self.store.clone(),
            pseudonyms: self.pseudonyms.clone(),
            blobs: self.blobs.clone(),
            config: self.config.clone(),
        }
    }

    /// The part of the state exports, summaries and the digest read.
    pub fn reports(&self) -> crate::reports::Reports {
        crate::reports::Reports {
            store: self.store.clone(),
            registry: self.registry.clone(),
            config: self.config.clone(),
            outbox_wakeup: self.outbox_wakeup.clone(),
        }
    }

    /// The grouping worker (`crate::incidents`): it polls every second, so a burst's first
    /// report reaches coordinators about a second after it arrived. It reads texts with the
    /// classifier's word vectors, so `alerta incidents eval` (which loads them the same way)
    /// measures what runs.
    pub fn incidents(&self, clock: Clock) -> IncidentWorker {
        IncidentWorker::new(
            self.store.clone(),
            self.registry.clone(),
            clock,
            self.outbox_wakeup.clone(),
            std::time::Duration::from_secs(1),
            self.classifier.word_vectors(),
        )
    }

    /// The worker that settles what people ask of the registry over WhatsApp.
    pub fn registry_requests(&self, clock: Clock) -> crate::routing::joining::RegistryRequests {
        crate::routing::joining::RegistryRequests {
            sync: self.registry_sync.clone(),
            clock,
            settings: crate::routing::joining::JoinSettings {
                invite_ttl: chrono::Duration::from_std(self.config.invite_ttl)
                    .unwrap_or(chrono::Duration::hours(72)),
                invite_attempts_per_hour: i64::from(self.config.invite_attempts_per_hour),
                notice_url: self.config.privacy.notice_url.clone(),
            },
            outbox_wakeup: self.outbox_wakeup.clone(),
            poll: std::time::Duration::from_secs(1),
        }
    }

    /// The escalation worker for this state.
    pub fn escalator(&self, clock: Clock) -> Escalator {
        Escalator {
            store: self.store.clone(),
            registry: self.registry.clone(),
            deadlines: self.config.deadlines.clone(),
            clock,
            outbox_wakeup: self.outbox_wakeup.clone(),
            poll: self.config.escalation_poll,
        }
    }
}

/// The rules and model files named in the configuration; the ones built into the binary when
/// the rules file is absent (a binary copied without its `config/` folder still classifies).
pub fn load_classifier(config: &Config) -> anyhow::Result<Classifier> {
    let rules = match std::fs::read_to_string(&config.triage_rules) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(
                path = %config.triage_rules.display(),
                "rules file not found; using the built-in rules and model"
            );
            let mut classifier = Classifier::builtin();
            attach_vectors(&mut classifier, &config.triage_vectors);
            return Ok(classifier);
        }
        Err(e) => anyhow::bail!("{}: {e}", config.triage_rules.display()),
    };
    let model = match std::fs::read_to_string(&config.triage_model) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => anyhow::bail!("{}: {e}", config.triage_model.display()),
    };
    let mut classifier = Classifier::from_parts(&rules, model.as_deref()).map_err(|e| {
        // Name the file the error is in: only on failure are the rules compiled alone to
        // tell a rules problem from a model problem.
        match (model.is_some(), Classifier::from_toml(&rules)) {
            (true, Ok(_)) => located(&config.triage_model, &e),
            _ => located(&config.triage_rules, &e),
        }
    })?;
    attach_vectors(&mut classifier, &config.triage_vectors);
    Ok(classifier)
}

/// Turns the semantic pass on from the vectors file. Absent or unreadable vectors never stop
/// the service (the rules, the naive Bayes vote and the calibrated stage still classify), but
/// they weaken it on messages written unlike the corpora, so the warning is loud: a log line
/// when logging is set up, standard error otherwise (the command-line tools).
fn attach_vectors(classifier: &mut Classifier, path: &std::path::Path) {
    let problem = match std::fs::read(path) {
        Ok(bytes) => match classifier.load_vectors(&bytes) {
            Ok(true) => return,
            Ok(false) => "the model file has no semantic stage (retrain it)".to_owned(),
            Err(e) => e.to_string(),
        },
        Err(e) => e.to_string(),
    };
    if tracing::dispatcher::has_been_set() {
        tracing::warn!(
            path = %path.display(),
            problem = %problem,
            "TRIAGE SEMANTIC PASS OFF: word vectors not loaded; classifying without them \
             (README, \"Triage quality\": python3 scripts/triage_vectors.py build)"
        );
    } else {
        eprintln!(
            "AVISO: sin vectores semánticos ({}: {problem}); se clasifica sin el pase \
             semántico. Véase README, «Triage quality».",
            path.display()
        );
    }
}

fn located(file: &std::path::Path, e: &crate::triage::TriageConfigError) -> anyhow::Error {
    anyhow::anyhow!("{}:{}: {}", file.display(), e.line, e.message)
}
