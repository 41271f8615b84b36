/*
 * salesbot web chat widget. Embed with one tag:
 *   <script src="https://bot.example.com/webchat/widget.js"
 *           data-server="https://bot.example.com" data-lang="en" data-title="Chat with us"></script>
 * Vanilla JS, no build step. Every text is rendered with textContent, never as HTML.
 * Protocol: see the README ("Web chat"). The server is the source of truth: the widget keeps
 * only its token, conversation id and last read seq; history is replayed from the server.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.SalesbotWidget) return;

  var STRINGS = {
    en: {
      title: "Chat with us", open: "Open chat", close: "Close chat",
      placeholder: "Type your message…", send: "Send", typing: "Typing…",
      connecting: "Connecting…", offline: "Reconnecting…", online: "Online",
      agent: "Sales rep", unread: "unread messages", tooFast: "You're sending messages too quickly.",
      tooLong: "That message is too long.", notAllowed: "The chat is not available on this site.",
      error: "Something went wrong; trying again…",
      welcome: "Hi! Ask us about our products, prices or delivery, or ask for a quote.",
      stop: "Stop messages"
    },
    zh: {
      title: "在线咨询", open: "打开聊天", close: "关闭聊天",
      placeholder: "请输入消息…", send: "发送", typing: "正在输入…",
      connecting: "正在连接…", offline: "正在重新连接…", online: "在线",
      agent: "销售代表", unread: "条未读消息", tooFast: "发送太快了，请稍候。",
      tooLong: "消息太长了。", notAllowed: "此网站无法使用在线咨询。",
      error: "出了点问题，正在重试…",
      welcome: "您好！欢迎咨询产品、价格和发货，也可以直接索取报价。",
      stop: "不再接收消息"
    }
  };
  var MAX_BYTES = 1800; // under the server's frame limit once wrapped in JSON

  var attr = function (name) { return script.getAttribute(name) || ""; };
  var server = (attr("data-server") || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var lang = attr("data-lang") || (navigator.language || "en");
  lang = lang.toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  var S = STRINGS[lang];
  var title = attr("data-title") || S.title;
  var wsUrl = server.replace(/^http/, "ws") + "/webchat/ws";
  var storeKey = "salesbot:" + server;

  // Persistent state: token, conversation id and the last seq the visitor has read.
  var saved = load();
  var lastSeq = 0; // the highest seq shown on this page
  var pending = {}; // client_msg_id -> {frame, el, tries}
  var ws = null, authed = false, attempt = 0, timer = null, stopped = false, unread = 0;
  // After "forget me" is confirmed the stored token must go too: the erased visitor's old
  // identity is suppressed on the server, and a fresh start needs a fresh token.
  var forgetAfterReply = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(saved)); } catch (e) { /* private mode */ }
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  // The browser's IANA zone ("Europe/London"), so booking a call need not ask for it.
  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
    } catch (e) {
      return null;
    }
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function utf8Length(text) { return new TextEncoder().encode(text).length; }

  // The DOM.
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = server + "/webchat/widget.css";
  document.head.appendChild(css);

  var root = el("div", "sbw-root");
  root.setAttribute("lang", lang);
  var launcher = el("button", "sbw-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-label", S.open);
  launcher.setAttribute("aria-expanded", "false");
  launcher.appendChild(el("span", "sbw-launcher-icon"));
  var badge = el("span", "sbw-badge");
  badge.hidden = true;
  launcher.appendChild(badge);

  var panel = el("div", "sbw-panel");
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var header = el("div", "sbw-header");
  var heading = el("div", "sbw-heading");
  heading.appendChild(el("span", "sbw-title", title));
  var status = el("span", "sbw-status", S.connecting);
  heading.appendChild(status);
  var closer = el("button", "sbw-close", "×");
  closer.type = "button";
  closer.setAttribute("aria-label", S.close);
  // Withdrawing consent is as easy as giving it: one click, always visible.
  var stopper = el("button", "sbw-stop", S.stop);
  stopper.type = "button";
  stopper.addEventListener("click", function () {
    submit({ type: "click", payload: "privacy:stop", title: S.stop }, S.stop);
  });
  header.appendChild(heading);
  header.appendChild(stopper);
  header.appendChild(closer);
  var log = el("div", "sbw-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  var welcome = el("p", "sbw-welcome", S.welcome);
  log.appendChild(welcome);
  var typing = el("div", "sbw-typing");
  typing.hidden = true;
  typing.appendChild(el("span", "sbw-dot"));
  typing.appendChild(el("span", "sbw-dot"));
  typing.appendChild(el("span", "sbw-dot"));
  typing.appendChild(el("span", "sbw-sr", S.typing));
  var notice = el("div", "sbw-notice");
  notice.hidden = true;
  var quick = el("div", "sbw-quick");
  var form = el("form", "sbw-form");
  var input = el("textarea", "sbw-input");
  input.rows = 1;
  input.maxLength = 2000;
  input.placeholder = S.placeholder;
  input.setAttribute("aria-label", S.placeholder);
  var send = el("button", "sbw-send", S.send);
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);
  [header, log, typing, notice, quick, form].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(panel);
  root.appendChild(launcher);

  // Rendering.
  function scrollDown() {
    welcome.hidden = !!log.querySelector(".sbw-msg");
    log.scrollTop = log.scrollHeight;
  }
  function firstPending() { return log.querySelector(".sbw-pending"); }

  function bubble(role, text) {
    var item = el("div", "sbw-msg sbw-" + role);
    if (role === "agent") item.appendChild(el("div", "sbw-who", S.agent));
    item.appendChild(el("div", "sbw-bubble", text));
    return item;
  }

  function renderMessage(f) {
    if (typeof f.seq !== "number" || f.seq <= lastSeq) return; // already shown
    lastSeq = f.seq;
    var mine = f.role === "customer" && f.client_msg_id && pending[f.client_msg_id];
    if (mine) {
      mine.el.parentNode && mine.el.parentNode.removeChild(mine.el);
      delete pending[f.client_msg_id];
    }
    var item = bubble(f.role, f.text || "");
    item.setAttribute("data-seq", String(f.seq));
    if (f.role === "customer") {
      // The visitor answered: buttons offered before no longer apply.
      log.querySelectorAll(".sbw-button").forEach(function (b) { b.disabled = true; });
    }
    var buttons = f.buttons || [];
    if (buttons.length) {
      var row = el("div", "sbw-buttons");
      buttons.forEach(function (b) { row.appendChild(choice(b, "sbw-button")); });
      item.appendChild(row);
    }
    log.insertBefore(item, firstPending());
    showQuickReplies(f.role === "customer" ? [] : f.quick_replies || []);
    if (f.role !== "customer") {
      typing.hidden = true;
      if (forgetAfterReply) {
        forgetAfterReply = false;
        saved = {};
        save();
      }
      if ((panel.hidden || document.hidden) && f.seq > (saved.seen || 0)) setUnread(unread + 1);
      else markRead();
    }
    scrollDown();
  }

  function choice(b, cls) {
    var button = el("button", cls, String(b.title || ""));
    button.type = "button";
    button.addEventListener("click", function () {
      if (button.disabled) return;
      if (b.payload === "privacy:confirm") forgetAfterReply = true;
      submit({ type: "click", payload: String(b.payload || ""), title: String(b.title || "") },
        String(b.title || ""));
    });
    return button;
  }

  function showQuickReplies(items) {
    while (quick.firstChild) quick.removeChild(quick.firstChild);
    items.forEach(function (b) { quick.appendChild(choice(b, "sbw-chip")); });
  }

  function clearFrom(seq) {
    log.querySelectorAll(".sbw-msg[data-seq]").forEach(function (node) {
      if (Number(node.getAttribute("data-seq")) > seq) node.parentNode.removeChild(node);
    });
    lastSeq = Math.min(lastSeq, seq);
    scrollDown();
  }

  function setUnread(n) {
    unread = n;
    badge.hidden = n === 0;
    badge.textContent = n > 9 ? "9+" : String(n);
    launcher.setAttribute("aria-label", n ? S.open + " (" + n + " " + S.unread + ")" : S.open);
  }
  function markRead() {
    setUnread(0);
    if (lastSeq > (saved.seen || 0)) { saved.seen = lastSeq; save(); }
  }
  function flash(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }
  function setStatus(text) { status.textContent = text; }

  // Sending.
  function submit(frame, shown) {
    frame.client_msg_id = newId();
    var item = bubble("customer", shown);
    item.className += " sbw-pending";
    log.appendChild(item);
    pending[frame.client_msg_id] = { frame: frame, el: item, tries: 0 };
    showQuickReplies([]);
    scrollDown();
    transmit(frame);
  }
  function transmit(frame) {
    if (ws && authed && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }
  function resendPending() {
    Object.keys(pending).forEach(function (id) {
      var entry = pending[id];
      if (entry.tries++ < 5) transmit(entry.frame);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    if (utf8Length(text) > MAX_BYTES) { flash(S.tooLong); return; }
    flash("");
    input.value = "";
    submit({ type: "message", text: text }, text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : send.click();
    }
  });

  // Opening and closing.
  function openPanel() {
    panel.hidden = false;
    root.className = "sbw-root sbw-open";
    launcher.setAttribute("aria-expanded", "true");
    try { sessionStorage.setItem(storeKey + ":open", "1"); } catch (e) { /* ignore */ }
    markRead();
    scrollDown();
    input.focus();
  }
  function closePanel() {
    panel.hidden = true;
    root.className = "sbw-root";
    launcher.setAttribute("aria-expanded", "false");
    try { sessionStorage.removeItem(storeKey + ":open"); } catch (e) { /* ignore */ }
    launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? openPanel() : closePanel(); });
  closer.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") closePanel(); });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !panel.hidden) markRead();
  });

  // The connection: auth first, resume from lastSeq, reconnect with backoff.
  function session() {
    return fetch(server + "/webchat/session", {
      method: "POST",
      headers: { "Content-Type": "text/plain" }, // a simple request: no CORS preflight
      body: JSON.stringify(saved.token ? { token: saved.token } : {}),
      credentials: "omit"
    }).then(function (r) {
      if (!r.ok) throw new Error("session " + r.status);
      return r.json();
    }).then(function (body) {
      saved.token = body.token;
      save();
    });
  }

  function connect() {
    timer = null;
    if (stopped) return;
    if (!saved.token) {
      session().then(connect, retry);
      return;
    }
    setStatus(attempt ? S.offline : S.connecting);
    var socket = new WebSocket(wsUrl);
    ws = socket;
    authed = false;
    socket.onopen = function () {
      socket.send(JSON.stringify({
        type: "auth", token: saved.token, last_seq: lastSeq,
        conversation: saved.conversation == null ? null : saved.conversation, lang: lang,
        timezone: browserZone()
      }));
    };
    socket.onmessage = function (event) {
      var f;
      try { f = JSON.parse(event.data); } catch (e) { return; }
      if (f.type === "message") renderMessage(f);
      else if (f.type === "typing") { typing.hidden = !f.on; if (f.on) scrollDown(); }
      else if (f.type === "ready") onReady(f);
      else if (f.type === "error") onError(f);
    };
    socket.onclose = function (event) {
      if (ws !== socket) return;
      ws = null;
      authed = false;
      typing.hidden = true;
      if (event.code === 4001) { saved.token = null; save(); }
      retry();
    };
  }

  function onReady(f) {
    authed = true;
    attempt = 0;
    if (f.token) saved.token = f.token;
    if (f.conversation !== saved.conversation) clearFrom(0);
    clearFrom(f.resume_from || 0);
    saved.conversation = f.conversation;
    save();
    setStatus(S.online);
    flash("");
    resendPending();
  }

  function onError(f) {
    if (f.code === "rate_limited") {
      flash(S.tooFast);
      setTimeout(resendPending, 2000);
    } else if (f.code === "server_error") {
      flash(S.error);
      setTimeout(resendPending, 3000);
    } else if (f.code === "origin_not_allowed") {
      stopped = true;
      setStatus(S.notAllowed);
    } else if (f.code === "frame_too_large") {
      flash(S.tooLong);
    }
  }

  function retry() {
    if (stopped || timer) return;
    var delay = Math.min(30000, 500 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
    attempt += 1;
    setStatus(S.offline);
    timer = setTimeout(connect, delay);
  }
  window.addEventListener("online", function () {
    if (!ws && timer) { clearTimeout(timer); connect(); }
  });

  function start() {
    document.body.appendChild(root);
    var wasOpen = false;
    try { wasOpen = sessionStorage.getItem(storeKey + ":open") === "1"; } catch (e) { /* ignore */ }
    if (wasOpen) openPanel();
    connect();
  }
  window.SalesbotWidget = { open: openPanel, close: closePanel };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
