/* Pumping coach chat widget: plain JavaScript, no dependencies, nothing fetched from other hosts.
 *
 * Inline: a page with <div id="pumping-coach" data-inline="true"></div> gets the chat in that element.
 * Embedded: <script src="https://BOT/webhooks/webchat/static/widget.js" defer></script> on any page
 * adds a "Chat" button that opens the chat in a panel (the bot host must list the page's origin in
 * credentials.yml, webchat.allowed_origins).
 *
 * Every word it shows comes from content/en/webchat.yml: the server writes them into this file as it
 * sends it (channels/webchat.py, widget_texts), so a translation needs no change here.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var STORAGE_KEY = "pumping-coach-sender";
  // How often an open page looks for a reply from clinic staff: quick enough to feel like a chat, one small
  // request per 5 s per open page.
  var POLL_MS = 5000;
  // {texts: {id: template}, greeting_buttons: [title]}, written in by the server in place of the marker.
  var WORDS = /*TEXTS*/null;

  // The text with this id; with values, its {named} placeholders filled in.
  function t(id, values) {
    var text = WORDS.texts[id];
    if (!values) return text;
    return text.replace(/\{(\w+)\}/g, function (field, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : field;
    });
  }

  function apiBase(server) {
    if (server) return server.replace(/\/+$/, "") + "/webhooks/webchat";
    if (script && script.src) return script.src.replace(/\/static\/widget\.js.*$/, "");
    return "/webhooks/webchat";
  }

  function newSenderId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // The parent's own clock, so "since yesterday morning" is counted in their time zone, not the server's.
  function localTime() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + "T" + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function senderId() {
    try {
      var id = window.localStorage.getItem(STORAGE_KEY);
      if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
        id = newSenderId();
        window.localStorage.setItem(STORAGE_KEY, id);
      }
      return id;
    } catch (e) {
      return newSenderId(); // storage blocked: the chat still works, it just won't survive a reload
    }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text; // never innerHTML: bot and user text stay text
    return node;
  }

  function Chat(root, options) {
    this.base = apiBase(options.server);
    this.sender = senderId();
    this.pending = null;
    this.seen = 0; // how many of the stored messages this page already shows
    this.build(root, options);
    this.loadHistory();
    // A person from the clinic may write at any time: look for their messages while the page is open.
    var self = this;
    window.setInterval(function () { if (!self.busy && !document.hidden) self.fetchStaffMessages(); }, POLL_MS);
  }

  Chat.prototype.build = function (root, options) {
    var self = this;
    root.classList.add("pc-chat", options.inline ? "pc-inline" : "pc-floating");
    root.setAttribute("role", "region");
    root.setAttribute("aria-label", t("webchat_region_label"));
    var header = el("header", { "class": "pc-header" });
    header.appendChild(el(options.inline ? "h1" : "h2", {}, t("webchat_title")));
    header.appendChild(el("p", {}, t("webchat_disclaimer")));
    // The parent's right to erasure: the assistant asks once to confirm, then deletes everything.
    var erase = el("button", { type: "button", "class": "pc-erase" }, t("webchat_erase"));
    erase.addEventListener("click", function () { self.send(t("webchat_erase"), t("webchat_erase")); });
    header.appendChild(erase);
    this.log = el("div", { "class": "pc-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0", "aria-label": t("webchat_log_label") });
    this.status = el("div", { "class": "pc-status", role: "alert", hidden: "" });
    this.form = el("form", { "class": "pc-form" });
    var label = el("label", { "for": "pc-input-" + this.sender.slice(0, 6), "class": "pc-visually-hidden" }, t("webchat_input_label"));
    this.input = el("textarea", { id: "pc-input-" + this.sender.slice(0, 6), rows: "1", maxlength: "4000", placeholder: t("webchat_input_placeholder"), autocomplete: "off" });
    this.sendButton = el("button", { type: "submit" }, t("webchat_send"));
    this.form.appendChild(label);
    this.form.appendChild(this.input);
    this.form.appendChild(this.sendButton);
    root.appendChild(header);
    root.appendChild(this.log);
    root.appendChild(this.status);
    root.appendChild(this.form);
    this.form.addEventListener("submit", function (ev) { ev.preventDefault(); self.sendTyped(); });
    this.input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); self.sendTyped(); }
    });
  };

  Chat.prototype.scroll = function () { this.log.scrollTop = this.log.scrollHeight; };

  // A chart from the assistant's own server (the pumping log): an image, never HTML.
  Chat.prototype.addImage = function (src) {
    if (!src || src.indexOf("/webhooks/webchat/chart/") !== 0) return;
    var node = el("div", { "class": "pc-msg pc-bot pc-image" });
    node.appendChild(el("img", { src: this.base + src.slice("/webhooks/webchat".length),
                                 alt: t("webchat_chart_alt") }));
    this.log.appendChild(node);
    this.scroll();
  };

  Chat.prototype.addMessage = function (from, text, name) {
    if (!text) return;
    var kind = from === "user" ? "pc-user" : (from === "staff" ? "pc-bot pc-staff" : "pc-bot");
    var node = el("div", { "class": "pc-msg " + kind });
    if (from === "staff") node.appendChild(el("strong", { "class": "pc-name" }, t("webchat_staff_name", { name: name || t("webchat_staff_default_name") })));
    node.appendChild(document.createTextNode(text));
    this.log.appendChild(node);
    this.scroll();
  };

  // Messages from clinic staff, and check-ins the assistant sent on its own, stored since the page last
  // looked (the assistant's other replies come with the answer to each message, so only these are
  // added from here).
  Chat.prototype.fetchStaffMessages = function () {
    var self = this;
    return fetch(this.base + "/history/" + encodeURIComponent(this.sender))
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (data) {
        var messages = data.messages || [];
        if (messages.length < self.seen) self.seen = 0; // a new session started
        messages.slice(self.seen).forEach(function (m) {
          if (m.from === "staff") self.addMessage("staff", m.text, m.name);
          if (m.from === "bot" && m.checkin) { self.clearButtons(); self.addMessage("bot", m.text); self.addButtons(m.buttons); }
        });
        self.seen = messages.length;
      })
      .catch(function () { /* offline for a moment: the next look catches up */ });
  };

  Chat.prototype.clearButtons = function () {
    var groups = this.log.querySelectorAll(".pc-buttons");
    Array.prototype.forEach.call(groups, function (g) { g.parentNode.removeChild(g); });
  };

  Chat.prototype.addButtons = function (buttons) {
    var self = this;
    if (!buttons || !buttons.length) return;
    var group = el("div", { "class": "pc-buttons", role: "group", "aria-label": t("webchat_quick_replies_label") });
    buttons.forEach(function (b) {
      var button = el("button", { type: "button" }, b.title);
      button.addEventListener("click", function () { self.send(b.payload || b.title, b.title); });
      group.appendChild(button);
    });
    this.log.appendChild(group);
    this.scroll();
  };

  // The conversation was deleted on the server: this page stops using its id, so the next message starts
  // a new conversation, and nothing on this device leads back to the old one.
  Chat.prototype.forgetConversation = function () {
    try { window.localStorage.removeItem(STORAGE_KEY); } catch (e) { /* storage blocked: nothing kept */ }
    this.sender = senderId();
    this.seen = 0;
    this.showStatus(t("webchat_erased"), false);
  };

  Chat.prototype.showBotMessages = function (messages) {
    var self = this;
    (messages || []).forEach(function (m) {
      self.addMessage("bot", m.text);
      self.addImage(m.image);
      self.addButtons(m.buttons);
    });
  };

  Chat.prototype.showStatus = function (text, retry) {
    var self = this;
    this.status.textContent = text;
    if (retry) {
      var again = el("button", { type: "button" }, t("webchat_try_again"));
      again.addEventListener("click", function () { self.retry(); });
      this.status.appendChild(again);
    }
    this.status.hidden = false;
  };

  Chat.prototype.hideStatus = function () { this.status.hidden = true; this.status.textContent = ""; };

  Chat.prototype.loadHistory = function () {
    var self = this;
    fetch(this.base + "/history/" + encodeURIComponent(this.sender))
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (data) {
        self.clinic = data.clinic;
        var messages = data.messages || [];
        self.seen = messages.length;
        messages.forEach(function (m, i) {
          self.addMessage(m.from, m.text, m.name);
          if (m.from === "bot") self.addImage(m.image);
          // Only the last bot message's quick replies are still a question waiting for an answer.
          if (m.from === "bot" && i === messages.length - 1) self.addButtons(m.buttons);
        });
        if (!messages.length) {
          self.addMessage("bot", t("webchat_greeting"));
          self.addButtons(WORDS.greeting_buttons.map(function (title) { return { title: title }; }));
        }
      })
      .catch(function () {
        self.showStatus(t("webchat_unreachable"), false);
      });
  };

  Chat.prototype.sendTyped = function () {
    var text = this.input.value.trim();
    if (!text) { this.input.focus(); return; }
    this.send(text, text);
  };

  Chat.prototype.retry = function () { if (this.pending) this.send(this.pending.payload, this.pending.shown, true); };

  Chat.prototype.send = function (payload, shown, isRetry) {
    var self = this;
    if (this.busy) return;
    this.busy = true;
    this.pending = { payload: payload, shown: shown };
    this.hideStatus();
    this.clearButtons();
    if (!isRetry) { this.addMessage("user", shown); this.input.value = ""; }
    this.sendButton.disabled = true;
    var typing = el("div", { "class": "pc-typing", "aria-hidden": "true" }, t("webchat_typing"));
    this.log.appendChild(typing);
    this.scroll();
    fetch(this.base + "/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: this.sender, message: payload, metadata: { local_time: localTime() } })
    })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
      })
      .then(function (res) {
        if (res.status === 400) { self.pending = null; self.showStatus(res.data.error || t("webchat_not_sent"), false); return; }
        self.showBotMessages(res.data.messages);
        if (res.data.erased) self.forgetConversation();
        if (res.ok) self.pending = null;
        else self.showStatus(t("webchat_maybe_not_received"), true);
      })
      .catch(function () {
        var failed = self.clinic ? t("webchat_send_failed_call", { clinic: self.clinic.name, phone: self.clinic.phone })
                                 : t("webchat_send_failed");
        self.showStatus(failed, true);
      })
      .then(function () { return self.fetchStaffMessages(); })
      .then(function () {
        if (typing.parentNode) typing.parentNode.removeChild(typing);
        self.busy = false;
        self.sendButton.disabled = false;
        self.input.focus();
      });
  };

  function start() {
    var inline = document.getElementById("pumping-coach");
    if (inline) {
      new Chat(inline, { server: inline.getAttribute("data-server"), inline: true });
      return;
    }
    var panel = el("div", { id: "pumping-coach-panel", hidden: "" });
    var launcher = el("button", { type: "button", "class": "pc-launcher", "aria-expanded": "false", "aria-controls": "pumping-coach-panel" }, t("webchat_launcher"));
    document.body.appendChild(panel);
    document.body.appendChild(launcher);
    var chat = null;
    launcher.addEventListener("click", function () {
      if (!chat) chat = new Chat(panel, { server: script && script.getAttribute("data-server"), inline: false });
      panel.hidden = !panel.hidden;
      launcher.setAttribute("aria-expanded", String(!panel.hidden));
      if (!panel.hidden) chat.input.focus();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
