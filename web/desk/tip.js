/* tipgate police desk — the tip page (#/tip/CODE): the facts, the story in order (the filing,
   the tipster's follow-ups, answers and questions, status changes, desk actions, internal
   notes), photos, location as coordinates, extracted entities, the audited "Xem số liên hệ",
   and the actions as forms (ack, assign, reply/ask, status, close, reopen, duplicate, extend,
   classify, note). The forms are built once per visit so a live refresh never loses what the
   officer is typing; after each action the tip is fetched again. */
'use strict';
(() => {
  const Desk = window.Desk;
  const { el } = Desk;
  Desk.views = Desk.views || {};
  const STORY = {
    filed: 'Người báo gửi tin', from_tipster: 'Người báo', to_tipster: 'Trả lời người báo',
    question: 'Hỏi người báo', status: 'Trạng thái', action: 'Thao tác',
    note: 'Ghi chú nội bộ — người báo không thấy',
  };
  const ACTION = {
    file: 'Gửi tin', ack: 'Tiếp nhận tin', assign: 'Giao tin', reply: 'Trả lời người báo', status: 'Đổi trạng thái',
    close: 'Đóng tin', reopen: 'Mở lại tin', duplicate: 'Đánh dấu trùng', extend: 'Gia hạn', classify: 'Phân loại',
    note: 'Ghi chú nội bộ', view_contact: 'Xem số liên hệ',
  };
  const ENTITY = { phones: 'Số điện thoại', plates: 'Biển số xe', urls: 'Đường link', accounts: 'Tài khoản' };
  const STATUS_FALLBACK = [['received', 'Đã tiếp nhận'], ['verifying', 'Đang xác minh'], ['transferred', 'Đã chuyển'],
    ['resolved', 'Đã giải quyết'], ['rejected', 'Không xử lý']];
  const ART147 = 'Điều 147 BLTTHS: tố giác phải được giải quyết trong 20 ngày; vụ việc phức tạp có thể kéo dài ' +
    'đến 2 tháng, và Viện kiểm sát có thể gia hạn thêm một lần, không quá 2 tháng.';
  const money = new Intl.NumberFormat('vi-VN');

  const T = { code: '', tip: null, seq: 0 };
  const $ = (id) => document.getElementById(id);

  function render(main, code) {
    T.code = code;
    T.tip = null;
    main.append(
      el('p.back.no-print', el('a', { href: '#/' }, '← Hàng đợi')),
      el('div.tip-layout#tip',
        el('section.tip-head.card#tip-head', el('p.muted', 'Đang tải tin ' + code + '…')),
        el('section.tip-story.card#tip-story', { 'aria-label': 'Diễn biến' }),
        el('aside.tip-actions.card.no-print#tip-actions', { 'aria-label': 'Thao tác' }, actions())));
    refresh();
    fillChoices();
  }

  async function refresh() {
    const seq = ++T.seq;
    let r;
    try {
      r = await Desk.get('/tips/' + encodeURIComponent(T.code));
    } catch (e) {
      if (seq !== T.seq || !$('tip-head')) return;
      if (e.status === 404) {
        Desk.clear($('tip')).append(el('section.card', { dataset: { testid: 'tip-missing' } },
          el('h1', 'Không tìm thấy tin ' + T.code), el('p', 'Tin không tồn tại hoặc không thuộc khu vực của bạn.')));
      } else if (e.status !== 401) Desk.fail(e);
      return;
    }
    if (seq !== T.seq || !$('tip-head')) return;
    T.tip = r.tip;
    head(r.tip);
    story(r.story || []);
    updateActions(r.tip);
    if (r.tip.acknowledged_at && Desk.live) Desk.live.acked(r.tip.code);
  }

  /* ---------- facts ---------- */
  function fact(label, value) {
    if (value === null || value === undefined || value === '') return null;
    return [el('dt', label), el('dd', value)];
  }

  function head(t) {
    const box = Desk.clear($('tip-head'));
    box.dataset.code = t.code;
    const cat = t.category_label ? [t.category_label, t.category_unsure ? el('span.unsure', ' (máy đoán)') : null] : 'Chưa phân loại';
    const ext = t.extensions ? ' · đã gia hạn ' + t.extensions + ' lần' : '';
    Desk.append(box,
      el('h1.tip-code', el('span', 'Tin ' + (t.code_shown || t.code)),
        t.urgent ? el('span.badge.badge-urgent', 'KHẨN CẤP') : null,
        el('span.badge.badge-status', { dataset: { testid: 'tip-status' } }, t.status_label || t.status)),
      t.gist ? el('p.tip-gist', t.gist) : null,
      !t.acknowledged_at && !t.closed_at
        ? el('div.ack-bar.no-print', el('p', 'Tin chưa có ai tiếp nhận.'),
          actionForm('ack', null, null, 'Tiếp nhận tin', () => ({}), 'Đã tiếp nhận tin.', true))
        : null,
      el('dl.facts-list',
        fact('Loại tin', cat),
        fact('Khu vực', t.area_name || t.area),
        fact('Gửi lúc', Desk.fmtTime(t.created_at) + ' (' + Desk.age(t.created_at) + ')'),
        fact('Tiếp nhận', t.acknowledged_at ? Desk.fmtTime(t.acknowledged_at) : el('strong.warn', 'Chưa tiếp nhận')),
        fact('Người phụ trách', t.assignee || 'Chưa giao'),
        fact('Hạn giải quyết', t.closed_at ? null : [Desk.fmtDate(t.deadline_at) + ' ', Desk.deadlineBadge(t), ext]),
        fact('Đã đóng', t.closed_at ? Desk.fmtTime(t.closed_at) : null),
        fact('Kết quả', t.outcome),
        fact('Trùng với', t.duplicate_of ? el('a', { href: '#/tip/' + t.duplicate_of }, t.duplicate_of.slice(0, 4) + '-' + t.duplicate_of.slice(4)) : null),
        fact('Nơi xảy ra', t.place),
        fact('Thời gian xảy ra', t.happened),
        fact('Vị trí', t.location ? coords(t.location) : null)),
      t.description ? el('div.tip-desc', el('h2', 'Nội dung'), el('p.pre', t.description)) : null,
      entities(t.entities),
      photos(t.photos || []),
      contact(t));
  }

  function coords(loc) {
    const text = Number(loc.lat).toFixed(6) + ', ' + Number(loc.lon).toFixed(6);
    const copy = el('button.btn.btn-small.no-print', { type: 'button', 'aria-label': 'Sao chép tọa độ' }, 'Sao chép');
    copy.addEventListener('click', async () => {
      try { await navigator.clipboard.writeText(text); Desk.toast('Đã sao chép tọa độ.'); } catch (e) { Desk.toast('Không sao chép được, vui lòng chép tay.', 'error'); }
    });
    return [el('code.coords', { dataset: { testid: 'tip-location' } }, text), ' ', copy,
      el('span.hint', 'Mở bản đồ: dán tọa độ này vào ứng dụng bản đồ.')];
  }

  function entities(e) {
    if (!e || typeof e !== 'object') return null;
    const rows = [];
    for (const [k, v] of Object.entries(e)) {
      if (k === 'money_vnd' || k === 'amount') {
        if (v) rows.push(fact('Số tiền', money.format(v) + ' đồng'));
      } else if (Array.isArray(v) && v.length) {
        rows.push(fact(ENTITY[k] || k, el('span.chips-inline', v.map((x) => el('span.ent', String(x))))));
      }
    }
    if (!rows.length) return null;
    return el('div.tip-entities', { dataset: { testid: 'tip-entities' } }, el('h2', 'Thông tin trích ra'), el('dl.facts-list', rows));
  }

  function photos(list) {
    if (!list.length) return null;
    return el('div.tip-photos', el('h2', 'Ảnh (' + list.length + ')'),
      el('ul.photos', list.map((p) => el('li.photo', { dataset: { testid: 'tip-photo', n: String(p.n) } },
        p.available
          ? el('a', { href: p.url, target: '_blank', rel: 'noopener', 'aria-label': 'Mở ảnh ' + (p.n + 1) + ' cỡ lớn' },
            el('img', { src: p.url, alt: 'Ảnh ' + (p.n + 1) + ' người báo gửi', loading: 'lazy' }))
          : el('p.photo-missing', { dataset: { state: p.state || 'unavailable' } },
            p.state === 'pending'
              ? 'Đang tải ảnh về từ ứng dụng chat của người báo — mở lại tin báo sau ít phút'
              : 'Không tải được ảnh từ ứng dụng chat (đã hết hạn hoặc bị xoá) — xem trong nhóm trực ban nếu còn')))));
  }

  function contact(t) {
    const box = el('div.tip-contact#tip-contact', { dataset: { testid: 'tip-contact' } });
    if (t.anonymous && !t.has_contact) box.append(el('p.muted', 'Người báo chọn ẩn danh.'));
    else if (!t.has_contact) box.append(el('p.muted', 'Người báo không để lại số liên hệ.'));
    else {
      const b = el('button.btn.no-print', { type: 'button', dataset: { testid: 'act-contact' } }, 'Xem số liên hệ');
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          const r = await Desk.get('/tips/' + encodeURIComponent(t.code) + '/contact');
          Desk.clear(box).append(
            r.phone ? el('p', 'Số liên hệ: ', el('a.phone', { href: 'tel:' + r.phone, dataset: { testid: 'contact-phone' } }, r.phone))
              : el('p.muted', 'Người báo không để lại số liên hệ.'),
            el('p.hint', 'Lần xem này đã được ghi vào nhật ký kèm tên và thời gian của bạn.'));
        } catch (e) { b.disabled = false; Desk.fail(e); }
      });
      box.append(b, el('p.hint', 'Mỗi lần xem số liên hệ đều được ghi vào nhật ký.'));
    }
    return box;
  }

  /* ---------- story ---------- */
  function story(items) {
    const box = Desk.clear($('tip-story'));
    box.append(el('h2', 'Diễn biến'));
    if (!items.length) { box.append(el('p.muted', 'Chưa có gì.')); return; }
    const sorted = items.slice().sort((a, b) => (a.at || 0) - (b.at || 0));
    box.append(el('ol.story', { dataset: { testid: 'tip-story' } }, sorted.map((s) => el('li.story-item.kind-' + (s.kind || 'action'),
      { dataset: { kind: s.kind || 'action' } },
      el('p.story-meta', el('span.story-kind', STORY[s.kind] || 'Thao tác'), s.who ? el('span.story-who', s.who) : null,
        el('time', { datetime: new Date(s.at || 0).toISOString() }, Desk.fmtTime(s.at))),
      s.text || ACTION[s.action] ? el('p.story-text.pre', s.text || ACTION[s.action]) : null))));
  }

  /* ---------- actions ---------- */
  // One action as a form: POSTs body() to /tips/CODE/<name>, then refetches and toasts done.
  function actionForm(name, title, fields, button, body, done, open) {
    const f = el('form.action#act-' + name, { dataset: { testid: 'act-' + name } }, fields,
      el('button.btn' + (open ? '.btn-primary' : ''), { type: 'submit' }, button));
    Desk.onSubmit(f, async () => {
      const payload = body();
      if (!payload) return;
      let r;
      try {
        r = await Desk.post('/tips/' + encodeURIComponent(T.code) + '/' + name, payload);
      } catch (e) {
        if (e.status === 409 && name === 'extend') {
          const max = (e.body && (e.body.max || (e.body.error && e.body.error.max))) || '';
          Desk.toast(e.message + (max ? ' Hạn tối đa: ' + Desk.fmtIsoDate(max) + '.' : ''), 'error');
          return;
        }
        throw e;
      }
      f.reset();
      Desk.toast(done);
      if (name === 'ack' && Desk.live) Desk.live.acked(T.code);
      await refresh();
      return r;
    });
    if (title === null) return f;
    return el('details.action-box', { dataset: { action: name }, open: !!open }, el('summary', title), f);
  }

  function actions() {
    const colleague = el('select#act-assign-person', { required: true }, el('option', { value: '' }, 'Đang tải…'));
    const reply = el('textarea#act-reply-text', { rows: 3, required: true, maxlength: '2000' });
    const isQuestion = el('input#act-reply-question', { type: 'checkbox' });
    const status = el('select#act-status-value', { required: true },
      STATUS_FALLBACK.map(([v, t]) => el('option', { value: v }, t)));
    const outcome = el('textarea#act-close-outcome', { rows: 2, required: true, maxlength: '1000' });
    const dup = el('input#act-duplicate-of', { type: 'text', required: true, autocomplete: 'off', maxlength: '9',
      pattern: '[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}', placeholder: 'ABCD-2345', autocapitalize: 'characters' });
    const until = el('input#act-extend-until', { type: 'date', required: true });
    const cat = el('select#act-classify-category', { required: true }, el('option', { value: '' }, 'Đang tải…'));
    const note = el('textarea#act-note-text', { rows: 2, required: true, maxlength: '2000' });
    return [
      el('h2', 'Thao tác'),
      actionForm('reply', 'Trả lời người báo / Hỏi thêm', [
        Desk.field('Nội dung gửi người báo', reply, 'Gửi qua mã tin; người báo không thấy tên hay số của bạn.'),
        el('label.check', { for: isQuestion.id }, isQuestion, ' Đây là câu hỏi (chờ người báo trả lời)')],
      'Gửi', () => ({ text: reply.value.trim(), question: isQuestion.checked }), 'Đã gửi tới người báo.', true),
      actionForm('assign', 'Giao cho', Desk.field('Cán bộ nhận', colleague, 'Người được giao sẽ nhận tin nhắn trong chat.'),
        'Giao', () => ({ person_id: Number(colleague.value) || colleague.value }), 'Đã giao tin.'),
      actionForm('status', 'Cập nhật trạng thái', Desk.field('Trạng thái mới', status),
        'Cập nhật', () => ({ status: status.value }), 'Đã cập nhật trạng thái.'),
      el('div#act-close-wrap', actionForm('close', 'Đóng tin', Desk.field('Kết quả xử lý (bắt buộc)', outcome),
        'Đóng tin', () => ({ outcome: outcome.value.trim() }), 'Đã đóng tin.')),
      el('div#act-reopen-wrap', { hidden: true }, actionForm('reopen', null, el('p.muted', 'Tin đã đóng.'),
        'Mở lại tin', () => ({}), 'Đã mở lại tin.')),
      actionForm('duplicate', 'Trùng với mã…', Desk.field('Mã tin gốc', dup),
        'Đánh dấu trùng', () => ({ of: dup.value.replace(/-/g, '').trim().toUpperCase() }), 'Đã đánh dấu tin trùng.'),
      actionForm('extend', 'Gia hạn', [Desk.field('Gia hạn đến ngày', until), el('p.hint#act-extend-max'), el('p.hint', ART147)],
        'Gia hạn', () => ({ until: until.value }), 'Đã gia hạn thời hạn giải quyết.'),
      actionForm('classify', 'Phân loại', Desk.field('Loại tin', cat),
        'Lưu loại tin', () => ({ category: cat.value }), 'Đã phân loại tin.'),
      actionForm('note', 'Ghi chú nội bộ', Desk.field('Ghi chú (người báo không thấy)', note),
        'Lưu ghi chú', () => ({ text: note.value.trim() }), 'Đã lưu ghi chú nội bộ.'),
    ];
  }

  function updateActions(t) {
    const closed = !!t.closed_at;
    $('act-close-wrap').hidden = closed;
    $('act-reopen-wrap').hidden = !closed;
    for (const n of ['assign', 'status', 'extend', 'duplicate']) {
      const d = document.querySelector('details[data-action="' + n + '"]');
      if (d) d.hidden = closed;
    }
    const max = $('act-extend-max'), until = $('act-extend-until');
    if (t.extend_max) {
      max.textContent = 'Gia hạn được đến tối đa ngày ' + Desk.fmtIsoDate(t.extend_max) + '.';
    } else {
      max.textContent = 'Tin này không thể gia hạn thêm.';
    }
    // No min/max on the input: the server says why a date is refused, in Vietnamese.
    if (!until.value && t.deadline_at) until.placeholder = Desk.localParts(t.deadline_at).date;
    const st = $('act-status-value');
    if (st && t.status && document.activeElement !== st) st.value = t.status;
    const cat = $('act-classify-category');
    if (cat && t.category && document.activeElement !== cat && cat.querySelector('option[value="' + t.category + '"]')) cat.value = t.category;
  }

  async function fillChoices() {
    try {
      const c = await Desk.categories();
      const cat = $('act-classify-category');
      if (cat) {
        Desk.append(Desk.clear(cat), el('option', { value: '' }, 'Chọn loại tin'), (c.categories || []).map((x) => el('option', { value: x.name }, x.label)));
        if (T.tip && T.tip.category) cat.value = T.tip.category;
      }
      const st = $('act-status-value');
      if (st && c.statuses && c.statuses.length) {
        Desk.append(Desk.clear(st), c.statuses.map((x) => el('option', { value: x.status }, x.label)));
        if (T.tip) st.value = T.tip.status;
      }
    } catch (e) { if (e.status !== 401) Desk.fail(e); }
    try {
      const r = await Desk.get('/colleagues');
      const s = $('act-assign-person');
      if (s) {
        const me = Desk.state.me || {};
        Desk.append(Desk.clear(s), el('option', { value: '' }, 'Chọn cán bộ'),
          (r.colleagues || []).map((p) => el('option', { value: String(p.id) },
            p.name + (p.id === me.id ? ' (tôi)' : '') + ' — ' + Desk.roleLabel(p.role) + (p.area ? ' ' + p.area : ''))));
      }
    } catch (e) { if (e.status !== 401) Desk.fail(e); }
  }

  Desk.views.tip = {
    render,
    onFrame(frames, code) {
      const mine = frames.some((f) => f.type === 'resync' || f.code === code || (f.tip && f.tip.code === code));
      if (mine) refresh();
    },
  };
})();
