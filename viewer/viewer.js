// The buyers' page: the IVS Player plays the channel; product events in the
// video (H.264 user-data-unregistered SEI with pitchbox's UUID) or from IVS
// timed metadata (PutMetadata cues) show and clear the buy card; the chat is
// a plain WebSocket to IVS Chat with a token from the token endpoint.
// Settings come from config.json beside the page (`pitchbox viewer export`).
(function () {
  "use strict";

  // control.ProductEventUUID; config.json may name another.
  var PRODUCT_EVENT_UUID = "9a1e0c4b-7c2d-4f6e-8b3a-5d1f2e6c7a90";
  var $ = function (id) { return document.getElementById(id); };
  var state = { config: {}, event: null, key: "", timer: 0, shownAt: 0, log: [] };

  function normUUID(u) { return String(u || "").replace(/-/g, "").toLowerCase(); }

  // safeURL returns u if it is an http(s) URL, else "" (no javascript: links).
  function safeURL(u) {
    try {
      var p = new URL(u, location.href);
      return p.protocol === "https:" || p.protocol === "http:" ? p.href : "";
    } catch (e) { return ""; }
  }

  function setText(el, text) { el.textContent = text || ""; el.hidden = !text; }

  // ---- The buy card ----

  // productEvent shows or clears the card for a decoded product event
  // ({v, event, title, price, old_price, url, image_url, countdown_ends_at}).
  // source and pts (the SEI's timestamp) are kept in state.log for tests.
  function productEvent(ev, source, pts) {
    if (!ev || ev.v !== 1 || (ev.event !== "show" && ev.event !== "clear")) { return false; }
    var key = JSON.stringify(ev), p = state.player;
    state.log.push({ source: source || "", event: ev.event, preset: ev.preset || "", at: Date.now(),
      pts: pts, position: p ? p.getPosition() : null, video: $("video").currentTime });
    if (state.log.length > 50) { state.log.shift(); }
    if (key === state.key) { return true; } // repeated at each IDR
    state.key = key;
    if (ev.event === "clear" || !(ev.title || ev.url)) {
      // A clear, or a preset with nothing to buy (a lower third, a
      // photo): no card.
      clearCard(); state.clearedAt = Date.now();
    } else { showCard(ev); }
    return true;
  }

  function showCard(ev) {
    state.event = ev;
    setText($("card-title"), ev.title || ev.preset || "");
    setText($("card-price"), ev.price);
    var old = $("card-old-price");
    old.textContent = "";
    if (ev.old_price) {
      var was = document.createElement("span");
      was.className = "sr-only";
      was.textContent = "was ";
      old.append(was, ev.old_price);
    }
    old.hidden = !ev.old_price;
    var img = $("card-image"), src = ev.image_url ? safeURL(ev.image_url) : "";
    img.hidden = !src;
    if (src) { img.src = src; img.alt = ev.title || ""; } else { img.removeAttribute("src"); }
    var buy = $("card-buy"), href = ev.url ? safeURL(ev.url) : "";
    buy.hidden = !href;
    buy.href = href || "#";
    buy.setAttribute("aria-label", "Buy now: " + (ev.title || "") + (ev.price ? ", " + ev.price : ""));
    $("card").hidden = false;
    state.shownAt = Date.now();
    startCountdown(ev.countdown_ends_at);
  }

  function clearCard() {
    state.event = null;
    stopCountdown();
    $("card").hidden = true;
  }

  function startCountdown(endsAt) {
    stopCountdown();
    var end = endsAt ? Date.parse(endsAt) : NaN, el = $("card-countdown");
    if (isNaN(end)) { el.hidden = true; return; }
    var tick = function () {
      var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      el.textContent = left > 0 ? "Ends in " + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0") : "Ended";
      if (left === 0) { stopCountdown(); }
    };
    el.hidden = false;
    tick();
    state.timer = setInterval(tick, 250);
  }

  function stopCountdown() {
    if (state.timer) { clearInterval(state.timer); state.timer = 0; }
  }

  // sei takes a UserDataUnregisteredSeiMessage {uuid, timestamp, data}.
  function sei(msg) {
    if (!msg || normUUID(msg.uuid) !== normUUID(state.config.productEventUuid || PRODUCT_EVENT_UUID)) { return false; }
    try {
      return productEvent(JSON.parse(new TextDecoder("utf-8").decode(msg.data)), "sei", msg.timestamp);
    } catch (e) { return false; }
  }

  // cue takes a TextMetadataCue {text} from IVS PutMetadata.
  function cue(c) {
    try { return productEvent(JSON.parse(c && c.text), "metadata"); } catch (e) { return false; }
  }

  // ---- The player ----

  function playerStatus(text) { $("player-status").textContent = text || ""; }

  function startPlayer(cfg) {
    var P = window.IVSPlayer;
    if (!cfg.playbackUrl) { playerStatus("No stream is set up for this page."); return; }
    if (!P || !P.isPlayerSupported) { playerStatus("This browser cannot play the stream."); return; }
    var vendor = new URL("vendor/", location.href).href;
    var player = P.create({ wasmWorker: vendor + "amazon-ivs-wasmworker.min.js", wasmBinary: vendor + "amazon-ivs-wasmworker.min.wasm" });
    state.player = player;
    player.attachHTMLVideoElement($("video"));
    player.setAutoplay(true);
    player.setMuted(true);
    var E = P.PlayerEventType, S = P.PlayerState;
    player.addEventListener(P.MetadataEventType.SEI, sei);
    player.addEventListener(E.TEXT_METADATA_CUE, cue);
    player.addEventListener(S.PLAYING, function () { playerStatus(""); $("unmute").hidden = !player.isMuted(); });
    player.addEventListener(S.BUFFERING, function () { playerStatus("Buffering…"); });
    player.addEventListener(S.ENDED, function () { playerStatus("The live has ended."); retry(player, cfg); });
    player.addEventListener(E.ERROR, function (err) {
      state.lastError = err;
      playerStatus("Waiting for the seller to go live…");
      retry(player, cfg);
    });
    $("unmute").addEventListener("click", function () { player.setMuted(false); $("unmute").hidden = true; });
    playerStatus("Connecting to the live…");
    player.load(cfg.playbackUrl);
    player.play();
  }

  function retry(player, cfg) {
    clearTimeout(state.retry);
    state.retry = setTimeout(function () { player.load(cfg.playbackUrl); player.play(); }, 3000);
  }

  // ---- The chat ----

  function chatStatus(text) { $("chat-status").textContent = text; }

  function chatEnable(on) { $("chat-input").disabled = !on; $("chat-send").disabled = !on; }

  function fetchToken(cfg) {
    // text/plain keeps it a simple CORS request; the vendor reads JSON.
    return fetch(cfg.tokenUrl, { method: "POST", headers: { "Content-Type": "text/plain" }, body: "" })
      .then(function (r) {
        if (!r.ok) { throw new Error("token endpoint said " + r.status); }
        return r.json();
      });
  }

  function startChat(cfg) {
    if (!cfg.tokenUrl || !cfg.chatEndpoint) { chatStatus("Chat is off for this live."); return; }
    var chat = { backoff: 1000, ws: null };
    state.chat = chat;
    var connect = function () {
      chatStatus("Connecting…");
      fetchToken(cfg).then(function (tok) {
        chat.name = tok.displayName || "";
        openSocket(cfg, chat, tok, reconnect);
      }).catch(function (e) { chatStatus("Chat unavailable (" + e.message + "); retrying…"); reconnect(); });
    };
    var reconnect = function () {
      chatEnable(false);
      clearTimeout(chat.timer);
      chat.timer = setTimeout(connect, chat.backoff);
      chat.backoff = Math.min(chat.backoff * 2, 30000);
    };
    $("chat-form").addEventListener("submit", function (e) {
      e.preventDefault();
      sendMessage(chat, $("chat-input"));
    });
    connect();
  }

  function openSocket(cfg, chat, tok, reconnect) {
    var ws = new WebSocket(cfg.chatEndpoint, tok.token);
    chat.ws = ws;
    ws.onopen = function () {
      chat.backoff = 1000;
      chatStatus(chat.name ? "Chatting as " + chat.name : "Connected");
      chatEnable(true);
      // A token's session ends: renew a minute before.
      var end = Date.parse(tok.sessionExpirationTime);
      if (!isNaN(end)) {
        clearTimeout(chat.renew);
        chat.renew = setTimeout(function () { ws.close(); }, Math.max(5000, end - Date.now() - 60000));
      }
    };
    ws.onmessage = function (m) { chatFrame(m.data); };
    ws.onclose = function () { if (chat.ws === ws) { chatStatus("Reconnecting…"); reconnect(); } };
  }

  function sendMessage(chat, input) {
    var text = input.value.trim();
    if (!text || !chat.ws || chat.ws.readyState !== WebSocket.OPEN) { return; }
    chat.ws.send(JSON.stringify({ Action: "SEND_MESSAGE", RequestId: String(Date.now()) + Math.random().toString(16).slice(2), Content: text }));
    input.value = "";
  }

  function chatFrame(data) {
    var f;
    try { f = JSON.parse(data); } catch (e) { return; }
    if (f.Type === "MESSAGE") {
      addMessage(f);
    } else if (f.Type === "EVENT" && f.EventName === "aws:DELETE_MESSAGE") {
      var a = f.Attributes || {}, id = a.MessageId || a.MessageID;
      var li = id && document.querySelector('#chat-messages li[data-id="' + CSS.escape(id) + '"]');
      if (li) { li.remove(); }
    } else if (f.Type === "ERROR") {
      chatStatus("Chat: " + (f.ErrorMessage || "error " + f.ErrorCode));
    }
  }

  function addMessage(f) {
    var list = $("chat-messages"), li = document.createElement("li"), who = document.createElement("span");
    var s = f.Sender || {}, attrs = s.Attributes || {};
    li.dataset.id = f.Id || "";
    who.className = "who";
    who.textContent = (attrs.displayName || s.UserId || "someone") + ":";
    li.append(who, document.createTextNode(f.Content || ""));
    list.append(li);
    while (list.children.length > 200) { list.firstElementChild.remove(); }
    list.scrollTop = list.scrollHeight;
  }

  // ---- Start ----

  function start(cfg) {
    state.config = cfg || {};
    if (cfg.title) { $("shop-title").textContent = cfg.title; document.title = cfg.title; }
    startPlayer(state.config);
    startChat(state.config);
  }

  window.pitchboxViewer = { productEvent: productEvent, sei: sei, cue: cue, state: state };
  fetch("config.json", { cache: "no-store" })
    .then(function (r) { if (!r.ok) { throw new Error("config.json: " + r.status); } return r.json(); })
    .then(start)
    .catch(function (e) { playerStatus("This page is not set up: " + e.message); chatStatus("Chat is off."); });
})();
