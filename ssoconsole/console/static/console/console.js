/* Progressive enhancement for the console: copy buttons, the focus on a refused form's error summary.
   Without JavaScript the buttons stay hidden and the values remain selectable text. */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http (e.g. a local demo) has no Clipboard API: fall back to a selection.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function setUp(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(target.textContent.trim()).then(function () {
        if (status) { status.textContent = "Copied"; }
      }, function () {
        if (status) { status.textContent = "Select and copy the text"; }
      });
      if (status) {
        window.setTimeout(function () { status.textContent = ""; }, 3000);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-copy-target]"), setUp);
    // Organization trees deeper than the stylesheet's rules: set the depth through the CSSOM,
    // which the Content-Security-Policy allows (inline style attributes it does not).
    Array.prototype.forEach.call(document.querySelectorAll(".tree-name[data-depth]"), function (el) {
      el.style.setProperty("--depth", el.getAttribute("data-depth"));
    });
    // A refused form's error summary takes the focus (autofocus does it in most browsers already),
    // so that a screen reader reads it and a keyboard user starts from it.
    var summary = document.querySelector(".error-summary");
    if (summary && document.activeElement !== summary) { summary.focus(); }
    if (summary) {
      // A summary link moves the focus into its field, not only the scroll position.
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        var field = link && document.getElementById(link.getAttribute("href").slice(1));
        if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({ block: "center" }); }
      });
    }
    // Close the account menu when clicking elsewhere or pressing Escape.
    var menu = document.querySelector(".account-menu");
    if (menu) {
      document.addEventListener("click", function (event) {
        if (menu.open && !menu.contains(event.target)) { menu.open = false; }
      });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
      });
    }
  });
})();
