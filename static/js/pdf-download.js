// Print-edition PDF downloads without a page reload. Without this script the links lead
// to a page that reloads itself until the file is ready; with it, the status URL is
// polled and the browser is sent to the file once it exists.
(function () {
  "use strict";
  var POLL_MS = 1500;
  var GIVE_UP_AFTER_MS = 5 * 60 * 1000;

  function waitForPdf(statusUrl, onReady, onFail) {
    var started = Date.now();
    function poll() {
      fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(function (state) {
          if (state.ready) return onReady(state.pdf_url);
          if (state.status === "failed" || Date.now() - started > GIVE_UP_AFTER_MS) return onFail();
          setTimeout(poll, POLL_MS);
        })
        .catch(onFail);
    }
    poll();
  }

  // The wait page: keep asking, then go to the file.
  var waiting = document.querySelector("[data-pdf-wait]");
  if (waiting) {
    waitForPdf(
      waiting.dataset.statusUrl,
      function (url) {
        waiting.textContent = "Your PDF is ready: the download starts now.";
        window.location.assign(url);
      },
      function () { waiting.textContent = "The PDF is taking a while. Please reload this page later."; }
    );
  }

  // The article page's links: say "please wait" in place, then download.
  document.querySelectorAll("a[data-pdf-download]").forEach(function (link) {
    if (link.dataset.pdfBound) return;
    link.dataset.pdfBound = "1";
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var status = link.parentElement.querySelector(".pdf-download-status");
      if (link.getAttribute("aria-busy") === "true") return;
      link.setAttribute("aria-busy", "true");
      if (status) status.textContent = "Downloading PDF. Please wait...";
      function done(message) {
        link.removeAttribute("aria-busy");
        if (status) status.textContent = message;
      }
      waitForPdf(
        link.dataset.statusUrl,
        function (url) { done(""); window.location.assign(url); },
        function () { done(""); window.location.assign(link.href); }
      );
    });
  });
})();
