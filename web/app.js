/* tipgate web chat client: talks to the server over the /ws WebSocket
   (subprotocol "tipgate-chat", JSON frames), keeps the anonymous identity
   secret in localStorage, renders the conversation and re-sends messages the
   server has not acknowledged yet (same id, the server dedupes). Every tab of
   one identity shows the same conversation: the server tells the others what
   one tab sent ("mine"), and the question still waiting for an answer keeps
   its buttons after a reload (the history's last bot lines carry them).
   Plain ES2017, no build step, no dependencies. Never render server text with
   innerHTML and never log the secret. */
'use strict';
(() => {
  const SECRET_KEY = 'tipgate.secret';
  const PING_MS = 25000;          // keep-alive interval
  const STALE_MS = 70000;         // nothing received for this long: assume the link is dead
  const MAX_BACKOFF = 30000;
  // The server holds as many browsers as it can and tells the next ones, by this close code
  // ("Try Again Later"), to come back later: wait longer, and at a random point of the wait,
  // so that the browsers it turned away do not all return at the same moment.
  const CLOSE_BUSY = 1013;
  const BUSY_MIN_MS = 15000, BUSY_MAX_MS = 120000;
  const STATUS = {
    connecting: 'Đang kết nối…',
    online: 'Đã kết nối',
    offline: 'Mất kết nối, đang thử lại…',
    busy: 'Máy chủ đang bận, sẽ tự kết nối lại sau ít phút…',
  };

  const $ = (id) => document.getElementById(id);
  const list = $('messages'), form = $('composer'), input = $('input');
  const sendBtn = $('send'), statusEl = $('status'), counter = $('counter');
  const GRID_LABEL_MAX = 18;       // one-button rows with labels this short go two per row

  let ws = null;                  // current socket (null while waiting to reconnect)
  let ready = false;              // true after "ready" on the current socket
  let backoff = 1000, retryTimer = 0, pingTimer = 0, lastRx = 0;
  let busyUntil = 0;              // turned away as busy: no early reconnect before this time
  let maxChars = 5000;            // the server's limit, in characters (code points after NFC)
  let wardName = null;            // the ward's police as the configuration names it (ready.ward)
  let memSecret = null;           // fallback when localStorage is unavailable
  let historyMine = [];           // own texts from the last history (see onAck)
  let hintEl = null;
  let atBottom = true;
  const pending = new Map();      // client id -> {payload, el}, in send order
  let notSavedShown = false;      // the "not saved, sent again" notice is on screen (onNotSaved)

  /* ---------- identity ---------- */
  function loadSecret() {
    try { return localStorage.getItem(SECRET_KEY) || memSecret; } catch (e) { return memSecret; }
  }
  function saveSecret(s) {
    memSecret = s;
    try { localStorage.setItem(SECRET_KEY, s); } catch (e) { /* private mode: keep in memory */ }
  }

  /* ---------- connection ---------- */
  function setStatus(state) {
    statusEl.dataset.state = state;
    statusEl.querySelector('.label').textContent = STATUS[state];
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (ws) return;
    setStatus('connecting');
    const url = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws';
    let sock;
    try {
      sock = new WebSocket(url, 'tipgate-chat');
    } catch (e) {
      setStatus('offline');
      scheduleReconnect();
      return;
    }
    ws = sock;
    sock.onopen = () => {
      lastRx = Date.now();
      const secret = loadSecret();
      sendFrame(secret ? { type: 'hello', secret } : { type: 'hello' });
      clearInterval(pingTimer);
      pingTimer = setInterval(() => {
        if (Date.now() - lastRx > STALE_MS) drop(sock);
        else sendFrame({ type: 'ping' });
      }, PING_MS);
    };
    sock.onmessage = (ev) => {
      lastRx = Date.now();
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m && typeof m === 'object') handle(m);
    };
    sock.onclose = (ev) => drop(sock, ev && ev.code === CLOSE_BUSY);
    sock.onerror = () => { /* onclose follows */ };
  }

  // Forget a socket (closed or presumed dead) and schedule a reconnect; busy: the server
  // turned it away for now (CLOSE_BUSY).
  function drop(sock, busy) {
    if (sock !== ws) return;
    sock.onopen = sock.onmessage = sock.onclose = sock.onerror = null;
    try { sock.close(); } catch (e) { /* ignore */ }
    ws = null;
    ready = false;
    clearInterval(pingTimer);
    setStatus(busy ? 'busy' : 'offline');
    scheduleReconnect(busy);
  }

  function scheduleReconnect(busy) {
    if (retryTimer) return;
    let delay = backoff;
    backoff = Math.min(backoff * 2, MAX_BACKOFF);
    if (busy) {
      delay = BUSY_MIN_MS + Math.random() * (BUSY_MAX_MS - BUSY_MIN_MS);
      backoff = MAX_BACKOFF;   // and patience if the next try fails as well
      busyUntil = Date.now() + delay;
    }
    retryTimer = setTimeout(connect, delay);
  }

  // Page visible again / network back: reconnect now instead of waiting.
  function wake() {
    if (ws && ws.readyState === WebSocket.OPEN && Date.now() - lastRx > STALE_MS) drop(ws);
    if (!ws && Date.now() >= busyUntil) connect();
  }

  function sendFrame(obj) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    try { ws.send(JSON.stringify(obj)); return true; } catch (e) { return false; }
  }

  /* ---------- incoming frames ---------- */
  function handle(m) {
    switch (m.type) {
      case 'ready': onReady(m); break;
      case 'ack': onAck(m); break;
      case 'message': addMessage('bot', m.text, m.at, m.buttons); break;
      case 'mine': onMine(m); break;
      case 'error': onError(m); break;
      default: break;             // "pong" and unknown types are ignored
    }
    // for web/push.js, after app.js has handled it
    document.dispatchEvent(new CustomEvent('tipgate:frame', { detail: m }));
  }

  function onReady(m) {
    if (typeof m.secret === 'string' && m.secret) saveSecret(m.secret);
    if (Number.isInteger(m.max_text_chars) && m.max_text_chars > 0) maxChars = m.max_text_chars;
    if (typeof m.ward === 'string' && m.ward) wardName = m.ward;
    ready = true;
    backoff = 1000;
    setStatus('online');

    list.textContent = '';
    hintEl = null;
    historyMine = [];
    const hist = (Array.isArray(m.history) ? m.history : [])
      .filter((h) => h && typeof h === 'object')
      .sort((a, b) => (Number(a.at) || 0) - (Number(b.at) || 0));   // oldest first (stable)
    hist.forEach((h) => {
      const mine = h.from === 'me';
      if (mine) historyMine.push(String(h.text == null ? '' : h.text));
      // The server sends buttons only on the bot lines still waiting for an answer.
      const el = addMessage(mine ? 'me' : 'bot', h.text, h.at, mine ? null : h.buttons);
      if (mine) setState(el, 'sent');
    });
    if (!hist.length && !pending.size) showHint();
    onInput();

    // Unacknowledged messages go after the history and are re-sent with the same id.
    pending.forEach((p) => {
      list.appendChild(p.el);
      sendFrame(p.payload);
    });
    scrollDown(true);
  }

  function onAck(m) {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    notSavedShown = false;
    // A duplicate ack after a reconnect means the server had stored the message
    // before, so it is already shown from the history: drop the extra bubble.
    const i = m.duplicate ? historyMine.indexOf(p.payload.text) : -1;
    if (i >= 0) {
      historyMine.splice(i, 1);
      p.el.remove();
    } else {
      setState(p.el, 'sent');
    }
  }

  // What this identity sent from another tab: shown here as if typed here.
  function onMine(m) {
    if (typeof m.id !== 'string' || pending.has(m.id)) return;
    if (hintEl) { hintEl.remove(); hintEl = null; }
    const row = addMessage('me', m.text, Number(m.at), null);
    setState(row, 'sent');
  }

  // "not_saved": the server could not store the message (its disk is full). It stays pending
  // and goes again, same id (stored once), after the pause the server asks for; the notice
  // shows once until a message is stored again.
  function onNotSaved(m, p) {
    if (!notSavedShown && typeof m.text === 'string' && m.text) notice(m.text, true);
    notSavedShown = true;
    const wait = Number.isInteger(m.retry_ms) && m.retry_ms > 0 ? m.retry_ms : 3000;
    setTimeout(() => { if (pending.get(m.id) === p && ready) sendFrame(p.payload); }, wait);
  }

  function onError(m) {
    const p = m.id != null ? pending.get(m.id) : null;
    if (m.code === 'not_saved' && p) { onNotSaved(m, p); return; }
    notice(typeof m.text === 'string' && m.text ? m.text : 'Đã xảy ra lỗi. Vui lòng thử lại.', true);
    if (p) {
      pending.delete(m.id);
      setState(p.el, 'failed');
    }
  }

  /* ---------- rendering ---------- */
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function fmtTime(ms) {
    const d = new Date(ms), now = new Date();
    const p = (n) => String(n).padStart(2, '0');
    let s = p(d.getHours()) + ':' + p(d.getMinutes());
    if (d.toDateString() !== now.toDateString()) {
      s += ' ' + p(d.getDate()) + '/' + p(d.getMonth() + 1);
      if (d.getFullYear() !== now.getFullYear()) s += '/' + d.getFullYear();
    }
    return s;
  }

  function append(row, force) {
    const stick = force || atBottom;
    list.appendChild(row);
    scrollDown(stick);
  }

  function scrollDown(really) {
    if (really) {
      list.scrollTop = list.scrollHeight;
      atBottom = true;
    }
  }

  // from: "me" | "bot". Server text only ever goes through textContent.
  // keep: a photo or a location, which answer the question without settling its buttons
  // ("Tiếp tục" after the photos), as the server keeps them live for a line without text.
  function addMessage(from, text, at, buttons, keep) {
    const ms = Number.isFinite(at) ? at : Date.now();
    const row = el('div', 'msg ' + from);
    const bubble = el('div', 'bubble');
    bubble.appendChild(el('span', 'sr-only', from === 'me' ? 'Bạn: ' : 'Kênh tin báo: '));
    bubble.appendChild(document.createTextNode(text == null ? '' : String(text)));
    row.appendChild(bubble);

    const meta = el('div', 'meta');
    const time = el('time', null, fmtTime(ms));
    time.dateTime = new Date(ms).toISOString();
    meta.appendChild(time);
    if (from === 'me') meta.appendChild(el('span', 'st'));
    row.appendChild(meta);

    if (from === 'me' && !keep) settleKeyboards();
    if (Array.isArray(buttons) && buttons.length) {
      const kb = keyboard(buttons);
      row.classList.add('has-kb');
      if (kb.classList.contains('kb-compact')) row.classList.add('kb-wide');
      row.appendChild(kb);
    }
    append(row, from === 'me');
    return row;
  }

  // Once the resident has answered (typed, pressed, or in another tab), the questions above
  // are settled: their buttons stay visible but can no longer be pressed.
  function settleKeyboards() {
    list.querySelectorAll('.kb button.kb-btn:not(:disabled)').forEach((b) => { b.disabled = true; });
  }

  function setState(row, state) {
    row.dataset.state = state;
    const st = row.querySelector('.st');
    st.textContent = '';
    if (state === 'sent') {
      st.appendChild(el('span', null, '✓')).setAttribute('aria-hidden', 'true');
      st.appendChild(el('span', 'sr-only', 'Đã gửi'));
      st.title = 'Đã gửi';
    } else {
      st.textContent = state === 'failed' ? 'Không gửi được' : 'Đang gửi…';
      st.title = '';
    }
  }

  // A button that dials (the emergency numbers): a tel: link, never disabled, never sent back.
  // Only digits are accepted, so a server text can never become another kind of link.
  function telLink(label, url) {
    const a = el('a', 'kb-btn kb-tel', label);
    a.href = url;
    return a;
  }

  // Rows of reply buttons under a bot message. One choice per message:
  // after a click the whole keyboard of that message is disabled. A long list of
  // one-button rows with short labels (the category step) goes two per row, so the
  // question stays on a phone's screen.
  function keyboard(rows) {
    const kb = el('div', 'kb');
    const single = rows.filter((r) => Array.isArray(r) && r.length);
    if (single.length >= 4 && single.every((r) => r.length === 1 && r[0] && r[0].url == null &&
        [...String(r[0].text == null ? '' : r[0].text)].length <= GRID_LABEL_MAX)) {
      kb.classList.add('kb-grid');
    }
    if (rows.reduce((n, r) => n + (Array.isArray(r) ? r.length : 0), 0) >= 5) kb.classList.add('kb-compact');
    rows.forEach((r) => {
      if (!Array.isArray(r)) return;
      const rowEl = el('div', 'kb-row');
      r.forEach((b) => {
        if (!b || b.text == null) return;
        const label = String(b.text);
        if (typeof b.url === 'string') {
          if (/^tel:[0-9]{3,15}$/.test(b.url)) rowEl.appendChild(telLink(label, b.url));
          return;
        }
        const btn = el('button', 'kb-btn', label);
        btn.type = 'button';
        btn.addEventListener('click', () => {
          kb.querySelectorAll('button').forEach((x) => { x.disabled = true; });
          btn.classList.add('chosen');
          submit({ type: 'callback', data: b.data == null ? '' : String(b.data), text: label });
        });
        rowEl.appendChild(btn);
      });
      if (rowEl.childNodes.length) kb.appendChild(rowEl);
    });
    return kb;
  }

  // System notice (not from the bot), e.g. errors and client-side warnings.
  function notice(text, isError) {
    const row = el('div', 'msg sys' + (isError ? ' error' : ''));
    row.appendChild(el('div', 'bubble', text));
    append(row, true);
    return row;
  }

  // The first screen (index.html's #intro): what the channel is for, that reports can be
  // anonymous, where emergencies go, and a button to start a report or read the guide.
  function showHint() {
    const tpl = document.getElementById('intro');
    hintEl = tpl && tpl.content ? tpl.content.firstElementChild.cloneNode(true) : el('div', 'msg sys');
    // the ward's own name from the configuration (ward.police_name), as the bot's texts say it
    if (wardName) hintEl.querySelectorAll('.ward').forEach((w) => { w.textContent = wardName; });
    hintEl.querySelectorAll('button[data-cmd]').forEach((c) => {
      c.type = 'button';
      c.addEventListener('click', () => submit({ type: 'message', text: c.dataset.cmd }));
    });
    append(hintEl, true);
  }

  /* ---------- outgoing messages ---------- */
  function newId() {
    const a = new Uint32Array(2);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(a);
    else { a[0] = Math.random() * 4294967296; a[1] = Math.random() * 4294967296; }
    return Date.now().toString(36) + '-' + a[0].toString(36) + a[1].toString(36);   // [a-z0-9-], < 30 chars
  }

  // Show the user's bubble at once; send now if connected, else it waits for the next "ready".
  function submit(payload) {
    if (hintEl) { hintEl.remove(); hintEl = null; }
    payload.id = newId();
    const row = addMessage('me', payload.text, Date.now(), null, payload.type === 'location');
    setState(row, 'pending');
    pending.set(payload.id, { payload, el: row });
    if (ready) sendFrame(payload);
  }

  // Characters as people count them: code points after NFC ("ệ" is one, even typed as e and
  // two marks), as the server counts them.
  function chars(text) {
    return [...text.normalize('NFC')].length;
  }

  // 5000 → "5.000", the Vietnamese way, whatever the browser's locale data.
  function fmtCount(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  }

  function sendInput() {
    const text = input.value.normalize('NFC').trim();
    if (!text) return;
    if (chars(text) > maxChars) {
      notice('Tin nhắn quá dài (tối đa ' + fmtCount(maxChars) + ' ký tự). Vui lòng rút gọn hoặc chia thành nhiều tin nhắn.', true);
      return;
    }
    submit({ type: 'message', text });
    input.value = '';
    onInput();
    input.focus();
  }

  // Auto-grow the textarea (CSS max-height caps it at ~5 lines), update counter and button.
  function onInput() {
    input.style.height = 'auto';
    input.style.height = (input.scrollHeight + input.offsetHeight - input.clientHeight) + 'px';
    const text = input.value.trim();
    const n = text ? chars(text) : 0;
    counter.hidden = n < maxChars * 0.75;
    counter.textContent = fmtCount(n) + ' / ' + fmtCount(maxChars) + ' ký tự' + (n > maxChars ? ' – quá dài' : '');
    counter.classList.toggle('over', n > maxChars);
    sendBtn.disabled = !text;
  }

  /* ---------- wiring ---------- */
  form.addEventListener('submit', (e) => { e.preventDefault(); sendInput(); });
  input.addEventListener('input', onInput);
  input.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter is a newline; ignore Enter while an IME is composing.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      sendInput();
    }
  });
  list.addEventListener('scroll', () => {
    atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  });
  window.addEventListener('resize', () => scrollDown(atBottom));   // e.g. on-screen keyboard
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') wake();
  });
  window.addEventListener('online', wake);
  window.addEventListener('pageshow', (e) => { if (e.persisted) wake(); });
  window.addEventListener('beforeunload', (e) => {
    if (pending.size) { e.preventDefault(); e.returnValue = ''; }   // unsent tips live only in memory
  });

  /* hooks for web/media.js and web/push.js */
  // media.js: what an attachment needs from the chat, and nothing else.
  window.tipgateChat = {
    secret: loadSecret,                             // the identity's secret (never logged)
    newId,                                          // a client message id ([a-z0-9-])
    isReady: () => ready,
    submit: (payload) => submit(payload),           // a frame with a "me" bubble, resent until acked
    addBubble: (text) => addMessage('me', text, Date.now(), null, true),
    setState,                                       // 'pending' | 'sent' | 'failed' on a bubble
    notice,                                         // a notice (not from the bot); true: an error
  };
  // push.js: every server frame as a 'tipgate:frame' event (dispatched by handle), and the
  // frame sender.
  window.tipgatePush = { send: sendFrame };

  onInput();
  connect();
})();
