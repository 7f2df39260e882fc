/*
 * login.js — the web desk's sign-in page. The one-time token comes in the address's fragment
 * (#t=…), which the browser never sends to any server; it is removed from the address bar at
 * once, then spent by POST /api/desk/login, which sets the session cookie. On success the desk
 * opens (/desk/); otherwise the page says why, in Vietnamese.
 */
"use strict";

(function () {
  var MSG = {
    used: "Liên kết đăng nhập đã hết hạn hoặc đã được dùng. Gửi /dangnhap trong chat để nhận liên kết mới.",
    none: "Không có liên kết đăng nhập. Gửi /dangnhap trong chat để nhận liên kết mới.",
    many: "Có quá nhiều lần đăng nhập không thành công từ máy này. Bạn vui lòng đợi ít phút rồi thử lại.",
    net: "Không kết nối được với máy chủ. Bạn vui lòng kiểm tra mạng rồi tải lại trang."
  };
  var status = document.getElementById("login-status");
  var help = document.getElementById("login-help");

  function show(text) {
    status.textContent = text;
    help.hidden = false;
  }

  var match = /(?:^#|&)t=([0-9a-f]{64})(?:&|$)/.exec(location.hash || "");
  /* The token must not stay in the address bar, the history or a bookmark. */
  if (location.hash) history.replaceState(null, "", location.pathname);
  if (!match) {
    show(MSG.none);
    return;
  }
  fetch("/api/desk/login", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: match[1] })
  }).then(function (res) {
    if (res.ok) {
      location.replace("/desk/");
      return;
    }
    show(res.status === 429 ? MSG.many : MSG.used);
  }).catch(function () {
    show(MSG.net);
  });
})();
