// The account menu under the taxpayer's name (a details/summary, so it works without
// this script): closes on Escape, on a click outside it, and when the focus leaves
// it, like the real portal's menu, so it never stays open over the page.
(function () {
  "use strict";
  function setUp() {
    var menu = document.querySelector("details.user-menu");
    if (!menu) {
      return;
    }
    var summary = menu.querySelector("summary");
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        summary.focus();
      }
    });
    document.addEventListener("mousedown", function (event) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
    menu.addEventListener("focusout", function (event) {
      if (menu.open && event.relatedTarget && !menu.contains(event.relatedTarget)) {
        menu.open = false;
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
