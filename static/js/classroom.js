// Classroom board and projector view: every few seconds the page asks the server
// for itself again and swaps in the new board, so the room sees trainees' steps as
// they happen. Without JavaScript a reload shows the same. The new content is the
// server's own escaped HTML, parsed inertly (DOMParser runs no scripts).
(function () {
  "use strict";
  var PERIOD_MS = 5000;

  function refresh(live) {
    fetch(live.getAttribute("data-refresh"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        if (!res.ok || res.redirected) {
          throw new Error("HTTP " + res.status);
        }
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live-board");
        if (!fresh) {
          throw new Error("no board in the answer");
        }
        // Keep the sideways scroll position of the table across refreshes.
        var scroller = live.querySelector(".table-scroll");
        var left = scroller ? scroller.scrollLeft : 0;
        live.replaceChildren.apply(live, Array.prototype.map.call(fresh.childNodes, function (n) {
          return document.importNode(n, true);
        }));
        var again = live.querySelector(".table-scroll");
        if (again) {
          again.scrollLeft = left;
        }
      })
      .catch(function () {
        var status = document.getElementById("board-status");
        if (status) {
          status.textContent = "Could not refresh; reload the page (the console session may have ended).";
        }
      });
  }

  function start() {
    var live = document.getElementById("live-board");
    if (live) {
      window.setInterval(function () { refresh(live); }, PERIOD_MS);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
