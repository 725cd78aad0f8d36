// paperwire: the discussion under a paper. Without this script every form works (posts
// and comes back to the page; Reply, Edit and Report are links to the page with that
// form open); with it, math is typeset by KaTeX, Reply opens its form in place (a copy
// of the page's reply template), and comment forms get a Preview button (the server
// renders it with the same sanitiser as a posted comment).
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

  function openReply(link) {
    var id = link.getAttribute("data-comment");
    var article = link.closest("article");
    var template = document.getElementById("reply-template");
    if (!id || !article || !template) return false;
    var open = document.getElementById("reply-" + id);
    if (open) { open.focus(); return true; }
    var form = template.content.firstElementChild.cloneNode(true);
    form.querySelector("input[name=parent_id]").value = id;
    var area = form.querySelector("textarea");
    var label = form.querySelector("label");
    area.id = "reply-" + id;
    label.setAttribute("for", area.id);
    label.textContent = "Your reply to " + (link.getAttribute("data-author") || "this comment");
    article.appendChild(form);
    addPreview(form);
    area.focus();
    return true;
  }

  function start() {
    typeset(document);
    document.querySelectorAll("form.comment-form").forEach(addPreview);
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a.reply-link");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      if (openReply(link)) event.preventDefault();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
