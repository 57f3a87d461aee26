//! Who manages accounts, and how: the admin API (admins only), the Usuarios page, and the
//! `alerta users` commands.

use std::sync::Arc;

use alerta::queue::auth::digest;
use axum::http::{header, StatusCode};
use chrono::Utc;

use super::{get, login, me, post_form, signed_in, user_audit};
use crate::helpers::api::call;
use crate::helpers::{backends, Backend, TestApp};
use crate::queue_api::users as make_users;

#[tokio::test]
async fn only_admins_manage_accounts_through_the_api() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = make_users(&app).await;
        for who in ["op_todas", "op_centro", "coord_centro", "coord_yaqui"] {
            let token = u.token(who);
            let (s, _) = call(&app, "GET", "/api/v1/users", Some(token), None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{backend:?} {who} list");
            for action in ["disable", "enable", "token"] {
                let uri = format!("/api/v1/users/op_todas/{action}");
                let (s, _) = call(&app, "POST", &uri, Some(token), None).await;
                assert_eq!(s, StatusCode::FORBIDDEN, "{backend:?} {who} {action}");
            }
        }
        // Nothing changed: the target's token still works and nothing was audited.
        assert_eq!(me(&app, u.token("op_todas")).await.0, StatusCode::OK);
        assert!(user_audit(&app)
            .await
            .iter()
            .all(|a| a.action == "user.created"));

        let admin = Some(u.token("admin"));
        let (s, _) = call(&app, "POST", "/api/v1/users/nadie/disable", admin, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, body) = call(&app, "POST", "/api/v1/users/admin/disable", admin, None).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        let (s, list) = call(&app, "GET", "/api/v1/users", admin, None).await;
        assert_eq!(s, StatusCode::OK);
        let first = &list["users"][0];
        assert!(first["token_expires_at"].is_string() && first.get("password_hash").is_none());
        let (s, _) = call(&app, "GET", "/api/v1/users", None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_users_page_disables_enables_and_rotates_for_admins_only() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = make_users(&app).await;
        let admin = login(&app, "admin").await;
        let operator = login(&app, "op_centro").await;

        let page = get(&app, &admin.cookie, "/usuarios").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(r#"<tr data-usuario="op_centro">"#),
            "{}",
            page.body
        );
        assert!(
            page.body.contains(r#"href="/usuarios""#),
            "the nav links it"
        );
        assert_eq!(
            page.headers[header::CONTENT_SECURITY_POLICY],
            alerta::queue::web::CSP
        );
        let denied = get(&app, &operator.cookie, "/usuarios").await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        let denied = post_form(
            &app,
            &operator,
            "/usuarios",
            &[
                ("csrf", &operator.csrf),
                ("name", "coord_centro"),
                ("action", "deshabilitar"),
            ],
        )
        .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        // Without the session's token nothing happens.
        let forged = post_form(
            &app,
            &admin,
            "/usuarios",
            &[
                ("csrf", "otro"),
                ("name", "op_centro"),
                ("action", "deshabilitar"),
            ],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(signed_in(&app, &operator).await);

        let done = post_form(
            &app,
            &admin,
            "/usuarios",
            &[
                ("csrf", &admin.csrf),
                ("name", "op_centro"),
                ("action", "deshabilitar"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{backend:?}: {}", done.body);
        assert!(done
            .body
            .contains("Cuenta de op_centro deshabilitada; sesiones cerradas: 1."));
        assert!(!signed_in(&app, &operator).await, "{backend:?}");
        assert_eq!(
            me(&app, u.token("op_centro")).await.0,
            StatusCode::UNAUTHORIZED
        );

        let done = post_form(
            &app,
            &admin,
            "/usuarios",
            &[
                ("csrf", &admin.csrf),
                ("name", "op_centro"),
                ("action", "habilitar"),
            ],
        )
        .await;
        assert!(
            done.body.contains("Cuenta de op_centro habilitada."),
            "{}",
            done.body
        );
        assert_eq!(me(&app, u.token("op_centro")).await.0, StatusCode::OK);

        let done = post_form(
            &app,
            &admin,
            "/usuarios",
            &[
                ("csrf", &admin.csrf),
                ("name", "op_centro"),
                ("action", "token"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.headers[header::CACHE_CONTROL] == "no-store");
        let start = done.body.find(r#"<code id="nuevo-token">"#).unwrap() + 23;
        let token = done.body[start..].split('<').next().unwrap();
        assert_eq!(me(&app, token).await.0, StatusCode::OK, "{backend:?}");
        assert_eq!(
            me(&app, u.token("op_centro")).await.0,
            StatusCode::UNAUTHORIZED
        );

        let own = post_form(
            &app,
            &admin,
            "/usuarios",
            &[
                ("csrf", &admin.csrf),
                ("name", "admin"),
                ("action", "deshabilitar"),
            ],
        )
        .await;
        assert_eq!(own.status, StatusCode::CONFLICT);
        assert!(own.body.contains("no puede deshabilitar su propia cuenta"));
        assert!(signed_in(&app, &admin).await);
        let actors: Vec<String> = user_audit(&app)
            .await
            .into_iter()
            .filter(|a| a.entity_id == "op_centro" && !a.action.starts_with("user.log"))
            .map(|a| format!("{} {}", a.action, a.actor))
            .collect();
        assert_eq!(
            actors,
            [
                "user.created system:cli",
                "user.disabled user:admin",
                "user.enabled user:admin",
                "user.token_rotated user:admin"
            ],
            "{backend:?}"
        );
    }
}

/// The accounts commands as an administrator runs them, on a database of each backend.
#[tokio::test]
async fn the_users_commands_disable_enable_rotate_and_list() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("cli.db").display()),
            Backend::Postgres => {
                let base = crate::helpers::postgres_url().unwrap();
                crate::helpers::fresh_postgres_database(&base).await
            }
        };
        let run = |args: &[&str]| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_alerta"))
                .args(args)
                .current_dir(crate::helpers::repo_path(""))
                .env_remove("ALERTA_CONFIG")
                .env("DATABASE_URL", &url)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            (out.status.success(), stdout, stderr)
        };
        let (ok, added, err) = run(&["users", "add", "beto", "--role", "operator"]);
        assert!(ok, "{err}");
        let first = added.lines().last().unwrap().trim().to_owned();

        let config =
            alerta::config::Config::for_tests(&url, &crate::helpers::repo_path("config/registry"));
        let store = alerta::store::connect(&config.database_url, &config.store)
            .await
            .unwrap();
        let works = |token: String| {
            let store = Arc::clone(&store);
            async move {
                alerta::queue::credentials::token_user(
                    store.as_ref(),
                    &digest(&token),
                    90,
                    Utc::now(),
                )
                .await
                .unwrap()
                .is_ok()
            }
        };
        assert!(works(first.clone()).await);

        let (ok, out, err) = run(&["users", "disable", "beto"]);
        assert!(
            ok && out.contains("usuario beto deshabilitado"),
            "{out}{err}"
        );
        assert!(!works(first.clone()).await, "{backend:?}");
        let (_, listed, _) = run(&["users", "list"]);
        assert!(
            listed.contains("beto\toperator\ttodas\tdeshabilitado desde "),
            "{listed}"
        );

        let (ok, out, _) = run(&["users", "enable", "beto"]);
        assert!(ok && out.contains("usuario beto habilitado"), "{out}");
        assert!(works(first.clone()).await, "{backend:?}");

        let (ok, out, err) = run(&["users", "rotate-token", "beto"]);
        assert!(ok, "{err}");
        let second = out.lines().last().unwrap().trim().to_owned();
        assert_eq!(second.len(), 43, "{out}");
        assert!(!works(first).await && works(second).await, "{backend:?}");
        let (_, listed, _) = run(&["users", "list"]);
        assert!(
            listed.contains("beto\toperator\ttodas\tactivo\tcaduca el "),
            "{listed}"
        );

        let (ok, _, err) = run(&["users", "disable", "nadie"]);
        assert!(!ok && err.contains("no existe el usuario nadie"), "{err}");
        store.close().await;
    }
}
