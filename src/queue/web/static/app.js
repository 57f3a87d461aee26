// alerta — operators' web app. Plain JavaScript, no dependencies, loaded from /static with a
// CSP that forbids inline code: every behaviour is attached here, never in the HTML.
(function () {
  'use strict';

  var body = document.body;
  var page = body.getAttribute('data-page');

  // ---- shared -------------------------------------------------------------------------

  /** Shortcuts never fire while the operator is typing. */
  function typing(el) {
    if (!el || el === body) return false;
    var tag = el.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
  }

  function plainKey(e) {
    return !(e.ctrlKey || e.metaKey || e.altKey) && !typing(e.target);
  }

  var conn = document.getElementById('conexion');

  function setConnection(live) {
    if (!conn) return;
    conn.hidden = false;
    conn.textContent = live ? 'en vivo' : 'reconectando…';
    conn.className = 'conn ' + (live ? 'live' : 'down');
  }

  /**
   * Follows /cola/eventos: one stream per page, shared by every `follow` caller (the page's
   * own updates and the attention banner). The browser reconnects by itself after a network
   * error; when the server refused the stream (session expired) it gives up, so we retry,
   * and each `onResync` runs after every reconnection because events sent meanwhile were
   * missed.
   */
  var listeners = [];
  function follow(onEvent, onResync) {
    listeners.push({ onEvent: onEvent, onResync: onResync });
    if (listeners.length === 1 && window.EventSource) connect();
  }

  function resyncAll() {
    listeners.forEach(function (l) { l.onResync(); });
  }

  function connect() {
    var hadError = false;
    var es = new EventSource('/cola/eventos');
    es.addEventListener('open', function () {
      setConnection(true);
      if (hadError) resyncAll();
      hadError = false;
    });
    es.addEventListener('error', function () {
      hadError = true;
      setConnection(false);
      if (es.readyState === EventSource.CLOSED) {
        setTimeout(connect, 5000);
        resyncAll();
      }
    });
    es.addEventListener('report', function (msg) {
      var data = null;
      try { data = JSON.parse(msg.data); } catch (err) { data = null; }
      if (data) listeners.forEach(function (l) { l.onEvent(data); });
    });
    es.addEventListener('resync', resyncAll);
  }

  /**
   * The tab title alternates with an alert while one is set. Two sources: new critical
   * reports (the attention banner, until opened or dismissed) outrank new high-priority
   * rows on the queue page (until the operator is back on the page).
   */
  var baseTitle = document.title;
  var titleAlerts = {};
  var titleTimer = null;

  function currentTitleAlert() {
    return titleAlerts.critico || titleAlerts.alta || null;
  }

  function titleAlert(source, text) {
    if (text) titleAlerts[source] = text; else delete titleAlerts[source];
    if (!currentTitleAlert()) {
      if (titleTimer) clearInterval(titleTimer);
      titleTimer = null;
      document.title = baseTitle;
      return;
    }
    document.title = currentTitleAlert();
    if (titleTimer) return;
    var on = true;
    titleTimer = setInterval(function () {
      var t = currentTitleAlert();
      if (!t) return;
      on = !on;
      document.title = on ? t : baseTitle;
    }, 1000);
  }

  /**
   * Forms that ask first (resolve, override, erase) and POSTs that are sent only once. A
   * search form may be sent again at will, and so may a download, which leaves the page
   * where it is (`data-download`).
   */
  function guardForms() {
    var forms = document.querySelectorAll('form');
    Array.prototype.forEach.call(forms, function (f) {
      f.addEventListener('submit', function (e) {
        var question = f.getAttribute('data-confirm');
        if (question && !window.confirm(question)) {
          e.preventDefault();
          return;
        }
        if (f.method !== 'post' || f.hasAttribute('data-download')) return;
        if (f.getAttribute('data-sent')) {
          e.preventDefault();
          return;
        }
        f.setAttribute('data-sent', '1');
      });
    });
    // Back and forward restore the page as it was left, "sent" marks included.
    window.addEventListener('pageshow', function (e) {
      if (!e.persisted) return;
      Array.prototype.forEach.call(document.querySelectorAll('form[data-sent]'), function (f) {
        f.removeAttribute('data-sent');
      });
    });
  }

  function submit(form) {
    if (!form) return;
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      var question = form.getAttribute('data-confirm');
      if (!question || window.confirm(question)) form.submit();
    }
  }

  guardForms();

  // ---- the queue ----------------------------------------------------------------------

  function queuePage() {
    var highlighted = {}; // folio → true: new critical/high reports of this visit
    var announced = {};   // folio → true: already flashed once
    var unseen = 0;
    var refreshTimer = null;
    var selectedFolio = null;
    var help = document.getElementById('ayuda');

    function rows() {
      return Array.prototype.slice.call(document.querySelectorAll('#filas tr[data-folio]'));
    }

    function select(folio, scroll) {
      selectedFolio = folio;
      rows().forEach(function (tr) {
        var on = tr.getAttribute('data-folio') === folio;
        tr.classList.toggle('selected', on);
        tr.setAttribute('aria-selected', on ? 'true' : 'false');
        if (on && scroll) tr.scrollIntoView({ block: 'nearest' });
      });
    }

    function move(step) {
      var list = rows();
      if (!list.length) return;
      var at = -1;
      list.forEach(function (tr, i) { if (tr.getAttribute('data-folio') === selectedFolio) at = i; });
      var next = at < 0 ? 0 : Math.min(list.length - 1, Math.max(0, at + step));
      select(list[next].getAttribute('data-folio'), true);
    }

    function openSelected() {
      var tr = rows().filter(function (r) { return r.getAttribute('data-folio') === selectedFolio; })[0];
      var link = tr && tr.querySelector('a.folio');
      if (link) window.location.href = link.getAttribute('href');
    }

    function decorate() {
      rows().forEach(function (tr) {
        var folio = tr.getAttribute('data-folio');
        if (highlighted[folio]) {
          tr.classList.add('fresh');
          announced[folio] = true;
        }
      });
      if (selectedFolio) select(selectedFolio, false);
    }

    // The filter bar's numbers follow the rows; a category that appears for the first time
    // shows up on the next full load.
    function updateCounts(json) {
      var counts;
      try { counts = JSON.parse(json || '{}'); } catch (e) { return; }
      Array.prototype.forEach.call(document.querySelectorAll('[data-count]'), function (el) {
        var key = el.getAttribute('data-count');
        el.textContent = String(Object.prototype.hasOwnProperty.call(counts, key) ? counts[key] : 0);
      });
    }

    function replaceRows(html) {
      var doc = new DOMParser().parseFromString('<table>' + html + '</table>', 'text/html');
      var fresh = doc.querySelector('tbody');
      var old = document.getElementById('filas');
      if (!fresh || !old) return;
      old.replaceWith(document.importNode(fresh, true));
      var total = document.getElementById('total');
      var n = fresh.getAttribute('data-total');
      if (total && n !== null) total.textContent = n;
      updateCounts(fresh.getAttribute('data-counts'));
      decorate();
      body.setAttribute('data-refrescos', String(Number(body.getAttribute('data-refrescos') || 0) + 1));
    }

    function refresh() {
      refreshTimer = null;
      fetch('/cola/filas' + window.location.search, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'text/html' }
      }).then(function (res) {
        if (res.status === 401) {
          window.location.href = '/login?next=' + encodeURIComponent(window.location.pathname + window.location.search);
          return null;
        }
        return res.ok ? res.text() : null;
      }).then(function (html) {
        if (html !== null) replaceRows(html);
      }).catch(function () { setConnection(false); });
    }

    // A burst of events (a webhook with several reports) becomes one refresh.
    function scheduleRefresh() {
      if (!refreshTimer) refreshTimer = setTimeout(refresh, 300);
    }

    function stopFlash() {
      unseen = 0;
      titleAlert('alta', null);
    }

    // Critical ones are the attention banner's (it keeps the title until they are opened);
    // a high-priority one flashes here until the operator is back on the page.
    function flashTitle(ev) {
      if (ev.priority !== 'high') return;
      unseen += 1;
      titleAlert('alta', '(' + unseen + ') ¡Prioridad alta! ' + ev.folio);
      if (document.hasFocus()) setTimeout(stopFlash, 15000);
    }

    follow(function (ev) {
      var urgent = ev.priority === 'critical' || ev.priority === 'high';
      if (ev.action === 'report.created' && urgent && !announced[ev.folio]) {
        highlighted[ev.folio] = true;
        flashTitle(ev);
      }
      scheduleRefresh();
    }, scheduleRefresh);

    window.addEventListener('focus', stopFlash);
    document.addEventListener('pointerdown', stopFlash);

    function toggleHelp(show) {
      if (help) help.hidden = !(show === undefined ? help.hidden : show);
    }
    var openHelp = document.getElementById('ayuda-abrir');
    var closeHelp = document.getElementById('ayuda-cerrar');
    if (openHelp) openHelp.addEventListener('click', function () { toggleHelp(true); });
    if (closeHelp) closeHelp.addEventListener('click', function () { toggleHelp(false); });

    document.addEventListener('keydown', function (e) {
      if (!plainKey(e)) return;
      stopFlash();
      switch (e.key) {
        case 'j': move(1); break;
        case 'k': move(-1); break;
        case 'Enter':
          if (e.target.tagName === 'A' || e.target.tagName === 'BUTTON') return;
          openSelected();
          break;
        case '/': {
          var q = document.getElementById('q');
          if (q) { q.focus(); q.select(); }
          break;
        }
        case '?': toggleHelp(); break;
        case 'Escape': toggleHelp(false); return;
        default: return;
      }
      e.preventDefault();
    });
  }

  // ---- the report page -------------------------------------------------------------------

  function reportPage() {
    var folio = body.getAttribute('data-folio');
    var version = body.getAttribute('data-version');
    var banner = document.getElementById('cambio');

    // The confirmation belongs to this visit: a reload should not show it again.
    if (window.location.search.indexOf('ok=') >= 0 && window.history.replaceState) {
      window.history.replaceState(null, '', window.location.pathname);
    }

    // Events do not say who acted, so compare the report's version with what is on screen:
    // this operator's own change is already shown and raises no banner.
    function checkVersion() {
      fetch(window.location.pathname, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (res) { return res.ok ? res.text() : null; })
        .then(function (html) {
          if (html === null || !banner) return;
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var now = doc.body && doc.body.getAttribute('data-version');
          if (now && now !== version) banner.hidden = false;
        })
        .catch(function () { setConnection(false); });
    }

    follow(function (ev) {
      if (ev.folio === folio) checkVersion();
    }, checkVersion);

    function form(action) {
      return document.querySelector('form[data-action="' + action + '"]');
    }

    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && typing(e.target)) {
        e.target.blur();
        return;
      }
      if (!plainKey(e)) return;
      switch (e.key) {
        case 't': submit(form('claim')); break;
        case 'a': submit(form('acknowledge')); break;
        case 'r': submit(form('resolve')); break;
        case 'n': {
          var note = document.getElementById('nota');
          if (note) note.focus();
          break;
        }
        case 'Escape': window.location.href = '/cola'; break;
        default: return;
      }
      e.preventDefault();
    });
  }

  // ---- attention: new critical reports, wherever the operator is ---------------------------

  /**
   * A new critical report shows as a sticky banner and a header pill on every page, and
   * flashes the tab title, until the operator opens it or dismisses the banner. What is
   * pending survives moving between pages (sessionStorage: this tab only). Sound (a beep
   * made with WebAudio, repeated while something is pending) and browser notifications are
   * off until the operator turns them on (localStorage: this browser).
   */
  function attention() {
    if (!body.hasAttribute('data-user')) return;
    var KEY = 'alerta.criticos';
    var banner = document.getElementById('atencion');
    var pill = document.getElementById('atencion-pastilla');
    var dismiss = document.getElementById('atencion-descartar');
    var soundBox = document.getElementById('aviso-sonido');
    var notifyBox = document.getElementById('aviso-navegador');
    var status = document.getElementById('aviso-estado');
    var here = page === 'reporte' ? body.getAttribute('data-folio') : null;
    var CLOSED = ['resolved', 'dismissed', 'duplicate'];
    var CATEGORY = { emergency_911: 'Emergencia (911)', tip_089: 'Denuncia anónima (089)' };
    var audio = null;
    var beepTimer = null;

    function pref(name) {
      try { return window.localStorage.getItem('alerta.' + name) === '1'; } catch (e) { return false; }
    }
    function setPref(name, on) {
      try { window.localStorage.setItem('alerta.' + name, on ? '1' : '0'); } catch (e) { /* private mode */ }
    }
    function load() {
      try {
        var list = JSON.parse(window.sessionStorage.getItem(KEY) || '[]');
        return Array.isArray(list) ? list : [];
      } catch (e) { return []; }
    }
    function save() {
      try { window.sessionStorage.setItem(KEY, JSON.stringify(pending)); } catch (e) { /* private mode */ }
    }
    function without(folio) {
      pending = pending.filter(function (p) { return p.folio !== folio; });
    }

    var pending = load();
    // Opening a report is seeing it.
    if (here) { without(here); save(); }

    function beep() {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      if (!audio) audio = new Ctx();
      if (audio.state === 'suspended') audio.resume();
      var t = audio.currentTime;
      [0, 0.3].forEach(function (d) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = 'square';
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, t + d);
        gain.gain.exponentialRampToValueAtTime(0.2, t + d + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + d + 0.22);
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(t + d);
        osc.stop(t + d + 0.25);
      });
      body.setAttribute('data-pitidos', String(Number(body.getAttribute('data-pitidos') || 0) + 1));
    }
    function stopBeeps() {
      if (beepTimer) clearInterval(beepTimer);
      beepTimer = null;
    }
    // Repeats while anything is pending: one beep is easy to miss across a room.
    function startBeeps() {
      if (beepTimer || !pref('sonido')) return;
      beep();
      beepTimer = setInterval(function () {
        if (pending.length && pref('sonido')) beep(); else stopBeeps();
      }, 10000);
    }
    // Browsers start audio only after a gesture on the page: the first click or key does.
    function unlockAudio() {
      if (audio && audio.state === 'suspended') audio.resume();
    }
    document.addEventListener('pointerdown', unlockAudio);
    document.addEventListener('keydown', unlockAudio);

    function notify(ev) {
      if (!pref('navegador') || !window.Notification || window.Notification.permission !== 'granted') return;
      var n = new window.Notification('Reporte crítico nuevo: ' + ev.folio, {
        body: (CATEGORY[ev.category] || 'Prioridad crítica') + ' — ábralo en alerta.',
        tag: 'alerta-' + ev.folio,
        requireInteraction: true
      });
      n.onclick = function () {
        window.focus();
        window.location.href = '/reportes/' + encodeURIComponent(ev.folio);
      };
    }

    function render() {
      var n = pending.length;
      var text = n === 1 ? '1 reporte crítico nuevo' : n + ' reportes críticos nuevos';
      var href = n === 1 ? '/reportes/' + encodeURIComponent(pending[0].folio) : '/cola';
      [banner, pill].forEach(function (el) {
        if (!el) return;
        el.hidden = n === 0;
        var label = el.querySelector('.attention-text');
        if (label) label.textContent = text;
        var link = el.tagName === 'A' ? el : el.querySelector('a');
        if (link) link.setAttribute('href', href);
      });
      body.setAttribute('data-criticos', String(n));
      titleAlert('critico', n ? '(' + n + ') ¡Crítico! ' + pending[n - 1].folio : null);
      if (n) startBeeps(); else stopBeeps();
    }

    if (dismiss) {
      dismiss.addEventListener('click', function () {
        pending = [];
        save();
        render();
      });
    }
    if (soundBox) {
      soundBox.checked = pref('sonido');
      soundBox.addEventListener('change', function () {
        setPref('sonido', soundBox.checked);
        if (status) status.textContent = soundBox.checked ? 'Sonido activado.' : 'Sonido desactivado.';
        // A sample now, while the click allows audio; it also unlocks it for later.
        if (soundBox.checked) { beep(); if (pending.length) startBeeps(); } else stopBeeps();
      });
    }
    if (notifyBox) {
      notifyBox.checked = pref('navegador') && !!window.Notification &&
        window.Notification.permission === 'granted';
      notifyBox.addEventListener('change', function () {
        if (!notifyBox.checked) {
          setPref('navegador', false);
          if (status) status.textContent = 'Notificaciones desactivadas.';
          return;
        }
        if (!window.Notification) {
          notifyBox.checked = false;
          if (status) status.textContent = 'Este navegador no admite notificaciones.';
          return;
        }
        window.Notification.requestPermission().then(function (answer) {
          var ok = answer === 'granted';
          notifyBox.checked = ok;
          setPref('navegador', ok);
          if (status) {
            status.textContent = ok
              ? 'Notificaciones activadas.'
              : 'El navegador no dio permiso para notificaciones; puede darlo en la configuración del sitio.';
          }
        });
      });
    }

    follow(function (ev) {
      var known = pending.some(function (p) { return p.folio === ev.folio; });
      if (ev.action === 'report.created' && ev.priority === 'critical' && ev.folio !== here && !known) {
        pending.push({ folio: ev.folio, category: ev.category });
        save();
        stopBeeps(); // restart the repetition with an immediate beep for the new one
        render();
        notify(ev);
      } else if (known && CLOSED.indexOf(ev.status) >= 0) {
        // Someone closed it: nothing left to draw attention to.
        without(ev.folio);
        save();
        render();
      }
    }, function () {});
    render();
  }

  // ---- compact queue: one line per report, remembered in this browser ----------------------

  function compactMode() {
    var KEY = 'alerta.compacto';
    var button = document.getElementById('compacto');
    if (!button) return;
    function stored() {
      try { return window.localStorage.getItem(KEY) === '1'; } catch (e) { return false; }
    }
    function apply(on) {
      body.classList.toggle('compact', on);
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    apply(stored());
    button.addEventListener('click', function () {
      var on = !body.classList.contains('compact');
      try { window.localStorage.setItem(KEY, on ? '1' : '0'); } catch (e) { /* private mode */ }
      apply(on);
    });
  }

  attention();
  if (page === 'cola') { compactMode(); queuePage(); }
  if (page === 'reporte') reportPage();
})();
