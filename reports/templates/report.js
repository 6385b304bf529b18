(function () {
  'use strict';
  var t0 = performance.now();
  var DATA = null, BYID = null;
  function data() {
    if (!DATA) {
      var node = document.getElementById('case-data');
      try { DATA = JSON.parse(node ? node.textContent : '[]'); } catch (e) { DATA = []; }
    }
    return DATA;
  }
  function find(id) {
    if (!BYID) { BYID = new Map(); data().forEach(function (c, i) { BYID.set(c.id, i); }); }
    var i = BYID.get(id);
    return i === undefined ? null : data()[i];
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function $(id) { return document.getElementById(id); }

  /* ---- filters ---- */
  var rows = null;
  var cell = null; // {sc, c, s}
  function allRows() {
    if (!rows) rows = Array.prototype.slice.call(document.querySelectorAll('#case-table tbody tr'));
    return rows;
  }
  function checkedVerdicts() {
    var set = {};
    document.querySelectorAll('.vfilter input').forEach(function (i) { if (i.checked) set[i.value] = true; });
    return set;
  }
  function applyFilters() {
    var fam = $('f-family').value, impl = $('f-impl').value, show = $('f-show').value;
    var text = $('f-text').value.trim().toLowerCase();
    var vs = checkedVerdicts();
    var shown = 0;
    allRows().forEach(function (r) {
      var d = r.dataset, ok = true;
      if (fam && d.f !== fam) ok = false;
      else if (impl && d.c !== impl && d.s !== impl) ok = false;
      else if (!vs[d.v]) ok = false;
      else if (show === 'bad' && d.k !== 'unexpected' && d.k !== 'stale') ok = false;
      else if (show === 'known' && d.k !== 'known') ok = false;
      else if (show === 'changed' && d.ch !== '1') ok = false;
      else if (cell && (d.sc !== cell.sc || d.c !== cell.c || d.s !== cell.s)) ok = false;
      else if (text && r.textContent.toLowerCase().indexOf(text) < 0) ok = false;
      r.hidden = !ok;
      if (ok) shown++;
    });
    $('shown').textContent = shown;
    document.querySelectorAll('section.family').forEach(function (s) {
      s.hidden = !!fam && s.dataset.family !== fam;
    });
    document.querySelectorAll('.matrix [data-c]').forEach(function (c) {
      if (c.tagName === 'A') return;
      c.hidden = !!impl && c.dataset.c !== impl && c.dataset.s !== impl;
    });
  }
  function setCell(c) {
    cell = c;
    var box = $('f-cell');
    box.textContent = '';
    if (c) {
      box.appendChild(el('span', null, c.sc + '  ' + c.c + '\u2192' + c.s + ' '));
      var b = el('button', null, '\u00d7');
      b.title = 'clear';
      b.addEventListener('click', function () { setCell(null); });
      box.appendChild(b);
    }
    box.hidden = !c;
    applyFilters();
  }
  ['f-family', 'f-impl', 'f-show'].forEach(function (id) { $(id).addEventListener('change', applyFilters); });
  $('f-text').addEventListener('input', applyFilters);
  document.querySelectorAll('.vfilter input').forEach(function (i) { i.addEventListener('change', applyFilters); });
  document.querySelectorAll('.matrix td.cell a').forEach(function (a) {
    a.addEventListener('click', function (ev) {
      ev.preventDefault();
      setCell({ sc: a.dataset.sc, c: a.dataset.c, s: a.dataset.s });
      var t = document.querySelector('section.cases');
      if (t) t.scrollIntoView({ block: 'start' });
    });
  });

  /* ---- detail view ---- */
  var STEPS = ['Tcp', 'ClientHello', 'ServerHello', 'Certificate', 'CertificateVerify', 'KeyExchange', 'Finished', 'AppData'];
  var FIELDS = ['result', 'alert', 'direction', 'step', 'version', 'suite', 'group', 'sigalg', 'alpn', 'resumed', 'hrr', 'error'];
  var CLASS_LABEL = { known: 'known deviation', unexpected: 'unexpected', stale: 'stale deviation', expected_skip: 'skipped', expected_pass: 'as expected' };

  function kv(dl, k, v) {
    if (v === undefined || v === null || v === '') return;
    dl.appendChild(el('dt', null, k));
    var dd = el('dd');
    if (v instanceof Node) dd.appendChild(v); else dd.textContent = String(v);
    dl.appendChild(dd);
  }
  function steps(label, obs) {
    var box = el('div', 'steps');
    box.appendChild(el('b', null, label + ':\u00a0'));
    var reached = obs && obs.step ? STEPS.indexOf(obs.step) : -1;
    STEPS.forEach(function (s, i) {
      box.appendChild(el('span', i < reached ? 'done' : (i === reached ? 'last' : ''), s));
    });
    return box;
  }
  function expectedValue(exp, f) {
    if (!exp) return undefined;
    if (f === 'result') return exp.result;
    if (f === 'alert') return exp.alert;
    return exp.checks ? exp.checks[f] : undefined;
  }
  function eoTable(c) {
    var t = el('table', 'eo');
    var head = el('tr');
    ['', 'expected', 'client observed', 'server observed'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    var th = el('thead'); th.appendChild(head); t.appendChild(th);
    var tb = el('tbody');
    FIELDS.forEach(function (f) {
      var e = expectedValue(c.expected, f);
      var co = c.observed ? c.observed[f] : undefined, so = c.server_observed ? c.server_observed[f] : undefined;
      if (e === undefined && co === undefined && so === undefined) return;
      var tr = el('tr');
      tr.appendChild(el('th', null, f));
      tr.appendChild(el('td', e === undefined ? 'na' : '', e === undefined ? '\u2013' : e));
      [co, so].forEach(function (o) {
        var mis = e !== undefined && o !== undefined && f !== 'result' && String(o) !== String(e);
        if (f === 'result' && e !== undefined && o !== undefined && String(o) !== String(e)) mis = true;
        tr.appendChild(el('td', o === undefined ? 'na' : (mis ? 'mis' : ''), o === undefined ? '\u2013' : o));
      });
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    return t;
  }
  function ladder(c) {
    var lad = c.ladder || [];
    if (!lad.length) return el('p', 'empty-t', 'no transcript recorded');
    var proxy = !!c.proxy;
    var pos = proxy ? { C: 7, P: 50, S: 93 } : { C: 7, S: 93 };
    var names = { C: 'client \u00b7 ' + c.client, P: 'proxy', S: 'server \u00b7 ' + c.server };
    var box = el('div', 'ladder');
    Object.keys(pos).forEach(function (k) {
      var line = el('div', 'lane'); line.style.left = pos[k] + '%'; box.appendChild(line);
      var n = el('div', 'lname', names[k]); n.style.left = pos[k] + '%'; box.appendChild(n);
    });
    var multi = lad.some(function (s) { return s[0] !== 1; });
    var conn = null;
    lad.forEach(function (s) {
      var cn = s[0], from = s[1], to = s[2], text = s[3];
      if (multi && cn !== conn) {
        var sep = el('div', 'sep'); sep.appendChild(el('span', null, 'connection ' + cn)); box.appendChild(sep);
      }
      conn = cn;
      if (!from || pos[from] === undefined || pos[to] === undefined) { box.appendChild(el('div', 'nt', text)); return; }
      var a = pos[from], b = pos[to];
      var row = el('div', 'msg');
      var cls = 'arr ' + (a < b ? 'ltr' : 'rtl');
      if (/^alert\b|alert record/i.test(text)) cls += ' alert';
      else if (/encrypted|^application_data/i.test(text)) cls += ' enc';
      else if (/^HelloRetryRequest/.test(text)) cls += ' hrr';
      var arr = el('div', cls, text);
      arr.style.marginLeft = Math.min(a, b) + '%';
      arr.style.width = Math.abs(a - b) + '%';
      row.appendChild(arr);
      box.appendChild(row);
    });
    return box;
  }
  function render(c) {
    var p = $('d-panel');
    p.textContent = '';
    var close = el('a', 'close', '\u00d7'); close.href = '#'; close.title = 'close (Esc)'; close.id = 'd-close';
    p.appendChild(close);
    var h = el('h2', null, c.id); h.id = 'd-title'; p.appendChild(h);
    var badges = el('div', 'badges');
    badges.appendChild(el('span', 'badge v-' + c.verdict, c.verdict));
    if (c.class !== 'expected_pass') badges.appendChild(el('span', 'badge k-' + c.class, CLASS_LABEL[c.class] || c.class));
    if (c.prev) badges.appendChild(el('span', 'badge changed', 'was ' + c.prev + ' in the previous run'));
    if (c.new_case) badges.appendChild(el('span', 'badge changed', 'new since the previous run'));
    p.appendChild(badges);
    if (c.note) p.appendChild(el('div', 'note ' + (c.class === 'stale' ? 'stale' : 'bad'), c.note));
    if (c.deviation) p.appendChild(el('div', 'note known', 'Known deviation (' + c.deviation_pattern + '): ' + c.deviation));
    if (c.reason) p.appendChild(el('div', 'note info', c.reason));
    var dl = el('dl', 'kv');
    kv(dl, 'scenario', c.scenario);
    kv(dl, 'family', c.family);
    kv(dl, 'client \u2192 server', c.client + ' \u2192 ' + c.server);
    kv(dl, 'under test', c.under_test);
    kv(dl, 'duration', c.duration_ms !== undefined && c.duration_ms !== null ? c.duration_ms.toFixed(2) + ' ms' : null);
    kv(dl, 'RFC', c.rfc);
    if (c.pcap || c.keylog) {
      var files = el('span', 'files');
      if (c.pcap) { var a1 = el('a', null, 'capture (pcapng)'); a1.href = c.pcap; a1.setAttribute('download', ''); files.appendChild(a1); }
      if (c.keylog) { var a2 = el('a', null, 'key log (SSLKEYLOGFILE)'); a2.href = c.keylog; a2.setAttribute('download', ''); files.appendChild(a2); }
      kv(dl, 'files', files);
    }
    p.appendChild(dl);
    if (c.requirement) p.appendChild(el('blockquote', 'req', c.requirement));
    p.appendChild(el('h3', null, 'Expected vs observed'));
    p.appendChild(eoTable(c));
    p.appendChild(steps('client reached', c.observed));
    p.appendChild(steps('server reached', c.server_observed));
    p.appendChild(el('h3', null, 'Transcript'));
    p.appendChild(ladder(c));
  }
  var lastFocus = null;
  function openCase(id) {
    var c = find(id);
    var d = $('detail');
    if (!c) {
      var p = $('d-panel'); p.textContent = '';
      var close = el('a', 'close', '\u00d7'); close.href = '#'; p.appendChild(close);
      p.appendChild(el('h2', null, 'No case with id ' + id));
    } else {
      render(c);
    }
    if (d.hidden) lastFocus = document.activeElement;
    d.hidden = false;
    document.body.style.overflow = 'hidden';
    var cl = $('d-close'); if (cl) cl.focus({ preventScroll: true });
  }
  function closeDetail() {
    var d = $('detail');
    if (d.hidden) return;
    d.hidden = true;
    document.body.style.overflow = '';
    if (lastFocus && lastFocus.focus) lastFocus.focus({ preventScroll: true });
  }
  function route() {
    var h = location.hash;
    if (h.indexOf('#case=') === 0) {
      var id;
      try { id = decodeURIComponent(h.slice(6)); } catch (e) { id = h.slice(6); }
      openCase(id);
    } else {
      closeDetail();
    }
  }
  function dismiss() {
    if (history.length > 1 && location.hash.indexOf('#case=') === 0) { location.hash = ''; } else { closeDetail(); }
  }
  $('d-backdrop').addEventListener('click', dismiss);
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') dismiss(); });
  window.addEventListener('hashchange', route);
  route();
  document.documentElement.setAttribute('data-ready-ms', (performance.now() - t0).toFixed(1));
})();
