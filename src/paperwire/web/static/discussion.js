// paperwire: the discussion under a paper. Without this script every form works (posts
// and comes back to the page); with it, math is typeset by KaTeX, comment forms get a
// Preview button (the server renders it with the same sanitiser as a posted comment),
// and an opened Reply or Edit puts the cursor in its text box.
(function () {
  "use strict";

  function typeset(root) {
    if (!window.katex) return;
    root.querySelectorAll(".comment-body .math, .comment-preview .math").forEach(function (el) {
      if (el.getAttribute("data-typeset")) return;
      var tex = el.textContent;
      try {
        window.katex.render(tex, el, {
          displayMode: el.classList.contains("display"),
          throwOnError: false,
          strict: "ignore",
          trust: false,
          maxExpand: 1000
        });
        el.setAttribute("data-typeset", "1");
      } catch (e) {
        el.textContent = tex;
      }
    });
  }

  function addPreview(form) {
    var area = form.querySelector("textarea[name=body]");
    var token = form.querySelector("input[name=csrf_token]");
    var submit = form.querySelector("button[type=submit]");
    if (!area || !token || !submit) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "preview-button";
    button.textContent = "Preview";
    var shown = document.createElement("div");
    shown.className = "comment-preview";
    shown.setAttribute("aria-live", "polite");
    shown.hidden = true;
    submit.parentNode.insertBefore(button, submit.nextSibling);
    submit.parentNode.parentNode.insertBefore(shown, submit.parentNode);
    button.addEventListener("click", function () {
      button.disabled = true;
      fetch("/api/v1/comments/preview", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRF-Token": token.value
        },
        body: JSON.stringify({ body: area.value })
      }).then(function (response) {
        return response.json().then(function (data) {
          shown.hidden = false;
          if (!response.ok) {
            shown.textContent = data.detail || "The preview failed.";
            return;
          }
          // The server's sanitised HTML (markdown-it-py, then nh3's allow-list).
          shown.innerHTML = data.body_html;
          typeset(shown.parentNode);
        });
      }).catch(function () {
        shown.hidden = false;
        shown.textContent = "The preview failed.";
      }).then(function () {
        button.disabled = false;
      });
    });
  }

  function start() {
    typeset(document);
    document.querySelectorAll("form.comment-form").forEach(addPreview);
    document.querySelectorAll(".discussion details.reply, .discussion details.edit").forEach(function (d) {
      d.addEventListener("toggle", function () {
        var area = d.querySelector("textarea");
        if (d.open && area) area.focus();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
