// paperwire: a few enhancements; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Math in titles and abstracts ($...$, $$...$$, \(...\), \[...\]) with KaTeX.
  if (typeof window.renderMathInElement === "function") {
    var options = {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\[", right: "\\]", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\(", right: "\\)", display: false }
      ],
      throwOnError: false,
      strict: "ignore"
    };
    document.querySelectorAll(".tex").forEach(function (el) {
      window.renderMathInElement(el, options);
    });
  }

  // Copy the BibTeX entry.
  var bib = document.getElementById("bibtex");
  var citeHeading = document.getElementById("cite-h");
  if (bib && citeHeading && navigator.clipboard) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(bib.textContent).then(function () {
        button.textContent = "Copied";
      });
    });
    citeHeading.appendChild(button);
  }

  // Keys: "/" focuses search, j/k move between papers.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.key === "/") {
      var search = document.getElementById("q") || document.getElementById("site-q");
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    if (event.key !== "j" && event.key !== "k") return;
    var links = Array.prototype.slice.call(document.querySelectorAll(".card-title a, .titles a.title"));
    if (!links.length) return;
    var at = links.indexOf(document.activeElement);
    var next = event.key === "j" ? at + 1 : (at < 0 ? 0 : at - 1);
    next = Math.max(0, Math.min(links.length - 1, next));
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
    event.preventDefault();
  });
})();

// The account menu (a <details>): Escape or a click elsewhere closes it.
(function () {
  "use strict";
  var menu = document.querySelector("details.account-menu");
  if (!menu) return;
  document.addEventListener("click", function (event) {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
  menu.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !menu.open) return;
    menu.open = false;
    var summary = menu.querySelector("summary");
    if (summary) summary.focus();
  });
})();

// A new subscription's time zone starts as the browser's own (without this script the
// server's default stays selected).
(function () {
  "use strict";
  var select = document.querySelector("select[data-browser-zone]");
  if (!select || !window.Intl || !Intl.DateTimeFormat) return;
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === zone) { select.value = zone; return; }
  }
})();
