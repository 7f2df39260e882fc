/* tipgate police desk — live: the /desk/live WebSocket (subprotocol "tipgate-desk", the
   session cookie authenticates it), reconnected with backoff; the connection indicator; the red
   banner for every urgent tip in scope not yet acknowledged (from "hello" and "tip"/"new"
   frames, removed by a "changed" frame with action "ack" or by this officer's own ack); a
   two-tone beep made with WebAudio once a user gesture has unlocked audio, repeated while a
   banner stays; a browser Notification when the officer allowed it (asked only from a button).
   Every frame is then handed to Desk.onFrame (desk.js) so the page on screen refetches. */
'use strict';
(() => {
  const Desk = window.Desk;
  const { el } = Desk;
  const MAX_BACKOFF = 30000;
  const PING_CHECK_MS = 30000;
  const STALE_MS = 90000;         // nothing received for this long: reopen
  const REPEAT_MS = 60000;        // the beep again while an urgent tip waits
  const CHECK_AFTER_FAILS = 3;    // after this many failed opens, ask /me whether still signed in
  const CONN = { connecting: 'Đang kết nối…', online: 'Trực tuyến', offline: 'Mất kết nối, đang thử lại…' };

  const alerts = new Map();       // code → row, in arrival order
  let ws = null, backoff = 1000, retryTimer = 0, fails = 0, lastRx = 0, stopped = false;
  const MUTE_KEY = 'tipgate.desk.mute';
  let audio = null, unlocked = false, repeatTimer = 0, muted = false;

  const $ = (id) => document.getElementById(id);

  function setConn(state) {
    const c = $('conn');
    if (!c) return;
    c.dataset.state = state;
    c.querySelector('.label').textContent = CONN[state];
  }

  /* ---------- socket ---------- */
  function connect() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (ws || stopped) return;
    setConn('connecting');
    const url = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/desk/live';
    let sock, opened = false;
    try {
      sock = new WebSocket(url, 'tipgate-desk');
    } catch (e) {
      retry();
      return;
    }
    ws = sock;
    sock.onopen = () => {
      opened = true;
      fails = 0;
      backoff = 1000;
      lastRx = Date.now();
      setConn('online');
    };
    sock.onmessage = (ev) => {
      lastRx = Date.now();
      let f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && typeof f === 'object') handle(f);
    };
    sock.onclose = () => {
      if (ws === sock) ws = null;
      if (!opened) fails++;
      retry();
    };
    sock.onerror = () => { /* onclose follows */ };
  }

  function retry() {
    if (stopped) return;
    setConn('offline');
    if (fails >= CHECK_AFTER_FAILS) {
      fails = 0;
      Desk.get('/me').catch(() => { /* 401 → Desk.onSignedOut stops us */ });
    }
    const wait = backoff + Math.floor(Math.random() * 500);
    backoff = Math.min(backoff * 2, MAX_BACKOFF);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, wait);
  }

  function stop() {
    stopped = true;
    clearTimeout(retryTimer);
    if (ws) { const s = ws; ws = null; s.close(); }
    clearAlerts();
    setConn('offline');
  }

  setInterval(() => {
    if (ws && ws.readyState === WebSocket.OPEN && Date.now() - lastRx > STALE_MS) {
      const s = ws;
      ws = null;
      s.close();
      retry();
    }
  }, PING_CHECK_MS);

  /* ---------- frames ---------- */
  function isUrgentOpen(row) {
    return row && row.urgent && !row.acknowledged_at && !row.closed_at;
  }

  function handle(f) {
    const tipsDesk = !Desk.isLeader();
    if (f.type === 'hello' && tipsDesk) {
      clearAlerts();
      for (const row of f.urgent || []) if (isUrgentOpen(row)) alerts.set(row.code, row);
      renderAlerts();
      if (alerts.size) beep();
    } else if (f.type === 'tip' && f.event === 'new' && tipsDesk) {
      if (isUrgentOpen(f.tip) && !alerts.has(f.tip.code)) {
        alerts.set(f.tip.code, f.tip);
        renderAlerts();
        beep();
        notify(f.tip);
      }
    } else if (f.type === 'tip' && f.event === 'changed') {
      if (f.action === 'ack' || f.action === 'close') acked(f.code);
    } else if (f.type === 'resync') {
      /* desk.js refetches below; the next hello (if any) rebuilds the banners */
    }
    if (Desk.onFrame) Desk.onFrame(f);
  }

  /* ---------- banner ---------- */
  function text(row) {
    return '🚨 Tin KHẨN CẤP ' + (row.code_shown || row.code) + ' — ' + (row.gist || '') +
      (row.area_name ? ' — ' + row.area_name : '');
  }

  function renderAlerts() {
    const box = $('alerts');
    if (!box) return;
    // Keep existing items (no re-announcement); add the new, drop the gone.
    const shown = new Map([...box.children].map((n) => [n.dataset.code, n]));
    for (const [code, n] of shown) if (!alerts.has(code)) n.remove();
    for (const [code, row] of alerts) {
      if (shown.has(code)) continue;
      box.append(el('div.alert-item', { dataset: { code, testid: 'urgent-banner' } },
        el('span.alert-text', text(row)),
        el('button.btn.btn-alert', {
          type: 'button', dataset: { testid: 'banner-open' },
          'aria-label': 'Mở tin ' + (row.code_shown || code),
          onclick: () => { location.hash = '#/tip/' + code; },
        }, 'Mở tin')));
    }
    document.body.classList.toggle('has-alerts', alerts.size > 0);
    clearInterval(repeatTimer);
    repeatTimer = alerts.size ? setInterval(beep, REPEAT_MS) : 0;
  }

  function acked(code) {
    if (alerts.delete(code)) renderAlerts();
  }

  function clearAlerts() {
    alerts.clear();
    renderAlerts();
  }

  /* ---------- sound ---------- */
  function unlock() {
    if (unlocked) return;
    try {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return;
      audio = audio || new AC();
      const p = audio.resume ? audio.resume() : null;
      const done = () => {
        unlocked = audio.state === 'running';
        if (unlocked) {
          soundHint();
          document.removeEventListener('pointerdown', unlock, true);
          document.removeEventListener('keydown', unlock, true);
        }
      };
      if (p && p.then) p.then(done, () => {}); else done();
    } catch (e) { /* no audio on this device */ }
  }

  function tone(freq, start, dur) {
    const o = audio.createOscillator(), g = audio.createGain();
    o.type = 'square';
    o.frequency.value = freq;
    g.gain.setValueAtTime(0.0001, start);
    g.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, start + dur);
    o.connect(g).connect(audio.destination);
    o.start(start);
    o.stop(start + dur + 0.02);
  }

  function beep() {
    Desk.live.beeps++;
    if (!unlocked || !audio || muted) return;
    const t = audio.currentTime + 0.01;
    tone(988, t, 0.18);
    tone(740, t + 0.22, 0.18);
    tone(988, t + 0.44, 0.18);
    tone(740, t + 0.66, 0.18);
  }

  /* ---------- notifications ---------- */
  function notifyButton() {
    const b = $('notify-on');
    if (!b) return;
    b.hidden = !('Notification' in window) || Notification.permission !== 'default' || Desk.isLeader();
  }

  function notify(row) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    try {
      const n = new Notification('🚨 Tin KHẨN CẤP ' + (row.code_shown || row.code), {
        body: (row.gist || '') + (row.area_name ? ' — ' + row.area_name : ''),
        tag: 'tipgate-' + row.code,
        requireInteraction: true,
      });
      n.onclick = () => { window.focus(); location.hash = '#/tip/' + row.code; n.close(); };
    } catch (e) { /* some phones allow notifications only from a service worker */ }
  }

  function soundHint() {
    const hint = $('sound-hint');
    if (!hint) return;
    hint.textContent = muted ? '🔇 Đã tắt âm báo trên máy này' : unlocked ? '🔔 Âm báo đã bật' : '🔇 Bấm bất kỳ đâu để bật âm báo';
    hint.classList.toggle('on', unlocked && !muted);
  }

  // "Tắt âm báo": this browser stays silent (banner and notification still come) until undone.
  function setMuted(on) {
    muted = on;
    try { if (on) localStorage.setItem(MUTE_KEY, '1'); else localStorage.removeItem(MUTE_KEY); } catch (e) { /* private mode */ }
    const b = $('mute');
    if (b) {
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
      b.textContent = on ? 'Bật lại âm báo' : 'Tắt âm báo';
    }
    soundHint();
  }

  function start() {
    stopped = false;
    try { muted = localStorage.getItem(MUTE_KEY) === '1'; } catch (e) { muted = false; }
    setMuted(muted);
    const mb = $('mute');
    if (mb && !mb.dataset.bound) {
      mb.dataset.bound = '1';
      mb.addEventListener('click', () => setMuted(!muted));
    }
    const bar = $('sound-bar');
    if (bar) bar.hidden = Desk.isLeader();
    document.addEventListener('pointerdown', unlock, true);
    document.addEventListener('keydown', unlock, true);
    const b = $('notify-on');
    if (b && !b.dataset.bound) {
      b.dataset.bound = '1';
      b.addEventListener('click', async () => {
        try { await Notification.requestPermission(); } catch (e) { /* old API */ }
        notifyButton();
        if (Notification.permission === 'granted') Desk.toast('Đã bật thông báo trên máy này.');
        else if (Notification.permission === 'denied') Desk.toast('Trình duyệt đã chặn thông báo. Có thể bật lại trong cài đặt trang.', 'error');
      });
    }
    notifyButton();
    connect();
  }

  Desk.live = { start, stop, handle, acked, alerts, beeps: 0, connected: () => !!(ws && ws.readyState === WebSocket.OPEN) };
})();
