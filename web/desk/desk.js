/* tipgate police desk — the page's start: who is signed in (GET /api/desk/me; 401 shows how
   to sign in from the chat), the header (ward, name, role, sign-out), the hash routes
   (#/ queue, #/tip/CODE, #/leads, #/groups, #/scam, #/handover; a commander also #/report and
   #/kpi, which nobody else is shown; a leader sees only #/groups), and the live frames handed
   to the page on screen. The pages themselves live in lists.js, tip.js, report.js and kpi.js
   as Desk.views.<name> = {render(main, arg, params), onFrame(frame)}. */
'use strict';
(() => {
  const Desk = window.Desk;
  const { el } = Desk;
  const FRAME_DEBOUNCE_MS = 400;
  const TICK_MS = 60000;          // the queue's ages and countdowns, and a fallback while offline
  const TITLES = {
    queue: 'Hàng đợi tin báo', tip: 'Tin báo', leads: 'Tin từ nhóm', groups: 'Nhóm',
    scam: 'Chống lừa đảo', handover: 'Giao ca', report: 'Báo cáo theo kỳ', kpi: 'Chỉ tiêu',
  };
  const COMMANDER_ONLY = ['report', 'kpi'];
  const $ = (id) => document.getElementById(id);

  let current = null;             // {name, arg, params, view}
  let frameTimer = 0, pendingFrames = [];

  /* ---------- routes ---------- */
  function parseHash() {
    const h = location.hash.replace(/^#/, '') || '/';
    const [path, qs] = h.split('?');
    const params = new URLSearchParams(qs || '');
    const parts = path.split('/').filter(Boolean);
    if (!parts.length) return { name: 'queue', arg: null, params };
    if (parts[0] === 'tip' && parts[1]) return { name: 'tip', arg: decodeURIComponent(parts[1]).replace(/-/g, '').toUpperCase(), params };
    if (['leads', 'groups', 'scam', 'handover', 'report', 'kpi'].includes(parts[0])) return { name: parts[0], arg: null, params };
    return { name: 'queue', arg: null, params };
  }

  function route() {
    if (!Desk.state.me) return;
    let r = parseHash();
    if (Desk.isLeader() && r.name !== 'groups') {
      location.replace('#/groups');
      return;
    }
    // the server answers 403 anyway; the page does not offer what it would refuse
    if (COMMANDER_ONLY.includes(r.name) && !Desk.isCommander()) {
      location.replace('#/');
      return;
    }
    const view = Desk.views[r.name];
    current = Object.assign(r, { view });
    for (const a of document.querySelectorAll('#nav a')) {
      const on = a.dataset.route === r.name || (r.name === 'tip' && a.dataset.route === 'queue');
      if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
      // on a phone the nav scrolls sideways: the page's own entry is kept in sight
      if (on && !a.hidden) a.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
    document.title = TITLES[r.name] + (r.arg ? ' ' + r.arg.slice(0, 4) + '-' + r.arg.slice(4) : '') + ' – Bàn làm việc';
    const main = Desk.clear($('view'));
    main.dataset.route = r.name;
    view.render(main, r.arg, r.params);
    if (route.moved) main.focus({ preventScroll: true });
    route.moved = true;
    window.scrollTo(0, 0);
  }

  // Sets the current hash's query without re-rendering (filters, the handover's "since").
  Desk.setParams = (params) => {
    const h = location.hash.replace(/^#/, '') || '/';
    const qs = new URLSearchParams(params).toString();
    history.replaceState(null, '', '#' + h.split('?')[0] + (qs ? '?' + qs : ''));
  };

  /* ---------- live frames → the page on screen ---------- */
  let hellos = 0;
  Desk.onFrame = (f) => {
    // The first hello is the page's own start; a later one is a reconnect: what was missed
    // while the socket was down is fetched again, as on a resync.
    if (f.type === 'hello' && hellos++ === 0) return;
    pendingFrames.push(f);
    clearTimeout(frameTimer);
    frameTimer = setTimeout(() => {
      const frames = pendingFrames;
      pendingFrames = [];
      if (current && current.view && current.view.onFrame) {
        try { current.view.onFrame(frames, current.arg); } catch (e) { /* the next frame retries */ }
      }
    }, FRAME_DEBOUNCE_MS);
  };

  /* ---------- signed in / out ---------- */
  function signedOutPage(afterLogout) {
    Desk.state.me = null;
    if (Desk.live) Desk.live.stop();
    $('nav').hidden = true;
    $('logout').hidden = true;
    $('who').hidden = true;
    $('sound-bar').hidden = true;
    $('conn').hidden = true;
    const main = Desk.clear($('view'));
    main.dataset.route = 'signed-out';
    main.append(el('section.card.signed-out', { dataset: { testid: 'signed-out' } },
      el('h1', afterLogout ? 'Bạn đã đăng xuất.' : 'Bạn chưa đăng nhập.'),
      el('p', 'Gửi ', el('code', '/dangnhap'), ' cho bot trong chat để nhận liên kết đăng nhập.'),
      el('p.muted', 'Liên kết dùng được một lần, trong 10 phút.')));
  }
  Desk.onSignedOut = () => { if (Desk.state.me) signedOutPage(false); };

  function header(me) {
    $('ward').textContent = me.ward || 'Công an phường';
    $('who-name').textContent = me.name || '';
    $('who-role').textContent = Desk.roleLabel(me.role);
    $('who-area').textContent = me.area_name ? ' · ' + me.area_name : '';
    $('who').hidden = false;
    $('logout').hidden = false;
    $('conn').hidden = false;
    const nav = $('nav');
    nav.hidden = false;
    for (const a of nav.querySelectorAll('a[data-tips]')) a.hidden = Desk.isLeader();
    for (const a of nav.querySelectorAll('a[data-commander]')) a.hidden = !Desk.isCommander();
  }

  async function logout() {
    try {
      await Desk.post('/logout', {});
    } catch (e) {
      if (e.status !== 401) { Desk.fail(e); return; }
    }
    history.replaceState(null, '', location.pathname);
    signedOutPage(true);
  }

  // The sticky header's height as --top-h (scroll-padding-top), so what is scrolled to or
  // focused stays below it whatever the banner holds (CSSOM, allowed by the CSP).
  function trackHeader() {
    const top = $('top');
    const set = () => document.documentElement.style.setProperty('--top-h', top.offsetHeight + 'px');
    if (window.ResizeObserver) new ResizeObserver(set).observe(top);
    set();
  }

  async function boot() {
    trackHeader();
    $('logout').addEventListener('click', logout);
    let me;
    try {
      me = await Desk.get('/me');
    } catch (e) {
      if (e.status === 401) signedOutPage(false);
      else {
        const main = Desk.clear($('view'));
        main.append(el('section.card', el('h1', 'Không tải được bàn làm việc.'), el('p', e.message),
          el('button.btn', { type: 'button', onclick: () => location.reload() }, 'Thử lại')));
      }
      return;
    }
    Desk.state.me = me;
    Desk.state.csrf = me.csrf || '';
    if (typeof me.now === 'number') Desk.state.skew = me.now - Date.now();
    header(me);
    window.addEventListener('hashchange', route);
    route();
    Desk.live.start();
    setInterval(() => {
      if (Desk.state.me && document.visibilityState === 'visible' && current && current.view.tick) current.view.tick();
    }, TICK_MS);
  }

  document.addEventListener('DOMContentLoaded', boot);
})();
