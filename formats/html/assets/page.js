// confab page script: opens what a link points at, and folds or unfolds every message.
(function () {
  "use strict";
  function reveal() {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (malformed) { return; }
    var target = id && document.getElementById(id);
    if (!target) return;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    var folded = target.querySelector(":scope > details");
    if (folded) folded.open = true;
    target.scrollIntoView();
  }
  function setAll(open) {
    var all = document.querySelectorAll("main details");
    for (var i = 0; i < all.length; i++) all[i].open = open;
  }
  var expand = document.getElementById("expand-all");
  var collapse = document.getElementById("collapse-all");
  if (expand) expand.addEventListener("click", function () { setAll(true); });
  if (collapse) collapse.addEventListener("click", function () { setAll(false); });
  addEventListener("hashchange", reveal);
  addEventListener("beforeprint", function () { setAll(true); });
  reveal();
  // What the Content-Security-Policy let through, for whoever checks (the browser tests do):
  // this script ran, the stylesheet applied, and when (ms since navigation) the page was ready.
  var root = document.documentElement;
  root.setAttribute("data-script", "ran");
  if (getComputedStyle(document.body).maxWidth !== "none") root.setAttribute("data-style", "applied");
  root.setAttribute("data-ready-ms", String(Math.round(performance.now())));
})();
