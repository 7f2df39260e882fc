/* tipgate police desk — the commander's period report (#/report?period=…&area=…): a period
   picker offering the plans' periods (quarters, six months, the year, a range of days) and the
   area, the report document of GET /api/desk/report drawn generically from its sections,
   figures and tables (this period, the same period a year earlier, the plan's target beside),
   "In báo cáo" on A4 through desk.css's print rules, downloads as HTML and CSV (built by the
   server: /api/desk/report.html, /report.csv) and as JSON (the document itself); and the
   export of the period's tips (/api/desk/export: CSV or JSON Lines, with the tipsters' contact
   numbers only when a commander asks, which the server audits). Also Desk.fmtFigure for kpi.js. */
'use strict';
(() => {
  const Desk = window.Desk;
  const { el } = Desk;
  Desk.views = Desk.views || {};
  const ROMAN = ['I', 'II', 'III', 'IV'];
  const YEARS_BACK = 2;           // the picker offers this year and the two before it
  const UNIT = { hours: '\u00a0giờ', days: '\u00a0ngày', pct: '\u00a0%' };   // never a line between
  const fmtNumber = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });

  // A figure as the report prints it: "< 3" as given, no data as "—", a share with " %".
  Desk.fmtFigure = (v, unit) => {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v !== 'number') return String(v);
    return fmtNumber.format(v) + (UNIT[unit] || '');
  };

  /* ---------- the period picker ---------- */
  function thisYear() { return Number(Desk.localParts(Desk.now()).date.slice(0, 4)); }
  function currentQuarter() { return Math.floor((Number(Desk.localParts(Desk.now()).date.slice(5, 7)) - 1) / 3) + 1; }

  function periodSelect(id) {
    const groups = [];
    for (let y = thisYear(); y >= thisYear() - YEARS_BACK; y--) {
      groups.push(el('optgroup', { label: 'Năm ' + y },
        ROMAN.map((r, i) => el('option', { value: y + '-Q' + (i + 1) }, 'Quý ' + r + ' năm ' + y)),
        el('option', { value: y + '-H1' }, '6 tháng đầu năm ' + y),
        el('option', { value: y + '-H2' }, '6 tháng cuối năm ' + y),
        el('option', { value: String(y) }, 'Cả năm ' + y)));
    }
    groups.push(el('option', { value: 'range' }, 'Khoảng ngày khác…'));
    return el('select', { id, name: 'period' }, groups);
  }

  // "2026-01-31" → "31/01/2026", the form calendar_period reads a range in.
  const dmy = (iso) => Desk.fmtIsoDate(iso);
  const isoOf = (d) => { const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(d || ''); return m ? m[3] + '-' + m[2] + '-' + m[1] : ''; };

  const R = { period: '', area: '', doc: null };

  // The period the form names ("2026-Q1", or "01/01/2026-30/06/2026"), or '' for an unfinished range.
  function periodOf(sel, from, to) {
    if (sel.value !== 'range') return sel.value;
    if (!from.value || !to.value) return '';
    return dmy(from.value) + '-' + dmy(to.value);
  }

  async function areaSelect(id) {
    const areas = await Desk.areas();
    return el('select', { id, name: 'area' }, el('option', { value: '' }, 'Toàn phường'),
      areas.map((a) => el('option', { value: a.code }, a.name)));
  }

  /* ---------- the page ---------- */
  async function reportRender(main, arg, params) {
    R.period = params.get('period') || thisYear() + '-Q' + currentQuarter();
    R.area = params.get('area') || '';
    R.doc = null;
    const sel = periodSelect('report-period');
    const from = el('input#report-from', { type: 'date' });
    const to = el('input#report-to', { type: 'date' });
    const range = el('div.range#report-range', { hidden: true }, Desk.field('Từ ngày', from), Desk.field('Đến ngày', to));
    const m = /^(\d{2}\/\d{2}\/\d{4})-(\d{2}\/\d{2}\/\d{4})$/.exec(R.period);
    if (m) {
      sel.value = 'range';
      from.value = isoOf(m[1]);
      to.value = isoOf(m[2]);
    } else {
      sel.value = R.period;
      // a period the picker does not list (an older year, a month typed in the address) is
      // offered as it is, so the picker names what is shown
      if (sel.value !== R.period) {
        sel.prepend(el('option', { value: R.period }, 'Kỳ ' + R.period));
        sel.value = R.period;
      }
    }
    range.hidden = sel.value !== 'range';
    sel.addEventListener('change', () => { range.hidden = sel.value !== 'range'; });
    const area = await areaSelect('report-area');
    area.value = R.area;
    if (!document.getElementById('view') || main.dataset.route !== 'report') return;

    const form = el('form.toolbar.report-form.no-print#report-form', { dataset: { testid: 'report-form' } },
      Desk.field('Kỳ báo cáo', sel), range, Desk.field('Địa bàn', area),
      el('button.btn.btn-primary', { type: 'submit' }, 'Xem báo cáo'));
    Desk.onSubmit(form, async () => {
      const p = periodOf(sel, from, to);
      if (!p) { Desk.toast('Vui lòng chọn ngày bắt đầu và ngày kết thúc.', 'error'); return; }
      R.period = p;
      R.area = area.value;
      Desk.setParams(Object.assign({ period: R.period }, R.area ? { area: R.area } : {}));
      await reportLoad();
    });

    const tools = el('div.toolbar.report-tools.no-print#report-tools', { hidden: true },
      el('button.btn.btn-primary', { type: 'button', dataset: { testid: 'report-print' }, onclick: () => window.print() }, 'In báo cáo'),
      el('button.btn', { type: 'button', dataset: { testid: 'report-html' }, onclick: (ev) => fileOf(ev, '/report.html', 'html') }, 'Tải HTML'),
      el('button.btn', { type: 'button', dataset: { testid: 'report-csv' }, onclick: (ev) => fileOf(ev, '/report.csv', 'csv') }, 'Tải CSV'),
      el('button.btn', { type: 'button', dataset: { testid: 'report-json' }, onclick: jsonOf }, 'Tải JSON'));

    main.append(el('h1.no-print', 'Báo cáo kết quả theo kỳ'),
      el('p.muted.no-print', 'Số liệu tiếp nhận, giải quyết tin báo, phản hồi người dân, nhóm khu phố, tuyên truyền và báo cáo của các đơn vị — để đính kèm báo cáo định kỳ của phường.'),
      form, tools, el('p.result-note#report-note', { role: 'status' }),
      el('article.report-doc#report-doc', { dataset: { testid: 'report-doc' }, hidden: true }),
      exportCard());
    await reportLoad();
  }

  async function reportLoad() {
    const box = document.getElementById('report-doc');
    const note = document.getElementById('report-note');
    if (!box) return;
    note.textContent = 'Đang tải…';
    let doc;
    try {
      doc = await Desk.get('/report', { period: R.period, area: R.area });
    } catch (e) {
      note.textContent = e.message;
      box.hidden = true;
      document.getElementById('report-tools').hidden = true;
      return;
    }
    R.doc = doc;
    note.textContent = '';
    Desk.clear(box).append(...docNodes(doc));
    box.hidden = false;
    document.getElementById('report-tools').hidden = false;
    const area = doc.area && doc.area.name ? ' – ' + doc.area.name : '';
    document.title = 'Báo cáo ' + ((doc.period && doc.period.label) || R.period) + area + ' – Bàn làm việc';
  }

  /* ---------- the document, drawn from its own structure ---------- */
  function docNodes(doc) {
    const p = doc.period || {}, prev = doc.previous || {};
    const span = p.from && p.to ? ' (từ ngày ' + dmy(p.from) + ' đến ngày ' + dmy(p.to) + ')' : '';
    const nodes = [
      el('header.doc-head',
        el('div.doc-org', el('p.doc-ward', doc.ward || ''), doc.area && doc.area.name ? el('p.doc-area', doc.area.name) : null),
        el('div.doc-nation', el('p.doc-nation-1', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'), el('p.doc-nation-2', 'Độc lập – Tự do – Hạnh phúc'))),
      el('h2.doc-title#report-title', doc.title || 'BÁO CÁO KẾT QUẢ'),
      el('p.doc-period', (p.label || p.code || '') + span),
      el('p.doc-prev', prev.has_data
        ? 'Cột "Cùng kỳ" là cùng kỳ năm trước, từ ngày ' + dmy(prev.from) + ' đến ngày ' + dmy(prev.to) + '.'
        : 'Chưa có số liệu cùng kỳ năm trước.'),
    ];
    (doc.sections || []).forEach((s, i) => nodes.push(sectionNode(s, i + 1)));
    nodes.push(el('div.doc-sign',
      el('div.sign-box', el('p.sign-role', 'NGƯỜI LẬP BÁO CÁO'), el('p.sign-hint', '(Ký, ghi rõ họ tên)')),
      el('div.sign-box', el('p.sign-role', 'THỦ TRƯỞNG ĐƠN VỊ'), el('p.sign-hint', '(Ký, ghi rõ họ tên, đóng dấu)'))));
    if (doc.generated_at) nodes.push(el('p.doc-generated', 'Số liệu lập lúc ' + Desk.fmtTime(Date.parse(doc.generated_at)) + ' từ hệ thống tiếp nhận tin báo.'));
    return nodes;
  }

  function targetText(t) {
    if (t === null || t === undefined) return '';
    return (t >= 100 ? '' : '≥\u00a0') + Desk.fmtFigure(t, 'pct');
  }

  function sectionNode(s, n) {
    const head = el('h3', n + '. ' + (s.title || ''));
    const figs = s.figures || [];
    const hasTarget = figs.some((f) => f.target !== null && f.target !== undefined);
    const kids = [head];
    if (figs.length) {
      kids.push(el('div.table-wrap', el('table.doc-table.doc-figures', { dataset: { testid: 'figures-' + s.id } },
        el('caption.sr-only', s.title || ''),
        el('thead', el('tr', el('th', { scope: 'col' }, 'Nội dung'), el('th.num', { scope: 'col' }, 'Kỳ này'),
          el('th.num', { scope: 'col' }, 'Cùng kỳ'), hasTarget ? el('th.num', { scope: 'col' }, 'Mục tiêu') : null)),
        el('tbody', figs.map((f) => el('tr', { dataset: { figure: f.id } },
          el('th', { scope: 'row' }, f.label || f.id),
          el('td.num.value', { 'data-label': 'Kỳ này' }, Desk.fmtFigure(f.value, f.unit)),
          el('td.num.previous', { 'data-label': 'Cùng kỳ' }, Desk.fmtFigure(f.previous, f.unit)),
          hasTarget ? el('td.num.target', { 'data-label': 'Mục tiêu' }, targetText(f.target), metMark(f)) : null))))));
    }
    for (const t of s.tables || []) kids.push(tableNode(s, t));
    return el('section.doc-section', { dataset: { section: s.id, testid: 'report-section-' + s.id } }, kids);
  }

  // ✓/✗ beside a target when the figure is a number; nothing without data.
  function metMark(f) {
    if (f.target === null || f.target === undefined || typeof f.value !== 'number') return null;
    const met = f.value >= f.target;
    return el('span.met' + (met ? '.met-yes' : '.met-no'), { title: met ? 'Đạt mục tiêu' : 'Chưa đạt mục tiêu' }, met ? ' ✓ Đạt' : ' ✗ Chưa đạt');
  }

  function tableNode(s, t) {
    const cols = t.columns && t.columns.length ? t.columns : ['', 'Kỳ này', 'Cùng kỳ'];
    const unit = t.unit || 'count';
    return el('div.doc-subtable', el('h4', t.title || ''), el('div.table-wrap', el('table.doc-table', { dataset: { testid: 'table-' + s.id + '-' + t.id, table: t.id } },
      el('caption.sr-only', t.title || ''),
      el('thead', el('tr', cols.map((c, i) => el(i ? 'th.num' : 'th', { scope: 'col' }, c)))),
      el('tbody', (t.rows || []).length ? t.rows.map((r) => el('tr', { dataset: { key: r.key || '' } },
        el('th', { scope: 'row' }, r.label || r.key || ''),
        el('td.num.value', { 'data-label': cols[1] || 'Kỳ này' }, Desk.fmtFigure(r.value, r.unit || unit)),
        cols.length > 2 ? el('td.num.previous', { 'data-label': cols[2] }, Desk.fmtFigure(r.previous, r.unit || unit)) : null))
        : el('tr.empty-row', el('td.empty', { colspan: String(cols.length) }, 'Không có số liệu.'))))));
  }

  /* ---------- downloads ---------- */
  async function fileOf(ev, path, ext) {
    const btn = ev.currentTarget;
    btn.disabled = true;
    try {
      await Desk.download(path, { period: R.period, area: R.area }, 'bao-cao.' + ext);
    } catch (e) { Desk.fail(e); } finally { btn.disabled = false; }
  }

  function jsonOf() {
    if (!R.doc) return;
    const name = ('bao-cao-' + R.period + (R.area ? '-' + R.area : '')).replace(/[^A-Za-z0-9._-]/g, '-') + '.json';
    Desk.saveBlob(new Blob([JSON.stringify(R.doc, null, 2) + '\n'], { type: 'application/json' }), name);
  }

  /* ---------- export of the period's tips ---------- */
  function exportCard() {
    const format = el('select#export-format', { name: 'format' },
      el('option', { value: 'csv' }, 'CSV (mở bằng Excel, LibreOffice)'), el('option', { value: 'jsonl' }, 'JSON Lines (cho phần mềm khác)'));
    const contacts = el('input#export-contacts', { type: 'checkbox', name: 'contacts', 'aria-describedby': 'export-contacts-hint' });
    const form = el('form.card.form.no-print#export-form', { dataset: { testid: 'export-form' } },
      el('h2', 'Xuất danh sách tin báo của kỳ'),
      el('p.muted', 'Mỗi dòng một tin báo tiếp nhận trong kỳ và địa bàn đã chọn ở trên: mã, ngày, địa bàn, loại tin, trạng thái, kết quả, thời hạn, thao tác xử lý. Không có danh tính người báo.'),
      Desk.field('Định dạng', format),
      Desk.isCommander() ? el('div.field', el('label.check', { for: 'export-contacts' }, contacts, 'Kèm số liên lạc người báo đã cung cấp'),
        el('p.hint#export-contacts-hint', 'Chỉ dành cho chỉ huy. Mỗi lần xuất kèm số liên lạc được ghi vào nhật ký.')) : null,
      el('button.btn.btn-primary', { type: 'submit', dataset: { testid: 'export-submit' } }, 'Xuất danh sách'),
      el('p.result-note#export-note', { role: 'status' }));
    Desk.onSubmit(form, async () => {
      const note = document.getElementById('export-note');
      note.textContent = '';
      // the period and area as chosen above now, even before "Xem báo cáo" was pressed
      const $ = (id) => document.getElementById(id);
      const period = periodOf($('report-period'), $('report-from'), $('report-to'));
      if (!period) { Desk.toast('Vui lòng chọn ngày bắt đầu và ngày kết thúc.', 'error'); return; }
      const ext = format.value === 'jsonl' ? 'jsonl' : 'csv';
      const name = await Desk.download('/export', {
        period, area: $('report-area').value, format: ext, contacts: Desk.isCommander() && contacts.checked,
      }, 'tin-bao.' + ext);
      note.textContent = 'Đã tải về tệp ' + name + '.';
    });
    return form;
  }

  Desk.views.report = { render: reportRender };
})();
