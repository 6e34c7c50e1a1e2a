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
  // Computed styles and "hidden" remembered per element, for checks that walk many elements
  // sharing ancestors. A fresh memo per call: one check's memo never outlives its own run.
  const memoStyles = () => {
    const styles = new Map();
    const style = (el) => {
      let s = styles.get(el);
      if (!s) styles.set(el, (s = getComputedStyle(el)));
      return s;
    };
    const goneMemo = new Map();
    const gone = (el) => {
      if (!el || el.nodeType !== 1) return false;
      if (goneMemo.has(el)) return goneMemo.get(el);
      const result = style(el).display === 'none' || el.getAttribute('aria-hidden') === 'true' || gone(el.parentElement);
      goneMemo.set(el, result);
      return result;
    };
    return {style, hidden: (el) => gone(el) || style(el).visibility === 'hidden'};
  };
  // The focused element, through open shadow roots; null when nothing is focused.
  const deepActive = () => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el && el !== document.body && el !== document.documentElement ? el : null;
  };
  // Sequential focus navigation restarts from the top: focus a transient element placed before
  // everything, then remove it (blur() alone keeps the starting point where focus was).
  const resetFocusStart = () => {
    const active = deepActive();
    if (active) active.blur();
    const mark = document.createElement('span');
    mark.tabIndex = -1;
    document.documentElement.insertBefore(mark, document.documentElement.firstChild);
    mark.focus({preventScroll: true});
    mark.blur();
    mark.remove();
  };
  globalThis.__rgaaCheckLib = {selector, snippet, hidden, text, name, finding, memoStyles, deepActive, resetFocusStart};
})();
