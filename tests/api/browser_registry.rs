//! The Registro page in a real (headless) Chromium: a supervisor adds a member to a group,
//! sees them listed with the number masked, and the member's next message is attributed to
//! the group. Skipped without chromedriver (failed in CI), like the other browser stories.

use fantoccini::Locator;
use serde_json::Value;

use crate::browser::{
    chromedriver, drive, open, post_signed, sign_in, start_server, wait_js, Clients, Failure,
};
use crate::helpers::text_webhook;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_adds_a_member_in_the_browser() {
    let Some(path) = chromedriver() else { return };
    let server = start_server(|_| {}).await;
    drive(
        &path,
        server,
        "registro",
        |base, port, token, clients| async move { story(&base, port, &token, &clients).await },
    )
    .await;
}

async fn story(base: &str, port: u16, token: &str, clients: &Clients) -> Result<(), Failure> {
    let jefa = open(port, clients).await;
    sign_in(&jefa, base, "jefa").await?;
    jefa.goto(&format!("{base}/registro")).await?;
    jefa.find(Locator::Css(
        "#grupos tr[data-grupo='hmo-villa-de-seris'] a",
    ))
    .await?
    .click()
    .await?;
    wait_js(
        &jefa,
        "return !!document.getElementById('agregar-integrante');",
    )
    .await?;
    jefa.find(Locator::Css("#nombre"))
        .await?
        .send_keys("Ana Sofía Moreno Lugo")
        .await?;
    jefa.find(Locator::Css("#telefono"))
        .await?
        .send_keys("662 177 7703")
        .await?;
    jefa.find(Locator::Css("#agregar-integrante button[type=submit]"))
        .await?
        .click()
        .await?;
    let done = wait_js(
        &jefa,
        "var r = document.getElementById('resultado'); return r ? r.textContent : null;",
    )
    .await?;
    assert!(done.as_str().unwrap().contains("agregado"), "{done}");
    let row = wait_js(
        &jefa,
        "var rows = [...document.querySelectorAll('#integrantes tr[data-integrante]')];
         var r = rows.find(x => x.textContent.includes('Ana Sofía Moreno Lugo'));
         return r ? r.textContent : null;",
    )
    .await?;
    let row = row.as_str().unwrap();
    assert!(
        !row.contains("6621777703") && !row.contains("177 7703"),
        "masked: {row}"
    );

    // Her next message is the group's.
    post_signed(
        base,
        text_webhook(
            "wamid.R1",
            Some("5216621777703"),
            None,
            None,
            "pueden mandar rondín en la noche",
        ),
    )
    .await?;
    let reports: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/reports"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    let text = reports.to_string();
    assert!(
        text.contains("hmo-villa-de-seris") || text.contains("Villa de Seris"),
        "{text}"
    );
    Ok(())
}
