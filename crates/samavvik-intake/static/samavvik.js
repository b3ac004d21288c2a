// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so keyboard and screen-reader users
  // hear what to fix first.
  var summary = document.getElementById("feilsammendrag");
  if (summary) { summary.focus(); }
});
