// The map page: turns the server-rendered list (#mapa-lista, one row per report with its
// coordinates) into Leaflet pins. Everything the page needs is already in the list, so
// when tiles cannot load (no network, a blocked tile server) the pins and the list still
// work and a notice says why the background is blank. No inline code: the CSP forbids it.
(function () {
  "use strict";

  function notice(text) {
    var el = document.getElementById("mapa-aviso");
    if (el && el.hidden) {
      el.textContent = text;
      el.hidden = false;
    }
  }

  function popup(row) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/reportes/" + encodeURIComponent(row.dataset.folio);
    link.textContent = row.dataset.folio;
    var strong = document.createElement("strong");
    strong.appendChild(link);
    box.appendChild(strong);
    [row.dataset.categoria, row.dataset.estado, row.dataset.edad].forEach(function (t) {
      var line = document.createElement("div");
      line.textContent = t;
      box.appendChild(line);
    });
    return box;
  }

  function start() {
    var el = document.getElementById("mapa");
    if (!el) {
      return;
    }
    if (typeof L === "undefined") {
      notice("El mapa no se pudo cargar; la lista de reportes sigue abajo.");
      el.hidden = true;
      return;
    }
    var map = L.map(el, { zoomControl: true, attributionControl: true });
    map.attributionControl.setPrefix(false);
    var tiles = el.dataset.tiles;
    if (tiles) {
      var failed = false;
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" })
        .on("tileerror", function () {
          if (!failed) {
            failed = true;
            notice("No se pudo cargar el fondo del mapa (sin conexión con el servidor de mosaicos). Los puntos y la lista siguen disponibles.");
          }
        })
        .addTo(map);
    } else {
      notice("Mapa sin fondo: no hay servidor de mosaicos configurado. Los puntos y la lista siguen disponibles.");
    }
    var rows = document.querySelectorAll("#mapa-lista tr.pin-row");
    var points = [];
    rows.forEach(function (row) {
      var lat = parseFloat(row.dataset.lat);
      var lon = parseFloat(row.dataset.lon);
      if (!isFinite(lat) || !isFinite(lon)) {
        return;
      }
      var marker = L.circleMarker([lat, lon], {
        radius: row.dataset.prioridad === "critical" ? 10 : 8,
        className: "pin pin-" + row.dataset.prioridad,
        weight: 2,
        fillOpacity: 0.85
      }).bindPopup(popup(row)).bindTooltip(row.dataset.folio);
      marker.addTo(map);
      row.addEventListener("click", function (ev) {
        if (ev.target.tagName !== "A") {
          map.setView([lat, lon], Math.max(map.getZoom(), 15));
          marker.openPopup();
        }
      });
      points.push([lat, lon]);
    });
    if (points.length > 0) {
      map.fitBounds(points, { padding: [30, 30], maxZoom: 16 });
    } else {
      // Hermosillo, until a report with a location arrives.
      map.setView([29.0729, -110.9559], 11);
    }
    el.dataset.pins = String(points.length);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
