// 12.6.1: the zones shared by the pages (header, main navigation, main content, footer, site
// search) can be reached or skipped: a landmark (role or the element that implies it), a
// heading, a button hiding the zone, or a skip / quick-access link. What the browser can decide:
// - the main content: a main landmark passes; without one, a page with neither a heading nor a
//   working in-page link leaves no way to reach it (non_conforme), else a person checks that a
//   heading or link does (a_verifier);
// - the site search: a search field inside a search landmark (role=search, <search>), targeted
//   by an in-page link, or shown and hidden by a disclosure button (aria-controls, or
//   aria-expanded right before it) passes. In the page's header zone (banner), where the site's
//   own search sits, one with none of these nor a heading is non_conforme, one with a heading
//   is a_verifier (is the heading telling?). Outside the banner, only a form posting to a search
//   page may be the site search (a_verifier); other searches (a commune, an address) are not
//   the zone this test is about;
// - header, navigation and footer zones are found through their landmarks, which pass; the
//   structure check (9.2.1) is where missing ones are reported.
(lib, options) => {
  const findings = [];
  const role = (el) => (el.getAttribute('role') || '').trim().toLowerCase().split(/\s+/)[0];
  const shown = (el) => !lib.hidden(el);
  const HEADINGS = 'h1, h2, h3, h4, h5, h6, [role=heading]';

  // In-page links whose target exists: what a skip or quick-access link points to.
  const targets = [];
  for (const a of document.querySelectorAll('a[href*="#"]')) {
    let url;
    try { url = new URL(a.getAttribute('href'), document.baseURI); } catch (e) { continue; }
    if (url.origin + url.pathname + url.search !== location.origin + location.pathname + location.search) continue;
    let id = url.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* keep it raw */ }
    if (!id) continue;
    const target = document.getElementById(id) || document.getElementsByName(id)[0];
    if (target && target !== a) targets.push(target);
  }
  // Buttons that show or hide a part of the page (a disclosure: aria-controls).
  const toggled = [];
  for (const button of document.querySelectorAll('[aria-controls]')) {
    if (!(button.localName === 'button' || role(button) === 'button' || button.hasAttribute('aria-expanded'))) continue;
    for (const id of (button.getAttribute('aria-controls') || '').split(/\s+/)) {
      const target = id && document.getElementById(id);
      if (target) toggled.push(target);
    }
  }
  const maskable = (zone) => toggled.some((t) => t.contains(zone))
    || (zone.previousElementSibling && zone.previousElementSibling.matches('[aria-expanded], :has(> [aria-expanded]:only-child)'));
  const linked = (zone) => targets.some((t) => zone.contains(t) || t.contains(zone)
    || (t.nextElementSibling === zone && !(t.textContent || '').trim()));

  // --- main content
  const mainLandmark = Array.prototype.find.call(document.querySelectorAll('main, [role]'),
    (el) => (el.localName === 'main' ? !role(el) || role(el) === 'main' : role(el) === 'main') && shown(el));
  if (!mainLandmark && document.body && (document.body.innerText || '').trim()) {
    const headings = Array.prototype.filter.call(document.querySelectorAll(HEADINGS), (h) => !/^h[1-6]$/.test(h.localName) || !role(h) || role(h) === 'heading');
    if (!headings.length && !targets.length) {
      findings.push(lib.finding('12.6.1', 'non_conforme', document.body,
        'La zone de contenu principal ne peut pas être atteinte : pas de rôle main (balise <main>), aucun titre ni aucun lien d\'accès rapide dans la page.'));
    } else {
      findings.push(lib.finding('12.6.1', 'a_verifier', document.body,
        'Pas de rôle main (balise <main>) : vérifier qu\'un titre ou un lien d\'évitement ou d\'accès rapide permet d\'atteindre la zone de contenu principal.'));
    }
  }

  // --- site search
  const banners = Array.prototype.filter.call(document.querySelectorAll('header, [role]'), (el) => {
    if (el.localName === 'header' && !role(el)) {
      return !(el.parentElement && el.parentElement.closest('article, aside, main, nav, section, [role=article], [role=complementary], [role=main], [role=navigation], [role=region]'));
    }
    return role(el) === 'banner';
  });
  const SEARCH_WORDS = /recherch|search/i;
  const fields = Array.prototype.filter.call(document.querySelectorAll('input, [role=searchbox]'), (el) => {
    if (el.localName === 'input') {
      const type = (el.getAttribute('type') || 'text').toLowerCase();
      if (type === 'search') return true;
      if (type !== 'text') return false;
      const words = [el.name, el.id, el.getAttribute('placeholder'), el.getAttribute('aria-label'), el.labels && el.labels[0] && el.labels[0].textContent].join(' ');
      return SEARCH_WORDS.test(words) || el.name === 'q';
    }
    return role(el) === 'searchbox';
  });
  const seen = new Set();
  for (const field of fields) {
    const landmark = field.closest('search, [role~="search"]');
    if (landmark && (landmark.localName === 'search' ? !role(landmark) || role(landmark) === 'search' : role(landmark) === 'search')) continue;
    // The search form; a form wrapping the whole page (ASP.NET Web Forms) is no zone: then the
    // block around the field.
    let zone = field.form;
    if (!zone || zone.querySelector('header, main, footer, [role=banner], [role=main]')) {
      zone = field.closest('[role=group], fieldset, div, p, li') || field.parentElement;
    }
    if (!zone || seen.has(zone)) continue;
    const inBanner = banners.some((b) => b.contains(zone));
    if (!inBanner && !shown(field)) continue;  // the header's search stays its zone in a closed menu or dialog
    seen.add(zone);
    if (linked(zone) || linked(field) || maskable(zone)) continue;
    const previous = zone.previousElementSibling;
    const heading = zone.querySelector(HEADINGS) || (previous && previous.matches(HEADINGS) ? previous : null);
    const action = field.form ? (field.form.getAttribute('action') || '') : '';
    if (inBanner && heading) {
      findings.push(lib.finding('12.6.1', 'a_verifier', zone,
        `Zone de recherche de l'en-tête sans rôle search : vérifier que son titre « ${lib.text(heading).slice(0, 80)} » permet de comprendre sa nature.`));
    } else if (inBanner) {
      findings.push(lib.finding('12.6.1', 'non_conforme', zone,
        'Le moteur de recherche de l\'en-tête ne peut être ni atteint ni évité : ni rôle search (role="search" ou balise <search>), ni titre, ni lien d\'évitement ou d\'accès rapide.'));
    } else if (SEARCH_WORDS.test(action) && !heading) {
      findings.push(lib.finding('12.6.1', 'a_verifier', zone,
        'Formulaire de recherche sans rôle search, titre ni lien d\'accès rapide : s\'il s\'agit du moteur de recherche du site, il doit pouvoir être atteint (role="search" par exemple).'));
    }
  }
  return {applicable: findings.length > 0 || !!(document.body && (document.body.innerText || '').trim()), findings};
}
