// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-nav-toggle]");
  if (!toggle) return;
  const nav = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = toggle.getAttribute("aria-expanded") === "true";
  toggle.setAttribute("aria-expanded", String(!open));
  nav.classList.toggle("open", !open);
});

// Menu groups are <details>: one open at a time, closed by a click elsewhere or Escape.
document.addEventListener("toggle", (event) => {
  const opened = event.target;
  if (!opened.matches || !opened.matches("[data-nav-group]") || !opened.open) return;
  document.querySelectorAll("[data-nav-group][open]").forEach((other) => {
    if (other !== opened) other.open = false;
  });
}, true);
document.addEventListener("click", (event) => {
  document.querySelectorAll("[data-nav-group][open]").forEach((group) => {
    if (!group.contains(event.target)) group.open = false;
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("[data-nav-group][open]").forEach((group) => {
    group.open = false;
    group.querySelector("summary").focus();
  });
});
