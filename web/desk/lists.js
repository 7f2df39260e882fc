/* tipgate police desk — the pages besides the queue and the tip: leads from bound groups
   (#/leads, by area, cursor "Xem thêm"), the groups (#/groups, the only page a leader sees),
   the scam shield (#/scam: search, add, remove with a confirmation, import of JSON Lines with
   per-line errors, cross-group sightings) and the shift handover (#/handover: since a time,
   five lists, printable on A4 through desk.css's print rules). */
'use strict';
(() => {
  const Desk = window.Desk;
  const { el } = Desk;
  Desk.views = Desk.views || {};
  const HOUR = 3600000;
  const HANDOVER_HOURS = 12;
  const KIND_LABEL = { phone: 'Số điện thoại', url: 'Đường link', account: 'Tài khoản' };
  const PLATFORM = { telegram: 'Telegram', zalo: 'Zalo', messenger: 'Messenger', web: 'Web' };

  function moreButton(id, fn) {
    return el('div.more-wrap', el('button.btn', { type: 'button', id, hidden: true, dataset: { testid: id }, onclick: fn }, 'Xem thêm'));
  }

  /* ---------- leads ---------- */
  const L = { next: null, area: '' };
  async function leadsRender(main, arg, params) {
    L.area = params.get('area') || '';
    L.next = null;
    const areaWrap = el('div.toolbar');
    main.append(el('h1', 'Tin từ nhóm'),
      el('p.muted', 'Tin báo đến từ các nhóm chat khu phố đã liên kết với bot.'),
      areaWrap, el('p.result-note#leads-note', { role: 'status' }),
      el('ul.rows#leads-list', { 'aria-label': 'Tin từ nhóm' }), moreButton('leads-more', () => leadsLoad(true)));
    const areas = await Desk.areas();
    if (areas.length > 1) {
      const s = el('select#leads-area', [el('option', { value: '' }, 'Tất cả khu vực')].concat(areas.map((a) => el('option', { value: a.code }, a.name))));
      s.value = L.area;
      s.addEventListener('change', () => { L.area = s.value; Desk.setParams(L.area ? { area: L.area } : {}); leadsLoad(false); });
      areaWrap.append(Desk.field('Khu vực', s));
    }
    leadsLoad(false);
  }
  async function leadsLoad(more) {
    const list = document.getElementById('leads-list');
    const btn = document.getElementById('leads-more');
    if (!list) return;
    let r;
    try { r = await Desk.get('/leads', { area: L.area, cursor: more ? L.next : null }); } catch (e) { Desk.fail(e); return; }
    if (!more) Desk.clear(list);
    for (const t of r.leads || []) list.append(Desk.tipRow(t, t.group ? el('span.group', '👥 ' + t.group) : null));
    L.next = r.next || null;
    btn.hidden = !L.next;
    document.getElementById('leads-note').textContent = list.children.length ? '' : 'Chưa có tin nào từ nhóm.';
  }

  /* ---------- groups ---------- */
  async function groupsRender(main) {
    main.append(el('h1', 'Nhóm khu phố'), el('p.result-note#groups-note', { role: 'status' }, 'Đang tải…'));
    let r;
    try { r = await Desk.get('/groups'); } catch (e) { Desk.fail(e); return; }
    const groups = r.groups || [];
    document.getElementById('groups-note').textContent = groups.length ? '' : 'Chưa có nhóm nào liên kết với bot.';
    if (!groups.length) return;
    main.append(el('div.table-wrap', el('table.grid#groups-table', { dataset: { testid: 'groups-table' } },
      el('caption.sr-only', 'Các nhóm và số tin trong 30 ngày'),
      el('thead', el('tr', el('th', { scope: 'col' }, 'Nhóm'), el('th', { scope: 'col' }, 'Khu vực'), el('th', { scope: 'col' }, 'Nền tảng'),
        el('th.num', { scope: 'col' }, 'Tin báo (30 ngày)'), el('th.num', { scope: 'col' }, 'Cảnh báo (30 ngày)'))),
      el('tbody', groups.map((g) => el('tr',
        el('th', { scope: 'row' }, g.title || '(không tên)'), el('td', { 'data-label': 'Khu vực' }, g.area_name || g.area || '—'),
        el('td', { 'data-label': 'Nền tảng' }, PLATFORM[g.platform] || g.platform || ''),
        el('td.num', { 'data-label': 'Tin báo (30 ngày)' }, String(g.leads_30d || 0)),
        el('td.num', { 'data-label': 'Cảnh báo (30 ngày)' }, String(g.warnings_30d || 0))))))));
  }

  /* ---------- scam shield ---------- */
  const S = { next: null, q: '', kind: '' };
  function kindSelect(id, withAll) {
    const opts = withAll ? [el('option', { value: '' }, 'Tất cả')] : [];
    return el('select', { id, name: 'kind' }, opts.concat(Object.entries(KIND_LABEL).map(([v, t]) => el('option', { value: v }, t))));
  }

  function scamRender(main, arg, params) {
    S.q = params.get('q') || '';
    S.kind = params.get('kind') || '';
    S.next = null;
    const q = el('input#scam-q', { type: 'search', value: S.q, autocomplete: 'off', placeholder: 'Số điện thoại, đường link, tài khoản…' });
    const kind = kindSelect('scam-kind', true);
    kind.value = S.kind;
    const search = el('form.search.scam-search', { role: 'search' },
      Desk.field('Tìm trong danh sách', q), Desk.field('Loại', kind), el('button.btn', { type: 'submit' }, 'Tìm'));
    search.addEventListener('submit', (ev) => {
      ev.preventDefault();
      S.q = q.value.trim();
      S.kind = kind.value;
      Desk.setParams(Object.assign(S.q ? { q: S.q } : {}, S.kind ? { kind: S.kind } : {}));
      scamLoad(false);
    });

    const addKind = kindSelect('scam-add-kind', false);
    const addValue = el('input#scam-add-value', { type: 'text', required: true, autocomplete: 'off', maxlength: '300' });
    // The reason is required, as in the chat's /canhbao_* (the server refuses an item without one).
    const addNote = el('input#scam-add-note', { type: 'text', required: true, autocomplete: 'off', maxlength: '300' });
    const add = el('form.card.form#scam-add', { dataset: { testid: 'scam-add' } }, el('h2', 'Thêm vào danh sách cảnh báo'),
      el('div.form-row', Desk.field('Loại', addKind), Desk.field('Giá trị', addValue, 'Ví dụ: 0912 345 678, https://…, tên tài khoản'),
        Desk.field('Lý do', addNote, 'Ví dụ: giả danh công an gọi lừa chuyển tiền')), el('button.btn.btn-primary', { type: 'submit' }, 'Thêm'));
    Desk.onSubmit(add, async () => {
      await Desk.post('/scam', { kind: addKind.value, value: addValue.value.trim(), note: addNote.value.trim() });
      Desk.toast('Đã thêm vào danh sách cảnh báo.');
      addValue.value = '';
      addNote.value = '';
      scamLoad(false);
    });

    const lines = el('textarea#scam-lines', { rows: 5, spellcheck: false, placeholder: '{"type": "phone", "value": "0912345678", "reason": "giả danh công an"}' });
    const result = el('div#scam-import-result', { role: 'status', dataset: { testid: 'scam-import-result' } });
    const imp = el('form.card.form#scam-import', { dataset: { testid: 'scam-import' } }, el('h2', 'Nhập nhiều mục (JSON Lines)'),
      Desk.field('Mỗi dòng một mục', lines, 'Mỗi dòng là một đối tượng JSON, giống lệnh tipgate scamlist import.'),
      el('button.btn', { type: 'submit' }, 'Nhập'), result);
    Desk.onSubmit(imp, async () => {
      const r = await Desk.post('/scam/import', { lines: lines.value });
      // "skipped" counts the refused lines (listed below), not items already on the list.
      Desk.clear(result).append(el('p', 'Đã thêm ' + (r.added || 0) + ' mục, bỏ qua ' + (r.skipped || 0) + ' dòng lỗi.'));
      if (r.errors && r.errors.length) {
        result.append(el('p.error-text', 'Các dòng lỗi:'),
          el('ul.errors', r.errors.map((x) => el('li', 'Dòng ' + x.line + ': ' + x.message))));
      }
      scamLoad(false);
    });

    main.append(el('h1', 'Chống lừa đảo'),
      el('p.muted', 'Số điện thoại, đường link và tài khoản lừa đảo: bot cảnh báo trong các nhóm khi có người gửi chúng.'),
      search, el('p.result-note#scam-note', { role: 'status' }),
      el('ul.items#scam-list', { 'aria-label': 'Danh sách cảnh báo', dataset: { testid: 'scam-list' } }), moreButton('scam-more', () => scamLoad(true)),
      add, imp,
      el('section.card#sightings', el('h2', 'Xuất hiện ở nhiều nhóm'), el('p.muted', 'Đang tải…')));
    scamLoad(false);
    sightingsLoad();
  }

  function scamItem(it) {
    const rm = el('button.btn.btn-small.btn-danger', { type: 'button', dataset: { testid: 'scam-remove' }, 'aria-label': 'Gỡ ' + (it.shown || it.value) }, 'Gỡ');
    rm.addEventListener('click', async () => {
      if (!window.confirm('Gỡ "' + (it.shown || it.value) + '" khỏi danh sách cảnh báo?')) return;
      rm.disabled = true;
      try {
        await Desk.post('/scam/remove', { id: it.id });
        Desk.toast('Đã gỡ khỏi danh sách.');
        scamLoad(false);
      } catch (e) { rm.disabled = false; Desk.fail(e); }
    });
    return el('li.item', { dataset: { id: String(it.id), testid: 'scam-item' } },
      el('div.item-main', el('span.value', it.shown || it.value), el('span.badge', KIND_LABEL[it.kind] || it.kind),
        it.note ? el('span.note', it.note) : null),
      el('div.item-meta', el('span', 'Thêm ' + Desk.fmtDate(it.added_at)),
        el('span', it.sightings ? 'Gặp ' + it.sightings + ' lần' : 'Chưa gặp'), rm));
  }

  async function scamLoad(more) {
    const list = document.getElementById('scam-list');
    if (!list) return;
    let r;
    try { r = await Desk.get('/scam', { q: S.q, kind: S.kind, cursor: more ? S.next : null }); } catch (e) { Desk.fail(e); return; }
    if (!more) Desk.clear(list);
    for (const it of r.items || []) list.append(scamItem(it));
    S.next = r.next || null;
    document.getElementById('scam-more').hidden = !S.next;
    document.getElementById('scam-note').textContent = list.children.length ? '' : (S.q || S.kind ? 'Không có mục nào khớp.' : 'Danh sách đang trống.');
  }

  async function sightingsLoad() {
    const box = document.getElementById('sightings');
    if (!box) return;
    let r;
    try { r = await Desk.get('/scam/sightings'); } catch (e) { Desk.fail(e); return; }
    const rows = r.sightings || [];
    Desk.clear(box).append(el('h2', 'Xuất hiện ở nhiều nhóm'));
    if (!rows.length) { box.append(el('p.muted', 'Chưa có số, link hay tài khoản nào xuất hiện ở nhiều nhóm.')); return; }
    box.append(el('ul.items', rows.map((s) => {
      let flag = el('span.badge.badge-urgent', 'Đã có trong danh sách');
      if (!s.flagged) {
        flag = el('button.btn.btn-small', { type: 'button', 'aria-label': 'Thêm ' + (s.shown || s.value) + ' vào danh sách' }, 'Thêm vào danh sách');
        flag.addEventListener('click', async () => {
          flag.disabled = true;
          try {
            await Desk.post('/scam', { kind: s.kind, value: s.value, note: 'Xuất hiện ở ' + s.groups + ' nhóm' });
            Desk.toast('Đã thêm vào danh sách cảnh báo.');
            scamLoad(false);
            sightingsLoad();
          } catch (e) { flag.disabled = false; Desk.fail(e); }
        });
      }
      return el('li.item', el('div.item-main', el('span.value', s.shown || s.value), el('span.badge', KIND_LABEL[s.kind] || s.kind)),
        el('div.item-meta', el('span', s.groups + ' nhóm · ' + s.count + ' lần'),
          el('span', Desk.fmtDate(s.first_at) + ' – ' + Desk.fmtDate(s.last_at)), flag));
    })));
  }

  /* ---------- handover ---------- */
  const BUCKETS = [
    ['new', 'Tin mới'], ['acknowledged', 'Đã tiếp nhận'], ['overdue', 'Quá hạn'],
    ['replies_waiting', 'Người báo đã trả lời, chờ xử lý'], ['closed', 'Đã đóng'],
  ];
  const H = { since: 0 };
  function handoverRender(main, arg, params) {
    const p = Number(params.get('since'));
    H.since = p > 0 ? p : Desk.now() - HANDOVER_HOURS * HOUR;
    const since = el('input#handover-since', { type: 'datetime-local', value: Desk.localParts(H.since).local, required: true });
    const form = el('form.toolbar.no-print#handover-form', Desk.field('Từ lúc', since), el('button.btn', { type: 'submit' }, 'Xem'),
      el('button.btn.btn-primary', { type: 'button', dataset: { testid: 'handover-print' }, onclick: () => window.print() }, 'In'));
    Desk.onSubmit(form, async () => {
      const ms = Desk.parseLocal(since.value);
      if (!ms) { Desk.toast('Vui lòng chọn thời điểm bắt đầu.', 'error'); return; }
      H.since = ms;
      Desk.setParams({ since: String(ms) });
      await handoverLoad();
    });
    main.append(el('h1', 'Giao ca'), el('p.print-only#handover-print-head'), form, el('div#handover-body', el('p.muted', 'Đang tải…')));
    handoverLoad();
  }

  async function handoverLoad() {
    const body = document.getElementById('handover-body');
    if (!body) return;
    let r;
    try { r = await Desk.get('/handover', { since: H.since }); } catch (e) { Desk.fail(e); return; }
    const me = Desk.state.me || {};
    document.getElementById('handover-print-head').textContent = (me.ward || '') + ' — từ ' + Desk.fmtTime(r.since || H.since) +
      ' đến ' + Desk.fmtTime(r.now || Desk.now()) + ' — ' + (me.name || '');
    Desk.clear(body).append(el('p.handover-span', 'Từ ' + Desk.fmtTime(r.since || H.since) + ' đến ' + Desk.fmtTime(r.now || Desk.now())));
    for (const [key, label] of BUCKETS) {
      const b = r[key];
      const rows = Array.isArray(b) ? b : (b && b.tips) || [];
      const more = (b && !Array.isArray(b) && b.more) || (r.more && typeof r.more === 'object' && r.more[key]) ||
        r[key + '_more'] || 0;
      body.append(el('section.bucket', { dataset: { bucket: key, testid: 'bucket-' + key } },
        el('h2', label + ' ', el('span.count', '(' + (rows.length + more) + ')')),
        rows.length ? el('ul.rows.rows-compact', rows.map((t) => Desk.tipRow(t))) : el('p.muted', 'Không có.'),
        more ? el('p.muted', 'và ' + more + ' tin khác') : null));
    }
  }

  Desk.views.leads = { render: leadsRender, onFrame: () => leadsLoad(false) };
  Desk.views.groups = { render: groupsRender };
  Desk.views.scam = { render: scamRender };
  Desk.views.handover = { render: handoverRender, onFrame: () => handoverLoad() };
})();
