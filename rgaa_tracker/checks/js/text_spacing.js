// 10.12.1: the RGAA's text-spacing style sheet (line-height 1.5, 2em after paragraphs,
// letter-spacing 0.12em, word-spacing 0.16em, on every element) is added to the document as an
// adopted style sheet (no DOM change for the page to react to, no Content-Security-Policy in
// the way) and taken off before returning; mode "clean" takes it off after a script that was
// stopped mid-way. A text is clipped when one of its line boxes falls outside a box that hides
// its overflow (overflow hidden or clip; scrolling boxes keep text reachable) by more than a
// quarter of a letter sideways or a third of a line. Only text that was whole before and is
// clipped after counts, so collapsed panels, carousels and visually hidden text do not.
// Verdict on the clipping box: non_conforme; a_verifier when the box truncates on purpose
// (text-overflow: ellipsis, line-clamp), where the full text may be given elsewhere.
(lib, options) => {
  const KEY = '__rgaaTextSpacingSheet';
  const takeOff = () => {
    const sheet = globalThis[KEY];
    if (sheet) document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
    globalThis[KEY] = null;
  };
  if (options.mode === 'clean') { takeOff(); return true; }
  if (!document.body) return {applicable: false, findings: []};

  // The few computed values used, read once per element and kept as plain values (keeping
  // thousands of live CSSStyleDeclaration objects makes every later read slow).
  const styles = new Map();
  const style = (el) => {
    let s = styles.get(el);
    if (!s) {
      const {position, overflowX, overflowY} = getComputedStyle(el);
      s = {position, overflowX, overflowY};
      styles.set(el, s);
    }
    return s;
  };
  const more = (el, name) => getComputedStyle(el)[name];  // values needed for a few elements only
  // The boxes that may clip an element's text, innermost first, up to the first scrolling box
  // or fixed box; an absolutely positioned box is clipped only by its containing block's chain.
  const chains = new Map();
  const clippers = (start) => {
    if (chains.has(start)) return chains.get(start);
    const found = [];
    let escaping = false;
    for (let el = start; el && el !== document.body && el !== document.documentElement; el = el.parentElement) {
      const s = style(el);
      if (escaping && s.position === 'static' && more(el, 'transform') === 'none') continue;
      escaping = false;
      const clipsX = s.overflowX === 'hidden' || s.overflowX === 'clip';
      const clipsY = s.overflowY === 'hidden' || s.overflowY === 'clip';
      if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowY === 'auto' || s.overflowY === 'scroll') {
        if (clipsX || clipsY) found.push([el, clipsX, clipsY]);
        break;  // text it holds can be scrolled to
      }
      if (clipsX || clipsY) found.push([el, clipsX, clipsY]);
      if (s.position === 'fixed') break;
      if (s.position === 'absolute') escaping = true;
    }
    chains.set(start, found);
    return found;
  };

  const texts = [];  // [text node, its clipping boxes]
  let applicable = false;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node && texts.length < 20000; node = walker.nextNode()) {
    if (!/[\p{L}\p{N}]/u.test(node.data)) continue;  // letters or digits: icon glyphs and bullets are not text to read
    const parent = node.parentElement;
    if (!parent || ['script', 'style', 'noscript', 'template', 'textarea', 'option', 'title'].includes(parent.localName)) continue;
    applicable = true;
    const chain = clippers(parent);
    if (!chain.length) continue;
    if (!parent.checkVisibility({visibilityProperty: true})) continue;
    texts.push([node, chain]);
  }
  const range = document.createRange();
  // The first box that cuts one of the node's line boxes, or null.
  const clippedBy = (node, chain) => {
    range.selectNodeContents(node);
    const lines = Array.prototype.filter.call(range.getClientRects(), (r) => r.width > 0 && r.height > 0);
    if (!lines.length) return null;
    const font = parseFloat(more(node.parentElement, 'fontSize')) || 16;
    for (const [box, clipsX, clipsY] of chain) {
      const outer = box.getBoundingClientRect();
      const left = outer.left + box.clientLeft, top = outer.top + box.clientTop;
      const right = left + box.clientWidth, bottom = top + box.clientHeight;
      for (const line of lines) {
        const sideways = Math.max(left - line.left, line.right - right);
        const lengthways = Math.max(top - line.top, line.bottom - bottom);
        if ((clipsX && sideways > Math.max(2, font * 0.25)) || (clipsY && lengthways > line.height / 3)) return box;
      }
    }
    return null;
  };

  if (!texts.length) return {applicable, findings: []};  // no text in a box that clips: nothing can be cut
  const before = texts.map(([node, chain]) => clippedBy(node, chain));
  const sheet = new CSSStyleSheet();
  sheet.replaceSync('* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }\n'
    + 'p { margin-bottom: 2em !important; }');
  takeOff();
  globalThis[KEY] = sheet;
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const after = [];
  try {
    for (let i = 0; i < texts.length; i += 1) after.push(before[i] ? null : clippedBy(texts[i][0], texts[i][1]));
  } finally {
    takeOff();
  }

  const boxes = new Map();  // clipping box → first text it cuts
  after.forEach((box, i) => { if (box && !boxes.has(box)) boxes.set(box, texts[i][0]); });
  const findings = [];
  for (const [box, node] of boxes) {
    const sample = (node.data || '').replace(/\s+/g, ' ').trim().slice(0, 80);
    const clamp = more(box, 'webkitLineClamp');
    const truncates = more(box, 'textOverflow') === 'ellipsis' || (clamp && clamp !== 'none');
    if (truncates) {
      findings.push(lib.finding('10.12.1', 'a_verifier', box,
        `Avec l'espacement du texte augmenté, ce bloc tronque le texte « ${sample} » (points de suspension) : vérifier que le texte complet reste disponible.`));
    } else {
      findings.push(lib.finding('10.12.1', 'non_conforme', box,
        `Avec l'espacement du texte augmenté (interlignage 1,5, lettres 0,12, mots 0,16, paragraphes 2), le texte « ${sample} » est coupé par ce bloc qui masque son débordement (overflow).`));
    }
    if (findings.length >= 20) break;
  }
  return {applicable, findings};
}
