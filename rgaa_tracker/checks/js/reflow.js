// 10.11.1, run by the reflow page check once the window is `width` CSS px wide: which visible
// information (text) or functionality (fields, buttons, links, frames) cannot be seen without
// scrolling horizontally.
// mode "size": the window's size; "scroll": the scroll position, to put back afterwards;
// "restore": put it back once the window has its former `width` again.
// mode "measure", after a couple of frames (resize handlers, media query listeners): text and
// controls past the right edge are looked for only where they can be (the whole page when it is
// wider than the window, else fixed boxes reaching past the edge), and each is classed by what
// holds it:
// - nothing: the page scrolls horizontally to show it: non_conforme, reported on the element
//   the overflow comes from (the widest first), a_verifier when an exception (data table,
//   image, video, map…) overflows too (it may be what widened the layout) or when the item is
//   a frame, object or embed (a map or a video is an exception, a form is not);
// - an exception of the criterion (data tables, images and graphics, video, maps, slideshows,
//   toolbars and applications, preformatted text and code): not judged;
// - a box that clips it, the viewport clipping (overflow-x: hidden on the root) or a fixed
//   box: cut in part, a_verifier (lost, or meant to be so?); wholly past the edge, it is
//   off-canvas on purpose (a closed menu) or visually hidden, not judged; a box clipping
//   within the window is not judged here.
// Besides, a box of its own that scrolls horizontally (overflow-x auto/scroll) with text in it
// and no exception that explains it: a_verifier (an inner horizontal scroll is an exception
// only if a person says so); tab lists, menus and toolbars excepted.
async (lib, options) => {
  if (options.mode === 'size') return [window.innerWidth, window.innerHeight];
  if (options.mode === 'scroll') return [window.scrollX, window.scrollY];
  if (options.mode === 'restore') {  // once the window has its width back (bounded wait)
    const end = Date.now() + 250;
    while (options.width && window.innerWidth !== options.width && Date.now() < end) {
      await new Promise((resolve) => { requestAnimationFrame(resolve); setTimeout(resolve, 20); });
    }
    if (Array.isArray(options.scroll)) window.scrollTo(options.scroll[0], options.scroll[1]);
    return window.innerWidth === options.width;
  }
  await new Promise((resolve) => {
    let done = false;
    const finish = () => { if (!done) { done = true; resolve(); } };
    requestAnimationFrame(() => requestAnimationFrame(finish));
    setTimeout(finish, 250);  // a page whose frames do not come: measure anyway
  });
  const root = document.documentElement;
  if (!document.body || getComputedStyle(root).writingMode.startsWith('vertical')) return {applicable: false, findings: []};
  const width = options.width || window.innerWidth;  // the window's width, as the criterion says it
  const edge = root.clientWidth + 1;  // the viewport less a vertical scrollbar
  const EXCEPTIONS = 'table:not([role=presentation]):not([role=none]), [role=table], [role=grid], [role=treegrid], pre, code, samp, '
    + 'img, picture, svg, canvas, video, audio, map, area, math, [role=img], [role=application], [role=toolbar], [role=math], '
    + '.leaflet-container, .maplibregl-map, .mapboxgl-map, .ol-viewport, .gm-style';
  const SLIDES = /carousel|carrousel|slide|diapo/i;
  const INNER_OK = new Set(['tablist', 'menubar', 'toolbar', 'listbox', 'tree', 'grid']);
  const UNCERTAIN = new Set(['iframe', 'object', 'embed']);
  // The few computed values used, read once per element and kept as plain values (keeping
  // thousands of live CSSStyleDeclaration objects makes every later read slow).
  const styles = new Map();
  const style = (el) => {
    let s = styles.get(el);
    if (!s) {
      const {position, overflowX} = getComputedStyle(el);
      s = {position, overflowX};
      styles.set(el, s);
    }
    return s;
  };
  const more = (el, name) => getComputedStyle(el)[name];  // values needed for a few elements only
  const clips = new Map();  // visually hidden by clip or clip-path (a "sr-only" box)
  const clipped = (el) => {
    if (!clips.has(el)) {
      const {clip, clipPath} = getComputedStyle(el);
      clips.set(el, (!!clip && clip !== 'auto') || (!!clipPath && clipPath !== 'none'));
    }
    return clips.get(el);
  };
  const exceptionCache = new Map();
  const exception = (el) => {
    if (exceptionCache.has(el)) return exceptionCache.get(el);
    const found = el.closest(EXCEPTIONS) || (function () {
      for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
        if (SLIDES.test(node.getAttribute('aria-roledescription') || '')) return node;
      }
      return null;
    }());
    exceptionCache.set(el, found);
    return found;
  };
  const rootClips = (() => {
    const own = style(root).overflowX;
    if (own !== 'visible') return own === 'hidden' || own === 'clip';
    const body = style(document.body).overflowX;
    return body === 'hidden' || body === 'clip';
  })();
  // What holds an overflowing item: {kind: page|inner-scroll|inner-clip|hidden|fixed|root-clip, box}.
  const held = new Map();
  const holder = (start, text) => {
    const key = text ? start : null;  // memo for text (by its parent element); controls are few
    if (key && held.has(key)) return held.get(key);
    const found = holderOf(start, text);
    if (key) held.set(key, found);
    return found;
  };
  const holderOf = (start, text) => {
    let escaping = false;  // inside an absolutely positioned box: skip to its containing block
    for (let el = start; el && el !== document.body && el !== root; el = el.parentElement) {
      const s = style(el);
      if (clipped(el)) return {kind: 'hidden', box: el};
      if (escaping && s.position === 'static' && more(el, 'transform') === 'none') continue;
      escaping = false;
      if (s.overflowX !== 'visible' && (text || el !== start)) {
        const box = el.getBoundingClientRect();
        if (box.width <= 2 || box.height <= 2) return {kind: 'hidden', box: el};
        if (box.right + window.scrollX <= edge) {
          return {kind: s.overflowX === 'auto' || s.overflowX === 'scroll' ? 'inner-scroll' : 'inner-clip', box: el};
        }
      }
      if (s.position === 'fixed') return {kind: 'fixed', box: el};
      if (s.position === 'absolute') escaping = true;
    }
    return {kind: rootClips ? 'root-clip' : 'page', box: null};
  };
  // The element the overflow comes from: the highest ancestor that still passes the edge.
  const origins = new Map();
  const origin = (el) => {
    if (!origins.has(el)) origins.set(el, originOf(el));
    return origins.get(el);
  };
  const originOf = (el) => {
    let found = el;
    for (let node = el.parentElement; node && node !== document.body && node !== root; node = node.parentElement) {
      if (node.getBoundingClientRect().right + window.scrollX > edge) found = node;
      else break;
    }
    if (found.parentElement === document.body && document.body.getBoundingClientRect().right + window.scrollX > edge) return document.body;
    return found;
  };

  // Where to look. Past the right edge, content either makes the page wider (its scroll width,
  // or the body's when the page clips), or sits in a fixed box (which never widens the page),
  // or in a box of its own that scrolls: one pass over the elements finds the last two, and
  // the text itself (the costly part) is read only where something can pass the edge.
  const wide = Math.max(root.scrollWidth, document.body.scrollWidth) > edge;
  const regions = wide ? [document.body] : [];
  const scrollers = [];
  for (const el of document.body.getElementsByTagName('*')) {
    if (el.clientWidth > 2 && el.scrollWidth > el.clientWidth + 2) {
      const overflow = style(el).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') scrollers.push(el);
    }
    if (!wide && el.offsetParent === null && style(el).position === 'fixed') {
      const rect = el.getBoundingClientRect();
      if (rect.right + window.scrollX > edge && rect.left + window.scrollX < edge - 1) regions.push(el);
    }
  }

  const items = [];  // [element standing for it, right edge, left edge, is a frame, is text]
  const range = document.createRange();
  let checked = 0;
  const CONTROLS = 'input:not([type=hidden]), select, textarea, button, a[href], iframe, object, embed, [role=button], [role=link]';
  for (const region of regions) {
    const walker = document.createTreeWalker(region, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node && checked < 30000; node = walker.nextNode()) {
      if (!/\S/.test(node.data)) continue;
      const parent = node.parentElement;
      if (!parent || ['script', 'style', 'noscript', 'template', 'option'].includes(parent.localName)) continue;
      checked += 1;
      range.selectNodeContents(node);
      const rect = range.getBoundingClientRect();
      if (rect.right + window.scrollX <= edge || rect.width === 0 || rect.height === 0) continue;
      if (!parent.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
      items.push([parent, rect.right + window.scrollX, rect.left + window.scrollX, false, true]);
    }
    for (const el of region.querySelectorAll(CONTROLS)) {
      const rect = el.getBoundingClientRect();
      if (rect.right + window.scrollX <= edge || rect.width === 0 || rect.height === 0) continue;
      if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
      items.push([el, rect.right + window.scrollX, rect.left + window.scrollX, UNCERTAIN.has(el.localName), false]);
    }
  }
  const innerScroll = (box) => lib.finding('10.11.1', 'a_verifier', box,
    `À ${width} px de large, ce bloc défile horizontalement pour montrer son contenu : vérifier s'il s'agit d'un cas particulier (tableau de données, diaporama, interface) ; sinon le contenu doit se redistribuer.`);
  const culprits = new Map();  // origin element → {right, verdict, sample}
  const others = new Map();    // holder box or element → finding
  // An exception (a wide image or table) past the edge may be what widens ordinary content.
  let exceptionOverflows = wide && Array.prototype.some.call(document.body.querySelectorAll(EXCEPTIONS),
    (el) => el.getBoundingClientRect().right + window.scrollX > edge && el.checkVisibility({visibilityProperty: true}));
  for (const [el, right, left, uncertain, text] of items) {
    if (exception(el)) { exceptionOverflows = true; continue; }
    const hold = holder(el, text);
    const whole = left >= edge - 1;  // wholly past the edge
    if (hold.kind === 'page') {
      const from = origin(el);
      const known = culprits.get(from);
      if (!known || right > known.right) {
        culprits.set(from, {right, uncertain: (known ? known.uncertain : true) && uncertain, sample: el});
      } else if (!uncertain) known.uncertain = false;
    } else if (hold.kind === 'inner-scroll') {
      const box = hold.box;
      if (others.has(box) || INNER_OK.has((box.getAttribute('role') || '').split(' ')[0]) || box.closest('[role=tablist], [role=menubar], [role=toolbar]')) continue;
      others.set(box, innerScroll(box));
    } else if ((hold.kind === 'root-clip' || hold.kind === 'fixed') && !whole) {
      const key = hold.box || origin(el);
      if (others.has(key)) continue;
      const why = hold.kind === 'fixed' ? 'par son bloc en position fixe' : 'car la page masque son débordement horizontal (overflow-x)';
      others.set(key, lib.finding('10.11.1', 'a_verifier', key,
        `À ${width} px de large, ce contenu dépasse le bord droit et est coupé ${why} : vérifier que l'information reste disponible.`));
    }
  }
  // Several overflowing siblings (the items of a row that does not wrap): their parent is
  // where the overflow comes from, reported once.
  const byParent = new Map();
  for (const [el, info] of culprits) {
    const parent = el.parentElement;
    if (!parent || el === document.body) continue;
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push([el, info]);
  }
  for (const [parent, members] of byParent) {
    if (members.length < 2 || parent === document.body || parent === root) continue;
    const merged = {right: 0, uncertain: true, sample: null};
    for (const [el, info] of members) {
      culprits.delete(el);
      if (info.right > merged.right) Object.assign(merged, {right: info.right, sample: info.sample});
      merged.uncertain = merged.uncertain && info.uncertain;
    }
    culprits.set(parent, merged);
  }
  const describe = (el) => {
    const id = el.getAttribute('id'), cls = (el.getAttribute('class') || '').trim().split(/\s+/).slice(0, 2).join(' ');
    return `<${el.localName}${id ? ` id="${id.slice(0, 40)}"` : ''}${cls ? ` class="${cls.slice(0, 60)}"` : ''}>`;
  };
  for (const box of scrollers) {
    if (others.has(box) || others.size >= 10 || exception(box)) continue;
    if (INNER_OK.has((box.getAttribute('role') || '').split(' ')[0]) || box.closest('[role=tablist], [role=menubar], [role=toolbar]')) continue;
    const rect = box.getBoundingClientRect();
    if (rect.right + window.scrollX > edge || rect.height <= 2 || !box.checkVisibility({visibilityProperty: true})) continue;
    // What makes it scroll: an exception in it (a data table in its wrapper) is not judged.
    const wider = Array.prototype.some.call(box.querySelectorAll(EXCEPTIONS), (el) => el.getBoundingClientRect().width > box.clientWidth + 2);
    if (wider || !lib.text(box)) continue;
    others.set(box, innerScroll(box));
  }
  const findings = [];
  const ranked = [...culprits.entries()]
    .map(([el, info]) => [el, Object.assign(info, {right: Math.max(info.right, el.getBoundingClientRect().right + window.scrollX)})])
    .sort((a, b) => b[1].right - a[1].right);
  for (const [el, info] of ranked.slice(0, 5)) {
    const excess = Math.round(info.right - edge + 1);
    const sample = lib.text(info.sample).slice(0, 60);
    const what = `${describe(el)} dépasse de ${excess} px le bord droit${sample ? ` (contenu : « ${sample} »)` : ''}`;
    if (info.uncertain) {
      findings.push(lib.finding('10.11.1', 'a_verifier', el,
        `À ${width} px de large, la page défile horizontalement : le cadre ou objet ${what} ; vérifier s'il s'agit d'un cas particulier (carte, vidéo, jeu).`));
    } else if (exceptionOverflows) {
      findings.push(lib.finding('10.11.1', 'a_verifier', el,
        `À ${width} px de large, la page défile horizontalement : ${what}. Un tableau, une image ou un autre cas particulier déborde aussi et peut en être la cause : à vérifier.`));
    } else {
      findings.push(lib.finding('10.11.1', 'non_conforme', el,
        `À ${width} px de large, la page défile horizontalement : ${what}.`));
    }
  }
  findings.push(...[...others.values()].slice(0, 10));
  if (wide && !rootClips && !culprits.size && !exceptionOverflows) {
    // The page is wider than the window with nothing visible past the edge (an invisible
    // tooltip, an empty box): named by the element reaching furthest.
    // Exceptions (a wide image) and boxes they widen are not judged.
    let furthest = null, right = edge;
    for (const el of document.body.getElementsByTagName('*')) {
      const r = el.getBoundingClientRect().right + window.scrollX;
      if (r <= right || exception(el)) continue;
      const widened = Array.prototype.some.call(el.querySelectorAll(EXCEPTIONS), (e) => e.getBoundingClientRect().right + window.scrollX >= r - 1);
      if (!widened) { right = r; furthest = el; }
    }
    if (furthest) {
      const excess = Math.round(Math.max(root.scrollWidth, document.body.scrollWidth) - edge + 1);
      findings.push(lib.finding('10.11.1', 'a_verifier', origin(furthest),
        `À ${width} px de large, la page défile horizontalement (${excess} px de plus que la fenêtre) sans contenu visible au-delà du bord droit : vérifier ce bloc, qui l'élargit.`));
    }
  }
  return {applicable: true, findings};
}
