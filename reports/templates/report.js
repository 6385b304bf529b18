(function () {
  'use strict';
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

  /* ---- case list: built from the index island, a page at a time ---- */
  var INDEX = (function () {
    var node = document.getElementById('case-index');
    try { return JSON.parse(node ? node.textContent : '[]'); } catch (e) { return []; }
  })();
  var PAGE = 300;
  var LABEL = { known: 'known deviation', unexpected: 'unexpected', stale: 'stale deviation', reported: 'reported (not gated)' };
  var cell = null; // {sc, c, s}
  var matches = [];
  var shownCount = 0;
  function checkedVerdicts() {
    var set = {};
    document.querySelectorAll('.vfilter input').forEach(function (i) { if (i.checked) set[i.value] = true; });
    return set;
  }
  function hrefOf(id) { return '#case=' + encodeURIComponent(id); }
  function rowOf(r) {
    // r = [id, family, scenario, client, server, verdict, class, prev, reason, breaks]
    var tr = document.createElement('tr');
    var td = el('td'); td.appendChild(el('span', 'badge v-' + r[5], r[5]));
    if (r[9]) { var lv = el('span', 'badge lvl' + (r[9] === 'MUST' ? ' must' : ''), r[9]); lv.title = 'the level of the rule this verdict breaks'; td.appendChild(document.createTextNode(' ')); td.appendChild(lv); }
    tr.appendChild(td);
    td = el('td', 'id'); var a = el('a', null, r[0]); a.href = hrefOf(r[0]); td.appendChild(a); tr.appendChild(td);
    td = el('td');
    if (LABEL[r[6]]) td.appendChild(el('span', 'badge k-' + r[6], LABEL[r[6]]));
    if (r[7]) { var ch = el('span', 'badge changed', 'was ' + r[7]); ch.title = 'verdict in the previous run'; td.appendChild(document.createTextNode(' ')); td.appendChild(ch); }
    tr.appendChild(td);
    tr.appendChild(el('td', 'reason', r[8]));
    return tr;
  }
  function showMore() {
    var body = $('case-rows');
    var frag = document.createDocumentFragment();
    var end = Math.min(matches.length, shownCount + PAGE);
    for (var i = shownCount; i < end; i++) frag.appendChild(rowOf(INDEX[matches[i]]));
    body.appendChild(frag);
    shownCount = end;
    var more = $('more');
    var left = matches.length - shownCount;
    more.hidden = left <= 0;
    more.textContent = 'show ' + Math.min(left, PAGE) + ' more (' + left + ' not shown)';
  }
  function applyFilters() {
    var fam = $('f-family').value, impl = $('f-impl').value, show = $('f-show').value;
    var text = $('f-text').value.trim().toLowerCase();
    var vs = checkedVerdicts();
    matches = [];
    for (var i = 0; i < INDEX.length; i++) {
      var r = INDEX[i];
      if (fam && r[1] !== fam) continue;
      if (impl && r[3] !== impl && r[4] !== impl) continue;
      if (!vs[r[5]]) continue;
      if (show === 'bad' && r[6] !== 'unexpected' && r[6] !== 'stale') continue;
      if (show === 'known' && r[6] !== 'known') continue;
      if (show === 'reported' && r[6] !== 'reported') continue;
      if (show === 'must' && r[9] !== 'MUST') continue;
      if (show === 'changed' && !r[7]) continue;
      if (cell && (r[2] !== cell.sc || r[3] !== cell.c || r[4] !== cell.s)) continue;
      if (text && (r[0] + ' ' + r[8]).toLowerCase().indexOf(text) < 0) continue;
      matches.push(i);
    }
    $('case-rows').textContent = '';
    shownCount = 0;
    showMore();
    $('shown').textContent = matches.length;
    document.querySelectorAll('section.family').forEach(function (s) {
      s.hidden = !!fam && s.dataset.family !== fam;
    });
    document.querySelectorAll('.matrix th[data-c], .matrix td[data-c]').forEach(function (c) {
      c.hidden = !!impl && c.dataset.c !== impl && c.dataset.s !== impl;
    });
    // A wide matrix's client headers span what is left of their columns.
    document.querySelectorAll('.matrix th.cgroup').forEach(function (g) {
      var n = +g.dataset.n;
      if (impl && g.dataset.g !== impl) {
        n = 0;
        g.closest('table').querySelectorAll('tr.servers th[data-c]').forEach(function (h) {
          if (h.dataset.c === g.dataset.g && !h.hidden) n++;
        });
      }
      g.hidden = n === 0;
      g.colSpan = Math.max(n, 1);
    });
  }
  $('more').addEventListener('click', showMore);
  var showBad = $('show-bad');
  if (showBad) showBad.addEventListener('click', function () { $('f-show').value = 'bad'; applyFilters(); });
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
  document.addEventListener('click', function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest('.matrix td.cell a') : null;
    if (!a || a.getAttribute('href').indexOf('#case=') === 0) return; // one case: open it
    ev.preventDefault();
    setCell({ sc: a.dataset.sc, c: a.dataset.c, s: a.dataset.s });
    var t = document.querySelector('section.cases');
    if (t) t.scrollIntoView({ block: 'start' });
  });

  /* ---- detail view ---- */
  var STEPS = ['Tcp', 'ClientHello', 'ServerHello', 'Certificate', 'CertificateVerify', 'KeyExchange', 'Finished', 'AppData'];
  var FIELDS = ['result', 'alert', 'direction', 'step', 'version', 'suite', 'group', 'sigalg', 'alpn', 'resumed', 'hrr', 'error'];
  var CLASS_LABEL = { known: 'known deviation', unexpected: 'unexpected', stale: 'stale deviation', reported: 'reported (not gated)', expected_skip: 'skipped', expected_pass: 'as expected' };
  var BINDS = { receiver: 'receiver (the side that processes the message)', sender: 'sender (the side that sends the message)' };
  var ALERT_FROM = { section: 'named by the section', meaning: 'chosen by its meaning (RFC 8446 6.2): the alert half is SHOULD at most', none: 'no alert expected' };

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
  function appData(c) {
    // What each side actually read: peer bytes, shown as text only.
    var sides = [['client', c.observed], ['server', c.server_observed]].filter(function (s) {
      return s[1] && (s[1].app_data_len !== undefined || s[1].app_data !== undefined);
    });
    if (!sides.length) return null;
    var t = el('table', 'eo');
    var head = el('tr');
    ['', 'bytes read', 'data (first 120 characters, lossy UTF-8)'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    var th = el('thead'); th.appendChild(head); t.appendChild(th);
    var tb = el('tbody');
    sides.forEach(function (s) {
      var tr = el('tr');
      tr.appendChild(el('th', null, s[0]));
      tr.appendChild(el('td', s[1].app_data_len === undefined ? 'na' : '', s[1].app_data_len === undefined ? '\u2013' : s[1].app_data_len));
      var td = el('td', s[1].app_data === undefined ? 'na' : '');
      if (s[1].app_data === undefined) td.textContent = '\u2013'; else td.appendChild(el('pre', 'appdata', s[1].app_data));
      tr.appendChild(td);
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
    if (c.verdict_level) badges.appendChild(el('span', 'badge lvl' + (c.verdict_level === 'MUST' ? ' must' : ''), 'breaks a ' + c.verdict_level + '-level rule'));
    if (c.class !== 'expected_pass') badges.appendChild(el('span', 'badge k-' + c.class, CLASS_LABEL[c.class] || c.class));
    if (c.prev) badges.appendChild(el('span', 'badge changed', 'was ' + c.prev + ' in the previous run'));
    if (c.new_case) badges.appendChild(el('span', 'badge changed', 'new since the previous run'));
    p.appendChild(badges);
    if (c.note) p.appendChild(el('div', 'note ' + (c.class === 'stale' ? 'stale' : (c.class === 'reported' ? 'reported' : 'bad')), c.note));
    if (c.deviation) p.appendChild(el('div', 'note known', 'Known deviation (' + c.deviation_pattern + '): ' + c.deviation));
    if (c.reason) p.appendChild(el('div', 'note info', c.reason));
    var dl = el('dl', 'kv');
    kv(dl, 'scenario', c.scenario);
    kv(dl, 'family', c.family);
    kv(dl, 'client \u2192 server', c.client + ' \u2192 ' + c.server);
    kv(dl, 'under test', c.under_test);
    kv(dl, 'duration', c.duration_ms !== undefined && c.duration_ms !== null ? c.duration_ms.toFixed(2) + ' ms' : null);
    kv(dl, 'RFC', c.rfc);
    kv(dl, 'level', c.level);
    kv(dl, 'binds', c.binds ? (BINDS[c.binds] || c.binds) : null);
    kv(dl, 'alert', c.alert_from ? (ALERT_FROM[c.alert_from] || c.alert_from) : null);
    kv(dl, 'verdict breaks', c.verdict_level);
    if (c.replayable !== undefined) {
      kv(dl, 'replay', c.replayable ? 'byte-identical from the run seed'
        : 'not from the seed: ' + (c.unseeded || []).join('; '));
    }
    if (c.pcap || c.keylog) {
      var files = el('span', 'files');
      if (c.pcap) { var a1 = el('a', null, 'capture (pcapng)'); a1.href = c.pcap; a1.setAttribute('download', ''); files.appendChild(a1); }
      if (c.keylog) { var a2 = el('a', null, 'key log (SSLKEYLOGFILE)'); a2.href = c.keylog; a2.setAttribute('download', ''); files.appendChild(a2); }
      kv(dl, 'files', files);
    }
    p.appendChild(dl);
    if (c.requirement) p.appendChild(el('blockquote', 'req', c.requirement));
    if (c.scenario_note) {
      var ln = el('div', 'note level');
      ln.appendChild(el('b', null, 'Why ' + (c.level || 'this level') + ': '));
      ln.appendChild(document.createTextNode(c.scenario_note));
      p.appendChild(ln);
    }
    p.appendChild(el('h3', null, 'Expected vs observed'));
    p.appendChild(eoTable(c));
    p.appendChild(steps('client reached', c.observed));
    p.appendChild(steps('server reached', c.server_observed));
    var ad = appData(c);
    if (ad) { p.appendChild(el('h3', null, 'Application data read')); p.appendChild(ad); }
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
  applyFilters();
  route();
  document.documentElement.setAttribute('data-ready-ms', performance.now().toFixed(1));
})();
