// Shared helpers of our RGAA checks, evaluated once per page in the isolated world. Each check
// file is a function (lib, options) => ({applicable, findings}); a finding names the RGAA test,
// the verdict, the element (selector and HTML snippet) and a French reason.
(() => {
  const cssEscape = (value) => (window.CSS && CSS.escape ? CSS.escape(value) : String(value).replace(/[^a-zA-Z0-9_-]/g, '\\$&'));
  const selector = (el) => {
    if (!el || el.nodeType !== 1) return '';
    const parts = [];
    let node = el;
    while (node && node.nodeType === 1 && parts.length < 8) {
      const id = node.getAttribute('id');
      if (id && document.querySelectorAll('#' + cssEscape(id)).length === 1) {
        parts.unshift('#' + cssEscape(id));
        break;
      }
      let part = node.localName;
      const parent = node.parentElement;
      if (parent) {
        const same = Array.prototype.filter.call(parent.children, (c) => c.localName === node.localName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      }
      parts.unshift(part);
      node = parent;
    }
    return parts.join(' > ');
  };
  const snippet = (el, size = 300) => {
    if (!el || el.nodeType !== 1) return '';
    const html = el.outerHTML || '';
    if (html.length <= size) return html;
    const open = html.slice(0, html.indexOf('>') + 1);
    return (open.length <= size ? open : open.slice(0, size)) + '…';
  };
  const hidden = (el) => {
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      if (node.hidden || node.getAttribute('aria-hidden') === 'true') return true;
      const style = getComputedStyle(node);
      if (style.display === 'none' || style.visibility === 'hidden' && node === el) return true;
    }
    return false;
  };
  const text = (el) => (el ? (el.textContent || '').replace(/\s+/g, ' ').trim() : '');
  // An approximation of the accessible name, enough to tell "has a name" from "has none".
  const name = (el) => {
    if (!el) return '';
    const labelledby = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
      .map((id) => text(document.getElementById(id))).join(' ').trim();
    if (labelledby) return labelledby;
    const label = (el.getAttribute('aria-label') || '').trim();
    if (label) return label;
    if (el.labels && el.labels.length) return Array.prototype.map.call(el.labels, text).join(' ').trim();
    if (el.localName === 'fieldset') {
      const legend = el.querySelector(':scope > legend');
      if (legend) return text(legend);
    }
    if (el.localName === 'img' || (el.localName === 'input' && el.type === 'image')) return (el.getAttribute('alt') || '').trim();
    const title = (el.getAttribute('title') || '').trim();
    return title || text(el);
  };
  const finding = (test, verdict, el, reason) => ({test, verdict, selector: selector(el), html: snippet(el), reason});
  globalThis.__rgaaCheckLib = {selector, snippet, hidden, text, name, finding};
})();
