// 10.1.1 / 10.1.2: the elements and attributes the RGAA glossary ("présentation de
// l'information") forbids in the generated source, exactly its list: no more (a false alarm
// costs an auditor's trust), no less. Every element of the document counts, hidden or not,
// except the head (a <link color> there presents nothing), foreign content (SVG and MathML have
// attributes of the same names, e.g. <rect width>) and custom elements (their attributes are
// their author's API, not HTML's presentational attributes).
(lib, options) => {
  const HTML = 'http://www.w3.org/1999/xhtml';
  const PER_TEST = 25;  // each test needs one finding; 25 leaves room for the other test
  const TAGS = ['basefont', 'big', 'blink', 'center', 'font', 'marquee', 's', 'strike', 'tt'];
  const ATTRIBUTES = ['align', 'alink', 'background', 'bgcolor', 'border', 'cellpadding', 'cellspacing', 'char', 'charoff',
    'clear', 'color', 'compact', 'frameborder', 'hspace', 'link', 'marginheight', 'marginwidth', 'text', 'valign', 'vlink',
    'vspace', 'size', 'width', 'height'];
  const SIZED = new Set(['img', 'object', 'embed', 'canvas', 'svg']);  // width/height allowed
  const doctype = document.doctype;
  const html5 = !!doctype && doctype.name.toLowerCase() === 'html' && !doctype.publicId;
  if (!html5) TAGS.push('u');  // <u> is forbidden only outside HTML5

  const judged = (el) => el.namespaceURI === HTML && !el.localName.includes('-') && !(document.head && document.head.contains(el));
  const forbidden = (el, attr) => {
    if (attr === 'size') return el.localName !== 'select';
    if (attr === 'width' || attr === 'height') return !SIZED.has(el.localName);
    return true;
  };
  const show = (el, attr) => {
    const value = el.getAttribute(attr);
    return value === '' ? attr : `${attr}="${value.slice(0, 40)}"`;
  };

  const tagFindings = [];
  const tagged = Array.prototype.filter.call(document.querySelectorAll(TAGS.join(',')), judged);
  for (const el of tagged.slice(0, PER_TEST)) {
    tagFindings.push(lib.finding('10.1.1', 'non_conforme', el,
      `Balise de présentation <${el.localName}> : la mise en forme doit passer par les feuilles de style (CSS).`));
  }

  const attrFindings = [];
  let attrTotal = 0;
  const selector = ATTRIBUTES.map((a) => `[${a}]`).join(',');
  for (const el of document.querySelectorAll(selector)) {
    if (!judged(el)) continue;
    const found = ATTRIBUTES.filter((a) => el.hasAttribute(a) && forbidden(el, a));
    if (!found.length) continue;
    attrTotal += 1;
    if (attrFindings.length >= PER_TEST) continue;
    attrFindings.push(lib.finding('10.1.2', 'non_conforme', el,
      `Attribut${found.length > 1 ? 's' : ''} de présentation sur <${el.localName}> : ${found.map((a) => show(el, a)).join(', ')} ; la mise en forme doit passer par les feuilles de style (CSS).`));
  }
  const total = (list, count, what) => {
    if (count > list.length && list.length) list[0].reason += ` (${count} ${what} au total dans la page)`;
  };
  total(tagFindings, tagged.length, 'balises de présentation');
  total(attrFindings, attrTotal, 'éléments avec des attributs de présentation');
  return {applicable: true, findings: [...tagFindings, ...attrFindings]};
}
