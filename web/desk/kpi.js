/* tipgate police desk — the commander's KPI page (#/kpi?months=…&area=…): the plans' targets
   (received 100 %, resolved ≥ 90 %, reach ≥ 90 %, agencies on time) against the current
   figures of GET /api/desk/kpi with a plain met / not-met mark, the month-by-month trend as
   two charts drawn here as inline SVG (bars: tips received and resolved; lines: the resolved
   and reach shares against the target) with their numbers in a table beside, and the
   breakdowns by area and by category as tables. Nothing is fetched but the API's JSON; colours
   come from desk.css classes (the CSP allows no inline style). */
'use strict';
(() => {
  const Desk = window.Desk;
  const { el } = Desk;
  Desk.views = Desk.views || {};
  const SVG = 'http://www.w3.org/2000/svg';
  const MONTH_CHOICES = [6, 12, 24];
  const DEFAULT_MONTHS = 12;
  const CHART_H = 220, PAD = { top: 14, right: 12, bottom: 30, left: 40 };
  const LABEL_PX = 44;            // room one month label needs; closer labels are thinned out

  // An SVG element: svg('rect', {x: 1, class: 'bar'}, kids…) — attributes set as attributes,
  // text as text nodes (server text never becomes markup).
  function svg(name, attrs, ...kids) {
    const n = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) n.setAttribute(k, String(v));
    for (const k of kids.flat()) if (k !== null && k !== undefined) n.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return n;
  }

  const K = { months: DEFAULT_MONTHS, area: '', data: null };

  async function kpiRender(main, arg, params) {
    const m = Number(params.get('months'));
    K.months = MONTH_CHOICES.includes(m) ? m : DEFAULT_MONTHS;
    K.area = params.get('area') || '';
    const months = el('select#kpi-months', { name: 'months' }, MONTH_CHOICES.map((n) => el('option', { value: String(n) }, n + ' tháng gần nhất')));
    months.value = String(K.months);
    const areas = await Desk.areas();
    if (main.dataset.route !== 'kpi') return;
    const area = el('select#kpi-area', { name: 'area' }, el('option', { value: '' }, 'Toàn phường'),
      areas.map((a) => el('option', { value: a.code }, a.name)));
    area.value = K.area;
    const change = () => {
      K.months = Number(months.value);
      K.area = area.value;
      Desk.setParams(Object.assign({ months: String(K.months) }, K.area ? { area: K.area } : {}));
      kpiLoad();
    };
    months.addEventListener('change', change);
    area.addEventListener('change', change);
    main.append(el('h1', 'Chỉ tiêu theo kế hoạch'),
      el('p.muted', 'Các chỉ tiêu của kế hoạch phòng, chống tội phạm so với số liệu hiện tại, diễn biến theo tháng và theo địa bàn, loại tin.'),
      el('div.toolbar#kpi-form', Desk.field('Khoảng thời gian', months), Desk.field('Địa bàn', area)),
      el('p.result-note#kpi-note', { role: 'status' }, 'Đang tải…'),
      el('div#kpi-body'));
    await kpiLoad();
  }

  async function kpiLoad() {
    const body = document.getElementById('kpi-body');
    const note = document.getElementById('kpi-note');
    if (!body) return;
    let d;
    try { d = await Desk.get('/kpi', { months: K.months, area: K.area }); } catch (e) { note.textContent = e.message; Desk.clear(body); return; }
    K.data = d;
    note.textContent = '';
    Desk.clear(body).append(targetsNode(d.targets || []), trendNode(d.trend || []),
      breakdownNode('Theo địa bàn', 'Địa bàn', 'kpi-by-area', d.by_area || []),
      breakdownNode('Theo loại tin', 'Loại tin', 'kpi-by-category', d.by_category || []));
  }

  /* ---------- targets ---------- */
  function targetsNode(targets) {
    return el('section.kpi-section', el('h2', 'Chỉ tiêu'),
      targets.length ? el('ul.kpi-targets', { dataset: { testid: 'kpi-targets' } }, targets.map((t) => {
        const none = t.value === null || t.value === undefined;
        const state = none ? 'none' : t.met ? 'met' : 'unmet';
        const mark = { none: '— Chưa có số liệu', met: '✓ Đạt', unmet: '✗ Chưa đạt' }[state];
        return el('li.kpi-target.kpi-' + state, { dataset: { testid: 'kpi-target', id: t.id, met: state } },
          el('p.kpi-label', t.label || t.id),
          el('p.kpi-value', Desk.fmtFigure(t.value, t.unit)),
          el('p.kpi-goal', 'Mục tiêu: ' + (t.target >= 100 || t.unit !== 'pct' ? '' : '≥\u00a0') + Desk.fmtFigure(t.target, t.unit)),
          el('p.kpi-mark', mark));
      })) : el('p.muted', 'Chưa có chỉ tiêu nào.'));
  }

  /* ---------- the trend ---------- */
  function trendNode(trend) {
    const sec = el('section.kpi-section', el('h2', 'Diễn biến theo tháng'));
    if (!trend.length) { sec.append(el('p.muted', 'Chưa có số liệu.')); return sec; }
    const goal = ((K.data.targets || []).find((t) => t.id === 'resolved') || {}).target;
    sec.append(
      chartBox('Số tin báo tiếp nhận và đã giải quyết', 'chart-counts', barChart(trend),
        [['received', 'Tiếp nhận'], ['resolved', 'Đã giải quyết']]),
      chartBox('Tỷ lệ giải quyết và tỷ lệ tiếp cận tuyên truyền (%)', 'chart-shares', lineChart(trend, goal),
        [['resolved_pct', 'Tỷ lệ giải quyết'], ['reach_pct', 'Tỷ lệ tiếp cận'], goal ? ['goal', 'Mục tiêu ' + goal + ' %'] : null].filter(Boolean)),
      el('details.kpi-numbers', el('summary', 'Xem bảng số liệu theo tháng'), el('div.table-wrap', el('table.grid#kpi-trend-table',
        el('thead', el('tr', ['Tháng', 'Tiếp nhận', 'Đã giải quyết', 'Tỷ lệ giải quyết', 'Tỷ lệ tiếp cận'].map((c, i) => el(i ? 'th.num' : 'th', { scope: 'col' }, c)))),
        el('tbody', trend.map((r) => el('tr', el('th', { scope: 'row' }, r.label || r.month),
          el('td.num', { 'data-label': 'Tiếp nhận' }, Desk.fmtFigure(r.received, 'count')),
          el('td.num', { 'data-label': 'Đã giải quyết' }, Desk.fmtFigure(r.resolved, 'count')),
          el('td.num', { 'data-label': 'Tỷ lệ giải quyết' }, Desk.fmtFigure(r.resolved_pct, 'pct')),
          el('td.num', { 'data-label': 'Tỷ lệ tiếp cận' }, Desk.fmtFigure(r.reach_pct, 'pct')))))))));
    return sec;
  }

  function chartBox(title, id, chart, legend) {
    const t = svg('title', { id: id + '-title' }, title);
    chart.prepend(t);
    chart.setAttribute('aria-labelledby', t.id);
    chart.setAttribute('data-testid', id);
    chart.id = id;
    return el('figure.chart-box', el('figcaption', title), chart,
      el('p.legend', legend.map(([k, label]) => el('span.legend-item', el('span.sw.sw-' + k.replace('_', '-'), { 'aria-hidden': 'true' }), label))));
  }

  // The drawing's width: the page's, so the text stays its size on a phone and on a desk.
  function chartWidth() {
    const v = document.getElementById('kpi-body');
    return Math.max(300, Math.min(1200, (v && v.clientWidth) || 600));
  }

  // A round top for the axis above max (1, 2, 5 × 10ⁿ), at least 1.
  function niceMax(max) {
    if (!(max > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(max)));
    for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
    return 10 * p;
  }

  // The frame: the plot area, horizontal grid lines with their values, the month labels.
  function frame(trend, top, unit) {
    const w = chartWidth(), h = CHART_H;
    const pw = w - PAD.left - PAD.right, ph = h - PAD.top - PAD.bottom;
    const n = trend.length, slot = pw / n;
    const y = (v) => PAD.top + ph - (Math.max(0, v) / top) * ph;
    const x = (i) => PAD.left + slot * i + slot / 2;
    const root = svg('svg', { class: 'chart', viewBox: '0 0 ' + w + ' ' + h, width: w, height: h, role: 'img', preserveAspectRatio: 'xMinYMin meet' });
    for (const f of [0, 0.5, 1]) {
      const v = top * f;
      root.append(svg('line', { class: 'grid-line', x1: PAD.left, x2: w - PAD.right, y1: y(v), y2: y(v) }),
        svg('text', { class: 'axis', x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, Desk.fmtFigure(v, null) + unit));
    }
    const every = Math.max(1, Math.ceil(LABEL_PX / slot));
    trend.forEach((r, i) => {
      if ((n - 1 - i) % every) return;   // the latest month always labelled
      root.append(svg('text', { class: 'axis', x: x(i), y: h - 10, 'text-anchor': 'middle' }, shortMonth(r)));
    });
    return { root, x, y, slot, ph };
  }

  // "2026-03" → "03/26".
  function shortMonth(r) {
    const m = /^(\d{4})-(\d{2})$/.exec(r.month || '');
    return m ? m[2] + '/' + m[1].slice(2) : (r.label || '');
  }

  function barChart(trend) {
    const top = niceMax(Math.max(...trend.map((r) => Math.max(r.received || 0, r.resolved || 0))));
    const f = frame(trend, top, '');
    const bw = Math.max(2, Math.min(24, f.slot * 0.36));
    trend.forEach((r, i) => {
      for (const [k, dx] of [['received', -bw], ['resolved', 0]]) {
        const v = r[k] || 0;
        f.root.append(svg('rect', { class: 'bar bar-' + k, 'data-month': r.month, 'data-value': v,
          x: f.x(i) + dx, y: f.y(v), width: bw, height: Math.max(0, f.y(0) - f.y(v)) },
        svg('title', null, (r.label || r.month) + ': ' + (k === 'received' ? 'tiếp nhận ' : 'đã giải quyết ') + v)));
      }
    });
    return f.root;
  }

  function lineChart(trend, goal) {
    const f = frame(trend, 100, ' %');
    if (goal) f.root.append(svg('line', { class: 'goal-line', x1: PAD.left, x2: f.x(trend.length - 1) + f.slot / 2, y1: f.y(goal), y2: f.y(goal) }));
    for (const [k, label] of [['resolved_pct', 'tỷ lệ giải quyết'], ['reach_pct', 'tỷ lệ tiếp cận']]) {
      const cls = k.replace('_', '-');
      const pts = trend.map((r, i) => (typeof r[k] === 'number' ? [f.x(i), f.y(Math.min(100, r[k])), r] : null));
      // a month without data breaks the line instead of drawing it to zero
      let d = '', pen = 'M';
      for (const p of pts) {
        if (!p) { pen = 'M'; continue; }
        d += pen + p[0].toFixed(1) + ' ' + p[1].toFixed(1) + ' ';
        pen = 'L';
      }
      if (d) f.root.append(svg('path', { class: 'line line-' + cls, d: d.trim() }));
      for (const p of pts) {
        if (!p) continue;
        f.root.append(svg('circle', { class: 'pt pt-' + cls, 'data-month': p[2].month, 'data-value': p[2][k], cx: p[0], cy: p[1], r: 3.5 },
          svg('title', null, (p[2].label || p[2].month) + ': ' + label + ' ' + Desk.fmtFigure(p[2][k], 'pct'))));
      }
    }
    return f.root;
  }

  /* ---------- breakdowns ---------- */
  function breakdownNode(title, first, id, rows) {
    const sec = el('section.kpi-section', el('h2', title));
    if (!rows.length) { sec.append(el('p.muted', 'Chưa có số liệu.')); return sec; }
    sec.append(el('div.table-wrap', el('table.grid', { id, dataset: { testid: id } },
      el('caption.sr-only', title),
      el('thead', el('tr', el('th', { scope: 'col' }, first), el('th.num', { scope: 'col' }, 'Tiếp nhận'),
        el('th.num', { scope: 'col' }, 'Đã giải quyết'), el('th.num', { scope: 'col' }, 'Tỷ lệ giải quyết'))),
      el('tbody', rows.map((r) => el('tr', { dataset: { key: r.key || '' } },
        el('th', { scope: 'row' }, r.label || r.key || ''),
        el('td.num', { 'data-label': 'Tiếp nhận' }, Desk.fmtFigure(r.received, 'count')),
        el('td.num', { 'data-label': 'Đã giải quyết' }, Desk.fmtFigure(r.resolved, 'count')),
        el('td.num', { 'data-label': 'Tỷ lệ giải quyết' }, Desk.fmtFigure(r.resolved_pct, 'pct'))))))));
    return sec;
  }

  Desk.views.kpi = { render: kpiRender };
})();
