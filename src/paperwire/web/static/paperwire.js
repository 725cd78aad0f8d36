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

  // A category picked from the listing's menu applies at once.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

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
    var links = Array.prototype.slice.call(document.querySelectorAll(".card-title a"));
    if (!links.length) return;
    var at = links.indexOf(document.activeElement);
    var next = event.key === "j" ? at + 1 : (at < 0 ? 0 : at - 1);
    next = Math.max(0, Math.min(links.length - 1, next));
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
    event.preventDefault();
  });
})();
