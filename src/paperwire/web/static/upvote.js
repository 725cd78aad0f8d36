// paperwire: upvote buttons without a page reload. Without this script the buttons are
// plain forms (POST /upvote) and work the same.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("upvote")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    var action = form.querySelector("input[name=action]");
    var token = form.querySelector("input[name=csrf_token]");
    var paper = form.getAttribute("data-paper");
    if (!button || !action || !token || !paper || button.disabled) return;
    var adding = action.value !== "remove";
    var url = "/api/v1/papers/" + paper.split("/").map(encodeURIComponent).join("/") + "/upvote";
    button.disabled = true;
    fetch(url, {
      method: adding ? "POST" : "DELETE",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token.value, "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401) {
        // Signed out meanwhile: sign in, then come back here with this upvote done.
        window.location.href = "/login?next=" +
          encodeURIComponent(window.location.pathname + window.location.search) +
          "&upvote=" + encodeURIComponent(paper);
        return null;
      }
      if (response.status === 429) {
        button.title = "Too many upvotes just now: wait a minute";
        return null;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      if (!data) return;
      // Every button of this paper on the page shows the new state.
      document.querySelectorAll("form.upvote").forEach(function (other) {
        if (other.getAttribute("data-paper") !== paper) return;
        other.querySelector("input[name=action]").value = data.upvoted ? "remove" : "add";
        var b = other.querySelector("button");
        b.setAttribute("aria-pressed", data.upvoted ? "true" : "false");
        b.title = data.upvoted ? "Take back your upvote" : "Upvote";
        b.querySelector(".count").textContent = String(data.upvotes);
      });
    }).catch(function () {
      form.submit(); // fall back to the plain form
    }).then(function () {
      button.disabled = false;
    });
  });
})();
