// pitchbox panel. No framework: each page wires its own elements to the
// JSON API. Mutating requests carry the session's CSRF token. Every page
// with a session shows the banner: the box's state in words, its colour,
// the time on air and the retry countdown.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf"]').content;

  async function api(method, path, body) {
    const opt = { method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
    if (body instanceof FormData) opt.body = body;
    else if (body !== undefined) { opt.body = JSON.stringify(body); opt.headers["Content-Type"] = "application/json"; }
    const r = await fetch(path, opt);
    if (r.status === 401 && !path.startsWith("/api/auth/")) { location.href = "/login"; throw new Error("log in first"); }
    const ct = r.headers.get("Content-Type") || "";
    const data = ct.includes("json") ? await r.json() : await r.blob();
    if (!r.ok) throw new Error((data && data.error) || r.status + " " + r.statusText);
    return data;
  }
  function show(id, msg) { const e = $(id); if (e) e.textContent = msg || ""; }
  // flash shows a confirmation for a few seconds.
  function flash(id, msg) {
    show(id, msg);
    const e = $(id); if (!e) return;
    clearTimeout(e._flash); e._flash = setTimeout(() => { if (e.textContent === msg) e.textContent = ""; }, 6000);
  }
  function guard(errId, fn) {
    return async (ev) => {
      if (ev && ev.preventDefault) ev.preventDefault();
      show(errId, "");
      try { await fn(ev); } catch (e) { show(errId, e.message); }
    };
  }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "onclick") e.addEventListener("click", v); else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  function clock(sec) {
    sec = Math.max(0, Math.floor(sec));
    const h = Math.floor(sec / 3600), m = Math.floor(sec / 60) % 60, s = sec % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }
  function fmtDur(s) { const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60; return (h ? h + " h " : "") + m + " min " + (s % 60) + " s"; }

  // The status, asked for every 2 s by whichever page is open; listeners
  // get each one. skew is the box's clock minus this browser's.
  const status = { last: null, skew: 0, listeners: [] };
  function onStatus(fn) { status.listeners.push(fn); if (status.last) fn(status.last); }
  function boxNow() { return Date.now() + status.skew; }
  async function pollStatus() {
    try {
      const t0 = Date.now();
      const s = await api("GET", "/api/status");
      if (s.now) status.skew = Date.parse(s.now) - (t0 + Date.now()) / 2;
      status.last = s;
      status.listeners.forEach((fn) => fn(s));
    } catch (e) {
      status.last = null;
      banner.unreachable(e.message);
    }
    setTimeout(pollStatus, 2000);
  }

  // The banner's words for each state.
  const stateWords = {
    live: "LIVE — buyers can see you",
    recording: "Recording on the box only — nobody can see this",
    off: "Off air",
    connecting: "Connecting to IVS — buyers cannot see you yet",
    reconnecting: "Reconnecting — buyers cannot see you",
    refused: "Stream refused — buyers cannot see you",
  };
  const banner = {
    unreachable(msg) {
      const b = $("banner"); if (!b) return;
      b.dataset.state = "unknown";
      show("banner-title", "Cannot reach the box");
      show("banner-problem", "Is it switched on and on this network? Trying again…");
      show("banner-time", ""); this.detail(msg);
    },
    detail(text) {
      const d = $("banner-details"); if (!d) return;
      d.hidden = !text; show("banner-detail", text || "");
    },
    // problem is the box's problem text without its own countdown (the
    // banner counts down itself, every second).
    problem(s) {
      let p = (s.problem || "").replace(/ — retrying (in \d+ s|now)$/, "");
      if (s.state === "recording" && p.startsWith("Recording on the box only")) p = "Set up IVS on the Destination page to go live.";
      return p;
    },
    update(s) {
      const b = $("banner"); if (!b) return;
      b.dataset.state = s.state;
      show("banner-title", stateWords[s.state] || s.state);
      show("banner-problem", this.problem(s));
      this.detail(s.detail);
      this.tick();
    },
    // tick redraws the time on air and the retry countdown.
    tick() {
      const s = status.last; if (!s || !$("banner")) return;
      const parts = [];
      if (s.on_air_since) {
        const t = clock((boxNow() - Date.parse(s.on_air_since)) / 1000);
        parts.push(s.state === "live" ? "On air " + t : s.state === "recording" ? "Recording " + t : "Started " + t + " ago");
      }
      if (s.retry_at && (s.state === "reconnecting" || s.state === "refused")) {
        const left = Math.ceil((Date.parse(s.retry_at) - boxNow()) / 1000);
        parts.push(left > 0 ? "Retrying in " + left + " s" : "Retrying now");
      }
      show("banner-time", parts.join(" · "));
    },
  };

  // The chat pane: on the Chat page, and beside the picture on the Live page.
  function chatPane() {
    let configured = null; // not known before the first status
    onStatus((s) => {
      const first = configured === null;
      configured = !!s.chat;
      $("chat-setup").hidden = configured;
      $("chat-form").hidden = !configured;
      if (first) load();
    });
    async function load() {
      if (configured === null) return;
      if (!configured) { show("chat-state", ""); $("messages").textContent = ""; return; }
      try {
        const ms = await api("GET", "/api/chat/messages");
        const ol = $("messages"); ol.textContent = "";
        for (const m of ms) ol.append(chatItem(m, load));
        show("chat-state", ms.length ? "" : "No messages yet.");
        show("chat-error", "");
      } catch (e) { show("chat-error", e.message); }
    }
    $("chat-form").addEventListener("submit", guard("chat-error", async () => {
      const t = $("chat-text").value.trim(); if (!t) return;
      await api("POST", "/api/chat/messages", { content: t }); $("chat-text").value = ""; setTimeout(load, 300);
    }));
    setInterval(load, 1500);
  }
  function chatItem(m, reload) {
    const who = (m.Sender && (m.Sender.Attributes && m.Sender.Attributes.displayName)) || (m.Sender && m.Sender.UserId) || "?";
    return el("li", { "data-id": m.Id },
      el("span", { class: "who" }, who), el("span", { class: "text", dir: "auto" }, m.Content), el("span", { class: "actions" },
      el("button", { class: "del", type: "button", "aria-label": "Delete the message from " + who, onclick: guard("chat-error", async () => {
        await api("DELETE", "/api/chat/messages/" + encodeURIComponent(m.Id)); await reload();
      }) }, "Delete"),
      el("button", { class: "kick", type: "button", "aria-label": "Disconnect " + who, onclick: guard("chat-error", async () => {
        if (!confirm("Disconnect " + who + "?")) return;
        await api("POST", "/api/chat/users/" + encodeURIComponent(m.Sender.UserId) + "/disconnect");
      }) }, "Disconnect")));
  }

  // thumb is a preset's thumbnail (its QR code or picture); the name next
  // to it says what it is.
  function thumb(p) {
    return el("img", { class: "thumb", alt: "", src: "/api/presets/" + encodeURIComponent(p.id) + "/thumb", loading: "lazy" });
  }

  const pages = {
    pair() {
      $("pair-form").addEventListener("submit", guard("pair-error", async () => {
        if ($("password").value !== $("password2").value) throw new Error("the two passwords differ");
        await api("POST", "/api/auth/pair", { code: $("code").value, password: $("password").value });
        location.href = "/live";
      }));
    },
    login() {
      $("login-form").addEventListener("submit", guard("login-error", async () => {
        await api("POST", "/api/auth/login", { password: $("password").value });
        location.href = "/live";
      }));
    },
    live() { livePage(); },
    presets() { presetsPage(); },
    destination() { destinationPage(); },
    camera() { cameraPage(); },
    system() { systemPage(); },
    chat() { chatPane(); },
  };

  // The Live page: the picture, Go live / Stop (asking first), the level
  // meter, the presets, Clear (apart from Stop), the chat and the
  // first-run checklist.
  function livePage() {
    const st = { presets: [], dest: null, shown: "" };
    refreshPreview();
    onStatus((s) => { liveToggle(s, st); liveDetails(s, st); checklist(s, st); avRow(s); });
    $("clear").addEventListener("click", guard("live-error", async () => { await api("POST", "/api/clear"); }));
    $("live-toggle").addEventListener("click", guard("live-error", async () => {
      const s = status.last;
      if (s && s.live_requested) { $("stop-dialog").showModal(); return; }
      await api("POST", "/api/live/start");
    }));
    $("stop-cancel").addEventListener("click", () => $("stop-dialog").close());
    $("stop-confirm").addEventListener("click", guard("live-error", async () => {
      $("stop-dialog").close();
      await api("POST", "/api/live/stop");
    }));
    api("GET", "/api/destination").then((d) => { st.dest = d; if (status.last) checklist(status.last, st); }).catch(() => {});
    loadLivePresets(st).catch((e) => show("live-error", e.message));
    chatPane();
  }
  async function refreshPreview() {
    const img = $("preview");
    try {
      const b = await api("GET", "/api/preview.jpg");
      const old = img.src; img.src = URL.createObjectURL(b);
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    } catch (e) { /* the box may be restarting */ }
    setTimeout(refreshPreview, 1000);
  }
  function liveToggle(s, st) {
    const t = $("live-toggle"), on = !!s.live_requested;
    const toFile = st.dest ? !st.dest.url : s.state === "recording";
    t.textContent = on ? (s.state === "recording" ? "Stop recording" : "Stop streaming") : (toFile ? "Record on the box" : "Go live");
    t.classList.toggle("primary", !on); t.classList.toggle("danger", on);
    $("stop-title").textContent = s.state === "recording" ? "Stop recording?" : "Stop the stream?";
    $("stop-text").textContent = s.state === "recording" ? "The recording on the box ends here." : "Buyers will see the stream end.";
    $("stop-confirm").textContent = s.state === "recording" ? "Stop recording" : "Stop the stream";
  }
  function liveDetails(s, st) {
    st.shown = s.scene || "";
    document.querySelectorAll("#preset-buttons button").forEach((b) => {
      const on = b.dataset.label === st.shown; b.classList.toggle("active", on); b.setAttribute("aria-pressed", String(on));
    });
    const dl = $("status"); dl.textContent = "";
    const add = (k, v) => { dl.append(el("dt", {}, k), el("dd", {}, String(v))); };
    add("State", s.state);
    add("Showing", st.shown || "nothing");
    add("FPS", (s.fps || 0).toFixed(1));
    add("Bitrate sent", Math.round(s.bitrate_kbps || 0) + " kbps");
    add("Dropped frames", s.dropped_frames || 0);
    if (s.stream) add("Reconnects", s.stream.reconnects || 0);
    if (s.viewers) add("Viewers", s.viewers.count);
    add("Box running for", fmtDur(s.uptime_seconds || 0));
    if (s.cpu_temp_c != null) add("CPU temperature", s.cpu_temp_c.toFixed(1) + " °C");
    if (s.apply_error) add("Settings", s.apply_error);
  }
  function avRow(s) {
    const a = s.audio || {}, m = $("mic-level");
    const silent = !!a.silent_reason;
    m.value = silent ? -60 : Math.max(-60, Math.min(0, a.peak_dbfs || -60));
    $("mic-text").textContent = silent ? "No sound: " + a.silent_reason : "peak " + Math.round(a.peak_dbfs) + " dB, level " + Math.round(a.rms_dbfs) + " dB";
    m.setAttribute("aria-valuetext", $("mic-text").textContent);
    $("cam-text").textContent = { open: "Camera: on", pattern: "Camera: test pattern (no camera chosen)", lost: "Camera: not found — buyers see the “back soon” picture" }[s.camera] || "";
  }
  // checklist ticks each first-run step from the box's state and settings,
  // and hides itself when every step is done.
  function checklist(s, st) {
    const d = st.dest, a = s.audio || {};
    const ivs = !!(d && d.url && d.stream_key_set) && s.state !== "refused";
    const steps = {
      ivs: [ivs, d ? (ivs ? "" : d.url ? (s.state === "refused" ? "IVS refused the key: check it" : "the stream key is missing") : "not set up: the box only records") : ""],
      product: [st.presets.length > 0, st.presets.length ? st.presets.length + " ready" : "none yet"],
      av: [s.camera === "open" && !a.silent_reason, [s.camera === "open" ? "" : "no camera", a.silent_reason ? "no microphone" : ""].filter(Boolean).join(", ")],
      live: [s.state === "live", s.live_requested ? "started: waiting for IVS" : "press Go live when ready"],
    };
    let all = true;
    for (const [k, [done, note]] of Object.entries(steps)) {
      $("step-" + k).classList.toggle("done", done);
      $("step-" + k + "-note").textContent = done ? "— done" : note ? "— " + note : "";
      all = all && done;
    }
    $("checklist").hidden = all || !d;
  }
  async function loadLivePresets(st) {
    const ps = await api("GET", "/api/presets");
    st.presets = ps;
    const box = $("preset-buttons"); box.textContent = "";
    for (const p of ps) {
      box.append(el("button", { type: "button", "data-name": p.id, "data-label": p.name, "aria-pressed": "false", onclick: guard("live-error", async () => {
        await api("POST", "/api/presets/" + encodeURIComponent(p.id) + "/show");
        document.querySelectorAll("#preset-buttons button").forEach((b) => b.classList.toggle("active", b.dataset.name === p.id));
      }) }, thumb(p), el("span", {}, p.name)));
    }
    if (!ps.length) box.append(el("p", { class: "hint" }, "No presets yet: ", el("a", { href: "/presets" }, "add a product on the Presets page"), "."));
    if (status.last) checklist(status.last, st);
  }

  // The Presets page: list (thumbnail, Show now, edit, order, delete) and
  // the form, whose preview follows the fields as they change.
  function presetsPage() {
    const kinds = ["qr", "image", "card", "text"];
    const kind = () => kinds.find((k) => $("kind-" + k).checked) || "qr";
    function syncKind() {
      const k = kind();
      $("qr-field").hidden = k !== "qr"; $("card-fields").hidden = k !== "card"; $("text-field").hidden = k !== "text";
      $("image-field").hidden = k !== "image" && k !== "card";
      $("p-image-label").textContent = k === "card" ? "Product photo (optional)" : "Picture";
      const none = $("p-image").querySelector('option[value=""]');
      if (none) { none.hidden = none.disabled = k !== "card"; if (k !== "card" && !$("p-image").value && $("p-image").options.length > 1) $("p-image").selectedIndex = 1; }
    }
    function syncSize() { $("p-size-out").textContent = Math.round($("p-size").value * 100) + "%"; }
    function syncCountdown() {
      const n = parseInt($("p-countdown").value, 10);
      $("countdown-end").hidden = !(n > 0);
      $("p-countdown-out").textContent = n > 0 ? "= " + clock(n) : "";
    }
    function form() { return presetForm(kind()); }
    function reset() {
      $("editing").value = ""; $("preset-form").reset(); $("preset-form-title").textContent = "New preset";
      $("cancel-edit").hidden = true; $("preset-preview").hidden = true; syncAll();
    }
    function edit(p) {
      $("editing").value = p.id; $("p-name").value = p.name;
      for (const k of kinds) $("kind-" + k).checked = p.kind === k;
      $("p-qr").value = p.qr || ""; $("p-text").value = p.text || ""; $("p-title").value = p.title || "";
      $("p-price").value = p.price || ""; $("p-old-price").value = p.old_price || ""; $("p-url").value = p.url || "";
      $("p-image").value = p.image || "";
      $("p-countdown").value = p.countdown_seconds || ""; $(p.countdown_end === "clear" ? "end-clear" : "end-hold").checked = true;
      $("p-position").value = p.position || (p.kind === "text" ? "bottom-left" : "bottom-right"); $("p-size").value = p.size || 0.3;
      $("preset-form-title").textContent = "Edit " + p.name; $("cancel-edit").hidden = false; syncAll();
      $("preset-form").scrollIntoView(); preview.now();
    }
    function syncAll() { syncKind(); syncSize(); syncCountdown(); eventSize(form()); }
    const preview = livePreview(form);
    const list = () => loadPresetList(edit);
    document.querySelectorAll('input[name="kind"]').forEach((r) => r.addEventListener("change", () => {
      // A lower third sits at the bottom left, a tenth of the picture high.
      if (!$("editing").value) {
        const text = kind() === "text", sz = $("p-size");
        if (text && sz.value === "0.3") { sz.value = 0.1; $("p-position").value = "bottom-left"; }
        if (!text && sz.value === "0.1") { sz.value = 0.3; $("p-position").value = "bottom-right"; }
      }
    }));
    $("preset-form").addEventListener("input", () => { syncAll(); preview.soon(); });
    $("preset-form").addEventListener("change", () => { syncAll(); preview.soon(); });
    $("cancel-edit").addEventListener("click", reset);
    $("upload").addEventListener("change", guard("upload-error", async () => { await uploadImage(); syncKind(); preview.now(); }));
    $("preview-btn").addEventListener("click", () => preview.now());
    $("preset-form").addEventListener("submit", guard("preset-error", async () => {
      const editing = $("editing").value, f = form();
      if (editing) await api("PUT", "/api/presets/" + encodeURIComponent(editing), f);
      else await api("POST", "/api/presets", f);
      reset(); await list();
      flash("preset-ok", "Saved “" + f.name + "”.");
    }));
    syncAll();
    loadImages().then(() => { syncKind(); return list(); }).catch((e) => show("preset-error", e.message));
  }
  // presetForm is the Presets form as the API takes it: only the chosen
  // kind's fields, and the countdown.
  function presetForm(k) {
    const v = (id) => $(id).value.trim();
    const f = { name: v("p-name"), kind: k, position: $("p-position").value, size: parseFloat($("p-size").value) };
    if (k === "qr") f.qr = $("p-qr").value;
    if (k === "text") f.text = v("p-text");
    if (k === "image" || k === "card") f.image = $("p-image").value;
    if (k === "card") { f.title = v("p-title"); f.price = v("p-price"); f.old_price = v("p-old-price"); f.url = v("p-url"); }
    const n = parseInt($("p-countdown").value, 10);
    if (n) { f.countdown_seconds = n; f.countdown_end = $("end-clear").checked ? "clear" : "hold"; }
    return f;
  }
  // missing says which required field of f is still empty, "" for none:
  // the preview waits for them rather than showing an error while the
  // seller types.
  function missing(f) {
    if (f.kind === "qr" && !f.qr) return "the QR text";
    if (f.kind === "image" && !f.image) return "a picture";
    if (f.kind === "text" && !f.text) return "the text";
    if (f.kind === "card" && !f.title) return "the product name";
    if (f.kind === "card" && !f.price) return "the price";
    return "";
  }
  // eventSize says how much of the 1 KB that buyers' players get (the
  // product event) the preset's words and link take.
  function eventSize(f) {
    const e = { v: 1, event: "show", preset: f.name || "preview", title: f.title, price: f.price, old_price: f.old_price,
      url: f.url || (/^https?:\/\//.test(f.qr || "") ? f.qr : undefined),
      countdown_ends_at: f.countdown_seconds ? "2999-12-31T23:59:59.999999999Z" : undefined };
    const n = new TextEncoder().encode(JSON.stringify(e)).length;
    show("event-size", f.kind === "card" || n > 700 ? "Buyers' players get the name, prices and link: " + n + " of 1024 bytes used" + (n > 1024 ? " — too long, shorten them." : ".") : "");
  }
  // livePreview asks the box for the picture with the form's preset on it
  // 400 ms after the last change (soon) or at once (now); an answer that
  // a later request overtook is dropped.
  function livePreview(form) {
    let timer = 0, seq = 0;
    async function run() {
      clearTimeout(timer);
      const f = form(), gap = missing(f), n = ++seq;
      if (gap) { show("preview-note", "Fill in " + gap + " to see the preview."); return; }
      try {
        const b = await api("POST", "/api/presets/preview", f);
        if (n !== seq) return;
        const img = $("preset-preview"), old = img.src;
        img.src = URL.createObjectURL(b); img.hidden = false;
        if (old.startsWith("blob:")) URL.revokeObjectURL(old);
        show("preset-error", "");
        show("preview-note", "Preview: the preset on the live picture. Buyers do not see it until you press Show.");
      } catch (e) {
        if (n !== seq) return;
        show("preset-error", e.message); show("preview-note", "No preview: the box refused these settings (see below).");
      }
    }
    return { soon() { clearTimeout(timer); timer = setTimeout(run, 400); }, now: run };
  }
  async function loadImages(select) {
    const images = await api("GET", "/api/images");
    const s = $("p-image"); s.textContent = "";
    s.append(el("option", { value: "" }, "No photo"));
    for (const n of images) s.append(el("option", { value: n }, n));
    if (select) s.value = select;
  }
  async function uploadImage() {
    show("upload-ok", "");
    const f = $("upload").files[0]; if (!f) return;
    const fd = new FormData(); fd.append("file", f, f.name);
    try {
      const r = await api("POST", "/api/images", fd);
      await loadImages(r.image);
      show("upload-ok", "Uploaded " + r.image + " (" + r.width + "×" + r.height + ")");
    } finally { $("upload").value = ""; }
  }
  async function loadPresetList(edit) {
    const ps = await api("GET", "/api/presets");
    const ul = $("preset-list"); ul.textContent = "";
    const reload = () => loadPresetList(edit);
    ps.forEach((p, i) => {
      const move = async (d) => {
        const order = ps.map((q) => q.id); const j = i + d;
        if (j < 0 || j >= order.length) return;
        [order[i], order[j]] = [order[j], order[i]];
        await api("PUT", "/api/presets", { order }); await reload();
      };
      ul.append(el("li", { "data-name": p.id }, thumb(p),
        el("span", { class: "what" }, el("span", { class: "name" }, p.name),
          el("span", { class: "hint" }, presetSummary(p))),
        el("span", { class: "buttons" },
          el("button", { type: "button", class: "show primary", onclick: guard("preset-error", async () => {
            await api("POST", "/api/presets/" + encodeURIComponent(p.id) + "/show");
            flash("preset-ok", "Showing “" + p.name + "” on the picture now.");
          }) }, "Show now"),
          el("button", { type: "button", class: "edit", onclick: () => edit(p) }, "Edit"),
          el("button", { type: "button", "aria-label": "Move " + p.name + " up", onclick: guard("preset-error", () => move(-1)) }, "↑"),
          el("button", { type: "button", "aria-label": "Move " + p.name + " down", onclick: guard("preset-error", () => move(1)) }, "↓"),
          el("button", { type: "button", class: "delete", onclick: guard("preset-error", async () => {
            if (!confirm("Delete preset " + p.name + "?")) return;
            await api("DELETE", "/api/presets/" + encodeURIComponent(p.id)); await reload();
            flash("preset-ok", "Deleted “" + p.name + "”.");
          }) }, "Delete"))));
    });
    if (!ps.length) ul.append(el("li", { class: "hint" }, "No presets yet: make one below."));
  }

  // presetSummary says in a few words what a preset is.
  function presetSummary(p) {
    const what = { qr: "QR code", image: "picture " + p.image, text: "text: " + p.text,
      card: "product card · " + p.price + (p.old_price ? " (was " + p.old_price + ")" : "") }[p.kind] || p.kind;
    return what + (p.countdown_seconds ? " · countdown " + clock(p.countdown_seconds) + (p.countdown_end === "clear" ? ", then off" : "") : "");
  }

  // The Destination page: ingest server and key, the AWS account, chat.
  function destinationPage() {
    async function load() {
      const d = await api("GET", "/api/destination");
      $("d-url").value = d.url || "";
      $("d-key").value = "";
      $("d-key").placeholder = d.stream_key_set ? "set (hidden); paste a new one to replace it" : "sk_…";
      show("d-key-state", d.stream_key_set ? "A stream key is set." : (d.url ? "No stream key set." : "No destination yet: the box records to a file on the box."));
      $("a-id").value = d.aws.access_key_id || ""; $("a-arn").value = d.aws.channel_arn || ""; $("a-region").value = d.aws.region || "";
      $("a-secret").placeholder = d.aws.secret_access_key_set ? "set (hidden)" : "";
      $("ch-arn").value = (d.chat && d.chat.room_arn) || ""; $("ch-url").value = (d.chat && d.chat.token_url) || "";
    }
    $("dest-form").addEventListener("submit", guard("dest-error", async () => {
      show("dest-ok", "");
      const r = await api("PUT", "/api/destination", { url: $("d-url").value, stream_key: $("d-key").value });
      await load();
      show("dest-ok", (r.notice ? r.notice + " " : "") + "Saved. Press Go live when you are ready.");
    }));
    $("d-test").addEventListener("click", guard("dest-error", async () => {
      show("dest-ok", "Testing…");
      const r = await api("POST", "/api/destination/test");
      show("dest-ok", r.ok ? r.message : ""); if (!r.ok) throw new Error(r.message);
    }));
    $("aws-form").addEventListener("submit", guard("aws-error", async () => {
      show("aws-ok", "");
      await api("POST", "/api/destination/discover", { access_key_id: $("a-id").value, secret_access_key: $("a-secret").value,
        channel_arn: $("a-arn").value, region: $("a-region").value, protocol: $("a-proto-srt").checked ? "srt" : "rtmps" });
      $("a-secret").value = ""; await load();
      show("aws-ok", "Found the " + ($("a-proto-srt").checked ? "SRT" : "RTMPS") + " ingest server and stream key, and saved them. Press Go live when you are ready.");
    }));
    $("chat-form-setup").addEventListener("submit", guard("ch-error", async () => {
      show("ch-ok", "");
      await api("PUT", "/api/destination/chat", { room_arn: $("ch-arn").value, token_url: $("ch-url").value });
      await load(); show("ch-ok", $("ch-arn").value || $("ch-url").value ? "Saved. Messages appear on the Chat page in a few seconds." : "Saved: chat is off.");
    }));
    load().catch((e) => show("dest-error", e.message));
  }

  function cameraPage() {
    let cam = null;
    async function load() {
      cam = await api("GET", "/api/camera");
      const s = $("c-device"); s.textContent = "";
      const opts = [["auto", "Automatic (first camera, else test pattern)"], ["testpattern", "Test pattern"]];
      for (const d of cam.devices) opts.push([d.path, d.name + " (" + d.path + ")"]);
      if (!opts.some((o) => o[0] === cam.device)) opts.push([cam.device, cam.device]);
      for (const [v, t] of opts) s.append(el("option", { value: v }, t));
      s.value = cam.device; $("c-width").value = cam.width; $("c-height").value = cam.height; $("c-fps").value = cam.fps;
      modes();
      const box = $("controls"); box.textContent = "";
      if (cam.controls_error) box.append(el("p", { class: "hint" }, cam.controls_error));
      for (const k of cam.controls) box.append(cameraControl(k));
    }
    // modes offers the chosen camera's own sizes and rates (the first
    // camera for Automatic); only the test pattern takes any size.
    function modes() {
      const dev = $("c-device").value;
      const d = dev === "testpattern" ? null : cam.devices.find((x) => x.path === dev) || (dev === "auto" ? cam.devices[0] : null);
      const has = !!(d && d.modes && d.modes.length);
      $("c-mode-row").hidden = !has; $("c-size-row").hidden = has;
      if (!has) return;
      const m = $("c-mode"); m.textContent = "";
      for (const o of d.modes) {
        m.append(el("option", { value: [o.width, o.height, Math.round(o.fps)].join(",") },
          o.width + " × " + o.height + " · " + Math.round(o.fps * 100) / 100 + " fps (" + o.format.toUpperCase() + ")"));
      }
      const cur = [cam.width, cam.height, cam.fps].join(",");
      m.value = [...m.options].some((o) => o.value === cur) ? cur : m.options[0].value;
      const c = d.chosen;
      show("c-why", c && dev === cam.device ? "Now: " + c.width + " × " + c.height + " at " + Math.round(c.fps * 100) / 100 + " fps, " + c.format.toUpperCase() + "." : "");
    }
    $("c-device").addEventListener("change", () => cam && modes());
    $("cam-form").addEventListener("submit", guard("cam-error", async () => {
      show("cam-ok", "");
      const body = { device: $("c-device").value, width: parseInt($("c-width").value, 10),
        height: parseInt($("c-height").value, 10), fps: parseInt($("c-fps").value, 10) };
      if (!$("c-mode-row").hidden) {
        [body.width, body.height, body.fps] = $("c-mode").value.split(",").map((v) => parseInt(v, 10));
        body.format = "auto";
      }
      await api("PUT", "/api/camera", body);
      flash("cam-ok", "Saved. The picture restarts with the new camera settings.");
      setTimeout(() => load().catch(() => {}), 2000);
    }));
    load().catch((e) => show("cam-error", e.message));
  }
  function cameraControl(k) {
    let input;
    if (k.type === "bool") { input = el("input", { type: "checkbox" }); input.checked = k.value !== 0; }
    else if (k.type === "menu" && k.menu && k.menu.length) {
      input = el("select", {});
      for (const m of k.menu) input.append(el("option", { value: m.index }, m.name));
      input.value = String(k.value);
    } else { input = el("input", { type: "range", min: k.min, max: k.max, step: k.step || 1 }); input.value = k.value; }
    if (k.read_only) input.disabled = true;
    input.addEventListener("change", guard("ctrl-error", async () => {
      const v = k.type === "bool" ? (input.checked ? 1 : 0) : parseInt(input.value, 10);
      const r = await api("PUT", "/api/camera/controls/" + k.id, { value: v });
      if (k.type !== "bool") input.value = String(r.value);
    }));
    const name = k.name + (k.inactive ? " (inactive)" : "");
    return k.type === "bool" ? el("label", { class: "control check" }, input, name) : el("label", { class: "control" }, name, input);
  }

  function systemPage() {
    async function load() {
      const s = await api("GET", "/api/system");
      const ol = $("logs"); ol.textContent = "";
      for (const line of s.logs.slice().reverse()) ol.append(logLine(line));
    }
    $("restart").addEventListener("click", guard("system-error", async () => {
      if (!confirm("Restart pitchbox? The stream pauses for a few seconds.")) return;
      await api("POST", "/api/system/restart");
    }));
    $("logout").addEventListener("click", guard("system-error", async () => {
      await api("POST", "/api/auth/logout"); location.href = "/login";
    }));
    $("logout-all").addEventListener("click", guard("system-error", async () => {
      if (!confirm("Log out every browser and phone, this one too?")) return;
      await api("POST", "/api/auth/logout-all"); location.href = "/login";
    }));
    $("pw-form").addEventListener("submit", guard("pw-error", async () => {
      show("pw-ok", "");
      await api("POST", "/api/auth/password", { current: $("pw-cur").value, password: $("pw-new").value });
      $("pw-form").reset(); show("pw-ok", "Password changed. Other browsers are logged out.");
    }));
    load().catch((e) => show("system-error", e.message));
    setInterval(() => load().catch(() => {}), 5000);
    loadRecordings().catch((e) => show("system-error", e.message));
    setInterval(() => loadRecordings().catch(() => {}), 30000);
  }
  // logLine shows a log line (slog's text format) as its local time, its
  // level, its message and the rest; a line in another shape as it is.
  function logLine(line) {
    const m = /^time=(\S+) level=(\S+) msg=("(?:[^"\\]|\\.)*"|\S+) ?(.*)$/.exec(line);
    if (!m) return el("li", {}, line);
    const t = new Date(m[1]);
    let msg = m[3];
    try { if (msg.startsWith('"')) msg = JSON.parse(msg); } catch (e) { /* shown quoted */ }
    const when = isNaN(t) ? m[1] : t.toLocaleTimeString();
    return el("li", { class: m[2] }, el("time", { datetime: m[1] }, when), " ", el("span", { class: "level" }, m[2]), " ",
      el("span", { class: "msg" }, msg), m[4] ? el("span", { class: "attrs" }, " " + m[4]) : null);
  }
  async function loadRecordings() {
    const mb = (n) => n >= 1 << 30 ? (n / (1 << 30)).toFixed(2) + " GB" : (n / (1 << 20)).toFixed(1) + " MB";
    const length = (sec) => { const m = Math.floor(sec / 60), s = Math.floor(sec % 60); return m + ":" + String(s).padStart(2, "0"); };
    const rs = await api("GET", "/api/recordings");
    const ul = $("recordings"); ul.textContent = "";
    $("rec-empty").hidden = rs.length > 0;
    for (const r of rs) {
      const when = new Date(r.modified).toLocaleString();
      ul.append(el("li", {}, el("span", { class: "name" }, r.name),
        el("span", {}, mb(r.size) + (r.seconds ? " · " + length(r.seconds) : "") + " · " + when),
        el("a", { href: "/api/recordings/" + encodeURIComponent(r.name), download: r.name, class: "button", "aria-label": "Download " + r.name }, "Download")));
    }
  }

  const page = document.body.dataset.page;
  if ($("banner")) {
    onStatus((s) => banner.update(s));
    setInterval(() => banner.tick(), 1000);
    pollStatus();
  }
  if (pages[page]) pages[page]();
})();
