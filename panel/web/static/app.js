// pitchbox panel. No framework: each page wires its own elements to the
// JSON API. Mutating requests carry the session's CSRF token.
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
    for (const k of kids) e.append(k);
    return e;
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
    live() {
      let live = false, shown = "";
      const img = $("preview");
      async function refreshPreview() {
        try {
          const b = await api("GET", "/api/preview.jpg");
          const old = img.src; img.src = URL.createObjectURL(b);
          if (old.startsWith("blob:")) URL.revokeObjectURL(old);
        } catch (e) { /* the box may be restarting */ }
        setTimeout(refreshPreview, 1000);
      }
      async function refreshStatus() {
        try {
          const s = await api("GET", "/api/status");
          live = s.stream !== undefined && s.stream !== null;
          shown = s.scene || "";
          const t = $("live-toggle");
          t.textContent = live ? "Stop" : "Go live";
          t.classList.toggle("live", live);
          document.querySelectorAll("#preset-buttons button").forEach((b) => b.classList.toggle("active", b.dataset.name === shown));
          const st = $("status"); st.textContent = "";
          const add = (k, v) => { st.append(el("dt", {}, k), el("dd", {}, String(v))); };
          add("State", s.state);
          add("Showing", shown || "nothing");
          add("FPS", (s.fps || 0).toFixed(1));
          add("Bitrate", Math.round(s.bitrate_kbps || 0) + " kbps");
          add("Dropped frames", s.dropped_frames || 0);
          if (s.stream) add("Reconnects", s.stream.reconnects || 0);
          add("Uptime", fmtDur(s.uptime_seconds || 0));
          if (s.cpu_temp_c != null) add("CPU temperature", s.cpu_temp_c.toFixed(1) + " °C");
          if (s.stream && s.stream.last_error) add("Last error", s.stream.last_error);
          if (s.apply_error) add("Settings", s.apply_error);
        } catch (e) { show("live-error", e.message); }
        setTimeout(refreshStatus, 2000);
      }
      async function loadPresets() {
        const ps = await api("GET", "/api/presets");
        const box = $("preset-buttons"); box.textContent = "";
        for (const p of ps) {
          box.append(el("button", { "data-name": p.name, onclick: guard("live-error", async () => {
            await api("POST", "/api/presets/" + encodeURIComponent(p.name) + "/show"); shown = p.name;
            document.querySelectorAll("#preset-buttons button").forEach((b) => b.classList.toggle("active", b.dataset.name === shown));
          }) }, p.name));
        }
        if (!ps.length) box.append(el("p", { class: "hint" }, "No presets yet: add them on the Presets page."));
      }
      $("clear").addEventListener("click", guard("live-error", async () => { await api("POST", "/api/clear"); }));
      $("live-toggle").addEventListener("click", guard("live-error", async () => {
        await api("POST", live ? "/api/live/stop" : "/api/live/start");
      }));
      loadPresets().catch((e) => show("live-error", e.message));
      refreshPreview(); refreshStatus();
    },
    presets() {
      let images = [];
      const kind = () => ($("kind-image").checked ? "image" : "qr");
      function syncKind() { $("qr-field").hidden = kind() !== "qr"; $("image-field").hidden = kind() !== "image"; }
      function syncSize() { $("p-size-out").textContent = Math.round($("p-size").value * 100) + "%"; }
      function form() {
        return { name: $("p-name").value.trim(), kind: kind(), qr: kind() === "qr" ? $("p-qr").value : "",
          image: kind() === "image" ? $("p-image").value : "", position: $("p-position").value, size: parseFloat($("p-size").value) };
      }
      function reset() {
        $("editing").value = ""; $("preset-form").reset(); $("preset-form-title").textContent = "New preset";
        $("cancel-edit").hidden = true; $("preset-preview").hidden = true; syncKind(); syncSize();
      }
      async function loadImages(select) {
        images = await api("GET", "/api/images");
        const s = $("p-image"); s.textContent = "";
        for (const n of images) s.append(el("option", { value: n }, n));
        if (select) s.value = select;
      }
      async function load() {
        const ps = await api("GET", "/api/presets");
        const ul = $("preset-list"); ul.textContent = "";
        ps.forEach((p, i) => {
          const move = async (d) => {
            const order = ps.map((q) => q.name); const j = i + d;
            if (j < 0 || j >= order.length) return;
            [order[i], order[j]] = [order[j], order[i]];
            await api("PUT", "/api/presets", { order }); await load();
          };
          ul.append(el("li", { "data-name": p.name },
            el("span", { class: "name" }, p.name),
            el("span", { class: "hint" }, p.kind === "qr" ? "QR" : "image " + p.image),
            el("button", { "aria-label": "Move up", onclick: guard("preset-error", () => move(-1)) }, "↑"),
            el("button", { "aria-label": "Move down", onclick: guard("preset-error", () => move(1)) }, "↓"),
            el("button", { class: "edit", onclick: () => edit(p) }, "Edit"),
            el("button", { class: "delete", onclick: guard("preset-error", async () => {
              if (!confirm("Delete preset " + p.name + "?")) return;
              await api("DELETE", "/api/presets/" + encodeURIComponent(p.name)); await load();
            }) }, "Delete")));
        });
        if (!ps.length) ul.append(el("li", { class: "hint" }, "No presets yet."));
      }
      function edit(p) {
        $("editing").value = p.name; $("p-name").value = p.name;
        $("kind-qr").checked = p.kind === "qr"; $("kind-image").checked = p.kind === "image";
        $("p-qr").value = p.qr || ""; if (p.image) $("p-image").value = p.image;
        $("p-position").value = p.position || "bottom-right"; $("p-size").value = p.size || 0.3;
        $("preset-form-title").textContent = "Edit " + p.name; $("cancel-edit").hidden = false; syncKind(); syncSize();
        $("preset-form").scrollIntoView();
      }
      document.querySelectorAll('input[name="kind"]').forEach((r) => r.addEventListener("change", syncKind));
      $("p-size").addEventListener("input", syncSize);
      $("cancel-edit").addEventListener("click", reset);
      $("upload").addEventListener("change", guard("upload-error", async () => {
        show("upload-ok", "");
        const f = $("upload").files[0]; if (!f) return;
        const fd = new FormData(); fd.append("file", f, f.name);
        try {
          const r = await api("POST", "/api/images", fd);
          await loadImages(r.image);
          show("upload-ok", "Uploaded " + r.image + " (" + r.width + "×" + r.height + ")");
        } finally { $("upload").value = ""; }
      }));
      $("preview-btn").addEventListener("click", guard("preset-error", async () => {
        const b = await api("POST", "/api/presets/preview", form());
        const img = $("preset-preview"); img.src = URL.createObjectURL(b); img.hidden = false;
      }));
      $("preset-form").addEventListener("submit", guard("preset-error", async () => {
        const editing = $("editing").value;
        if (editing) await api("PUT", "/api/presets/" + encodeURIComponent(editing), form());
        else await api("POST", "/api/presets", form());
        reset(); await load();
      }));
      syncKind(); syncSize();
      loadImages().then(load).catch((e) => show("preset-error", e.message));
    },
    async destination() {
      async function load() {
        const d = await api("GET", "/api/destination");
        $("d-url").value = d.url || "";
        $("d-key").value = "";
        $("d-key").placeholder = d.stream_key_set ? "set (hidden); type a new one to replace it" : "sk_…";
        show("d-key-state", d.stream_key_set ? "A stream key is set." : (d.url ? "No stream key set." : "No destination: the box records to a file."));
        $("a-id").value = d.aws.access_key_id || ""; $("a-arn").value = d.aws.channel_arn || ""; $("a-region").value = d.aws.region || "";
        $("a-secret").placeholder = d.aws.secret_access_key_set ? "set (hidden)" : "";
      }
      $("dest-form").addEventListener("submit", guard("dest-error", async () => {
        show("dest-ok", "");
        const r = await api("PUT", "/api/destination", { url: $("d-url").value, stream_key: $("d-key").value });
        await load(); show("dest-ok", r.restarting ? "Saved. The stream restarts with the new destination." : "Saved.");
      }));
      $("d-test").addEventListener("click", guard("dest-error", async () => {
        show("dest-ok", "Testing…");
        const r = await api("POST", "/api/destination/test");
        show("dest-ok", r.ok ? r.message : ""); if (!r.ok) throw new Error(r.message);
      }));
      $("aws-form").addEventListener("submit", guard("aws-error", async () => {
        show("aws-ok", "");
        await api("POST", "/api/destination/discover", { access_key_id: $("a-id").value, secret_access_key: $("a-secret").value,
          channel_arn: $("a-arn").value, region: $("a-region").value });
        $("a-secret").value = ""; await load(); show("aws-ok", "Found the ingest server and stream key, and saved them.");
      }));
      load().catch((e) => show("dest-error", e.message));
    },
    camera() {
      async function load() {
        const c = await api("GET", "/api/camera");
        const s = $("c-device"); s.textContent = "";
        const opts = [["auto", "Automatic (first camera, else test pattern)"], ["testpattern", "Test pattern"]];
        for (const d of c.devices) opts.push([d.path, d.name + " (" + d.path + ")"]);
        if (!opts.some((o) => o[0] === c.device)) opts.push([c.device, c.device]);
        for (const [v, t] of opts) s.append(el("option", { value: v }, t));
        s.value = c.device; $("c-width").value = c.width; $("c-height").value = c.height; $("c-fps").value = c.fps;
        const box = $("controls"); box.textContent = "";
        if (c.controls_error) box.append(el("p", { class: "hint" }, c.controls_error));
        for (const k of c.controls) {
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
          box.append(el("label", { class: "control" }, k.name + (k.inactive ? " (inactive)" : ""), input));
        }
      }
      $("cam-form").addEventListener("submit", guard("cam-error", async () => {
        show("cam-ok", "");
        await api("PUT", "/api/camera", { device: $("c-device").value, width: parseInt($("c-width").value, 10),
          height: parseInt($("c-height").value, 10), fps: parseInt($("c-fps").value, 10) });
        show("cam-ok", "Saved. The picture restarts with the new camera settings.");
        setTimeout(() => load().catch(() => {}), 2000);
      }));
      load().catch((e) => show("cam-error", e.message));
    },
    system() {
      async function load() { const s = await api("GET", "/api/system"); $("logs").textContent = s.logs.join("\n"); }
      function mb(n) { return n >= 1 << 30 ? (n / (1 << 30)).toFixed(2) + " GB" : (n / (1 << 20)).toFixed(1) + " MB"; }
      function length(sec) { const m = Math.floor(sec / 60), s = Math.floor(sec % 60); return m + ":" + String(s).padStart(2, "0"); }
      async function loadRecordings() {
        const rs = await api("GET", "/api/recordings");
        const ul = $("recordings"); ul.textContent = "";
        $("rec-empty").hidden = rs.length > 0;
        for (const r of rs) {
          const when = new Date(r.modified).toLocaleString();
          ul.append(el("li", {}, el("span", { class: "name" }, r.name),
            el("span", {}, mb(r.size) + (r.seconds ? " · " + length(r.seconds) : "") + " · " + when),
            el("a", { href: "/api/recordings/" + encodeURIComponent(r.name), download: r.name, class: "button" }, "Download")));
        }
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
    },
    chat() {
      async function load() {
        try {
          const ms = await api("GET", "/api/chat/messages");
          const ol = $("messages"); ol.textContent = "";
          for (const m of ms) {
            const who = (m.Sender && (m.Sender.Attributes && m.Sender.Attributes.displayName)) || (m.Sender && m.Sender.UserId) || "?";
            ol.append(el("li", { "data-id": m.Id },
              el("span", { class: "who" }, who), el("span", { class: "text", dir: "auto" }, m.Content),
              el("button", { class: "del", onclick: guard("chat-error", async () => { await api("DELETE", "/api/chat/messages/" + encodeURIComponent(m.Id)); await load(); }) }, "Delete"),
              el("button", { class: "kick", onclick: guard("chat-error", async () => {
                if (!confirm("Disconnect " + who + "?")) return;
                await api("POST", "/api/chat/users/" + encodeURIComponent(m.Sender.UserId) + "/disconnect");
              }) }, "Disconnect")));
          }
          show("chat-state", ms.length ? "" : "No messages yet.");
          show("chat-error", "");
        } catch (e) { show("chat-error", e.message); }
      }
      $("chat-form").addEventListener("submit", guard("chat-error", async () => {
        const t = $("chat-text").value.trim(); if (!t) return;
        await api("POST", "/api/chat/messages", { content: t }); $("chat-text").value = ""; setTimeout(load, 300);
      }));
      load(); setInterval(load, 1500);
    },
  };
  function fmtDur(s) { const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60; return (h ? h + " h " : "") + m + " min " + (s % 60) + " s"; }
  const page = document.body.dataset.page;
  if (pages[page]) pages[page]();
})();
