// The manual's suggestions box: fetch it when the page opens, then every few seconds; the
// server renders the box, so pages without JavaScript get the same content from a link.
"use strict";
(function () {
  async function refresh() {
    const box = document.getElementById("kb-suggestions");
    if (!box) return;
    try {
      // Its buttons come back here: the assist panel stays the assist panel.
      const back = encodeURIComponent(window.location.pathname);
      const url = `/manual/suggestions/${box.dataset.conversationId}?back=${back}`;
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const html = await response.text();
      const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("kb-suggestions");
      const current = document.getElementById("kb-suggestions");
      if (fresh && current && fresh.dataset.turns !== current.dataset.turns) current.replaceWith(fresh);
    } finally {
      setTimeout(refresh, 5000);
    }
  }
  document.addEventListener("DOMContentLoaded", refresh);
})();
