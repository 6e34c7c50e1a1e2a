// Runs in an isolated world after the page settled, before axe: everything of the live document
// an audit reads that the network bodies do not already say. The serialised DOM, open shadow
// roots, form controls' live state, stylesheets written by script (CSSOM, adopted sheets), focus
// and scroll. The crawler hashes it; equal text means the audit would see the same document.
() => {
  const parts = [];
  const doctype = document.doctype;
  parts.push(doctype ? `<!DOCTYPE ${doctype.name} ${doctype.publicId} ${doctype.systemId}>` : '<!-- no doctype -->');
  parts.push(document.documentElement ? document.documentElement.outerHTML : '');
  const sheetText = (sheet) => {
    let rules;
    try { rules = sheet.cssRules; } catch (error) { return `#cross-origin ${sheet.href || ''}`; }
    if (!rules) return '#none';
    // A linked sheet's body is hashed from the network: its rule count catches insertRule().
    if (sheet.ownerNode && sheet.ownerNode.localName === 'link') return `#link ${sheet.href || ''} ${rules.length}`;
    const texts = [];
    for (let i = 0; i < rules.length; i += 1) texts.push(rules[i].cssText);
    return texts.join('\n');
  };
  const sheets = (root) => {
    const found = [];
    for (const sheet of Array.from(root.styleSheets || [])) found.push(sheetText(sheet));
    for (const sheet of Array.from(root.adoptedStyleSheets || [])) found.push(`#adopted ${sheetText(sheet)}`);
    return found.join('\n');
  };
  parts.push(sheets(document));
  const all = document.getElementsByTagName('*');
  const state = [];
  const walk = (elements, scope) => {
    for (let i = 0; i < elements.length; i += 1) {
      const element = elements[i];
      const tag = element.localName;
      if (tag === 'input' || tag === 'textarea' || tag === 'select') {
        state.push(`${scope}${i}:${tag}=${JSON.stringify(element.value)}:${element.checked ? 1 : 0}:${element.disabled ? 1 : 0}`);
      } else if (tag === 'option' && element.selected !== element.defaultSelected) {
        state.push(`${scope}${i}:option=${element.selected ? 1 : 0}`);
      } else if (tag === 'details' && element.open !== element.hasAttribute('open')) {
        state.push(`${scope}${i}:details=${element.open ? 1 : 0}`);
      }
      const shadow = element.shadowRoot;
      if (shadow) {
        state.push(`${scope}${i}:shadow(${shadow.mode})=${shadow.innerHTML}`, sheets(shadow));
        walk(shadow.querySelectorAll('*'), `${scope}${i}/`);
      }
    }
  };
  walk(all, '');
  parts.push(state.join('\n'));
  const active = document.activeElement;
  parts.push(`focus=${active ? Array.prototype.indexOf.call(all, active) : -1} scroll=${window.scrollX},${window.scrollY}`);
  parts.push(`viewport=${window.innerWidth}x${window.innerHeight}@${window.devicePixelRatio}`);
  return parts.join('\n\u0000\n');
}
