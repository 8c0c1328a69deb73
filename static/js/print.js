/* A button marked data-print prints the page (the referral); kept out of the HTML for the
   Content-Security-Policy, which refuses inline handlers. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();
