// Runs in the isolated world once the page settled: the page's size first and, only for an
// HTML page small enough to audit, the serialised DOM (for the fingerprint, when asked) and the
// page facts: one protocol call where there were three, each crossing Python, Playwright's
// driver, the browser and the renderer. The three parts are size.js, dom_state.js and
// page_facts.js, passed in; Python parses each answer as it would on its own.
(size, domState, pageFacts, limits) => {
  const measured = size();
  const html = ['', 'text/html', 'application/xhtml+xml'].includes(measured.content_type);
  if (!html || measured.elements > limits.elements || measured.html_bytes > limits.bytes) return {size: measured};
  return {size: measured, dom: limits.dom ? domState() : null, facts: pageFacts(limits.links)};
}
