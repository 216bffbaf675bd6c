/* loaxa-collector: live updates of the stations page (every 15 s, from
 * /api/stations with the page's own page and filter). The page is complete
 * without this file. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var table = document.getElementById("stations");
  if (!table) return;
  var en = document.documentElement.lang === "en";
  var cells = {};
  var rows = table.querySelectorAll("tr[data-name]");
  for (var i = 0; i < rows.length; i++)
    cells[rows[i].getAttribute("data-name")] = rows[i].querySelector("td.state");
  setInterval(function () {
    if (document.hidden) return;
    loaxa.getJSON("/api/stations" + location.search).then(function (d) {
      d.stations.forEach(function (s) {
        var cell = cells[s.name];
        if (!cell) return;
        cell.textContent = s.online ? (en ? "Online" : "Hoạt động") : (en ? "Offline" : "Mất liên lạc");
        cell.className = (s.online ? "ok" : "bad") + " state";
      });
      loaxa.text(document.getElementById("count"), d.online + " / " + d.registered);
    }).catch(function () {});
  }, 15000);
});
