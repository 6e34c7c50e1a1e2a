// 12.7.1 / 12.7.2: the link to the main content (skip link). One function, several steps
// (`op`), called in turn by checks/keyboard.py, which presses the keys in between; the elements
// found by the first step are kept in this isolated world's globals for the next ones.
//  - facts: the main zone, the sequential focus order, the skip link among the first
//    `within` focusable elements; the 12.7.1 finding, and 12.7.2's when the target is missing;
//  - reset: sequential focus navigation restarts at the top of the document;
//  - at_link / focus_link / visible: the link reached by Tab, and whether it shows;
//  - activated: after Enter, did focus (or the next Tab) resume from the target;
//  - finish: focus, scroll and address put back as they were.
(lib, op, arg) => {
  const state = globalThis.__rgaaSkipLink || (globalThis.__rgaaSkipLink = {});
  const FOCUSABLE = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, iframe, summary, '
    + '[tabindex], [contenteditable]:not([contenteditable=false]), audio[controls], video[controls]';
  const BLOCK = 'header, nav, [role=banner], [role=navigation]';
  const CONTENT = /contenu|\bcontent\b|principal|\bmain\b/i;
  const OTHER = /menu|navigation|recherche|search|pied de page|footer/i;

  const {deepActive} = lib;
  const resetStart = lib.resetFocusStart;
  const visible = (el) => (el.checkVisibility ? el.checkVisibility({visibilityProperty: true}) : !lib.hidden(el));
  const tabbable = (el, radios) => {
    const index = el.getAttribute('tabindex');
    if (index !== null && parseInt(index, 10) < 0) return false;
    if (el.matches(':disabled') || el.closest('[inert]')) return false;
    if (el.localName === 'summary') {
      const details = el.parentElement;
      if (index === null && !(details && details.localName === 'details' && details.querySelector(':scope > summary') === el)) return false;
    }
    if (!visible(el)) return false;
    if (el.localName === 'input' && el.type === 'radio' && el.name) {  // a group is one stop (counted once)
      const key = `${el.form ? lib.selector(el.form) : ''}\u0000${el.name}`;
      if (radios.has(key)) return false;
      radios.add(key);
    }
    return true;
  };
  // Sequential focus order of the top document (positive tabindex first), bounded.
  const sequence = () => {
    const radios = new Set();
    const all = Array.prototype.slice.call(document.querySelectorAll(FOCUSABLE), 0, 3000).filter((el) => tabbable(el, radios));
    const positive = all.filter((el) => el.tabIndex > 0).sort((a, b) => a.tabIndex - b.tabIndex);
    return positive.concat(all.filter((el) => !(el.tabIndex > 0)));
  };
  const precedes = (a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) && !a.contains(b);
  const sameDocumentHash = (a) => {
    if (a.localName !== 'a' || !a.hash || a.hash.length < 2) return null;
    const targetAttr = (a.getAttribute('target') || '').trim().toLowerCase();
    if (targetAttr && targetAttr !== '_self') return null;
    try {
      const url = new URL(a.href);
      const here = new URL(location.href);
      if (url.origin !== here.origin || url.pathname !== here.pathname || url.search !== here.search) return null;
    } catch (error) {
      return null;
    }
    return a.hash.slice(1);
  };
  const resolve = (fragment) => {
    let decoded = fragment;
    try { decoded = decodeURIComponent(fragment); } catch (error) { /* keep it raw */ }
    return document.getElementById(decoded) || document.getElementById(fragment)
      || Array.prototype.find.call(document.getElementsByName(decoded), (el) => el.localName === 'a') || null;
  };
  const label = (el) => lib.name(el).slice(0, 80);
  const describe = (el) => {
    if (!el) return 'aucun élément';
    const text = label(el);
    return `<${el.localName}>${text ? ` « ${text} »` : ''}`;
  };

  if (op === 'facts') {
    const within = arg.within;
    const mains = Array.prototype.filter.call(document.querySelectorAll('main, [role=main]'), (el) => visible(el) && !el.hidden);
    const main = mains[0] || null;
    const seq = sequence();
    const before = main ? seq.filter((el) => !main.contains(el) && precedes(el, main)) : [];
    const ahead = new Set(before);
    const last = before.length ? before[before.length - 1] : null;
    const toMain = (target) => Boolean(main && target && (target === main || main.contains(target)
      || ((!last || (precedes(last, target) && !target.contains(last))) && (precedes(target, main) || target.contains(main)))));
    const candidates = [];
    seq.forEach((el, index) => {
      const fragment = sameDocumentHash(el);
      if (fragment === null || fragment.toLowerCase() === 'top') return;
      if (main && !ahead.has(el)) return;  // only a link met before the main content skips to it
      const target = resolve(fragment);
      const text = `${lib.name(el)} ${el.getAttribute('title') || ''}`;
      const worded = CONTENT.test(text) && !OTHER.test(text);
      if (toMain(target) || worded) candidates.push({el, index, fragment, target, structural: toMain(target)});
    });
    const near = candidates.filter((c) => c.index < within);
    const chosen = near.find((c) => c.structural) || near[0] || candidates.find((c) => c.structural) || candidates[0] || null;
    const findings = [];
    Object.assign(state, {main, ahead, link: null, target: null, href: location.href, x: scrollX, y: scrollY});
    if (!chosen) {
      if (!seq.length) return {applicable: false, findings, link: null};
      if (!main) {
        findings.push(lib.finding('12.7.1', 'a_verifier', document.body,
          `La page n'indique pas sa zone de contenu principal (élément main ou rôle main) et aucun lien vers le contenu n'a été trouvé parmi ses ${within} premiers éléments focalisables : vérifier la présence d'un lien d'évitement ou d'accès rapide.`));
        return {applicable: true, findings, link: null};
      }
      if (!before.length) return {applicable: false, findings, link: null};  // nothing to skip
      const block = before.map((el) => el.closest(BLOCK)).find(Boolean);
      if (before.length >= within && block) {
        findings.push(lib.finding('12.7.1', 'non_conforme', block,
          `Aucun lien d'évitement ou d'accès rapide vers le contenu principal : ${before.length} éléments focalisables (en-tête, navigation…) précèdent la zone main et aucun lien de la page n'y mène.`));
      } else {
        findings.push(lib.finding('12.7.1', 'a_verifier', block || before[0],
          `Aucun lien d'évitement ou d'accès rapide vers le contenu principal ; ${before.length} élément(s) focalisable(s) le précède(nt) : vérifier si un tel lien est nécessaire.`));
      }
      return {applicable: true, findings, link: null};
    }
    state.link = chosen.el;
    state.target = chosen.target;
    if (chosen.index >= within) {
      findings.push(lib.finding('12.7.1', 'a_verifier', chosen.el,
        `Le lien vers le contenu principal n'est atteint qu'à la ${chosen.index + 1}e tabulation (au-delà des ${within} premiers éléments focalisables) : vérifier qu'il joue son rôle de lien d'évitement.`));
    }
    if (!chosen.target) {
      findings.push(lib.finding('12.7.2', 'non_conforme', chosen.el,
        `La cible « #${chosen.fragment.slice(0, 80)} » du lien « ${label(chosen.el)} » n'existe pas dans la page (aucun élément avec cet id ni ancre de ce nom) : le lien ne fonctionne pas.`));
    }
    return {applicable: true, findings, link: {index: chosen.index, fragment: chosen.fragment, found: Boolean(chosen.target),
      selector: lib.selector(chosen.el), html: lib.snippet(chosen.el), label: label(chosen.el)}};
  }

  if (op === 'reset') {
    resetStart();
    return true;
  }

  if (op === 'at_link') {
    const active = deepActive();
    return {at: Boolean(active && active === state.link), active: active ? describe(active) : ''};
  }

  if (op === 'focus_link') {
    if (state.link) state.link.focus();
    return deepActive() === state.link;
  }

  if (op === 'visible') {
    // Seen once focused: a box of some size in the viewport, not clipped to nothing, not
    // transparent (decided); hidden at its centre by an ancestor's clipping or by another
    // element (a person judges).
    const link = state.link;
    if (!link) return {visible: false, covered: false, why: 'lien introuvable'};
    for (const animation of document.getAnimations()) {  // a link sliding in: its end position
      if (animation.transitionProperty !== undefined && animation.playState === 'running') {
        try { animation.finish(); } catch (error) { /* left as it is */ }
      }
    }
    const rect = link.getBoundingClientRect();
    const left = Math.max(rect.left, 0);
    const top = Math.max(rect.top, 0);
    const width = Math.min(rect.right, innerWidth) - left;
    const height = Math.min(rect.bottom, innerHeight) - top;
    if (width < 4 || height < 4) return {visible: false, covered: false, why: `sa partie à l'écran mesure ${Math.max(0, Math.round(width))} × ${Math.max(0, Math.round(height))} px`};
    const own = getComputedStyle(link);
    const clip = /rect\(\s*(-?[\d.]+)px,?\s*(-?[\d.]+)px,?\s*(-?[\d.]+)px,?\s*(-?[\d.]+)px\s*\)/.exec(own.clip);
    const positioned = own.position === 'absolute' || own.position === 'fixed';
    if ((positioned && clip && (clip[2] - clip[4] < 4 || clip[3] - clip[1] < 4)) || /inset\(\s*(50|100)%/.test(own.clipPath)) {
      return {visible: false, covered: false, why: 'il est entièrement découpé (clip)'};
    }
    for (let node = link; node && node.nodeType === 1; node = node.parentElement) {
      if (parseFloat(getComputedStyle(node).opacity) < 0.1) return {visible: false, covered: false, why: 'il est transparent (opacité nulle)'};
    }
    // Clipped by an ancestor or covered by something else: the point is not the link's.
    const hit = document.elementFromPoint(left + width / 2, top + height / 2);
    if (hit && hit !== link && !link.contains(hit)) return {visible: false, covered: true, why: `à sa place s'affiche ${describe(hit)}`};
    return {visible: true, covered: false, why: ''};
  }

  if (op === 'activated') {
    // After Enter (arg.tabbed false) or after the Tab that follows (true): keyboard navigation
    // must go on from the target, past what precedes the main content.
    const active = deepActive();
    const {target, main, ahead, link} = state;
    const hashChanged = location.href !== state.href;
    if (!target) return {ok: false, moved: false, hashChanged, active: describe(active)};
    const fromTarget = active && (active === target || target.contains(active) || precedes(target, active));
    const pastBlock = !active || !main || !ahead.has(active);
    if (!arg.tabbed) {
      const moved = Boolean(active && active !== link);
      return {ok: Boolean(moved && fromTarget && pastBlock), moved, hashChanged, active: describe(active)};
    }
    // Nothing focusable from the target on: Tab leaves the document or wraps to its top, which
    // says nothing against the link; the address taking the fragment is then all we can see.
    const last = sequence().pop();
    const nothingAfter = !last || !(last === target || target.contains(last) || precedes(target, last));
    if (!active || (nothingAfter && !fromTarget)) return {ok: hashChanged, moved: Boolean(active), hashChanged, active: describe(active)};
    return {ok: Boolean(fromTarget && pastBlock), moved: true, hashChanged, active: describe(active)};
  }

  if (op === 'finish') {
    resetStart();
    if (location.href !== state.href) {
      try { history.replaceState(history.state, '', state.href); } catch (error) { /* a sandboxed document */ }
    }
    if (state.x !== undefined) scrollTo({left: state.x, top: state.y, behavior: 'instant'});
    globalThis.__rgaaSkipLink = {};
    return true;
  }
  return null;
}
