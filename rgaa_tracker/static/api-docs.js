// Start-up of the API documentation page (/api/docs). A file of its own, not an inline
// script: the Content-Security-Policy allows scripts from this origin only.
// Swagger UI draws a few things axe refuses; they are mended as they appear:
// - a link inside each operation's summary button (nested interactive): the text stays, the link goes;
// - the API's title is a level-2 heading under the page's <h1>;
// - the API's description, outside Swagger UI's own <main>, becomes a named region.
function mend(root) {
  root.querySelectorAll("button a.nostyle").forEach(function (link) {
    const span = document.createElement("span");
    span.className = link.className;
    span.textContent = link.textContent;
    link.replaceWith(span);
  });
  root.querySelectorAll(".info .title").forEach(function (title) {
    title.setAttribute("role", "heading");  // Swagger UI's title sits a level below our <h1>
    title.setAttribute("aria-level", "2");
  });
  root.querySelectorAll(".information-container, .scheme-container, section.models").forEach(function (block) {
    if (!block.hasAttribute("role")) {
      block.setAttribute("role", "region");
      block.setAttribute("aria-label", block.classList.contains("models") ? "Schémas" : block.classList.contains("scheme-container") ? "Serveurs" : "Présentation de l'API");
    }
  });
}

window.addEventListener("DOMContentLoaded", function () {
  const target = document.getElementById("swagger-ui");
  new MutationObserver(function () { mend(target); }).observe(target, {childList: true, subtree: true});
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
