/* loaxa consoles: shared helpers. Pages work without this file; it only
 * adds live updates. The CSRF token is read from the page's
 * <meta name="csrf"> and sent as X-CSRF-Token on fetch POSTs. */
"use strict";
var loaxa = {
  csrf: function () {
    var m = document.querySelector('meta[name="csrf"]');
    return m ? m.content : "";
  },
  getJSON: function (url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401) { window.location = "/login"; throw new Error("signed out"); }
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.json();
    });
  },
  post: function (url, fields) {
    var body = new URLSearchParams(fields || {});
    return fetch(url, { method: "POST", credentials: "same-origin", body: body,
                        headers: { "X-CSRF-Token": loaxa.csrf() } });
  },
  /* Calls fn now and every ms milliseconds while the page is visible. */
  every: function (ms, fn) {
    fn();
    setInterval(function () { if (!document.hidden) fn(); }, ms);
  },
  text: function (el, s) { if (el) el.textContent = s; }
};
