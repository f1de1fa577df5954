// Progressive enhancement only: every page works without this script.
// Dates arrive in UTC; show them in the browser's own locale and zone.
(function () {
  "use strict";
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  } catch (e) {
    return;
  }
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var d = new Date(el.getAttribute("datetime"));
    if (!isNaN(d.getTime())) {
      el.title = el.textContent;
      el.textContent = fmt.format(d);
    }
  });
})();
