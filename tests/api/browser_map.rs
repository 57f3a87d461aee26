//! The map page in headless Chromium with its tile server unreachable (as on a network
//! that blocks it): the pins and the list are still there, and a Spanish notice says why
//! the background is blank. Screenshots at laptop and phone sizes (`ALERTA_SCREENSHOTS`).

use fantoccini::Client;

use crate::browser::{
    chromedriver, drive, open, post_signed, screenshot, sign_in, start_server, wait_js,
};
use crate::browser::{Clients, Failure};
use crate::helpers::{text_webhook, MARIA};
use crate::monday::location_webhook;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_shows_pins_and_the_list_when_tiles_cannot_load() {
    let Some(path) = chromedriver() else { return };
    // Port 9 on loopback (discard): nothing answers, every tile fails at once.
    let server = start_server(|c| {
        c.map.tiles = "http://127.0.0.1:9/{z}/{x}/{y}.png".into();
    })
    .await;
    drive(&path, server, "mapa", |base, port, _, clients| async move {
        map_story(&base, port, &clients).await
    })
    .await;
}

async fn map_story(base: &str, port: u16, clients: &Clients) -> Result<(), Failure> {
    let patrol = "pueden mandar una patrulla a dar rondines en la noche, se juntan a tomar";
    post_signed(
        base,
        text_webhook("wamid.M1", Some(MARIA.0), None, None, patrol),
    )
    .await?;
    post_signed(
        base,
        location_webhook("wamid.M1L", MARIA.0, 29.1026, -110.9773, "Villa de Seris"),
    )
    .await?;
    // A report without a location: in the list's count, not on the map.
    let other = "solicitamos platica de prevencion del delito para los vecinos";
    post_signed(
        base,
        text_webhook("wamid.M2", Some(MARIA.0), None, None, other),
    )
    .await?;

    let c = open(port, clients).await;
    c.set_window_size(1440, 900).await?;
    sign_in(&c, base, "ana").await?;
    c.goto(&format!("{base}/mapa")).await?;
    check_page(&c).await?;
    screenshot(&c, "mapa-1440x900").await?;

    c.set_window_size(390, 844).await?;
    c.goto(&format!("{base}/mapa")).await?;
    check_page(&c).await?;
    screenshot(&c, "mapa-390x844").await?;
    Ok(())
}

async fn check_page(c: &Client) -> Result<(), Failure> {
    // One pin drawn by Leaflet (an SVG path with the priority's class), one list row.
    wait_js(
        c,
        "var m = document.getElementById('mapa');
         return m.getAttribute('data-pins') === '1'
             && document.querySelectorAll('#mapa path.pin.pin-normal').length === 1
             && document.querySelectorAll('#mapa-lista tr.pin-row').length === 1;",
    )
    .await?;
    // The tiles failed, and the page says so in Spanish.
    wait_js(
        c,
        "var a = document.getElementById('mapa-aviso');
         return !a.hidden && a.textContent.indexOf('No se pudo cargar el fondo del mapa') === 0;",
    )
    .await?;
    let summary = c
        .execute(
            "return document.getElementById('mapa-resumen').textContent;",
            vec![],
        )
        .await?;
    let summary = summary.as_str().unwrap_or_default();
    assert!(
        summary.contains("1 con ubicación") && summary.contains("1 sin ubicación"),
        "{summary}"
    );
    Ok(())
}
