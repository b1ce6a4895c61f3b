// Point-and-click estimation: a size check before upload, one run per click, progress polling.
// Text from the server is set with textContent only; nothing is parsed as HTML.
(function () {
  "use strict";

  var upload = document.getElementById("upload-form");
  if (upload) {
    upload.addEventListener("submit", function (ev) {
      var input = document.getElementById("file");
      var max = parseInt(upload.getAttribute("data-max-bytes"), 10);
      if (input.files.length && input.files[0].size > max) {
        ev.preventDefault();
        document.getElementById("client-error").textContent = upload.getAttribute("data-too-large");
      }
    });
  }

  var form = document.getElementById("run-form");
  if (form) {
    form.addEventListener("submit", function (ev) {
      var button = document.getElementById("run");
      if (form.getAttribute("data-sent") === "1") {  // a second click: the first is on its way
        ev.preventDefault();
        return;
      }
      form.setAttribute("data-sent", "1");
      button.textContent = button.getAttribute("data-busy");
    });
  }

  var job = document.getElementById("job");
  if (job && (job.dataset.state === "queued" || job.dataset.state === "running")) {
    var url = "/api/estimation/jobs/" + encodeURIComponent(job.dataset.job);
    var poll = function () {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) { setTimeout(poll, 3000); return; }
          var bar = document.getElementById("job-progress");
          if (bar) { bar.max = p.total || 1; bar.value = p.done; }
          document.getElementById("job-text").textContent = p.text;
          job.dataset.state = p.state;
          if (p.state === "done" || p.state === "failed") { window.location.reload(); }
          else { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 500);
  }
})();
