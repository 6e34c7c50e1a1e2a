// 10.7.1: is the focus visible? Called step by step (`op`) by checks/keyboard.py, which presses
// Tab for real in between and compares screenshots; the focused element is kept in this
// isolated world's globals from one step to the next.
//  - start: false, changing nothing, when nothing in the page may take the focus at all (the
//    check's cheap precondition: no key is pressed in a page where Tab can reach nothing); else
//    remember the scroll, restart sequential focus navigation at the top;
//  - inspect: the element Tab just focused, its rendering styles (and those of its pseudo-
//    elements, ancestors, neighbours and labels) with and without focus; left blurred;
//  - refocus / blur: the same element focused again (for the screenshot) and blurred;
//  - finish: no focus, navigation restarting at the top, the scroll as it was.
(lib, op, arg) => {
  const state = globalThis.__rgaaFocusVisible || (globalThis.__rgaaFocusVisible = {seen: new Set()});
  // What can draw a focus indicator on or around an element.
  const PROPS = ['box-shadow', 'background-color', 'background-image', 'color', 'text-shadow', 'opacity', 'transform',
    'translate', 'scale', 'filter', 'font-weight', 'font-style', 'visibility', 'display', 'position', 'top', 'left', 'width',
    'height', 'clip', 'clip-path', 'z-index', 'content'];
  const SIDES = ['top', 'right', 'bottom', 'left'];
  const TEXT_ENTRY = /^(text|search|email|url|tel|password|number|date|datetime-local|month|week|time)$/;

  const {deepActive} = lib;
  const resetStart = lib.resetFocusStart;
  // A focus style may come with a transition: read (and screenshot) its end, not its start.
  const settle = () => {
    for (const animation of document.getAnimations()) {
      if (animation.transitionProperty !== undefined && animation.playState === 'running') {
        try { animation.finish(); } catch (error) { /* an endless one: left as it is */ }
      }
    }
  };
  // Values that draw nothing are left out: the browser's own focus style changes the outline
  // width and offset even where the author set `outline: none`.
  const styleOf = (el, pseudo) => {
    const style = getComputedStyle(el, pseudo);
    const parts = PROPS.map((p) => style.getPropertyValue(p));
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    parts.push(outline ? `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor} ${style.outlineOffset}` : '-');
    for (const side of SIDES) {
      const kind = style.getPropertyValue(`border-${side}-style`);
      const width = style.getPropertyValue(`border-${side}-width`);
      parts.push(kind !== 'none' && kind !== 'hidden' && parseFloat(width) > 0 ? `${kind} ${width} ${style.getPropertyValue(`border-${side}-color`)}` : '-');
    }
    const line = style.textDecorationLine;
    parts.push(line !== 'none' ? `${line} ${style.textDecorationStyle} ${style.textDecorationColor} ${style.textDecorationThickness} ${style.textUnderlineOffset}` : '-');
    return parts.join('|');
  };
  const parentOf = (el) => el.parentElement || (el.parentNode && el.parentNode.host) || null;
  // The rendering of the element and of what a focus style usually reaches (:focus-within,
  // :focus + label, ::after rings), as parts read on demand: `read` reads them all (focused),
  // `sameAs` stops at the first that differs (most elements change their own style with focus:
  // the rest is then not read).
  const partsOf = (el) => {
    const parts = [() => styleOf(el), () => styleOf(el, '::before'), () => styleOf(el, '::after')];
    let node = parentOf(el);
    for (let depth = 0; node && node.nodeType === 1 && node !== document.documentElement && depth < 10; depth += 1) {
      const ancestor = node;
      parts.push(() => styleOf(ancestor), () => styleOf(ancestor, '::before'), () => styleOf(ancestor, '::after'));
      node = parentOf(node);
    }
    let sibling = el.nextElementSibling;
    for (let i = 0; sibling && i < 2; i += 1, sibling = sibling.nextElementSibling) {
      const next = sibling;
      parts.push(() => styleOf(next), () => styleOf(next, '::before'), () => styleOf(next, '::after'));
    }
    const previous = el.previousElementSibling;
    if (previous) parts.push(() => styleOf(previous));
    Array.prototype.slice.call(el.labels || [], 0, 3).forEach((l) => parts.push(() => styleOf(l), () => styleOf(l, '::before'), () => styleOf(l, '::after')));
    return parts;
  };
  const read = (parts) => parts.map((part) => part());
  const sameAs = (parts, than) => parts.length === than.length && parts.every((part, i) => part() === than[i]);

  const outlined = (el) => {
    const style = getComputedStyle(el);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 && !/rgba\([^)]*,\s*0\)|transparent/.test(style.outlineColor);
  };
  const shadowed = (el) => getComputedStyle(el).boxShadow !== 'none';

  const focusable = () => {
    // Generous on purpose: anything that might take the focus sends the page through the
    // keyboard check; only a page with none of it is left out.
    const CANDIDATES = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, iframe, frame, object, embed, '
      + 'summary, audio[controls], video[controls], [tabindex], [contenteditable]:not([contenteditable=false i]), [draggable=true]';
    if (document.querySelector(CANDIDATES)) return true;
    for (const el of document.getElementsByTagName('*')) {
      // A shadow root (a closed one cannot be looked into) or a custom element may hold focusable content.
      if (el.shadowRoot || el.localName.includes('-')) return true;
      // A box that scrolls takes the focus itself when nothing in it can (Chromium).
      if (el !== document.documentElement && el !== document.body
          && ((el.clientHeight > 0 && el.scrollHeight > el.clientHeight + 1) || (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1))) return true;
    }
    return false;
  };

  if (op === 'start') {
    if (!focusable()) return false;
    state.seen = new Set();
    state.el = null;
    state.x = scrollX;
    state.y = scrollY;
    resetStart();
    return true;
  }

  if (op === 'inspect') {
    const el = deepActive();
    if (!el || state.seen.has(el)) return {done: true};
    state.seen.add(el);
    state.el = el;
    if (/^(iframe|frame|object|embed)$/.test(el.localName)) return {skip: true};  // focus is in another document
    const onScreen = (r) => r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight;
    settle();
    let rect = el.getBoundingClientRect();
    if (!onScreen(rect)) {  // a smooth scroll still under way, or an element that stays out of sight
      el.scrollIntoView({block: 'center', inline: 'nearest', behavior: 'instant'});
      rect = el.getBoundingClientRect();
    }
    const focused = read(partsOf(el));
    const ring = outlined(el) || shadowed(el);
    el.blur();
    settle();
    if (!onScreen(rect)) return {offscreen: true, selector: lib.selector(el), html: lib.snippet(el)};
    if (!sameAs(partsOf(el), focused)) return {changed: true};
    const textEntry = (el.localName === 'input' && TEXT_ENTRY.test(el.type)) || el.localName === 'textarea' || el.isContentEditable;
    return {suspect: true, ring, textEntry, selector: lib.selector(el), html: lib.snippet(el),
      rect: {left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom},
      viewport: {width: innerWidth, height: innerHeight, x: scrollX, y: scrollY}};
  }

  if (op === 'refocus') {
    if (!state.el) return false;
    state.el.focus({preventScroll: true});
    settle();
    return deepActive() === state.el;
  }

  if (op === 'blur') {
    if (state.el) state.el.blur();
    settle();
    return true;
  }

  if (op === 'finish') {
    resetStart();
    if (state.x !== undefined) scrollTo({left: state.x, top: state.y, behavior: 'instant'});
    globalThis.__rgaaFocusVisible = {seen: new Set()};
    return true;
  }
  return null;
}
