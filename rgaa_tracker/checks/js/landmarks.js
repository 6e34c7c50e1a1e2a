// 9.2.1: the zones of the page are structured by their HTML5 elements. Decided without
// judgement: no visible <main> (non_conforme: every page has a main content zone); several
// visible <main>; a second <main> hidden only by CSS or aria-hidden (the method wants the
// `hidden` attribute, which holds without style sheets); a zone marked only by its ARIA role
// on another element (role=main/banner/contentinfo/navigation on a <div>), since the test asks
// for the element. Left to a person (a_verifier): no page-level <header> (or <footer>) at all,
// as a page may have no header zone; a <nav> with no link, which may not be a navigation zone.
// Which lists of links are the navigation zones is a person's call and is not judged.
// Pages whose doctype is not HTML5 are outside the criterion (its particular case).
(lib, options) => {
  const doctype = document.doctype;
  if (!doctype || doctype.name.toLowerCase() !== 'html' || doctype.publicId) return {applicable: false, findings: []};
  const findings = [];
  const HTML = 'http://www.w3.org/1999/xhtml';
  const role = (el) => (el.getAttribute('role') || '').trim().toLowerCase().split(/\s+/)[0];
  const elements = (tag) => Array.prototype.filter.call(document.getElementsByTagName(tag), (el) => el.namespaceURI === HTML);
  const shown = (el) => !lib.hidden(el);
  // A <header>/<footer> is the page's banner/contentinfo unless sectioning content scopes it.
  const SCOPE = 'article, aside, main, nav, section, [role=article], [role=complementary], [role=main], [role=navigation], [role=region]';
  const pageLevel = (el) => !(el.parentElement && el.parentElement.closest(SCOPE));
  let emptyPage = null;  // a page that shows no text (a blank page, a failed application) has no zones
  const empty = () => (emptyPage === null ? (emptyPage = !(document.body && (document.body.innerText || '').trim())) : emptyPage);
  const describe = (el) => `<${el.localName}${el.getAttribute('role') ? ` role="${el.getAttribute('role')}"` : ''}>`;

  // --- <main>
  // Hidden by HTML itself (what holds without style sheets): the hidden attribute, a closed
  // dialog, the content of a closed details.
  const htmlHidden = (el) => !!el.closest('[hidden], dialog:not([open])')
    || Array.prototype.some.call(document.querySelectorAll('details:not([open])'), (d) => d.contains(el) && !Array.prototype.some.call(d.children, (c) => c.localName === 'summary' && c.contains(el)));
  const mains = elements('main').filter((el) => !htmlHidden(el));
  const visibleMains = mains.filter(shown);
  const styleHidden = mains.filter((el) => !shown(el));
  if (visibleMains.length > 1) {
    for (const el of visibleMains.slice(1)) {
      findings.push(lib.finding('9.2.1', 'non_conforme', el,
        `La page a ${visibleMains.length} balises <main> visibles : la zone de contenu principal doit être structurée par une balise <main> visible unique.`));
    }
  }
  if (visibleMains.length >= 1) {
    for (const el of styleHidden) {
      findings.push(lib.finding('9.2.1', 'non_conforme', el,
        'Balise <main> supplémentaire masquée seulement par un style ou aria-hidden : les autres balises <main> doivent porter l\'attribut hidden.'));
    }
  } else {
    const roleMain = Array.prototype.find.call(document.querySelectorAll('[role]'), (el) => role(el) === 'main' && shown(el));
    if (roleMain) {
      findings.push(lib.finding('9.2.1', 'non_conforme', roleMain,
        `La zone de contenu principal est signalée par role="main" sur ${describe(roleMain)} et non structurée par une balise <main>.`));
    } else if (styleHidden.length || elements('main').length) {
      findings.push(lib.finding('9.2.1', 'non_conforme', styleHidden[0] || elements('main')[0],
        'Aucune balise <main> visible : la zone de contenu principal doit être structurée par une balise <main> visible.'));
    } else if (!empty()) {
      findings.push(lib.finding('9.2.1', 'non_conforme', document.body,
        'La page n\'a pas de balise <main> : la zone de contenu principal doit être structurée par une balise <main>.'));
    }
  }

  // --- zones marked by an ARIA role on another element than theirs
  const ZONES = {banner: ['header', 'zone d\'en-tête'], contentinfo: ['footer', 'zone de pied de page'], navigation: ['nav', 'zone de navigation']};
  for (const el of document.querySelectorAll('[role]')) {
    const zone = ZONES[role(el)];
    if (!zone || el.localName === zone[0] || !shown(el)) continue;
    const [tag, name] = zone;
    // <div role="banner"><header>…</header></div> is structured by its <header> all the same.
    if (el.querySelector(tag) || (el.parentElement && el.parentElement.closest(tag))) continue;
    findings.push(lib.finding('9.2.1', 'non_conforme', el,
      `La ${name} est signalée par role="${role(el)}" sur ${describe(el)} et non structurée par une balise <${tag}>.`));
  }

  // --- no page-level header / footer: maybe no such zone, a person must look
  for (const [tag, zoneRole, name] of [['header', 'banner', 'zone d\'en-tête'], ['footer', 'contentinfo', 'zone de pied de page']]) {
    const tags = elements(tag).filter(shown);
    const declared = Array.prototype.some.call(document.querySelectorAll('[role]'), (el) => role(el) === zoneRole && shown(el));
    if (declared || tags.some(pageLevel) || empty()) continue;
    const where = tags.length ? `les balises <${tag}> présentes sont dans des sections de contenu` : `aucune balise <${tag}>`;
    findings.push(lib.finding('9.2.1', 'a_verifier', tags[0] || document.body,
      `La page n'a pas de ${name} structurée (${where}) : vérifier si la page a une ${name} et, si oui, qu'elle est structurée par une balise <${tag}>.`));
  }

  // --- <nav> that holds no link
  for (const el of elements('nav')) {
    if (!shown(el) || role(el) && role(el) !== 'navigation') continue;
    if (el.querySelector('a[href], [role=link]')) continue;
    findings.push(lib.finding('9.2.1', 'a_verifier', el,
      'Balise <nav> sans aucun lien : vérifier qu\'elle structure bien une zone de navigation (la balise <nav> leur est réservée).'));
  }
  return {applicable: findings.length > 0 || !empty(), findings};
}
