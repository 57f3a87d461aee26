//! Issue 17 in the browser: a new critical report is seen wherever the operator is, and an
//! unregistered sender's emergency is in the queue. Headless Chromium through chromedriver,
//! like `browser.rs` (whose server and driver helpers these stories use).

use fantoccini::{Client, Locator};

use crate::browser::{
    chromedriver, drive, folio_on_queue, open, post_signed, screenshot, sign_in, start_server,
    wait_js, wait_text, Clients, Failure, EMERGENCY,
};
use crate::helpers::{text_webhook, MARIA, STRANGER};

async fn live(c: &Client) -> Result<(), Failure> {
    wait_js(
        c,
        "return document.getElementById('conexion').textContent === 'en vivo';",
    )
    .await
    .map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_critical_report_is_seen_from_another_reports_page() {
    let Some(path) = chromedriver() else { return };
    let server = start_server(|_| {}).await;
    drive(
        &path,
        server,
        "atencion",
        |base, port, _, clients| async move { attention_story(&base, port, &clients).await },
    )
    .await;
}

async fn attention_story(base: &str, port: u16, clients: &Clients) -> Result<(), Failure> {
    let ana = open(port, clients).await;
    ana.set_window_size(1440, 900).await?;
    sign_in(&ana, base, "ana").await?;
    // A routine report, which the operator is working on when the emergency arrives.
    let patrol = "pueden mandar una patrulla a dar rondines en la noche, se juntan a tomar";
    post_signed(
        base,
        text_webhook("wamid.A1", Some(MARIA.0), None, None, patrol),
    )
    .await?;
    let routine = folio_on_queue(&ana, base, ".prio-normal").await?;
    ana.goto(&format!("{base}/reportes/{routine}")).await?;
    live(&ana).await?;
    let hidden = ana
        .execute(
            "return document.getElementById('atencion-pastilla').hidden;",
            vec![],
        )
        .await?;
    assert_eq!(
        hidden,
        serde_json::json!(true),
        "no pill before anything happens"
    );

    post_signed(
        base,
        text_webhook("wamid.A2", Some(MARIA.0), None, None, EMERGENCY),
    )
    .await?;
    // The pill, the banner and the title, on the page of the other report (polled: the
    // server's change feed and the stream take their time on a loaded machine).
    wait_js(
        &ana,
        "var p = document.getElementById('atencion-pastilla');
         var b = document.getElementById('atencion');
         return !p.hidden && !b.hidden
             && p.textContent.indexOf('1 reporte crítico nuevo') >= 0
             && b.textContent.indexOf('1 reporte crítico nuevo — ver') >= 0;",
    )
    .await?;
    assert!(ana.current_url().await?.path().ends_with(&routine));
    let critical = ana
        .execute(
            "return document.querySelector('#atencion a').getAttribute('href');",
            vec![],
        )
        .await?;
    let critical = critical
        .as_str()
        .unwrap()
        .trim_start_matches("/reportes/")
        .to_owned();
    assert_ne!(critical, routine);
    wait_js(
        &ana,
        &format!("return document.title.indexOf('¡Crítico! {critical}') >= 0;"),
    )
    .await?;
    screenshot(&ana, "atencion-otro-reporte").await?;

    // Still there on the queue (moving between pages does not lose it)…
    ana.goto(&format!("{base}/cola")).await?;
    wait_js(
        &ana,
        "return !document.getElementById('atencion-pastilla').hidden
             && document.body.getAttribute('data-criticos') === '1';",
    )
    .await?;
    // …until the operator opens it.
    ana.find(Locator::Css("#atencion a.attention-link"))
        .await?
        .click()
        .await?;
    wait_js(
        &ana,
        &format!(
            "return location.pathname === '/reportes/{critical}'
                 && document.getElementById('atencion').hidden
                 && document.getElementById('atencion-pastilla').hidden
                 && document.title.indexOf('¡Crítico!') < 0;"
        ),
    )
    .await?;

    // With the sound on (off by default), the next one beeps; "Descartar" puts it away.
    ana.goto(&format!("{base}/reportes/{routine}")).await?;
    live(&ana).await?;
    let sound = ana.find(Locator::Css("#aviso-sonido")).await?;
    assert!(!sound.is_selected().await?, "sound is off by default");
    ana.find(Locator::Css(".alert-prefs summary"))
        .await?
        .click()
        .await?;
    sound.click().await?;
    wait_text(&ana, "Sonido activado.").await?;
    ana.find(Locator::Css(".alert-prefs summary"))
        .await?
        .click()
        .await?;
    let second = "ayuda hay una balacera en la calle, hay un herido, manden ambulancia";
    post_signed(
        base,
        text_webhook("wamid.A3", Some(MARIA.0), None, None, second),
    )
    .await?;
    wait_js(
        &ana,
        "return document.body.getAttribute('data-criticos') === '1'
             && Number(document.body.getAttribute('data-pitidos') || 0) >= 2;",
    )
    .await?;
    // On a phone too, the banner is the first thing on the page.
    ana.set_window_size(390, 844).await?;
    let top = ana
        .execute(
            "return document.getElementById('atencion').getBoundingClientRect().top < 200;",
            vec![],
        )
        .await?;
    assert_eq!(top, serde_json::json!(true));
    screenshot(&ana, "atencion-telefono").await?;
    ana.find(Locator::Css("#atencion-descartar"))
        .await?
        .click()
        .await?;
    wait_js(
        &ana,
        "return document.getElementById('atencion').hidden
             && document.body.getAttribute('data-criticos') === '0';",
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_emergency_is_in_the_queue() {
    let Some(path) = chromedriver() else { return };
    let server = start_server(|_| {}).await;
    drive(
        &path,
        server,
        "no-registrados",
        |base, port, _, clients| async move { unregistered_story(&base, port, &clients).await },
    )
    .await;
}

async fn unregistered_story(base: &str, port: u16, clients: &Clients) -> Result<(), Failure> {
    let ana = open(port, clients).await;
    ana.set_window_size(1440, 900).await?;
    sign_in(&ana, base, "ana").await?;
    live(&ana).await?;
    let armed = "Hay un hombre armado en la parada del camión de la calle Reforma, trae una \
                 pistola y está amenazando a la gente";
    post_signed(
        base,
        text_webhook("wamid.N1", Some(STRANGER), None, None, armed),
    )
    .await?;
    // Live on the open queue: the row and the "Remitentes no registrados" counter.
    let folio = wait_js(
        &ana,
        "var r = document.querySelector('#filas tr.unregistered[data-folio]');
         var n = document.querySelector('[data-count=\"sender:unregistered\"]');
         return r && n && n.textContent === '1' ? r.getAttribute('data-folio') : null;",
    )
    .await?;
    let folio = folio.as_str().unwrap().to_owned();
    ana.find(Locator::Css("#no-registrados"))
        .await?
        .click()
        .await?;
    wait_js(
        &ana,
        "return location.search.indexOf('sender=unregistered') >= 0
             && document.querySelectorAll('#filas tr[data-folio]').length === 1;",
    )
    .await?;
    let row = ana
        .find(Locator::Css(&format!("#filas tr[data-folio='{folio}']")))
        .await?
        .text()
        .await?;
    for words in [
        "Remitente no registrado",
        "Sin región",
        "hombre armado",
        "Emergencia (911)",
        "Respuesta de seguridad",
    ] {
        assert!(row.contains(words), "{words} missing from: {row}");
    }
    assert!(!row.contains("9999999"), "the phone is not on the queue");
    screenshot(&ana, "no-registrados").await?;
    // An operator can act on it from its page.
    ana.goto(&format!("{base}/reportes/{folio}")).await?;
    wait_text(&ana, "Aviso a remitente no registrado").await?;
    ana.find(Locator::Css("form[data-action='claim'] button"))
        .await?
        .click()
        .await?;
    wait_js(
        &ana,
        "return !!document.querySelector(\"form[data-action='release']\");",
    )
    .await?;
    screenshot(&ana, "no-registrados-reporte").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_shows_in_its_folios_thread() {
    let Some(path) = chromedriver() else { return };
    let server = start_server(|_| {}).await;
    drive(
        &path,
        server,
        "seguimiento",
        |base, port, _, clients| async move { follow_up_story(&base, port, &clients).await },
    )
    .await;
}

async fn follow_up_story(base: &str, port: u16, clients: &Clients) -> Result<(), Failure> {
    let ana = open(port, clients).await;
    ana.set_window_size(1440, 900).await?;
    sign_in(&ana, base, "ana").await?;
    let patrol = "pueden mandar una patrulla a dar rondines en la noche, se juntan a tomar";
    post_signed(
        base,
        text_webhook("wamid.S1", Some(MARIA.0), None, None, patrol),
    )
    .await?;
    let asked = folio_on_queue(&ana, base, ".prio-normal").await?;
    let talk = "solicitamos platica de prevencion del delito para los vecinos";
    post_signed(
        base,
        text_webhook("wamid.S2", Some(MARIA.0), None, None, talk),
    )
    .await?;
    ana.goto(&format!("{base}/cola")).await?;
    live(&ana).await?;
    let question =
        format!("¿Qué pasó con el reporte {asked}? ya pasaron tres días y nadie ha venido");
    post_signed(
        base,
        text_webhook("wamid.S3", Some(MARIA.0), None, None, &question),
    )
    .await?;
    // Live: the marker on the named folio's row, and "Seguimiento" counts it.
    wait_js(
        &ana,
        &format!(
            "var r = document.querySelector(\"#filas tr[data-folio='{asked}'] .new-follow-up\");
             var n = document.querySelector('[data-count=\"category:follow_up\"]');
             return !!r && r.textContent.indexOf('1 mensaje nuevo') >= 0 && n.textContent === '1';"
        ),
    )
    .await?;
    let others = ana
        .execute(
            "return document.querySelectorAll('#filas .new-follow-up').length;",
            vec![],
        )
        .await?;
    assert_eq!(
        others,
        serde_json::json!(1),
        "only the named folio is marked"
    );
    screenshot(&ana, "seguimiento-cola").await?;
    ana.goto(&format!("{base}/reportes/{asked}")).await?;
    wait_text(&ana, "nadie ha venido").await?;
    wait_text(&ana, "Seguimiento del ciudadano").await?;
    screenshot(&ana, "seguimiento-reporte").await?;
    // Opened: the marker is gone from the queue.
    ana.goto(&format!("{base}/cola")).await?;
    wait_js(
        &ana,
        "return !!document.getElementById('filas')
             && document.querySelectorAll('#filas .new-follow-up').length === 0
             && document.querySelector('[data-count=\"category:follow_up\"]').textContent === '0';",
    )
    .await?;
    Ok(())
}
