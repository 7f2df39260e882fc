/* tipgate web chat: notifications when the police answer (Web Push).
   Loaded after app.js, which hands every server frame to this file as a
   'tipgate:frame' event on document and its sender as window.tipgatePush.send.
   - Permission is asked only after the resident filed a report (a live bot
     message naming "/trangthai <code>"), with the page's own question first;
     the answer is remembered ('tipgate.push': 'yes' | 'no').
   - The subscription (endpoint and keys, never logged) goes to the server in a
     push_subscribe frame on every connect, so a renewed one replaces the old.
   - While the page is hidden, its title counts the replies that arrived.
   The notification itself is shown by sw.js and says nothing of the tip. */
'use strict';
(() => {
  const CHOICE_KEY = 'tipgate.push';
  const KEY_KEY = 'tipgate.push.key';
  const FILED = /\/trangthai\s+[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}/;
  const TEXT = {
    ask: 'Nhận thông báo khi Công an trả lời?',
    yes: 'Có',
    no: 'Không',
    on: 'Đã bật thông báo. Khi Công an trả lời, điện thoại sẽ báo cho bạn.',
    blocked: 'Trình duyệt đang chặn thông báo. Bạn có thể bật lại trong phần cài đặt của trình duyệt.',
    failed: 'Chưa bật được thông báo trên trình duyệt này. Bạn vẫn xem được phản hồi khi mở lại trang.',
  };
  const baseTitle = document.title;
  let vapidKey = null;
  let unread = 0;
  let promptEl = null;

  const store = {
    get(k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } },
  };
  const supported = () => 'serviceWorker' in navigator && 'PushManager' in window &&
    'Notification' in window && window.isSecureContext;

  function b64urlToBytes(s) {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
    const raw = atob(b64);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function send(frame) {
    return !!(window.tipgatePush && window.tipgatePush.send(frame));
  }

  function frameId() {
    const a = new Uint8Array(8);
    crypto.getRandomValues(a);
    return 'p' + Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // The browser's subscription for this server's key (made if missing, remade if the key
  // changed), sent to the server.
  async function subscribe() {
    const reg = await navigator.serviceWorker.register('sw.js');
    await navigator.serviceWorker.ready;
    let sub = await reg.pushManager.getSubscription();
    if (sub && store.get(KEY_KEY) !== vapidKey) {
      await sub.unsubscribe();
      sub = null;
    }
    if (!sub) {
      sub = await reg.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: b64urlToBytes(vapidKey),
      });
    }
    store.set(KEY_KEY, vapidKey);
    const json = sub.toJSON();
    send({ type: 'push_subscribe', id: frameId(),
           subscription: { endpoint: json.endpoint, keys: json.keys } });
  }

  function note(text) {
    const list = document.getElementById('messages');
    const row = document.createElement('div');
    row.className = 'msg sys push-note';
    const bubble = document.createElement('div');
    bubble.className = 'bubble';
    bubble.textContent = text;
    row.appendChild(bubble);
    list.appendChild(row);
    list.scrollTop = list.scrollHeight;
    return row;
  }

  async function accept() {
    store.set(CHOICE_KEY, 'yes');
    closePrompt();
    let perm = Notification.permission;
    try {
      if (perm === 'default') perm = await Notification.requestPermission();
      if (perm !== 'granted') { note(TEXT.blocked); return; }
      await subscribe();
      note(TEXT.on);
    } catch (e) {
      note(TEXT.failed);
    }
  }

  function closePrompt() {
    if (promptEl) promptEl.remove();
    promptEl = null;
  }

  // The page's own question, as a small card with two buttons, under the receipt.
  function ask() {
    if (promptEl) return;
    const row = note(TEXT.ask);
    row.classList.add('push-ask');
    const kb = document.createElement('div');
    kb.className = 'kb-row';
    [[TEXT.yes, accept], [TEXT.no, () => { store.set(CHOICE_KEY, 'no'); closePrompt(); }]]
      .forEach(([label, fn]) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'kb-btn';
        b.textContent = label;
        b.addEventListener('click', fn);
        kb.appendChild(b);
      });
    row.appendChild(kb);
    promptEl = row;
    document.getElementById('messages').scrollTop = 1e9;
  }

  function showUnread() {
    document.title = unread > 0 ? '(' + unread + ') ' + baseTitle : baseTitle;
  }

  function onFrame(m) {
    if (m.type === 'ready') {
      vapidKey = typeof m.vapid_public_key === 'string' ? m.vapid_public_key : null;
      if (vapidKey && supported() && store.get(CHOICE_KEY) === 'yes' &&
          Notification.permission === 'granted')
        subscribe().catch(() => { /* tried again on the next connect */ });
      return;
    }
    if (m.type !== 'message') return;
    if (document.visibilityState === 'hidden') {
      unread++;
      showUnread();
    }
    if (typeof m.text === 'string' && FILED.test(m.text) && vapidKey && supported() &&
        !store.get(CHOICE_KEY) && Notification.permission !== 'denied')
      setTimeout(ask, 0); // after app.js has shown the receipt
  }

  document.addEventListener('tipgate:frame', (e) => onFrame(e.detail || {}));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') { unread = 0; showUnread(); }
  });
})();
