"use strict";
(function () {
  var table = document.getElementById("files");
  if (!table) { return; }
  var headers = Array.prototype.slice.call(table.querySelectorAll("thead th"));
  function key(row, column, numeric) {
    var cell = row.cells[column];
    var value = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent;
    return numeric ? parseFloat(value) || 0 : value.toLowerCase();
  }
  headers.forEach(function (header, column) {
    var button = header.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var numeric = button.getAttribute("data-sort") === "number";
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, column, numeric);
        var y = key(b, column, numeric);
        var order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    });
  });
})();
