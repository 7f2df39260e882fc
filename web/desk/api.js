/* tipgate police desk — the shared layer every other desk script uses (window.Desk):
   the JSON API (GET with a query, POST with the session's CSRF token and a JSON body, errors
   turned into DeskError carrying the server's Vietnamese message), the DOM builder (text only,
   never innerHTML of server data), times in Asia/Ho_Chi_Minh, ages and the art. 147 countdown,
   and the toasts. Plain ES2017, no build step, nothing fetched from elsewhere. */
'use strict';
(() => {
  const TZ = 'Asia/Ho_Chi_Minh';
  const MIN = 60000, HOUR = 60 * MIN, DAY = 24 * HOUR;
  const TOAST_MS = 6000;
  const ROLE_LABEL = { police: 'Cán bộ', commander: 'Chỉ huy', leader: 'Tổ trưởng' };
  const NET_ERROR = 'Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.';

  const Desk = window.Desk = window.Desk || {};
  Desk.state = { me: null, csrf: '', categories: null };

  /* ---------- errors and the API ---------- */
  class DeskError extends Error {
    constructor(status, code, message, body) {
      super(message);
      this.status = status;
      this.code = code;
      this.body = body || null;
    }
  }
  Desk.DeskError = DeskError;

  function query(params) {
    const parts = [];
    for (const [k, v] of Object.entries(params || {})) {
      if (v === undefined || v === null || v === '' || v === false) continue;
      parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(v === true ? '1' : String(v)));
    }
    return parts.length ? '?' + parts.join('&') : '';
  }
  Desk.query = query;

  async function call(method, path, body) {
    const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (method === 'POST') {
      opts.headers['Content-Type'] = 'application/json';
      opts.headers['X-CSRF-Token'] = Desk.state.csrf || '';
      opts.body = JSON.stringify(body || {});
    }
    let res;
    try {
      res = await fetch('/api/desk' + path, opts);
    } catch (e) {
      throw new DeskError(0, 'network', NET_ERROR);
    }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) throw failure(res, data);
    return data || {};
  }
  // The DeskError of a refused answer (data: its JSON, or null); a 401 ends the signed-in state.
  function failure(res, data) {
    const err = (data && data.error) || {};
    const msg = err.message || ('Máy chủ báo lỗi (' + res.status + '). Vui lòng thử lại.');
    if (res.status === 401 && Desk.onSignedOut) Desk.onSignedOut();
    return new DeskError(res.status, err.code || 'generic', msg, data);
  }
  Desk.get = (path, params) => call('GET', path + query(params));
  Desk.post = (path, body) => call('POST', path, body);

  // Saves blob as a file named name (an object URL clicked by a hidden link: nothing fetched
  // from elsewhere, and the page stays where it is).
  Desk.saveBlob = (blob, name) => {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  };
  // GET of a download route (a report, an export): the file saved under the name the server
  // gives (Content-Disposition), else fallback; a refusal is a DeskError with the server's
  // message, as for the JSON API. Returns the name.
  Desk.download = async (path, params, fallback) => {
    let res, blob;
    try {
      res = await fetch('/api/desk' + path + query(params), { credentials: 'same-origin' });
      if (res.ok) blob = await res.blob();
    } catch (e) {
      throw new DeskError(0, 'network', NET_ERROR);
    }
    if (!res.ok) {
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      throw failure(res, data);
    }
    const m = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
    const name = m ? m[1] : fallback;
    Desk.saveBlob(blob, name);
    return name;
  };

  /* ---------- DOM ---------- */
  // el('div.a.b#id', {attr: v, onclick: fn, dataset: {...}}, child, 'text', [children]…)
  function el(spec, attrs, ...kids) {
    const m = /^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i.exec(spec) || [];
    const node = document.createElement(m[1] || 'div');
    for (const part of (m[2] || '').match(/[.#][\w-]+/g) || []) {
      if (part[0] === '.') node.classList.add(part.slice(1));
      else node.id = part.slice(1);
    }
    if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
      kids.unshift(attrs);
      attrs = null;
    }
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else if (k === 'class') node.className = v;
      else if (k in node && typeof v !== 'string') node[k] = v;
      else node.setAttribute(k, v === true ? '' : v);
    }
    append(node, kids);
    return node;
  }
  function append(node, kids) {
    for (const k of kids) {
      if (k === null || k === undefined || k === false) continue;
      if (Array.isArray(k)) append(node, k);
      else node.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
    return node;
  }
  Desk.el = el;
  // Appends kids as el() does (arrays flattened, null/false skipped), where the DOM's own
  // append would write "null" or "[object HTMLOptionElement]" as text.
  Desk.append = (node, ...kids) => append(node, kids);
  Desk.clear = (node) => { while (node.firstChild) node.removeChild(node.firstChild); return node; };
  let uid = 0;
  Desk.uid = (p) => (p || 'f') + '-' + (++uid);

  // A labelled control: returns [label, control] wrapped in a .field.
  Desk.field = (label, control, hint) => {
    if (!control.id) control.id = Desk.uid('c');
    const kids = [el('label', { for: control.id }, label), control];
    if (hint) {
      const h = el('p.hint', { id: control.id + '-hint' }, hint);
      control.setAttribute('aria-describedby', h.id);
      kids.push(h);
    }
    return el('div.field', kids);
  };

  /* ---------- time ---------- */
  const fmtDateTime = new Intl.DateTimeFormat('vi-VN', {
    timeZone: TZ, hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric',
  });
  const fmtDate = new Intl.DateTimeFormat('vi-VN', { timeZone: TZ, day: '2-digit', month: '2-digit', year: 'numeric' });
  const fmtParts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  Desk.fmtTime = (ms) => (ms ? fmtDateTime.format(new Date(ms)) : '');
  Desk.fmtDate = (ms) => (ms ? fmtDate.format(new Date(ms)) : '');
  // "YYYY-MM-DD" → "dd/mm/yyyy"
  Desk.fmtIsoDate = (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s || '') ? s.slice(8) + '/' + s.slice(5, 7) + '/' + s.slice(0, 4) : (s || ''));
  // The local (Vietnam) wall clock of ms as {date:"YYYY-MM-DD", local:"YYYY-MM-DDTHH:MM"}.
  Desk.localParts = (ms) => {
    const p = {};
    for (const x of fmtParts.formatToParts(new Date(ms))) p[x.type] = x.value;
    const date = p.year + '-' + p.month + '-' + p.day;
    return { date, local: date + 'T' + p.hour + ':' + p.minute };
  };
  // "YYYY-MM-DDTHH:MM" read as Vietnam time (UTC+7, no daylight saving) → ms.
  Desk.parseLocal = (s) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(s || '');
    if (!m) return NaN;
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) - 7 * HOUR;
  };
  // Server time offset: /me's "now" against this machine's clock, so ages agree with the server.
  Desk.now = () => Date.now() + (Desk.state.skew || 0);

  Desk.age = (ms) => {
    if (!ms) return '';
    const d = Math.max(0, Desk.now() - ms);
    if (d < MIN) return 'vừa xong';
    if (d < HOUR) return Math.floor(d / MIN) + ' phút trước';
    if (d < DAY) return Math.floor(d / HOUR) + ' giờ trước';
    if (d < 30 * DAY) return Math.floor(d / DAY) + ' ngày trước';
    return Desk.fmtDate(ms);
  };

  // The art. 147 countdown: {text, level: ok|soon|late|done}. Closed tips: no countdown.
  Desk.deadline = (row) => {
    if (row.closed_at) return { text: 'Đã đóng', level: 'done' };
    if (!row.deadline_at) return { text: '—', level: 'done' };
    const left = row.deadline_at - Desk.now();
    if (left <= 0 || row.overdue) {
      const late = Math.max(0, -left);
      const days = Math.floor(late / DAY);
      return { text: days >= 1 ? 'Quá hạn ' + days + ' ngày' : 'Quá hạn ' + Math.max(1, Math.floor(late / HOUR)) + ' giờ', level: 'late' };
    }
    const days = Math.floor(left / DAY);
    const text = days >= 1 ? 'Còn ' + days + ' ngày' : 'Còn ' + Math.max(1, Math.floor(left / HOUR)) + ' giờ';
    const level = left <= DAY ? 'late' : left <= 5 * DAY ? 'soon' : 'ok';
    return { text, level };
  };
  Desk.deadlineBadge = (row) => {
    const d = Desk.deadline(row);
    const title = row.deadline_at ? 'Hạn giải quyết (Điều 147 BLTTHS): ' + Desk.fmtDate(row.deadline_at) : '';
    return el('span.countdown.lvl-' + d.level, { title, dataset: { level: d.level } }, d.text);
  };

  Desk.roleLabel = (role) => ROLE_LABEL[role] || role || '';
  Desk.isLeader = () => !!(Desk.state.me && Desk.state.me.role === 'leader');
  Desk.isCommander = () => !!(Desk.state.me && Desk.state.me.role === 'commander');

  /* ---------- toasts ---------- */
  Desk.toast = (text, kind) => {
    const box = document.getElementById('toasts');
    if (!box) return;
    const t = el('div.toast' + (kind === 'error' ? '.toast-error' : ''), { role: kind === 'error' ? 'alert' : 'status' },
      el('span', text),
      el('button.toast-close', { type: 'button', 'aria-label': 'Đóng thông báo', onclick: () => t.remove() }, '×'));
    box.append(t);
    setTimeout(() => t.remove(), kind === 'error' ? TOAST_MS * 2 : TOAST_MS);
  };
  Desk.fail = (e) => Desk.toast(e && e.message ? e.message : NET_ERROR, 'error');

  // Runs fn on a form's submit with its button disabled meanwhile; errors become toasts.
  Desk.onSubmit = (form, fn) => {
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const btns = form.querySelectorAll('button');
      btns.forEach((b) => { b.disabled = true; });
      try { await fn(ev); } catch (e) { Desk.fail(e); } finally { btns.forEach((b) => { b.disabled = false; }); }
    });
  };
})();
