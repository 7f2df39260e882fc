/* tipgate web chat service worker: shows the notification a push brings (the
   police answered) and opens or focuses the chat when it is tapped. The push
   carries only a title and a fixed sentence, never anything of the tip; one tag
   makes several answers one notification. No caching: the page is always
   fetched from the server. */
'use strict';
const FALLBACK = { title: 'Tin báo của bạn', body: 'Có phản hồi mới cho tin báo của bạn' };

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('push', (e) => {
  let data = {};
  try { data = e.data ? e.data.json() : {}; } catch (err) { data = {}; }
  const title = typeof data.title === 'string' && data.title ? data.title : FALLBACK.title;
  const body = typeof data.body === 'string' && data.body ? data.body : FALLBACK.body;
  e.waitUntil(self.registration.showNotification(title, {
    body, tag: 'tipgate-reply', renotify: true, icon: 'icon-192.png', badge: 'icon-192.png',
    lang: 'vi', data: { url: self.registration.scope },
  }));
});

self.addEventListener('notificationclick', (e) => {
  e.notification.close();
  const url = self.registration.scope;
  e.waitUntil((async () => {
    const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const w of wins) {
      if (w.url.startsWith(url) && 'focus' in w) return w.focus();
    }
    return self.clients.openWindow(url);
  })());
});
