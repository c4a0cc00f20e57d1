// The report's only script, allowed by its hash in the Content-Security-Policy.
// Expand and collapse every section, and open them all before printing, so a printed or
// PDF copy shows every row.
(function () {
  function all(open) {
    document.querySelectorAll("details").forEach(function (d) {
      d.open = open;
    });
  }
  var expand = document.getElementById("expand");
  var collapse = document.getElementById("collapse");
  if (expand) {
    expand.addEventListener("click", function () { all(true); });
  }
  if (collapse) {
    collapse.addEventListener("click", function () { all(false); });
  }
  window.addEventListener("beforeprint", function () { all(true); });
  document.documentElement.setAttribute("data-js", "ready");
})();
