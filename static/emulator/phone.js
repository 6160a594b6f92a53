// Twilio emulator phone page: polls the emulator's JSON API and drives the citizen's phone.
// Plain JS, no dependencies. Text from the server is always set with textContent, never as HTML.
(function () {
  "use strict";

  const body = document.body;
  const API = body.dataset.api;
  const HELPLINE = body.dataset.helpline;
  const POLL_MS = 700;
  const $ = (id) => document.getElementById(id);

  let number = body.dataset.number;
  let state = null;
  let renderedLines = -1;
  let renderedCall = null;
  let dialed = "";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  async function api(method, path, payload) {
    const response = await fetch(API + path, {
      method,
      headers: payload ? { "Content-Type": "application/json" } : {},
      body: payload ? JSON.stringify(payload) : undefined,
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => null);  // the emulator says why in {"error": ...}
      throw new Error(answer && answer.error ? answer.error : method + " " + path + ": " + response.status);
    }
    return response.json();
  }

  // ---- the call ---------------------------------------------------------------------------------
  const FINAL = ["completed", "busy", "no-answer", "failed", "canceled"];
  const liveCall = () => (state && state.call && !FINAL.includes(state.call.status) ? state.call : null);

  async function press(key) {
    const call = liveCall();
    flash(key);
    if (call) {
      await api("POST", "/calls/" + call.sid + "/digits", { digits: key });
      poll();
    } else {
      dialed = (dialed + key).slice(-16);
      $("dial-display").textContent = dialed;
    }
  }

  function flash(key) {
    const button = document.querySelector('.key[data-key="' + CSS.escape(key) + '"]');
    if (!button) return;
    button.classList.add("flash");
    setTimeout(() => button.classList.remove("flash"), 120);
  }

  async function dial() {
    const to = dialed.startsWith("+") ? dialed : null;
    dialed = "";
    $("dial-display").textContent = "";
    await api("POST", "/calls", { from: number, to: to });
    poll();
  }

  async function hangUp() {
    const call = liveCall();
    if (call) await api("POST", "/calls/" + call.sid + "/hangup");
    poll();
  }

  function renderCall(call) {
    const box = $("call-state");
    const live = call && !FINAL.includes(call.status);
    box.className = "call-state " + (!call ? "idle" : !live ? "ended" : call.queue ? "queue" : "live");
    $("call-status").textContent = !call ? "Ready · तैयार" : statusLabel(call);
    $("call-where").textContent = !call ? "Dial the helpline " + HELPLINE : call.where;
    $("call-timer").textContent = call && call.duration ? clock(call.duration) : "";
    $("call").classList.toggle("hidden", live);
    $("hangup").classList.toggle("hidden", !live);
    $("speech-form").classList.toggle("hidden", !live);
    renderChips(call);
    renderTranscript(call);
  }

  function statusLabel(call) {
    const labels = {
      queued: "Dialling…", ringing: "Ringing…", "in-progress": "On call · कॉल पर", completed: "Call ended · कॉल समाप्त",
      busy: "Busy", "no-answer": "No answer", failed: "Call failed", canceled: "Canceled",
    };
    return labels[call.status] || call.status;
  }

  function clock(seconds) {
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + String(s).padStart(2, "0");
  }

  function renderChips(call) {
    const chips = $("chips");
    chips.replaceChildren();
    if (!call) return;
    chips.append(el("span", "pill " + (FINAL.includes(call.status) ? "pill-grey" : "pill-green"), call.status));
    if (call.queue) chips.append(el("span", "pill pill-amber", "Queue " + call.queue.name + " · #" + call.queue.position + " of " + call.queue.size));
    if (call.conference) {
      const others = call.conference.members.filter((m) => m.call_sid !== call.sid).map((m) => m.name + (m.hold ? " (hold)" : ""));
      const name = call.conference.hidden ? "Call" : "Conference " + call.conference.name;
      chips.append(el("span", "pill pill-green", name + (others.length ? " · with " + others.join(", ") : "")));
    }
    if (call.error) chips.append(el("span", "pill pill-red", "Application error"));
  }

  function renderTranscript(call) {
    const list = $("transcript");
    const sid = call ? call.sid : null;
    const lines = call ? call.transcript : [];
    if (sid === renderedCall && lines.length === renderedLines) return;
    const follow = sid !== renderedCall || list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    renderedCall = sid;
    renderedLines = lines.length;
    list.replaceChildren();
    if (!call) {
      list.append(el("li", "empty", "No call yet. Press the green button to call " + HELPLINE + "."));
      return;
    }
    for (const line of lines) list.append(renderLine(line));
    if (follow) list.scrollTop = list.scrollHeight;  // keep following unless the reader scrolled up
  }

  function renderLine(line) {
    const item = el("li", "line-" + line.kind);
    item.append(el("span", "t", line.at.toFixed(1) + "s"));
    const content = el("div", "body");
    if (line.kind === "say") {
      const bubble = el("div", "bubble");
      const lang = line.language || "";
      bubble.append(el("span", "lang " + (lang.startsWith("hi") ? "lang-hi" : "lang-en"), lang || "?"));
      bubble.append(document.createTextNode(line.text));
      content.append(bubble, el("div", "voice", "🔊 " + (line.voice || "default voice")));
    } else if (line.kind === "press") {
      content.append(el("span", "keycap", line.text.replace("Pressed ", "⌨ ")));
    } else if (line.kind === "speech") {
      content.append(el("span", "keycap", "🎙 " + line.text));
    } else if (line.kind === "queue" || line.kind === "conference") {
      content.append(el("span", "tag", line.text));
    } else {
      const icons = { play: "♪ ", pause: "⏸ ", gather: "👂 ", error: "⚠ ", warning: "⚠ ", sms: "✉ ", status: "", webhook: "↪ " };
      content.textContent = (icons[line.kind] || "") + line.text;
    }
    item.append(content);
    return item;
  }

  // ---- incoming call-backs --------------------------------------------------------------------
  function renderIncoming(incoming) {
    const ringing = incoming && incoming.length ? incoming[0] : null;
    $("incoming").classList.toggle("hidden", !ringing);
    if (ringing) {
      $("incoming-from").textContent = ringing.from === HELPLINE ? "Sampark helpline " + ringing.from : ringing.from;
      $("incoming").dataset.sid = ringing.sid;
    }
  }

  async function answerIncoming(kind) {
    const sid = $("incoming").dataset.sid;
    if (sid) await api("POST", "/calls/" + sid + "/" + kind);
    poll();
  }

  // ---- SMS --------------------------------------------------------------------------------------
  const GSM = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

  function meter() {
    const text = $("sms-body").value;
    const gsm = GSM.test(text);
    // GSM extension characters take two septets; JS string length already counts UTF-16 units for UCS-2.
    const units = gsm ? text.length + (text.match(/[\^{}\\[~\]|€]/g) || []).length : text.length;
    const parts = !units ? 0 : gsm ? (units <= 160 ? 1 : Math.ceil(units / 153)) : (units <= 70 ? 1 : Math.ceil(units / 67));
    $("sms-meter").textContent = units + " chars · " + parts + " segment" + (parts === 1 ? "" : "s") + " · " + (gsm ? "GSM-7" : "UCS-2");
  }

  const channel = () => (document.querySelector('input[name="channel"]:checked') || {}).value || "sms";

  async function sendSms(event) {
    event.preventDefault();
    const text = $("sms-body").value.trim();
    if (!text) return;
    $("sms-body").value = "";
    meter();
    await api("POST", "/sms", { from: number, body: text, channel: channel() });
    poll();
  }

  function renderWhatsApp(window) {
    const pill = $("wa-window");
    const show = channel() === "whatsapp" || (window && window.last_inbound);
    pill.classList.toggle("hidden", !show);
    $("wa-age").classList.toggle("hidden", !(window && window.last_inbound));
    if (!show) return;
    const open = window && window.open;
    pill.textContent = open ? "WhatsApp window open" : "WhatsApp window closed (templates only)";
    pill.className = "pill " + (open ? "pill-green" : "pill-amber");
  }

  let renderedThread = "";
  function renderThread(thread, optedOut) {
    $("opted-out").classList.toggle("hidden", !optedOut);
    const signature = JSON.stringify(thread.map((m) => [m.sid, m.status]));
    if (signature === renderedThread) return;
    renderedThread = signature;
    const list = $("thread");
    list.replaceChildren();
    if (!thread.length) list.append(el("li", "empty", "No messages yet."));
    for (const m of thread) {
      const wa = m.channel === "whatsapp";
      const item = el("li", "msg " + (m.mine ? "mine" : "theirs") + (m.status === "failed" ? " failed" : "") + (wa ? " wa" : ""));
      item.append(el("div", "text", m.body));
      const parts = wa ? "WhatsApp" + (m.template ? " template" : "") : m.segments + (m.segments === 1 ? " segment " : " segments ") + m.encoding;
      let meta = m.mine ? "to " + m.to + " · " + parts : "from " + m.from + " · " + m.status + " · " + parts;
      if (m.error_code) meta += " · error " + m.error_code + " " + (m.error || "");
      item.append(el("div", "meta", meta));
      list.append(item);
    }
    list.scrollTop = list.scrollHeight;
  }

  // ---- switchboard ------------------------------------------------------------------------------
  function renderList(id, items, empty, render) {
    const list = $(id);
    list.replaceChildren();
    if (!items.length) list.append(el("li", "empty", empty));
    for (const item of items) list.append(render(item));
  }

  function leg(name, where, pill, pillClass) {
    const item = el("li", "leg");
    const left = el("div");
    left.append(el("div", "name", name), el("div", "where", where));
    item.append(left, el("span", "pill " + pillClass, pill));
    return item;
  }

  function renderSwitchboard(s) {
    renderList("staff", s.staff, "No desk phone or client is on a call.", (c) =>
      leg(c.party, c.where, c.status, c.status === "in-progress" ? "pill-green" : "pill-amber"));
    renderList("queues", s.queues, "No queue yet.", (q) =>
      leg(q.name, q.members.length ? "Waiting: " + q.members.join(", ") : "Nobody waiting", String(q.size), q.size ? "pill-amber" : "pill-grey"));
    renderList("conferences", s.conferences, "No conference in progress.", (c) =>
      leg(c.name, c.members.map((m) => m.name + (m.hold ? " (hold)" : "") + (m.muted ? " (muted)" : "") + (m.status !== "connected" ? " (" + m.status + ")" : "")).join(", ") || "empty",
        c.status, c.status === "in-progress" ? "pill-green" : "pill-grey"));
  }

  // ---- polling ----------------------------------------------------------------------------------
  let polling = false;
  async function poll() {
    if (polling || !number) return;
    polling = true;
    try {
      state = await api("GET", "/state?number=" + encodeURIComponent(number));
      renderCall(state.call);
      renderIncoming(state.incoming);
      renderThread(state.thread, state.opted_out);
      renderWhatsApp(state.whatsapp);
      renderSwitchboard(state);
    } catch (error) {
      $("call-where").textContent = "Emulator unreachable: " + error.message;
    } finally {
      polling = false;
    }
  }

  const NUMBER_HELP = $("number-help").textContent;

  function numberHelp(text, isError) {
    const help = $("number-help");
    help.textContent = text;
    help.classList.toggle("error", isError);
    help.setAttribute("role", isError ? "alert" : "status");
  }

  // The emulator reads the number as a person types it (spaces, with or without +91) and says why when it cannot.
  async function chooseNumber(typed) {
    let chosen;
    try {
      chosen = (await api("POST", "/phones", { number: typed })).number;
    } catch (error) {
      numberHelp(error.message, true);
      return;
    }
    const select = $("number");
    if (![...select.options].some((option) => option.value === chosen)) {
      select.insertBefore(new Option(chosen, chosen), select.querySelector('option[value="__other"]'));
    }
    select.value = chosen;
    $("number-other").value = "";
    $("number-other").classList.add("hidden");
    $("number-help").classList.add("hidden");
    numberHelp(NUMBER_HELP, false);
    number = chosen;
    renderedLines = -1;
    renderedThread = "";
    poll();
  }

  // ---- wiring -----------------------------------------------------------------------------------
  document.querySelectorAll(".key").forEach((key) => key.addEventListener("click", () => press(key.dataset.key)));
  $("call").addEventListener("click", dial);
  $("hangup").addEventListener("click", hangUp);
  $("answer").addEventListener("click", () => answerIncoming("answer"));
  $("decline").addEventListener("click", () => answerIncoming("decline"));
  $("sms-form").addEventListener("submit", sendSms);
  document.querySelectorAll('input[name="channel"]').forEach((radio) => radio.addEventListener("change", () => {
    $("sms-body").placeholder = channel() === "whatsapp" ? "WhatsApp the helpline · व्हाट्सऐप पर लिखें" : "Text the helpline · हेल्पलाइन को लिखें";
    renderWhatsApp(state && state.whatsapp);
  }));
  $("wa-age").addEventListener("click", async () => {
    await api("POST", "/whatsapp/age", { number: number, hours: 25 });
    poll();
  });
  if ($("missed-call")) $("missed-call").addEventListener("click", async () => {
    await api("POST", "/calls", { from: number, to: $("missed-call").dataset.to });
    poll();
  });
  $("sms-body").addEventListener("input", meter);
  $("speech-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const call = liveCall();
    const text = $("speech").value.trim();
    if (call && text) await api("POST", "/calls/" + call.sid + "/speech", { text: text });
    $("speech").value = "";
    poll();
  });
  $("number").addEventListener("change", (event) => {
    const other = event.target.value === "__other";
    $("number-other").classList.toggle("hidden", !other);
    $("number-help").classList.toggle("hidden", !other);
    if (other) $("number-other").focus();
    else chooseNumber(event.target.value);
  });
  $("number-other").addEventListener("change", (event) => chooseNumber(event.target.value.trim()));
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select")) return;
    if (/^[0-9*#]$/.test(event.key)) press(event.key);
    if (event.key === "Enter" && !liveCall()) dial();
    if (event.key === "Escape") hangUp();
  });

  meter();
  poll();
  setInterval(poll, POLL_MS);
})();
