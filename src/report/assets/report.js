// The report's script: draws every section from the JSON in #report-data. No dependencies, no
// network: the page's Content-Security-Policy forbids both.
(function () {
  'use strict';
  const D = JSON.parse(document.getElementById('report-data').textContent);
  const SVG_NS = 'http://www.w3.org/2000/svg';
  // The estimate chart's colours (src/estimate/chart.rs), so a table looks the same everywhere.
  const COLORS = {
    AADManagedIdentitySignInLogs: '#4e79a7', AADServicePrincipalSignInLogs: '#f28e2b',
    AzureDiagnostics: '#59a14f', AzureActivity: '#9c9088', AuditLogs: '#e15759',
    AZKVAuditLogs: '#76b7b2', // Key Vault's resource-specific table
  };
  // Beyond this many records in view the timeline shows counts instead of dots.
  const VIEW_LIMIT = 2500;
  const LANES_PER_PAGE = 40;
  const LANE_HEIGHT = 22, LABEL_WIDTH = 230, AXIS_HEIGHT = 26, CHART_WIDTH = 1100;

  const state = {
    t0: D.start_ms, t1: D.end_ms, tables: new Set(D.tables.map((_, i) => i)),
    filter: '', anomaliesOnly: false, page: 0, selected: -1, correlated: new Set(), focus: null,
  };

  // ---------- helpers ----------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v; else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const num = (n) => Number(n).toLocaleString('en-US', { maximumFractionDigits: 2 });
  const mb = (bytes) => num(bytes / 1e6);
  function grid(headers, rows, numeric) {
    const head = el('tr', {}, ...headers.map((h) => el('th', {}, h)));
    const body = rows.map((r) => el('tr', {}, ...r.map((c, i) => el('td', numeric && numeric[i] ? { class: 'num' } : {}, c))));
    return el('table', { class: 'grid' }, el('thead', {}, head), el('tbody', {}, ...body));
  }
  const badge = (text, kind) => el('span', { class: 'badge ' + (kind || text) }, text.replace(/_/g, ' '));

  // ---------- correlation index ----------
  const byLink = new Map();
  D.records.forEach((r, i) => r.links.forEach((k) => {
    if (!byLink.has(k)) byLink.set(k, []);
    byLink.get(k).push(i);
  }));
  function correlatedWith(i) {
    const peers = new Set();
    for (const k of D.records[i].links) for (const j of byLink.get(k)) if (j !== i) peers.add(j);
    return [...peers].sort((a, b) => D.records[a].t - D.records[b].t);
  }
  const laneName = (lane) => (lane >= 0 ? D.lanes[lane].name : '(no identity)');

  // ---------- header ----------
  function header() {
    document.getElementById('title-scenarios').textContent = '— ' + D.scenarios.join(', ');
    const embedded = D.records.length;
    const sample = embedded === D.total_records
      ? `all ${num(embedded)} records are shown`
      : `${num(embedded)} of ${num(D.total_records)} records are shown in full (every labelled anomaly's records and the records they correlate with, then records of each identity in turn, up to --max-records ${num(D.budget)}); lanes count all of an identity's records`;
    document.getElementById('summary').textContent =
      `${D.data_dir}: ${iso(D.start_ms)} to ${iso(D.end_ms)}, seed ${D.seed}, ${num(D.lanes.length)} lanes; ${sample}.`;
  }

  // ---------- timeline ----------
  function visibleLanes() {
    const f = state.filter.toLowerCase();
    const lanes = [];
    D.lanes.forEach((lane, i) => {
      if (state.anomaliesOnly && lane.anomalies.length === 0) return;
      if (f && !lane.name.toLowerCase().includes(f) && !lane.id.toLowerCase().includes(f)) return;
      lanes.push(i);
    });
    return lanes;
  }

  function drawTimeline() {
    const all = visibleLanes();
    const pages = Math.max(1, Math.ceil(all.length / LANES_PER_PAGE));
    state.page = Math.min(state.page, pages - 1);
    const lanes = all.slice(state.page * LANES_PER_PAGE, (state.page + 1) * LANES_PER_PAGE);
    document.getElementById('lanes-info').textContent =
      `lanes ${all.length ? state.page * LANES_PER_PAGE + 1 : 0}–${state.page * LANES_PER_PAGE + lanes.length} of ${all.length}`;
    const row = new Map(lanes.map((lane, k) => [lane, k]));
    const inView = [];
    D.records.forEach((r, i) => {
      if (row.has(r.lane) && state.tables.has(r.table) && r.t >= state.t0 && r.t <= state.t1) inView.push(i);
    });
    const aggregated = inView.length > VIEW_LIMIT;
    document.getElementById('view-note').textContent = aggregated
      ? `${num(inView.length)} records in view: showing counts per lane instead of dots (more than ${num(VIEW_LIMIT)}). Zoom in or filter to see records.`
      : '';
    const width = CHART_WIDTH, plot = width - LABEL_WIDTH - 10;
    const height = AXIS_HEIGHT + Math.max(1, lanes.length) * LANE_HEIGHT;
    const x = (t) => LABEL_WIDTH + ((t - state.t0) / (state.t1 - state.t0)) * plot;
    const chart = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, id: 'timeline-svg' });
    lanes.forEach((lane, k) => {
      const y = AXIS_HEIGHT + k * LANE_HEIGHT;
      chart.append(svg('rect', { class: 'lane-bg' + (k % 2 ? ' odd' : ''), x: 0, y, width, height: LANE_HEIGHT }));
      const label = svg('text', { class: 'lane-label' + (D.lanes[lane].anomalies.length ? ' anomalous' : ''), x: 4, y: y + 15 },
        D.lanes[lane].name.slice(0, 34));
      label.append(svg('title', {}, `${D.lanes[lane].name}\n${D.lanes[lane].id}\n${num(D.lanes[lane].records)} records`));
      chart.append(label);
      drawDensity(chart, D.lanes[lane], y, x, aggregated);
    });
    drawAxis(chart, x, height);
    if (!aggregated) {
      for (const i of inView) {
        const r = D.records[i];
        const classes = ['rec'];
        if (r.labels.length) classes.push('anomaly');
        if (state.correlated.has(i)) classes.push('correlated');
        if (i === state.selected) classes.push('selected');
        if (state.focus && !r.labels.includes(state.focus)) classes.push('dim');
        const dot = svg('circle', {
          class: classes.join(' '), cx: x(r.t).toFixed(1), cy: AXIS_HEIGHT + row.get(r.lane) * LANE_HEIGHT + 11,
          r: 5, fill: COLORS[D.tables[r.table]] || '#444', 'data-i': i,
        });
        dot.append(svg('title', {}, `${D.tables[r.table]} ${iso(r.t)}`));
        chart.append(dot);
      }
    }
    document.getElementById('timeline-chart').replaceChildren(chart);
  }

  // The lane's count of all its records per bucket, embedded or not: faint bars behind the dots,
  // or, when the view holds too many records, the only marks.
  function drawDensity(chart, lane, y, x, aggregated) {
    const peak = Math.max(1, ...lane.buckets);
    lane.buckets.forEach((count, b) => {
      if (!count) return;
      const t = D.start_ms + b * D.bucket_ms;
      if (t + D.bucket_ms < state.t0 || t > state.t1) return;
      const x0 = Math.max(LABEL_WIDTH, x(t)), x1 = Math.min(CHART_WIDTH - 10, x(t + D.bucket_ms));
      const h = (aggregated ? 18 : 8) * Math.sqrt(count / peak);
      const bar = svg('rect', { class: 'density', x: x0, y: y + 20 - h, width: Math.max(1, x1 - x0 - 0.5), height: h,
        'fill-opacity': aggregated ? 0.7 : 0.25 });
      bar.append(svg('title', {}, `${num(count)} records from ${iso(t)}`));
      chart.append(bar);
    });
  }

  function drawAxis(chart, x, height) {
    const axis = svg('g', { class: 'axis' });
    const span = state.t1 - state.t0;
    const steps = [60e3, 300e3, 900e3, 1800e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 7 * 86400e3];
    const step = steps.find((s) => span / s <= 8) || steps[steps.length - 1];
    for (let t = Math.ceil(state.t0 / step) * step; t <= state.t1; t += step) {
      axis.append(svg('line', { x1: x(t), x2: x(t), y1: AXIS_HEIGHT - 4, y2: height }));
      axis.append(svg('text', { x: x(t) + 3, y: 14 }, iso(t).slice(step >= 86400e3 ? 0 : 5, step >= 86400e3 ? 10 : 16).replace('T', ' ')));
    }
    chart.append(axis);
  }

  function zoom(factor, around) {
    const span = state.t1 - state.t0, center = around === undefined ? state.t0 + span / 2 : around;
    const next = Math.max(1000, Math.min(D.end_ms - D.start_ms + 2, span * factor));
    const share = (center - state.t0) / span;
    state.t0 = center - next * share;
    state.t1 = state.t0 + next;
    clampView();
    drawTimeline();
  }
  function clampView() {
    const span = state.t1 - state.t0;
    if (state.t0 < D.start_ms - 1) { state.t0 = D.start_ms - 1; state.t1 = state.t0 + span; }
    if (state.t1 > D.end_ms + 1) { state.t1 = D.end_ms + 1; state.t0 = Math.max(D.start_ms - 1, state.t1 - span); }
  }
  // Listeners sit on the chart's holder, set once: the chart itself is redrawn on every change.
  function enablePanZoom() {
    const holder = document.getElementById('timeline-chart');
    const plot = CHART_WIDTH - LABEL_WIDTH - 10;
    holder.addEventListener('wheel', (e) => {
      e.preventDefault();
      const box = holder.getBoundingClientRect();
      const at = state.t0 + ((e.clientX - box.left - LABEL_WIDTH) / plot) * (state.t1 - state.t0);
      zoom(e.deltaY < 0 ? 0.7 : 1 / 0.7, at);
    }, { passive: false });
    let drag = null;
    holder.addEventListener('mousedown', (e) => { drag = { x: e.clientX, t0: state.t0, t1: state.t1 }; });
    holder.addEventListener('mousemove', (e) => {
      if (!drag || Math.abs(e.clientX - drag.x) < 4) return;
      const shift = ((drag.x - e.clientX) / plot) * (drag.t1 - drag.t0);
      state.t0 = drag.t0 + shift; state.t1 = drag.t1 + shift;
      clampView();
      drawTimeline();
    });
    window.addEventListener('mouseup', () => { drag = null; });
    holder.addEventListener('click', (e) => {
      const i = e.target.getAttribute && e.target.getAttribute('data-i');
      if (i !== null && i !== undefined) select(Number(i));
    });
  }

  function select(i) {
    state.selected = i;
    state.correlated = new Set(correlatedWith(i));
    drawTimeline();
    showDetail(i);
  }

  function showDetail(i) {
    const r = D.records[i];
    const panel = document.getElementById('detail');
    const peers = [...state.correlated];
    const list = el('ul', { id: 'correlated-list' }, ...peers.map((j) => el('li', {},
      el('button', { class: 'linklike', type: 'button', onclick: () => select(j) },
        `${D.tables[D.records[j].table]} ${iso(D.records[j].t)}`), ` — ${laneName(D.records[j].lane)}`)));
    const labels = r.labels.length ? ` · labelled ${r.labels.join(', ')}` : '';
    panel.replaceChildren(
      el('h3', {}, `${D.tables[r.table]} · ${iso(r.t)} · ${laneName(r.lane)}${labels}`),
      el('p', {}, peers.length
        ? `${peers.length} correlated record(s) (by ${r.links.map((k) => k.split(':')[0]).join(', ')}), outlined on the timeline:`
        : 'No other shown record shares its token, correlation id or run.'),
      list,
      el('pre', { id: 'detail-json' }, JSON.stringify(r.json, null, 2)));
    panel.hidden = false;
  }

  function timelineControls() {
    const toggles = document.getElementById('table-toggles');
    D.tables.forEach((name, i) => {
      const box = el('input', { type: 'checkbox', checked: '', onchange: () => {
        if (box.checked) state.tables.add(i); else state.tables.delete(i);
        drawTimeline();
      } });
      toggles.append(el('label', { class: 'toggle' }, box, el('span', { class: 'swatch', style: `background:${COLORS[name] || '#444'}` }), name));
    });
    const filter = document.getElementById('lane-filter');
    filter.addEventListener('input', () => { state.filter = filter.value; state.page = 0; drawTimeline(); });
    const only = document.getElementById('anomalies-only');
    only.addEventListener('change', () => { state.anomaliesOnly = only.checked; state.page = 0; drawTimeline(); });
    document.getElementById('zoom-in').addEventListener('click', () => zoom(0.5));
    document.getElementById('zoom-out').addEventListener('click', () => zoom(2));
    document.getElementById('zoom-reset').addEventListener('click', () => {
      state.t0 = D.start_ms; state.t1 = D.end_ms; state.focus = null; drawTimeline();
    });
    document.getElementById('lanes-prev').addEventListener('click', () => { state.page = Math.max(0, state.page - 1); drawTimeline(); });
    document.getElementById('lanes-next').addEventListener('click', () => { state.page += 1; drawTimeline(); });
  }

  function showLane(filterText, window) {
    state.filter = filterText;
    document.getElementById('lane-filter').value = filterText;
    state.page = 0;
    if (window) { state.t0 = window[0]; state.t1 = window[1]; clampView(); }
    drawTimeline();
    document.getElementById('timeline').scrollIntoView();
  }

  // ---------- correlation graph ----------
  function drawGraph() {
    const g = D.graph;
    const holder = document.getElementById('graph-chart');
    if (!g.identities.length) { holder.replaceChildren(el('p', {}, 'No record names both an identity and a resource.')); return; }
    const order = g.resources.map((_, i) => i).sort((a, b) =>
      g.resources[a][0].localeCompare(g.resources[b][0]) || g.resources[a][1].localeCompare(g.resources[b][1]));
    const resourceY = new Map();
    let y = 20, kind = null;
    const rows = [];
    for (const r of order) {
      if (g.resources[r][0] !== kind) { kind = g.resources[r][0]; y += 8; rows.push(['kind', kind, y]); y += 18; }
      resourceY.set(r, y); rows.push(['resource', r, y]); y += 18;
    }
    const height = Math.max(y, 20 + g.identities.length * 20) + 20;
    const chart = svg('svg', { width: 1100, height, viewBox: `0 0 1100 ${height}`, id: 'graph-svg' });
    const left = 300, right = 760;
    const peak = Math.max(1, ...g.edges.map((e) => e[2]));
    for (const [from, to, count] of g.edges) {
      const y1 = 30 + from * 20, y2 = resourceY.get(to) - 4;
      const path = svg('path', { class: 'edge', d: `M${left},${y1} C${(left + right) / 2},${y1} ${(left + right) / 2},${y2} ${right},${y2}`,
        'stroke-width': (1 + 5 * Math.sqrt(count / peak)).toFixed(2) });
      path.append(svg('title', {}, `${g.identities[from][1]} → ${g.resources[to][1]}: ${num(count)} records`));
      chart.append(path);
      chart.append(svg('text', { class: 'edge-count', x: right - 40, y: y2 - 2 }, num(count)));
    }
    g.identities.forEach(([lane, name, count], i) => {
      const label = svg('text', { class: 'graph-label graph-identity', x: left - 6, y: 34 + i * 20, 'text-anchor': 'end' },
        `${name.slice(0, 38)} (${num(count)})`);
      if (lane >= 0) label.addEventListener('click', () => showLane(D.lanes[lane].id));
      chart.append(label);
    });
    for (const [what, value, at] of rows) {
      if (what === 'kind') chart.append(svg('text', { class: 'graph-kind', x: right + 6, y: at }, value.replace(/_/g, ' ')));
      else chart.append(svg('text', { class: 'graph-label', x: right + 6, y: at }, g.resources[value][1].slice(0, 48)));
    }
    const more = g.more_identities ? [el('p', { class: 'hint' }, `${num(g.more_identities)} less busy identities are not drawn.`)] : [];
    holder.replaceChildren(chart, ...more);
  }

  // ---------- anomalies ----------
  function drawAnomalies() {
    const holder = document.getElementById('anomaly-list');
    if (!D.anomalies.length) { holder.replaceChildren(el('p', {}, 'The scenarios inject no anomaly.')); return; }
    const rows = D.anomalies.map((a) => {
      // Each verdict with its rule's query, folded.
      const verdict = (v) => {
        const rule = D.rules.find((r) => r.name === v.rule);
        const name = rule && rule.query
          ? el('details', { class: 'verdict-rule' }, el('summary', {}, v.rule), el('pre', { class: 'query' }, rule.query))
          : el('span', {}, v.rule);
        return el('div', { class: 'verdict' }, badge(v.result, v.result === 'fired' ? 'fired_falsely' : v.result), ' ', name);
      };
      const verdicts = a.verdicts.length
        ? el('div', {}, ...a.verdicts.map(verdict))
        : (D.rules_run ? 'no rule judged it' : 'rules not run (--rules)');
      const show = el('button', { type: 'button', class: 'show-anomaly', 'data-id': a.id, onclick: () => focusAnomaly(a) }, 'show on timeline');
      return [a.id, a.behaviour, a.benign ? 'near-miss' : 'anomaly', a.identity, `${a.start} – ${a.end}`,
        el('span', { class: 'status', 'data-id': a.id, 'data-status': a.status }, badge(a.status)), verdicts, show];
    });
    holder.replaceChildren(grid(['id', 'behaviour', 'kind', 'identity', 'window', 'status', 'rules', ''], rows));
  }

  function focusAnomaly(a) {
    const start = Date.parse(a.start), end = Date.parse(a.end);
    const pad = Math.max(10 * 60e3, (end - start) * 0.2);
    state.focus = a.id;
    showLane(a.identity_id, isNaN(start) ? null : [start - pad, (isNaN(end) ? start : end) + pad]);
  }

  // ---------- rules ----------
  function drawRules() {
    const holder = document.getElementById('rule-list');
    if (!D.rules_run) { holder.replaceChildren(el('p', {}, 'No rules were run: write the report with --rules DIR to see which rules catch each anomaly.')); return; }
    const rows = D.rules.map((r) => {
      const query = r.query ? el('details', {}, el('summary', {}, 'query'), el('pre', { class: 'query' }, r.query)) : '';
      const expectations = el('span', {}, ...r.expectations.map(([name, outcome, why]) =>
        el('span', {}, badge(outcome), ' ', name, why ? ` — ${why}` : '', el('br'))));
      const status = r.status === 'ran' ? badge(r.passed ? 'passed' : 'failed') : badge(r.status);
      return [r.name, status, r.status === 'ran' ? num(r.alerts) : '', r.status === 'ran' ? num(r.false_positives) : '',
        r.caught.join(', '), r.missed.join(', '), el('span', {}, expectations, r.reason ? el('div', {}, r.reason) : '', query)];
    });
    holder.replaceChildren(grid(['rule or correlation', 'result', 'alerts', 'false positives', 'caught', 'missed', 'expectations and query'], rows));
  }

  // ---------- volume ----------
  function drawVolume() {
    const v = D.volume;
    const parts = [el('h3', {}, 'In this data'),
      grid(['table', 'records', 'billed MB'], v.tables.map((t) => [t.name, num(t.rows), mb(t.billed_bytes)]), [false, true, true]),
      grid(['category', 'table', 'records', 'billed MB'], v.categories.map((c) => [c.name, c.table, num(c.rows), mb(c.billed_bytes)]), [false, false, true, true])];
    if (v.estimate) {
      const e = v.estimate;
      const line = (l) => [l.name, l.table, num(l.rows_per_day), num(l.gb_per_day), num(l.gb_per_month), '$' + num(l.cost_per_month)];
      const numeric = [false, false, true, true, true, true];
      const chart = el('div', { class: 'chart' });
      chart.innerHTML = e.chart_svg; // our own SVG, its text escaped by src/estimate/chart.rs
      parts.push(el('h3', {}, 'Estimate'), el('p', { class: 'hint' }, `${e.command} — ${e.price_note}`),
        grid(['category', 'table', 'rows/day', 'GB/day', 'GB/month', 'cost/month'], e.categories.map(line), numeric),
        grid(['table', '', 'rows/day', 'GB/day', 'GB/month', 'cost/month'], [...e.tables.map(line), line(e.total)], numeric), chart);
    } else {
      parts.push(el('p', { class: 'hint' }, `No estimate: ${v.estimate_missing}`));
    }
    document.getElementById('volume-body').replaceChildren(...parts);
  }

  // ---------- correlation queries ----------
  function drawCorrelations() {
    const holder = document.getElementById('correlation-list');
    if (!D.correlations.length) {
      holder.replaceChildren(el('p', {}, D.rules_run ? 'No correlation query is written for this data.' : 'No rules were run (--rules).'));
      return;
    }
    holder.replaceChildren(...D.correlations.map((c) => {
      const result = c.error ? el('p', { class: 'note' }, c.error)
        : el('div', {}, el('p', { class: 'hint' }, c.total_rows > c.rows.length ? `${num(c.rows.length)} of ${num(c.total_rows)} rows` : `${num(c.total_rows)} row(s)`),
          grid(c.columns, c.rows.map((r) => r.map((cell) => cell.length > 120 ? cell.slice(0, 117) + '…' : cell))));
      return el('div', { class: 'correlation' }, el('h3', {}, c.name), el('pre', { class: 'query' }, c.query), result);
    }));
  }

  header();
  timelineControls();
  enablePanZoom();
  drawTimeline();
  drawGraph();
  drawAnomalies();
  drawRules();
  drawVolume();
  drawCorrelations();
  // For tests and the curious: the data and the actions the page's controls use.
  window.tenantless = { data: D, select, correlatedWith, state };
})();
