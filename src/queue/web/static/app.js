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
   * Follows /cola/eventos. The browser reconnects by itself after a network error; when the
   * server refused the stream (session expired) it gives up, so we retry, and `onResync`
   * runs after every reconnection because events sent meanwhile were missed.
   */
  function follow(onEvent, onResync) {
    var hadError = false;
    function connect() {
      var es = new EventSource('/cola/eventos');
      es.addEventListener('open', function () {
        setConnection(true);
        if (hadError) onResync();
        hadError = false;
      });
      es.addEventListener('error', function () {
        hadError = true;
        setConnection(false);
        if (es.readyState === EventSource.CLOSED) {
          setTimeout(connect, 5000);
          onResync();
        }
      });
      es.addEventListener('report', function (msg) {
        var data = null;
        try { data = JSON.parse(msg.data); } catch (err) { data = null; }
        if (data) onEvent(data);
      });
      es.addEventListener('resync', onResync);
    }
    if (window.EventSource) connect();
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
    var baseTitle = document.title;
    var highlighted = {}; // folio → true: new critical/high reports of this visit
    var announced = {};   // folio → true: already flashed once
    var unseen = 0;
    var lastAlert = '';
    var flashTimer = null;
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
      if (flashTimer) clearInterval(flashTimer);
      flashTimer = null;
      unseen = 0;
      document.title = baseTitle;
    }

    function flashTitle(ev) {
      unseen += 1;
      lastAlert = (ev.priority === 'critical' ? '¡Crítico! ' : '¡Prioridad alta! ') + ev.folio;
      var on = true;
      document.title = '(' + unseen + ') ' + lastAlert;
      if (flashTimer) return;
      flashTimer = setInterval(function () {
        on = !on;
        document.title = on ? '(' + unseen + ') ' + lastAlert : baseTitle;
      }, 1000);
      // Someone already looking at the page sees the row; stop after a while anyway.
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

  if (page === 'cola') queuePage();
  if (page === 'reporte') reportPage();
})();
