/* loaxa-web: live updates on top of pages that work without this file.
 * Now: polls /api/status every second and puts the server's texts in place;
 * the buttons post in the background. Plan: draws the day bars. Notices:
 * records from the microphone where the browser allows it (HTTPS). */
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var page = document.body.getAttribute("data-page");

  function clock() {
    var d = new Date(), p = function (n) { return (n < 10 ? "0" : "") + n; };
    return p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }

  /* ---- Now ---- */
  var lastOk = 0;
  function showStatus(j) {
    var v = j.view || {};
    ["item", "left", "slot", "next", "emergency", "card", "feeds", "volume", "muted"]
      .forEach(function (k) { loaxa.text($(k), v[k] || ""); });
    if ($("card")) $("card").className = v.card_ok ? "ok" : "bad";
    if ($("mute")) loaxa.text($("mute"), v.mute_button);
    if ($("mute-value")) $("mute-value").value = v.mute_value;
    document.body.classList.toggle("is-muted", !!v.is_muted);
    document.body.classList.toggle("is-emergency", !!v.emergency);
    var u = $("updated");
    if (u) loaxa.text(u, u.getAttribute("data-updated") + " " + clock());
    loaxa.text($("error"), "");
    lastOk = Date.now();
  }
  function poll() {
    loaxa.getJSON("/api/status").then(showStatus).catch(function () {
      var u = $("updated");
      if (u && Date.now() - lastOk > 3000) loaxa.text(u, u.getAttribute("data-lost"));
    });
  }

  /* Forms marked data-api post in the background; the answer is JSON. */
  function wireActions() {
    var forms = document.querySelectorAll("form[data-api]");
    Array.prototype.forEach.call(forms, function (f) {
      f.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var q = f.getAttribute("data-confirm");
        if (q && !window.confirm(q)) return;
        var fields = {};
        Array.prototype.forEach.call(f.elements, function (e) {
          if (e.name && e.name !== "next") fields[e.name] = e.value;
        });
        var b = f.querySelector("button");
        if (b) b.disabled = true;
        loaxa.post(f.action, fields).then(function (r) {
          return r.json().then(function (j) {
            if (!r.ok) throw new Error(j.error || r.status);
            loaxa.text($("flash"), "");
          });
        }).catch(function (e) {
          loaxa.text($("error"), e.message);
        }).then(function () {
          if (b) b.disabled = false;
          poll();
        });
      });
    });
  }

  /* ---- Plan: blocks on a 24-hour bar, placed here (no inline styles) ---- */
  function drawBars() {
    var spans = document.querySelectorAll(".daybar span");
    Array.prototype.forEach.call(spans, function (s) {
      var a = +s.getAttribute("data-start"), b = +s.getAttribute("data-end");
      if (b <= a) b = 86400;
      s.style.left = (a / 864) + "%";
      s.style.width = Math.max((b - a) / 864, 0.6) + "%";
    });
  }

  /* ---- Notices ---- */
  function confirmDeletes() {
    var forms = document.querySelectorAll('form[data-action="delete"]');
    Array.prototype.forEach.call(forms, function (f) {
      f.addEventListener("submit", function (ev) {
        var t = f.closest("li") ? f.closest("li").querySelector("h3") : null;
        if (!window.confirm((t ? t.textContent + "\n" : "") + f.querySelector("button").textContent + "?"))
          ev.preventDefault();
      });
    });
  }

  function recorder() {
    var box = document.querySelector(".recorder"), input = $("audio"), btn = $("record");
    if (!box || !input || !btn || !window.isSecureContext || !window.MediaRecorder ||
        !navigator.mediaDevices || typeof DataTransfer === "undefined") return;
    box.hidden = false;
    var rec = null, chunks = [];
    btn.addEventListener("click", function () {
      if (rec && rec.state === "recording") { rec.stop(); return; }
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        rec = new MediaRecorder(stream);
        rec.ondataavailable = function (e) { chunks.push(e.data); };
        rec.onstop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          var type = rec.mimeType || "audio/webm";
          var ext = type.indexOf("ogg") >= 0 ? "ogg" : type.indexOf("mp4") >= 0 ? "m4a" : "webm";
          var dt = new DataTransfer();
          dt.items.add(new File(chunks, "recording." + ext, { type: type }));
          input.files = dt.files;
          loaxa.text(btn, btn.getAttribute("data-start"));
          loaxa.text($("record-state"), box.getAttribute("data-done") || "✓");
        };
        rec.start();
        loaxa.text(btn, btn.getAttribute("data-stop"));
        loaxa.text($("record-state"), "●");
      }).catch(function (e) { loaxa.text($("record-state"), e.message); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (page === "now") {
      wireActions();
      loaxa.every(1000, poll);
    } else if (page === "plan") {
      drawBars();
    } else if (page === "notices") {
      confirmDeletes();
      recorder();
    }
  });
})();
