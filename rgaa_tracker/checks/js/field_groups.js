// 11.5.1 / 11.6.1: radio buttons (or checkboxes) sharing a name are one group of fields of the
// same nature: they must sit in a fieldset or an element with role=group/radiogroup (11.5.1),
// and that grouping must have a legend (11.6.1). Fields with different names are not judged:
// whether they belong together is a person's call, and a false alarm costs more than a miss.
(lib, options) => {
  const findings = [];
  const groups = new Map();
  const fields = document.querySelectorAll('input[type=radio][name], input[type=checkbox][name]');
  for (const field of fields) {
    if (lib.hidden(field)) continue;
    const key = `${field.type}\u0000${field.form ? lib.selector(field.form) : ''}\u0000${field.name}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(field);
  }
  let applicable = false;
  let grouped = false;
  for (const [key, members] of groups) {
    if (members.length < 2) continue;
    applicable = true;
    const kind = members[0].type === 'radio' ? 'boutons radio' : 'cases à cocher';
    const containers = members.map((m) => m.closest('fieldset, [role=group], [role=radiogroup]'));
    const container = containers[0];
    if (!container || containers.some((c) => c !== container)) {
      findings.push(lib.finding('11.5.1', 'non_conforme', members[0],
        `Les ${members.length} ${kind} « ${members[0].name} » ne sont pas regroupés dans un fieldset ni dans un élément de rôle group ou radiogroup.`));
      continue;
    }
    grouped = true;
    const legend = container.localName === 'fieldset'
      ? Array.prototype.find.call(container.children, (c) => c.localName === 'legend')
      : null;
    const hasLegend = (legend && lib.text(legend)) || (container.getAttribute('aria-label') || '').trim()
      || (container.getAttribute('aria-labelledby') || '').split(/\s+/).some((id) => lib.text(document.getElementById(id)));
    if (!hasLegend) {
      findings.push(lib.finding('11.6.1', 'non_conforme', container,
        `Le regroupement des ${kind} « ${members[0].name} » n'a pas de légende (legend, aria-label ou aria-labelledby).`));
    }
  }
  // 11.6.1 asks about existing groupings: with none on the page, it has nothing to apply to.
  return {applicable, findings, not_applicable: grouped ? [] : ['11.6.1']};
}
