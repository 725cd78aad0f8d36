// paperwire: the library buttons (save, read, not interested) without a page reload, and
// imports of files above the 1 MB a plain form may carry. Without this script the buttons
// and the import are plain forms and work the same.
(function () {
  "use strict";

  var TITLES = {
    saved: ["Save to your list “Saved”", "In your list “Saved”: press to take it out"],
    read: ["Mark as read", "Read: press to mark it unread"],
    hidden: ["Show me fewer papers like this", "Marked not interested: press to undo"]
  };

  // Every button of the paper on the page shows its new state.
  function show(data) {
    document.querySelectorAll("form.lib").forEach(function (form) {
      if (form.getAttribute("data-paper") !== data.paper) return;
      var key = form.getAttribute("data-state");
      if (!(key in TITLES)) return;
      var on = !!data[key];
      form.querySelector("input[name=action]").value = on ? "remove" : "add";
      var button = form.querySelector("button");
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.title = TITLES[key][on ? 1 : 0];
    });
    document.querySelectorAll("article.card").forEach(function (card) {
      if (card.getAttribute("data-paper") === data.paper) {
        card.classList.toggle("is-hidden", !!data.hidden);
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("lib")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    var token = form.querySelector("input[name=csrf_token]");
    if (!button || !token || button.disabled) return;
    button.disabled = true;
    // form.action would be the input named "action": the attribute is the address
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRF-Token": token.value,
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"
      },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (response) {
      if (response.status === 401) {
        window.location.href = "/login?next=" +
          encodeURIComponent(window.location.pathname + window.location.search);
        return null;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      if (data) show(data);
    }).catch(function () {
      form.submit(); // fall back to the plain form
    }).then(function () {
      button.disabled = false;
    });
  });

  // A large import: the token goes in a header, so the file need not fit in 1 MB.
  var upload = document.querySelector("form.import");
  if (upload && window.FormData) {
    upload.addEventListener("submit", function (event) {
      var token = upload.querySelector("input[name=csrf_token]");
      var file = upload.querySelector("input[type=file]");
      if (!token || !file || !file.files.length || file.files[0].size < 900 * 1024) return;
      event.preventDefault();
      var button = upload.querySelector("button");
      if (button) button.disabled = true;
      fetch(upload.getAttribute("action"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": token.value },
        body: new FormData(upload)
      }).then(function (response) {
        return response.text();
      }).then(function (html) {
        // The report page's main part takes this page's place.
        var page = new DOMParser().parseFromString(html, "text/html");
        var main = page.querySelector("main");
        if (!main) throw new Error("no report");
        document.querySelector("main").replaceWith(main);
        document.title = page.title;
        main.focus();
      }).catch(function () {
        upload.submit();
      });
    });
  }
})();
