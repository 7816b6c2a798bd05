// Manage API Access: the Duration drop-down is shown while "Yes" is chosen and hidden
// for "No". Without this script the drop-down simply stays visible and the server
// still decides from the radio button.
(function () {
  "use strict";
  function setUp() {
    var form = document.getElementById("api-access-form");
    var field = document.getElementById("duration-field");
    var yes = document.getElementById("enable-api-yes");
    if (!form || !field || !yes) {
      return;
    }
    function sync() {
      field.hidden = !yes.checked;
    }
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "enable_api") {
        sync();
      }
    });
    sync();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
