// 8.2.1: every duplicate id (not only the ones ARIA refers to), an empty id, and interactive
// content nested where HTML forbids it (in a link or a button). The parser hides other
// invalid markup from the DOM, so only what the DOM still shows is judged.
(lib, options) => {
  const findings = [];
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) {
    const id = el.getAttribute('id');
    if (id === '') {
      findings.push(lib.finding('8.2.1', 'non_conforme', el, 'Attribut id vide : un identifiant doit contenir au moins un caractère.'));
      continue;
    }
    if (/\s/.test(id)) {
      findings.push(lib.finding('8.2.1', 'non_conforme', el, `L'identifiant « ${id.slice(0, 80)} » contient une espace.`));
    }
    const count = (seen.get(id) || 0) + 1;
    seen.set(id, count);
    if (count === 2) {
      const total = document.querySelectorAll(`[id="${CSS.escape(id)}"]`).length;
      findings.push(lib.finding('8.2.1', 'non_conforme', el, `L'identifiant « ${id.slice(0, 80)} » est utilisé ${total} fois dans la page.`));
    }
  }
  const interactive = 'a[href], button, input:not([type=hidden]), select, textarea, details, iframe, embed, label, audio[controls], video[controls], [tabindex]';
  for (const outer of document.querySelectorAll('a[href], button')) {
    const inner = outer.querySelector(interactive);
    if (inner) {
      const what = outer.localName === 'a' ? 'un lien' : 'un bouton';
      findings.push(lib.finding('8.2.1', 'non_conforme', inner, `Élément interactif <${inner.localName}> imbriqué dans ${what} : imbrication interdite en HTML.`));
    }
  }
  return {applicable: true, findings};
}
