// "Show another image" on the login form. Without this script it is a submit button
// after Login: the server answers with the same form, the username kept and a new
// image. With it, the button moves beside the image and swaps the image in place, so
// nothing typed is lost. It becomes a plain button, so Enter in a field still logs in.
(function () {
  "use strict";
  function setUp() {
    var button = document.getElementById("captcha-refresh");
    var image = document.getElementById("captcha-image");
    var input = document.getElementById("captcha");
    var status = document.getElementById("captcha-status");
    if (!button || !image || !input || !status) {
      return;
    }
    button.type = "button";
    button.removeAttribute("name");
    button.removeAttribute("formnovalidate");
    document.getElementById("captcha-box").appendChild(button);
    button.addEventListener("click", function () {
      // Each request draws a new captcha and sets its answer in the cookie.
      image.src = "/captcha?n=" + Date.now();
      input.value = "";
      input.focus();
      status.textContent = "A new image is shown.";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
