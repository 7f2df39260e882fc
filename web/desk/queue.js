/* tipgate police desk — the queue (#/): the summary counts as chips that filter, the filters
   (status, category, area, urgent, overdue, not acknowledged, mine, date range) and the search
   kept in the hash's query so a reload keeps them, the sort, the rows (a table-like grid on a
   desktop, cards on a phone) with the art. 147 countdown, and "Xem thêm" with the cursor.
   Also the shared tip row (Desk.tipRow), used by leads and handover, and the categories cache. */
'use strict';
(() => {
  const Desk = window.Desk;
  const { el } = Desk;
  Desk.views = Desk.views || {};
  const PAGE = 20, PAGE_MAX = 50;
  const SEARCH_DEBOUNCE_MS = 500;
  const KEYS = ['q', 'status', 'category', 'area', 'urgent', 'overdue', 'unacked', 'mine', 'from', 'to', 'sort'];
  const CHIPS = [
    { key: 'urgent_unacked', label: 'Khẩn chưa tiếp nhận', set: { urgent: '1', unacked: '1' }, cls: 'chip-red' },
    { key: 'overdue', label: 'Quá hạn', set: { overdue: '1' }, cls: 'chip-red' },
    { key: 'unacked', label: 'Chưa tiếp nhận', set: { unacked: '1' }, cls: 'chip-amber' },
    { key: 'replies_waiting', label: 'Người báo trả lời', set: null, cls: 'chip-blue' },
    { key: 'mine', label: 'Giao cho tôi', set: { mine: '1' }, cls: '' },
  ];

  /* ---------- shared ---------- */
  let catPromise = null;
  Desk.categories = () => {
    if (!catPromise) {
      catPromise = Desk.get('/categories').catch((e) => { catPromise = null; throw e; });
    }
    return catPromise;
  };
  Desk.areas = async () => {
    try {
      const c = await Desk.categories();
      if (c.areas && c.areas.length) return c.areas;
    } catch (e) { /* fall back to /me */ }
    return (Desk.state.me && Desk.state.me.areas) || [];
  };

  // One tip as a list row: a link to its page, the facts, the countdown. extra: more nodes.
  Desk.tipRow = (t, extra) => {
    const code = t.code;
    const cat = t.category_label ? [t.category_label, t.category_unsure ? el('span.unsure', { title: 'Loại tin do máy đoán, chưa được xác nhận' }, ' (máy đoán)') : null] : 'Chưa phân loại';
    return el('li.row' + (t.urgent ? '.is-urgent' : '') + (t.closed_at ? '.is-closed' : ''), { dataset: { code, testid: 'tip-row' } },
      el('a.row-link', { href: '#/tip/' + code, 'aria-label': 'Mở tin ' + (t.code_shown || code) + (t.urgent ? ', khẩn cấp' : '') },
        el('span.row-head',
          el('span.code', t.code_shown || code),
          t.urgent ? el('span.badge.badge-urgent', 'KHẨN') : null,
          !t.acknowledged_at && !t.closed_at ? el('span.badge.badge-new', 'Chưa tiếp nhận') : null,
          t.replies_waiting ? el('span.badge.badge-reply', '💬 ' + t.replies_waiting + ' trả lời mới') : null,
          t.kind === 'group_lead' ? el('span.badge', 'Từ nhóm') : null),
        el('span.gist', t.gist || '(không có nội dung)'),
        el('span.facts',
          el('span.cat', cat),
          el('span.area', t.area_name || t.area || ''),
          el('span.status', t.status_label || t.status || ''),
          el('span.age', { title: Desk.fmtTime(t.created_at) }, Desk.age(t.created_at))),
        el('span.row-side',
          Desk.deadlineBadge(t),
          el('span.assignee', t.assignee ? '👤 ' + t.assignee : 'Chưa giao')),
        extra || null));
  };

  /* ---------- the queue ---------- */
  const Q = { main: null, params: null, next: null, shown: 0, codes: new Set(), seq: 0 };

  function paramsObj() {
    const o = {};
    for (const k of KEYS) { const v = Q.params.get(k); if (v) o[k] = v; }
    return o;
  }

  function setParam(k, v) {
    if (v) Q.params.set(k, v); else Q.params.delete(k);
  }

  function commit() {
    Desk.setParams(paramsObj());
    syncControls();
    load(false);
  }

  function render(main, arg, params) {
    Q.main = main;
    Q.params = new URLSearchParams();
    for (const k of KEYS) { const v = params.get(k); if (v) Q.params.set(k, v); }
    Q.next = null;
    Q.shown = 0;
    Q.codes = new Set();
    main.append(
      el('h1.sr-only', 'Hàng đợi tin báo'),
      el('section.summary#summary', { 'aria-label': 'Tổng quan' }, el('p.muted', 'Đang tải tổng quan…')),
      searchForm(),
      filters(),
      el('p.result-note#queue-note', { role: 'status' }),
      el('ul.rows#queue-list', { 'aria-label': 'Danh sách tin báo', dataset: { testid: 'queue-list' } }),
      el('div.more-wrap', el('button.btn#queue-more', { type: 'button', hidden: true, dataset: { testid: 'queue-more' }, onclick: () => load(true) }, 'Xem thêm')));
    fillFilters();
    loadSummary();
    load(false);
  }

  function searchForm() {
    const input = el('input#q', { type: 'search', name: 'q', value: Q.params.get('q') || '', autocomplete: 'off', enterkeyhint: 'search',
      placeholder: 'Tìm theo mã, nội dung, số điện thoại, biển số…' });
    let timer = 0;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => { setParam('q', input.value.trim()); commit(); }, SEARCH_DEBOUNCE_MS);
    });
    const f = el('form.search', { role: 'search', dataset: { testid: 'queue-search' } },
      el('label.sr-only', { for: 'q' }, 'Tìm tin báo'), input,
      el('button.btn', { type: 'submit' }, 'Tìm'));
    f.addEventListener('submit', (ev) => { ev.preventDefault(); clearTimeout(timer); setParam('q', input.value.trim()); commit(); });
    return f;
  }

  function check(name, label) {
    const c = el('input', { type: 'checkbox', name, id: 'f-' + name, checked: Q.params.get(name) === '1' });
    c.addEventListener('change', () => { setParam(name, c.checked ? '1' : ''); commit(); });
    return el('label.check', { for: c.id }, c, ' ' + label);
  }

  function select(name, label, options) {
    const s = el('select', { name, id: 'f-' + name }, options.map(([v, t]) => el('option', { value: v }, t)));
    s.value = Q.params.get(name) || '';
    s.addEventListener('change', () => { setParam(name, s.value); commit(); });
    return Desk.field(label, s);
  }

  function dateInput(name, label) {
    const d = el('input', { type: 'date', name, id: 'f-' + name, value: Q.params.get(name) || '' });
    d.addEventListener('change', () => { setParam(name, d.value); commit(); });
    return Desk.field(label, d);
  }

  function filters() {
    const det = el('details.filters#filters', { dataset: { testid: 'queue-filters' } },
      el('summary', 'Bộ lọc và sắp xếp', el('span.filter-count#filter-count')),
      el('div.filter-grid',
        el('fieldset.statuses#f-statuses', el('legend', 'Trạng thái'), el('span.muted', 'Đang tải…')),
        el('div.filter-col',
          el('div#f-cat-wrap'),
          el('div#f-area-wrap'),
          select('sort', 'Sắp xếp', [['', 'Mới nhất trước'], ['urgent', 'Khẩn cấp trước']])),
        el('fieldset.flags', el('legend', 'Chỉ hiện'),
          check('urgent', 'Khẩn cấp'), check('overdue', 'Quá hạn'), check('unacked', 'Chưa tiếp nhận'), check('mine', 'Giao cho tôi')),
        el('div.filter-col', dateInput('from', 'Từ ngày'), dateInput('to', 'Đến ngày'))),
      el('button.btn.btn-ghost', { type: 'button', dataset: { testid: 'filters-clear' }, onclick: () => {
        const q = Q.params.get('q');
        Q.params = new URLSearchParams();
        if (q) Q.params.set('q', q);
        Desk.setParams(paramsObj());
        const main = Q.main;
        Desk.clear(main);
        render(main, null, Q.params);
      } }, 'Xóa bộ lọc'));
    if (window.matchMedia && window.matchMedia('(min-width: 900px)').matches) det.open = true;
    return det;
  }

  async function fillFilters() {
    let c;
    try { c = await Desk.categories(); } catch (e) { Desk.fail(e); return; }
    const areas = await Desk.areas();
    const st = document.getElementById('f-statuses');
    if (!st) return;
    Desk.clear(st).append(el('legend', 'Trạng thái'));
    const chosen = new Set((Q.params.get('status') || '').split(',').filter(Boolean));
    for (const s of c.statuses || []) {
      const box = el('input', { type: 'checkbox', name: 'status', value: s.status, id: 'f-st-' + s.status, checked: chosen.has(s.status) });
      box.addEventListener('change', () => {
        const all = [...st.querySelectorAll('input:checked')].map((b) => b.value);
        setParam('status', all.join(','));
        commit();
      });
      st.append(el('label.check', { for: box.id }, box, ' ' + s.label));
    }
    document.getElementById('f-cat-wrap').append(select('category', 'Loại tin',
      [['', 'Tất cả các loại']].concat((c.categories || []).map((x) => [x.name, x.label]))));
    if (areas.length > 1) {
      document.getElementById('f-area-wrap').append(select('area', 'Khu vực',
        [['', 'Tất cả khu vực']].concat(areas.map((a) => [a.code, a.name]))));
    }
    syncControls();
  }

  function syncControls() {
    const n = KEYS.filter((k) => k !== 'q' && k !== 'sort' && Q.params.get(k)).length;
    const fc = document.getElementById('filter-count');
    if (fc) fc.textContent = n ? ' (' + n + ' đang bật)' : '';
    for (const chip of document.querySelectorAll('#summary button.chip')) {
      const def = CHIPS.find((x) => x.key === chip.dataset.key);
      const on = def && def.set && Object.entries(def.set).every(([k, v]) => Q.params.get(k) === v);
      chip.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    for (const k of ['urgent', 'overdue', 'unacked', 'mine']) {
      const c = document.getElementById('f-' + k);
      if (c) c.checked = Q.params.get(k) === '1';
    }
  }

  async function loadSummary() {
    let s;
    try { s = await Desk.get('/summary'); } catch (e) { if (e.status !== 401) Desk.fail(e); return; }
    const box = document.getElementById('summary');
    if (!box) return;
    Desk.clear(box).append(el('p.open-count', el('strong', String(s.open || 0)), ' tin đang mở'));
    const chips = el('div.chips');
    for (const c of CHIPS) {
      const n = s[c.key] || 0;
      const inner = [el('span.chip-n', String(n)), el('span.chip-l', c.label)];
      if (!c.set) {
        chips.append(el('span.chip.chip-static.' + c.cls + (n ? '' : '.chip-zero'), { dataset: { key: c.key, testid: 'chip-' + c.key },
          title: 'Tin có trả lời mới của người báo được đánh dấu 💬 trong danh sách' }, inner));
        continue;
      }
      const b = el('button.chip' + (c.cls ? '.' + c.cls : '') + (n ? '' : '.chip-zero'), { type: 'button', dataset: { key: c.key, testid: 'chip-' + c.key } }, inner);
      b.addEventListener('click', () => {
        const on = b.getAttribute('aria-pressed') === 'true';
        for (const x of CHIPS) if (x.set) for (const k of Object.keys(x.set)) Q.params.delete(k);
        if (!on) for (const [k, v] of Object.entries(c.set)) Q.params.set(k, v);
        commit();
      });
      chips.append(b);
    }
    box.append(chips);
    syncControls();
  }

  async function load(more, keepCount) {
    const seq = ++Q.seq;
    const list = document.getElementById('queue-list');
    const moreBtn = document.getElementById('queue-more');
    const note = document.getElementById('queue-note');
    if (!list) return;
    const limit = keepCount ? Math.min(PAGE_MAX, Math.max(PAGE, Q.shown)) : PAGE;
    const params = Object.assign(paramsObj(), { limit });
    if (more && Q.next) params.cursor = Q.next;
    if (!more && !keepCount) note.textContent = 'Đang tải…';
    moreBtn.disabled = true;
    let r;
    try {
      r = await Desk.get('/tips', params);
    } catch (e) {
      if (seq === Q.seq) { note.textContent = ''; moreBtn.disabled = false; if (e.status !== 401) Desk.fail(e); }
      return;
    }
    if (seq !== Q.seq) return;     // a newer request replaced this one
    const seen = Q.codes;
    if (!more) { Desk.clear(list); Q.shown = 0; Q.codes = new Set(); }
    for (const t of r.tips || []) {
      const row = Desk.tipRow(t);
      if (keepCount && seen.size && !seen.has(t.code)) row.classList.add('fresh');
      list.append(row);
      Q.codes.add(t.code);
      Q.shown++;
    }
    Q.next = r.next || null;
    moreBtn.hidden = !Q.next;
    moreBtn.disabled = false;
    const filtered = KEYS.some((k) => k !== 'sort' && Q.params.get(k));
    note.textContent = Q.shown ? '' : (filtered ? 'Không có tin nào khớp bộ lọc.' : 'Chưa có tin báo nào.');
  }

  Desk.views.queue = {
    render,
    onFrame() {
      loadSummary();
      load(false, true);
    },
    tick() {
      loadSummary();
      load(false, true);
    },
  };
})();
