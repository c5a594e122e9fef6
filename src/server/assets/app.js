// flowsift serve's client script: charts (vega-embed with vega's expression interpreter, so the
// Content-Security-Policy needs no eval), copy buttons, incident triage, form helpers and the
// capture upload with live progress. Everything else is server-rendered HTML and plain links.
(function () {
  'use strict';

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  var params = new URLSearchParams(location.search);
  var analysis = params.get('analysis');
  function withAnalysis(url) { return analysis ? url + (url.indexOf('?') < 0 ? '?' : '&') + 'analysis=' + encodeURIComponent(analysis) : url; }

  // ---- charts
  function drawCharts() {
    var holder = document.getElementById('chart-specs');
    if (!holder) return;
    var specs = JSON.parse(holder.textContent);
    var ids = Object.keys(specs);
    var done = 0, failed = [];
    function finish() {
      if (done !== ids.length) return;
      document.body.setAttribute('data-charts-rendered', String(ids.length - failed.length));
      if (failed.length) document.body.setAttribute('data-charts-failed', failed.join(','));
    }
    if (typeof vegaEmbed !== 'function') { document.body.setAttribute('data-charts-rendered', '0'); return; }
    ids.forEach(function (id) {
      var el = document.querySelector('[data-chart="' + id + '"]');
      if (!el) { done++; finish(); return; }
      var spec = specs[id];
      // a full-width chart takes the width its box has now (vega's own "container" sizing measured 0 here)
      if (spec.width === 'container') { spec = Object.assign({}, spec, { width: Math.max(240, el.clientWidth - 190) }); delete spec.autosize; }
      var opts = { actions: false, renderer: id === 'pca' ? 'canvas' : 'svg', ast: true, defaultStyle: false, tooltip: { theme: 'light', disableDefaultStyle: true } };
      vegaEmbed(el, spec, opts).then(function (res) {
        if (spec.usermeta && spec.usermeta.explore) exploreOnClick(res.view, el, spec.usermeta.explore);
        el.classList.add('live'); done++; finish();
      })
        .catch(function (e) { el.textContent = 'This chart could not be drawn: ' + e; console.error('chart ' + id + ': ' + e); failed.push(id); done++; finish(); });
    });
  }

  // a click on a time chart opens the explorer on that bucket (anomalies only when the click is near
  // the anomalies line is not worth guessing: the explorer's toggle is one click away)
  function exploreOnClick(view, el, m) {
    view.addEventListener('click', function (ev) {
      var svg = el.querySelector('svg.marks, canvas');
      if (!svg) return;
      var r = svg.getBoundingClientRect();
      var x = ev.clientX - r.left - view.origin()[0];
      var t = +view.scale('x').invert(x);
      var b = Math.floor((t - m.startMs) / m.bucketMs);
      if (!(b >= 0 && b < m.buckets)) return;
      var from = new Date(m.startMs + b * m.bucketMs).toISOString();
      var to = new Date(m.startMs + (b + 1) * m.bucketMs).toISOString();
      location.href = withAnalysis('/flows?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to));
    });
  }

  // ---- copy buttons (Wireshark filter, Community ID)
  function copy(btn) {
    var text = btn.getAttribute('data-copy');
    function ok() { var t = btn.textContent; btn.textContent = 'copied'; btn.classList.add('copied'); setTimeout(function () { btn.textContent = t; btn.classList.remove('copied'); }, 1500); }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(ok, function () { fallback(); });
    } else fallback();
    function fallback() {
      var ta = document.createElement('textarea');
      ta.value = text; document.body.appendChild(ta); ta.select();
      try { document.execCommand('copy'); ok(); } catch (e) { /* the text stays visible beside the button */ }
      document.body.removeChild(ta);
    }
  }

  // ---- incident triage
  function triage(btn) {
    var tbody = btn.closest('tbody[data-incident]');
    var id = tbody.getAttribute('data-incident');
    var status = btn.getAttribute('data-set');
    var msg = document.getElementById('triage-msg');
    $$('button.triage', tbody).forEach(function (b) { b.disabled = true; });
    fetch(withAnalysis('/api/v1/incidents/' + encodeURIComponent(id)), {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify({ status: status }),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error((j.error && j.error.message) || ('HTTP ' + r.status));
        var st = (j.status) || (j.triage && j.triage.status) || status;
        var was = $('.status', tbody).getAttribute('data-status');
        // the state counts above the list follow the change
        [[was, -1], [st, 1]].forEach(function (x) {
          var c = document.querySelector('b[data-count="' + x[0] + '"]');
          if (c && was !== st) c.textContent = String(Number(c.textContent.replace(/,/g, '')) + x[1]);
        });
        tbody.className = tbody.className.replace(/\binc-\S+/g, '') + ' inc-' + st;
        var badge = $('.status', tbody);
        badge.textContent = st; badge.className = 'status st-' + st; badge.setAttribute('data-status', st);
        $$('button.triage', tbody).forEach(function (b) { b.disabled = b.getAttribute('data-set') === st; });
        if (msg) msg.textContent = 'Incident ' + id + ': ' + st + '.';
      });
    }).catch(function (e) {
      $$('button.triage', tbody).forEach(function (b) { b.disabled = false; });
      if (msg) { msg.textContent = 'Could not change incident ' + id + ': ' + e.message; msg.className = 'error'; }
    });
  }

  // ---- capture upload and the job's live progress
  function analyzePage() {
    var form = document.getElementById('analyze-form');
    if (!form) return;
    var input = document.getElementById('capture');
    var drop = document.getElementById('drop');
    var box = document.getElementById('progress');
    var stage = document.getElementById('progress-stage');
    var text = document.getElementById('progress-text');
    var bar = document.getElementById('progress-bar');
    var log = document.getElementById('progress-log');
    var err = document.getElementById('analyze-error');
    function line(s) { if (log.lastChild && log.lastChild.textContent === s) return; var li = document.createElement('li'); li.textContent = s; log.appendChild(li); log.scrollTop = log.scrollHeight; }
    function fail(s) { err.textContent = s; err.hidden = false; stage.textContent = 'failed'; text.textContent = ''; bar.hidden = true; document.body.setAttribute('data-job-state', 'failed'); }
    ['dragenter', 'dragover'].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add('over'); }); });
    ['dragleave', 'drop'].forEach(function (t) { drop.addEventListener(t, function () { drop.classList.remove('over'); }); });
    drop.addEventListener('drop', function (e) { e.preventDefault(); if (e.dataTransfer.files.length) input.files = e.dataTransfer.files; });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var file = input.files[0];
      if (!file) return;
      err.hidden = true; box.hidden = false; bar.hidden = false; log.textContent = '';
      var kept = document.getElementById('analyze-kept'); if (kept) kept.parentNode.removeChild(kept);
      document.getElementById('analyze-start').disabled = true;
      stage.textContent = 'uploading'; text.textContent = file.name;
      // the browser streams the File from disk: nothing is read into this page's memory
      var xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/v1/analyze?name=' + encodeURIComponent(file.name));
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      xhr.upload.onprogress = function (ev) { if (ev.lengthComputable) { bar.value = Math.round(100 * ev.loaded / ev.total); text.textContent = file.name + ': ' + Math.round(ev.loaded / 1024) + ' of ' + Math.round(ev.total / 1024) + ' KiB'; } };
      xhr.onerror = function () { fail('The upload failed (connection closed).'); document.getElementById('analyze-start').disabled = false; };
      xhr.onload = function () {
        var j = {};
        try { j = JSON.parse(xhr.responseText); } catch (x) { /* not JSON */ }
        if (xhr.status >= 400) { fail((j.error && j.error.message) || ('HTTP ' + xhr.status)); document.getElementById('analyze-start').disabled = false; return; }
        var job = j.job || j;
        follow(job.id);
      };
      xhr.send(file);
    });
    function follow(id) {
      stage.textContent = 'analyzing'; bar.removeAttribute('value');
      document.body.setAttribute('data-job', id);
      line('job ' + id + ' queued');
      var es = new EventSource('/api/v1/jobs/' + encodeURIComponent(id) + '/events');
      var ended = false;
      function handle(ev) {
        var d = {};
        try { d = JSON.parse(ev.data); } catch (x) { d = { message: ev.data }; }
        if (d.message) { line(d.message); text.textContent = d.message; }
        var st = d.state || (ev.type === 'done' || ev.type === 'failed' ? ev.type : undefined);
        if (st === 'done' || st === 'failed') end(st, d);
      }
      function end(st, d) {
        if (ended) return;
        ended = true; es.close();
        fetch('/api/v1/jobs/' + encodeURIComponent(id), { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (j) {
          var job = j.job || j;
          if (st === 'failed' || job.state === 'failed') {
            fail(job.error || d.error || d.message || 'the analysis failed');
            document.getElementById('analyze-start').disabled = false;
            if (job.analysis) {
              // flowsift keeps what it read before the fault: the server serves that part
              var p = document.createElement('p'); p.id = 'analyze-kept';
              var a = document.createElement('a'); a.href = '/incidents?analysis=' + encodeURIComponent(job.analysis); a.textContent = 'open what was read before the fault (' + job.analysis + ')';
              p.appendChild(a); err.parentNode.insertBefore(p, err.nextSibling);
            }
            return;
          }
          stage.textContent = 'done'; bar.value = 100; document.body.setAttribute('data-job-state', 'done');
          line('done: ' + (job.analysis || ''));
          if (job.analysis) location.href = '/incidents?analysis=' + encodeURIComponent(job.analysis);
        }).catch(function (e) { fail('Could not read the job: ' + e.message); });
      }
      ['message', 'state', 'progress', 'queued', 'running', 'done', 'failed'].forEach(function (t) { es.addEventListener(t, handle); });
      es.onerror = function () { if (!ended) line('(connection to the progress stream lost; retrying)'); };
    }
  }

  document.addEventListener('click', function (e) {
    var t = e.target;
    if (!(t instanceof Element)) return;
    var b = t.closest('button.copy');
    if (b) { copy(b); return; }
    b = t.closest('button.triage');
    if (b) { triage(b); return; }
    var tg = t.closest('a.toggle');
    if (tg) {
      // open and close in place (the link still carries the incident's address for bookmarks)
      e.preventDefault();
      var tb = tg.closest('tbody');
      var open = tb.classList.contains('open') || (location.hash === '#' + tb.id && !tb.classList.contains('closed'));
      tb.classList.toggle('open', !open);
      tb.classList.toggle('closed', open);
      if (open && location.hash === '#' + tb.id) history.replaceState(null, '', location.pathname + location.search);
    }
  });
  $$('select[data-autosubmit]').forEach(function (s) { s.addEventListener('change', function () { s.form.submit(); }); });
  // empty filter fields add nothing to the URL
  $$('form[data-strip-empty]').forEach(function (f) {
    f.addEventListener('submit', function () { $$('input', f).forEach(function (i) { if (i.type !== 'checkbox' && i.value.trim() === '') i.disabled = true; }); });
  });
  // the chosen columns travel as one comma-separated parameter, as the API takes them
  $$('form[data-join-columns]').forEach(function (f) {
    f.addEventListener('submit', function () {
      var boxes = $$('input[name="columns"]', f);
      var picked = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
      boxes.forEach(function (b) { b.disabled = true; });
      var h = document.createElement('input'); h.type = 'hidden'; h.name = 'columns'; h.value = picked.join(','); f.appendChild(h);
    });
  });
  // open the incident a link points at
  if (location.hash.length > 1) {
    var el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (el && el.tagName === 'TBODY') el.classList.add('focus');
  }
  analyzePage();
  drawCharts();
})();
