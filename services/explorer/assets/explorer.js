// Refreshes the page's <main> in place every few seconds, so an operator watching a list or a
// timeline sees it change without reloading. Without JavaScript a <noscript> meta refresh does
// the same. It pauses while a form field has focus or a form was edited, so typing a filter
// or a reason is never overwritten.
(function () {
  var seconds = Number(document.body.getAttribute("data-refresh") || "0");
  if (!seconds) return;
  var edited = false;
  document.addEventListener("input", function () { edited = true; });
  function busy() {
    var active = document.activeElement;
    return edited || document.hidden ||
      (active && active.closest && active.closest("main form"));
  }
  function refresh() {
    if (busy()) return;
    fetch(window.location.href, { headers: { "X-Explorer-Refresh": "1" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html || busy()) return;
        var next = new DOMParser().parseFromString(html, "text/html");
        var main = next.querySelector("main"), read = next.querySelector("header .read");
        if (main) document.querySelector("main").replaceWith(main);
        if (read) document.querySelector("header .read").replaceWith(read);
        document.body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () {});
  }
  setInterval(refresh, seconds * 1000);
})();
