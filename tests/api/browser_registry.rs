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
        "var r = document.getElementById('resultado'); return r && r.textContent ? r.textContent : null;",
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

/// A weekday name (`lun` … `dom`) two days after today in Hermosillo: a shift only on that
/// day is not on duty now, whatever the time.
fn day_after_tomorrow() -> &'static str {
    use chrono::Datelike;
    let local = chrono::Utc::now().with_timezone(&chrono_tz::America::Hermosillo);
    ["lun", "mar", "mie", "jue", "vie", "sab", "dom"]
        [((local.weekday().num_days_from_monday() + 2) % 7) as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_edits_a_coordinators_shift_and_sees_who_is_on_duty_change() {
    let Some(path) = chromedriver() else { return };
    let server = start_server(|_| {}).await;
    drive(
        &path,
        server,
        "registro_turnos",
        |base, port, _token, clients| async move { roster_story(&base, port, &clients).await },
    )
    .await;
}

async fn roster_story(base: &str, port: u16, clients: &Clients) -> Result<(), Failure> {
    const LI: &str = "#coordinadores li[data-coordinador='son-centro-prevencion-1']";
    let jefa = open(port, clients).await;
    sign_in(&jefa, base, "jefa").await?;
    jefa.goto(&format!("{base}/registro")).await?;
    let on_duty = format!(
        "var li = document.querySelector(\"{LI}\"); \
         return li ? (li.textContent.includes('De guardia ahora') ? 'sí' : 'no') : null;"
    );
    // No roster: on duty at all hours. (`wait_js` waits for a truthy value, hence the words.)
    assert_eq!(wait_js(&jefa, &on_duty).await?, Value::from("sí"));

    for (roster, expected) in [
        (format!("{} 08:00-09:00", day_after_tomorrow()), "no"),
        ("lun,mar,mie,jue,vie,sab,dom 00:00-24:00".to_owned(), "sí"),
    ] {
        jefa.find(Locator::Css(&format!("{LI} summary")))
            .await?
            .click()
            .await?;
        let turnos = jefa
            .find(Locator::Css("#c-turnos-son-centro-prevencion-1"))
            .await?;
        turnos.clear().await?;
        turnos.send_keys(&roster).await?;
        // The previous save's "guardado" must not stand for this one.
        jefa.execute(
            "var r = document.getElementById('resultado'); if (r) { r.textContent = ''; } return true;",
            vec![],
        )
        .await?;
        jefa.find(Locator::Css(&format!(
            "{LI} button[value='editar_coordinador']"
        )))
        .await?
        .click()
        .await?;
        let done = wait_js(
            &jefa,
            "var r = document.getElementById('resultado'); return r && r.textContent ? r.textContent : null;",
        )
        .await?;
        assert!(done.as_str().unwrap().contains("guardado"), "{done}");
        // The list redraws after the save: wait for the expected word (a timeout fails
        // with the page's text) rather than take the first word, which may be the old one.
        let shows_expected = format!(
            "var li = document.querySelector(\"{LI}\"); \
             return !!li && (li.textContent.includes('De guardia ahora') ? 'sí' : 'no') === '{expected}';"
        );
        wait_js(&jefa, &shows_expected)
            .await
            .map_err(|e| format!("{roster}: {e}"))?;
        assert_eq!(
            wait_js(&jefa, &on_duty).await?,
            Value::from(expected),
            "{roster}"
        );
    }
    Ok(())
}
