// Trainer console: refreshes the overview and the live feed of GSP calls every few
// seconds from /trainer/feed.json, so the room can watch the GSP being let in and shut
// out. Rows are built with textContent only.
(function () {
  "use strict";
  var PERIOD_MS = 3000;

  function fill(tbody, rows, cells, classFor) {
    // Each cell carries its column's name, for the phone layout that stacks them.
    var names = Array.prototype.map.call(
      tbody.parentNode.querySelectorAll("thead th"),
      function (th) { return th.textContent; }
    );
    while (tbody.firstChild) {
      tbody.removeChild(tbody.firstChild);
    }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      cells.forEach(function (key, i) {
        var td = document.createElement("td");
        td.textContent = row[key];
        if (names[i]) {
          td.setAttribute("data-label", names[i]);
        }
        if (classFor && classFor[key]) {
          td.className = classFor[key](row);
        }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  function refresh() {
    fetch("/trainer/feed.json", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error("HTTP " + res.status);
        }
        return res.json();
      })
      .then(function (feed) {
        document.getElementById("portal-now").textContent = feed.now;
        document.getElementById("console-clock").textContent = feed.clock;
        fill(document.querySelector("#overview tbody"), feed.taxpayers, ["username", "case", "access", "lock"], {
          access: function (row) { return "status-text status-" + row.kind; }
        });
        fill(document.querySelector("#api-feed tbody"), feed.calls, ["at", "client", "username", "action", "result"]);
        document.getElementById("unidentified-calls").textContent = String(feed.unidentified_calls);
        document.getElementById("calls-not-shown").textContent = feed.not_shown;
        // The portal's time, which the time machine moves, not the browser's.
        document.getElementById("feed-status").textContent =
          "Newest first; refreshed at " + feed.now + " (portal time).";
      })
      .catch(function () {
        document.getElementById("feed-status").textContent =
          "Could not refresh the list; reload the page (the console session may have ended).";
      });
  }

  function start() {
    if (document.getElementById("api-feed")) {
      window.setInterval(refresh, PERIOD_MS);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
