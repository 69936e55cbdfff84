/*<![CDATA[*/
(function () {
  "use strict";
  // Plain code-point order: Intl collation costs a noticeable first call.
  function cmp(x, y) { return x < y ? -1 : x > y ? 1 : 0; }
  // Sort a table by the data-* value named by the header button.
  function sortBy(button) {
    var th = button.closest("th");
    var table = button.closest("table");
    var key = button.getAttribute("data-sort");
    var numeric = button.getAttribute("data-type") === "num";
    var desc = th.getAttribute("aria-sort") !== "descending";
    var heads = table.querySelectorAll("th[aria-sort]");
    for (var i = 0; i !== heads.length; i++) heads[i].setAttribute("aria-sort", "none");
    th.setAttribute("aria-sort", desc ? "descending" : "ascending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.getAttribute("data-" + key), y = b.getAttribute("data-" + key);
      var c = numeric ? Number(x) - Number(y) : cmp(x, y);
      if (c === 0) c = cmp(a.getAttribute("data-name"), b.getAttribute("data-name"));
      return desc ? -c : c;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
  }
  function setAll(open) {
    var all = document.querySelectorAll("details");
    for (var i = 0; i !== all.length; i++) all[i].open = open;
  }
  // Open the <details> around the element the URL fragment names.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    for (; el; el = el.parentElement) if (el.tagName === "DETAILS") el.open = true;
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-sort]");
    if (b) { sortBy(b); return; }
    var t = e.target.closest("button[data-toggle]");
    if (t) setAll(t.getAttribute("data-toggle") === "open");
  });
  // Print everything: open all <details> for printing, restore afterwards.
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
  window.addEventListener("hashchange", reveal);
  reveal();
})();
/*]]>*/
