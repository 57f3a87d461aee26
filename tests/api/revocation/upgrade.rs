//! The upgrade that introduced token expiry: tokens that existed count from it.

use alerta::queue::auth::{digest, random_token};
use chrono::Utc;

use crate::helpers::{backends, Backend};

/// Migrations 1–4 of `backend`, exactly as the binary embeds them (same checksums), so the
/// store's own migrator then applies only what came after.
fn migrations_before_revocation(backend: Backend) -> sqlx::migrate::Migrator {
    let files: [(i64, &str); 4] = match backend {
        Backend::Sqlite => [
            (
                1,
                include_str!("../../../migrations/sqlite/0001_intake.sql"),
            ),
            (
                2,
                include_str!("../../../migrations/sqlite/0002_reports_outbox.sql"),
            ),
            (3, include_str!("../../../migrations/sqlite/0003_queue.sql")),
            (
                4,
                include_str!("../../../migrations/sqlite/0004_sender_latest.sql"),
            ),
        ],
        Backend::Postgres => [
            (
                1,
                include_str!("../../../migrations/postgres/0001_intake.sql"),
            ),
            (
                2,
                include_str!("../../../migrations/postgres/0002_reports_outbox.sql"),
            ),
            (
                3,
                include_str!("../../../migrations/postgres/0003_queue.sql"),
            ),
            (
                4,
                include_str!("../../../migrations/postgres/0004_sender_latest.sql"),
            ),
        ],
    };
    let migrations = files
        .iter()
        .map(|&(version, sql)| {
            sqlx::migrate::Migration::new(
                version,
                std::borrow::Cow::Borrowed("before revocation"),
                sqlx::migrate::MigrationType::Simple,
                sqlx::SqlSafeStr::into_sql_str(sql),
                false,
            )
        })
        .collect::<Vec<_>>();
    sqlx::migrate::Migrator::with_migrations(migrations)
}

const INSERT_OLD_USER: &str =
    "INSERT INTO users (name, role, regions, created_at) VALUES ('vieja', 'operator', '[]', $1)";
const INSERT_OLD_TOKEN: &str =
    "INSERT INTO api_tokens (token_sha256, user_id, created_at) VALUES ($1, 1, $2)";

#[tokio::test]
async fn tokens_older_than_the_upgrade_count_their_days_from_it() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("old.db").display()),
            Backend::Postgres => {
                let base = crate::helpers::postgres_url().unwrap();
                crate::helpers::fresh_postgres_database(&base).await
            }
        };
        // A deployment from before expiry existed, with a token issued 200 days ago.
        let issued = Utc::now() - chrono::Duration::days(200);
        let token = random_token();
        let before = migrations_before_revocation(backend);
        match backend {
            Backend::Sqlite => {
                use std::str::FromStr;
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .unwrap()
                    .create_if_missing(true);
                let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
                before.run(&pool).await.unwrap();
                sqlx::query(INSERT_OLD_USER)
                    .bind(issued)
                    .execute(&pool)
                    .await
                    .unwrap();
                sqlx::query(INSERT_OLD_TOKEN)
                    .bind(digest(&token))
                    .bind(issued)
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                before.run(&pool).await.unwrap();
                sqlx::query(INSERT_OLD_USER)
                    .bind(issued)
                    .execute(&pool)
                    .await
                    .unwrap();
                sqlx::query(INSERT_OLD_TOKEN)
                    .bind(digest(&token))
                    .bind(issued)
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
        }
        let config =
            alerta::config::Config::for_tests(&url, &crate::helpers::repo_path("config/registry"));
        let store = alerta::store::connect(&url, &config.store).await.unwrap();
        let owner = store
            .token_owner(&digest(&token))
            .await
            .unwrap()
            .expect("the token survives the upgrade");
        let age = Utc::now() - owner.token_issued_at;
        assert!(
            age < chrono::Duration::minutes(5),
            "{backend:?}: counted from {}",
            owner.token_issued_at
        );
        let now = Utc::now();
        let valid =
            alerta::queue::credentials::token_user(store.as_ref(), &digest(&token), 90, now)
                .await
                .unwrap();
        assert!(valid.is_ok(), "{backend:?}: {valid:?}");
        // Ninety days after the upgrade it expires like any other.
        let later = now + chrono::Duration::days(91);
        let expired =
            alerta::queue::credentials::token_user(store.as_ref(), &digest(&token), 90, later)
                .await
                .unwrap();
        assert!(expired.is_err(), "{backend:?}");
        store.close().await;
    }
}
