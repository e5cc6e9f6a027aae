// Learning paths: reorder steps by drag and drop. The page works without this file: every
// step has "Up"/"Down" buttons (plain POST forms, htmx-enhanced) for the keyboard and touch.
// Here the mouse way is added: drop a step where it goes, and the whole new order is sent to
// programmes:path_reorder, which answers the steps region (and announces the move in the
// aria-live region #path-announce). No inline script: the strict CSP holds.
(() => {
  "use strict";

  let dragged = null;
  let before = "";

  const listOf = (el) => el && el.closest("#path-steps ol[data-reorderable]");
  const order = (ol) => Array.from(ol.querySelectorAll(":scope > li[data-step-id]"), (li) => li.dataset.stepId);

  // base.html puts the CSRF token in <body hx-headers>; the cookie is the fallback.
  function csrfToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) {
      /* not JSON: use the cookie */
    }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function send(ids, movedId) {
    const box = document.getElementById("path-steps");
    if (!box) return;
    const url = box.dataset.reorderUrl;
    if (window.htmx) {
      window.htmx.ajax("POST", url, {
        source: box,
        target: "#path-steps",
        swap: "outerHTML",
        values: { step: ids, moved: movedId },
      });
      return;
    }
    const body = new URLSearchParams();
    ids.forEach((id) => body.append("step", id));
    body.append("moved", movedId);
    fetch(url, { method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } }).then(
      () => window.location.reload(),
    );
  }

  document.addEventListener("dragstart", (event) => {
    const li = event.target instanceof Element ? event.target : null;
    if (!li || !li.matches("li[data-step-id][draggable=true]") || !listOf(li)) return;
    dragged = li;
    before = order(listOf(li)).join(",");
    li.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.dataset.stepId); // Firefox starts no drag without data
  });

  document.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const ol = listOf(event.target instanceof Element ? event.target : null);
    if (!ol || ol !== dragged.parentElement) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    const over = event.target.closest("li[data-step-id]");
    if (!over || over === dragged) return;
    const box = over.getBoundingClientRect();
    const upperHalf = event.clientY < box.top + box.height / 2;
    ol.insertBefore(dragged, upperHalf ? over : over.nextSibling);
  });

  document.addEventListener("drop", (event) => {
    if (dragged) event.preventDefault();
  });

  document.addEventListener("dragend", () => {
    if (!dragged) return;
    const li = dragged;
    dragged = null;
    li.classList.remove("is-dragging");
    const ol = li.parentElement;
    const ids = order(ol);
    if (ids.join(",") === before) return;
    send(ids, li.dataset.stepId);
  });

  // After a move by button, keep the keyboard focus on the moved step's button.
  document.addEventListener("htmx:afterSettle", () => {
    const target = document.querySelector("#path-steps [data-autofocus]");
    if (target) target.focus();
  });
})();
