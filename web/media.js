/* tipgate web chat: photos and location. Loaded after app.js, which exposes
   window.tipgateChat (secret, newId, submit, addBubble, setState, notice).
   A photo is shrunk in the browser (longest side <= 1600 px, JPEG ~0.85: this
   also drops the EXIF block, GPS included) and sent with POST /upload and the
   identity's secret; a HEIC the browser cannot decode goes as it is, up to
   10 MB. A location is asked of the browser only when the resident taps
   "Gửi vị trí" and goes over the WebSocket as a "location" frame.
   Never render server text with innerHTML and never log the secret. */
'use strict';
(() => {
  const chat = window.tipgateChat;
  if (!chat) return;
  const MAX_SIDE = 1600;
  const QUALITY = 0.85;
  const MAX_BYTES = 10 * 1024 * 1024;
  const MAX_PER_TIP = 5;
  const THUMB = 160;
  const CODE_RE = /\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b/;
  const HEIC_RE = /\.(heic|heif)$/i;
  const TEXT = {
    attach: '📷 Gửi ảnh',
    locate: '📍 Gửi vị trí',
    photo: 'Ảnh',
    uploading: 'Đang gửi ảnh…',
    retry: 'Thử lại',
    tooMany: 'Mỗi tin báo gửi được tối đa ' + MAX_PER_TIP + ' ảnh. Ảnh thêm chưa được gửi.',
    tooBig: 'Ảnh quá lớn (tối đa 10 MB) nên chưa gửi được. Bạn hãy chọn ảnh nhỏ hơn hoặc chụp lại.',
    notImage: 'Tệp này không phải ảnh nên chưa gửi được. Bạn hãy chọn một ảnh (JPEG, PNG, WebP hoặc HEIC).',
    failed: 'Chưa gửi được ảnh. Bạn kiểm tra kết nối rồi bấm «Thử lại».',
    noSecret: 'Kết nối chưa sẵn sàng. Bạn đợi một chút rồi gửi lại ảnh nhé.',
    locating: 'Đang lấy vị trí…',
    located: (acc) => '📍 Vị trí của tôi (sai số ± ' + acc + ' m)',
    denied: 'Bạn chưa cho phép trang xem vị trí. Bạn có thể gõ địa chỉ (số nhà, ngõ/hẻm, đường…) thay thế.',
    unavailable: 'Chưa lấy được vị trí của máy. Bạn thử lại ở nơi thoáng hơn, hoặc gõ địa chỉ thay thế.',
    unsupported: 'Trình duyệt này không gửi được vị trí. Bạn hãy gõ địa chỉ (số nhà, ngõ/hẻm, đường…).',
  };

  let photosThisTip = 0;          // reset when a tip is filed (its code shows) or a report starts

  /* ---------- the toolbar ---------- */
  function button(label, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'tool';
    b.textContent = label;
    b.addEventListener('click', onClick);
    return b;
  }

  const picker = document.createElement('input');
  picker.type = 'file';
  picker.accept = 'image/*,.heic,.heif';   // the phone offers the camera or the gallery
  picker.multiple = true;
  picker.hidden = true;
  picker.id = 'photo-input';
  picker.addEventListener('change', () => {
    const files = Array.from(picker.files || []);
    picker.value = '';
    files.forEach(addPhoto);
  });

  const tools = document.createElement('div');
  tools.className = 'tools';
  const attachBtn = button(TEXT.attach, () => picker.click());
  attachBtn.id = 'attach';
  const locateBtn = button(TEXT.locate, shareLocation);
  locateBtn.id = 'locate';
  tools.append(attachBtn, locateBtn, picker);
  const form = document.getElementById('composer');
  form.parentNode.insertBefore(tools, form);

  // A filed tip (its code in a bot message) or a new report starts the count again.
  new MutationObserver((records) => {
    records.forEach((r) => r.addedNodes.forEach((n) => {
      if (n.nodeType !== 1 || !n.classList.contains('msg')) return;
      const text = n.querySelector('.bubble') ? n.querySelector('.bubble').textContent : '';
      if (n.classList.contains('bot') && CODE_RE.test(text)) photosThisTip = 0;
      if (n.classList.contains('me') && /^\s*(Bạn: )?\/baotin\b/.test(text)) photosThisTip = 0;
    }));
  }).observe(document.getElementById('messages'), { childList: true });

  /* ---------- photos ---------- */
  function isHeic(file) {
    return /^image\/hei[cf]$/i.test(file.type) || HEIC_RE.test(file.name || '');
  }

  // Decodes and shrinks file; resolves {blob, type, thumb} or null when the browser cannot
  // decode it.
  async function shrink(file) {
    let img;
    try {
      img = await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch (e) {
      return null;
    }
    const scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
    const w = Math.max(1, Math.round(img.width * scale));
    const h = Math.max(1, Math.round(img.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.getContext('2d').drawImage(img, 0, 0, w, h);
    const blob = await new Promise((res) => canvas.toBlob(res, 'image/jpeg', QUALITY));
    const ts = Math.min(1, THUMB / Math.max(w, h));
    const t = document.createElement('canvas');
    t.width = Math.max(1, Math.round(w * ts));
    t.height = Math.max(1, Math.round(h * ts));
    t.getContext('2d').drawImage(canvas, 0, 0, t.width, t.height);
    if (img.close) img.close();
    return blob ? { blob, type: 'image/jpeg', thumb: t.toDataURL('image/jpeg', 0.7) } : null;
  }

  async function addPhoto(file) {
    if (photosThisTip >= MAX_PER_TIP) {
      chat.notice(TEXT.tooMany, true);
      return;
    }
    let shrunk = await shrink(file);
    if (!shrunk) {
      if (!isHeic(file)) {
        chat.notice(TEXT.notImage, true);
        return;
      }
      shrunk = { blob: file, type: file.type || 'image/heic', thumb: null };
    }
    if (shrunk.blob.size > MAX_BYTES) {
      chat.notice(TEXT.tooBig, true);
      return;
    }
    photosThisTip++;
    const up = { id: chat.newId(), blob: shrunk.blob, type: shrunk.type, row: null };
    up.row = bubble(shrunk.thumb);
    send(up);
  }

  // The resident's bubble of a photo: a thumbnail (or a camera sign), a progress bar and,
  // once it failed, a retry button.
  function bubble(thumb) {
    const row = chat.addBubble('');
    row.classList.add('photo');
    const b = row.querySelector('.bubble');
    if (thumb) {
      const img = document.createElement('img');
      img.src = thumb;                   // a data: URL made here, never the server's
      img.alt = TEXT.photo;
      img.className = 'thumb';
      b.appendChild(img);
    } else {
      b.appendChild(document.createTextNode('📷 ' + TEXT.photo));
    }
    const bar = document.createElement('progress');
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute('aria-label', TEXT.uploading);
    b.appendChild(bar);
    chat.setState(row, 'pending');
    return row;
  }

  function retryButton(up) {
    const b = up.row.querySelector('.bubble');
    if (b.querySelector('.retry')) return;
    const r = button(TEXT.retry, () => { r.remove(); send(up); });
    r.className = 'retry';
    b.appendChild(r);
  }

  function failed(up, text) {
    chat.setState(up.row, 'failed');
    const bar = up.row.querySelector('progress');
    if (bar) bar.hidden = true;
    chat.notice(text || TEXT.failed, true);
  }

  // POST /upload (XMLHttpRequest: fetch cannot report upload progress). Sent again with the
  // same id after a failure, so the server keeps one photo whatever happened to the answer.
  function send(up) {
    const secret = chat.secret();
    if (!secret) {
      failed(up, TEXT.noSecret);
      retryButton(up);
      return;
    }
    const bar = up.row.querySelector('progress');
    bar.hidden = false;
    bar.value = 0;
    chat.setState(up.row, 'pending');
    const x = new XMLHttpRequest();
    x.open('POST', '/upload');
    x.setRequestHeader('Authorization', 'Bearer ' + secret);
    x.setRequestHeader('X-Tipgate-Id', up.id);
    x.setRequestHeader('Content-Type', up.type);
    x.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = e.loaded / e.total; };
    x.onload = () => {
      let a = null;
      try { a = JSON.parse(x.responseText); } catch (e) { /* not ours: a proxy's page */ }
      if (x.status === 200 && a && a.ok) {
        bar.hidden = true;
        chat.setState(up.row, 'sent');
        return;
      }
      failed(up, a && typeof a.text === 'string' ? a.text : null);
      // a refusal about the photo itself cannot succeed again; the rest may
      if (x.status !== 413 && x.status !== 415) retryButton(up);
      else photosThisTip = Math.max(0, photosThisTip - 1);
    };
    x.onerror = x.ontimeout = () => { failed(up, null); retryButton(up); };
    x.timeout = 120000;
    x.send(up.blob);
  }

  /* ---------- location ---------- */
  function shareLocation() {
    if (!navigator.geolocation) {
      chat.notice(TEXT.unsupported, true);
      return;
    }
    locateBtn.disabled = true;
    locateBtn.textContent = TEXT.locating;
    const done = () => { locateBtn.disabled = false; locateBtn.textContent = TEXT.locate; };
    navigator.geolocation.getCurrentPosition((pos) => {
      done();
      const c = pos.coords, acc = Math.max(1, Math.round(c.accuracy || 0));
      chat.submit({ type: 'location', lat: c.latitude, lon: c.longitude, accuracy: acc,
                    text: TEXT.located(acc) });
    }, (err) => {
      done();
      chat.notice(err && err.code === 1 ? TEXT.denied : TEXT.unavailable, true);
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }
})();
