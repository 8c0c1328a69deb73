/* A button with data-print prints the page: a file of its own, because the Content-Security-Policy
   refuses inline handlers such as onclick="window.print()". */
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
