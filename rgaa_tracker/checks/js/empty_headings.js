// 9.1.2: a heading (<h1>–<h6>, or role=heading) whose content gives nothing to read is not
// relevant whatever the page means. Its text is what assistive technologies read: aria-labelledby,
// aria-label, else its content, where an image counts by its alternative, content hidden from
// everyone (display:none, visibility:hidden, hidden, aria-hidden) does not count and text hidden
// only visually (a "sr-only" class) does; CSS generated text counts, icon-font glyphs
// (private use characters) do not. A heading hidden from everyone is not judged.
(lib, options) => {
  const findings = [];
  const PRIVATE_USE = /[\uE000-\uF8FF]|[\u{F0000}-\u{FFFFD}]|[\u{100000}-\u{10FFFD}]/gu;
  const clean = (value) => (value || '').replace(PRIVATE_USE, '').replace(/[\s\u200B-\u200D\u2060\uFEFF]+/g, ' ').trim();
  const referenced = (el) => (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)).filter(Boolean)
    .map((target) => clean(target.textContent)).join(' ').trim();
  const generated = (el, pseudo) => {
    const content = getComputedStyle(el, pseudo).content;
    if (!content || content === 'none' || content === 'normal') return '';
    // Alternative text of generated content ("x" / "alt") replaces the visible part.
    const parts = content.split(/\s\/\s/);
    const strings = (parts.length > 1 ? parts[parts.length - 1] : content).match(/"(?:[^"\\]|\\.)*"/g) || [];
    return strings.map((s) => s.slice(1, -1).replace(/\\(.)/g, '$1')).join('');
  };
  const concealed = (el) => {
    if (el.hidden || el.getAttribute('aria-hidden') === 'true') return true;
    const style = getComputedStyle(el);
    return style.display === 'none' || style.visibility === 'hidden' || style.visibility === 'collapse';
  };
  const content = (node, depth) => {
    if (node.nodeType === Node.TEXT_NODE) return node.data;
    if (node.nodeType !== Node.ELEMENT_NODE || depth > 30) return '';
    const el = node;
    if (depth > 0) {
      if (concealed(el)) return '';
      const label = referenced(el) || clean(el.getAttribute('aria-label'));
      if (label) return ` ${label} `;
    }
    const tag = el.localName;
    if (tag === 'img' || tag === 'area' || (tag === 'input' && el.type === 'image')) return ` ${el.getAttribute('alt') || el.getAttribute('title') || ''} `;
    if (tag === 'svg') {
      const title = el.querySelector(':scope > title');
      return ` ${title ? title.textContent : ''} `;
    }
    if (['script', 'style', 'template', 'noscript'].includes(tag)) return '';
    let text = generated(el, '::before');
    for (const child of el.childNodes) text += content(child, depth + 1);
    if (el.shadowRoot) for (const child of el.shadowRoot.childNodes) text += content(child, depth + 1);
    return text + generated(el, '::after') + (getComputedStyle(el).display.includes('inline') ? '' : ' ');
  };
  const accessibleText = (heading) => referenced(heading) || clean(heading.getAttribute('aria-label')) || clean(content(heading, 0));

  let applicable = false;
  for (const el of document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role]')) {
    const role = (el.getAttribute('role') || '').trim().toLowerCase().split(/\s+/)[0];
    const isHx = /^h[1-6]$/.test(el.localName);
    if (!(role === 'heading' || (isHx && !role))) continue;  // <h2 role="tab"> is not a heading
    if (lib.hidden(el)) continue;
    applicable = true;
    // Fast path: rendered text and nothing in it hidden from assistive technologies.
    if (clean(el.innerText) && !el.querySelector('[aria-hidden], [hidden]')) continue;
    if (accessibleText(el)) continue;
    // A custom element's text may live in a closed shadow root we cannot read: not judged.
    if (Array.prototype.some.call(el.querySelectorAll('*'), (d) => d.localName.includes('-') && !d.shadowRoot)) continue;
    const what = isHx ? `<${el.localName}>` : 'de rôle heading';
    findings.push(lib.finding('9.1.2', 'non_conforme', el,
      `Titre ${what} vide : il ne contient aucun texte restitué (ni texte, ni alternative d'image, ni aria-label).`));
  }
  return {applicable, findings};
}
