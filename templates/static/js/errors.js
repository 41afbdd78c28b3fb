// When a request made by htmx fails, say so above the page instead of doing nothing: the server
// answered with an error htmx does not swap in (403, 404, 5xx such as "the database is
// unavailable"), or the server could not be reached at all. Nothing on the page is replaced, so a
// form keeps what was typed. No inline script: the CSP forbids it.
(function () {
  // Next to the form that was sent (where the officer is looking, also on a phone), else at
  // the top of the page.
  function show(text, source) {
    var old = document.getElementById("request-error");
    if (old) old.remove();
    var box = document.createElement("p");
    box.id = "request-error";
    box.className = "error";
    box.setAttribute("role", "alert");
    box.textContent = text;
    var main = document.getElementById("main") || document.body;
    var form = source && source.closest ? source.closest("form") : null;
    if (form && main.contains(form)) {
      form.parentNode.insertBefore(box, form);
    } else {
      main.insertBefore(box, main.firstChild);
    }
    box.scrollIntoView({ block: "nearest" });
  }

  function serverMessage(xhr) {
    try {
      var type = xhr.getResponseHeader("content-type") || "";
      if (type.indexOf("json") >= 0) {
        return JSON.parse(xhr.responseText).error.message;
      }
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var p = doc.querySelector("[role=alert] p");
      return p ? p.textContent : "";
    } catch (e) {
      return "";
    }
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    show(serverMessage(xhr) || document.body.dataset.errorStatus + " " + xhr.status, event.detail.elt);
  });
  document.addEventListener("htmx:sendError", function (event) {
    show(document.body.dataset.errorSend, event.detail.elt);
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("request-error");
    if (box) box.remove();
  });
})();
