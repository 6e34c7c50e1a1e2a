// 11.10.2: a field with `required` or aria-required="true" must show, before submission, that it
// is required, visibly, in its label or in a text passage tied to it (aria-labelledby,
// aria-describedby; the legend for a group of radio buttons). "*" counts only once explained
// before its first use ("Les champs marqués d'un astérisque sont obligatoires"); a statement
// before the field that every field is required ("Sauf mention contraire, tous les champs sont
// obligatoires", the DSFR pattern of the RGAA technical note) covers unmarked fields.
// 11.10.1 (a_verifier only): a field the form declares required (by that statement, or by an
// unexplained "*") that has neither `required` nor aria-required.
// Per the RGAA particular case, a form of one field, or one that marks its optional fields
// ("facultatif") without such a statement, is not judged.
(lib, options) => {
  const fold = (s) => String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2019\u02bc`]/g, "'").replace(/[\u00a0\u202f]/g, ' ').toLowerCase().replace(/\s+/g, ' ').trim();
  const STAR = /[*\u2217\u204e\u2731\uff0a]/;
  const REQUIRED_WORD = /\b(obligatoires?|requis|requises?|required|mandatory)\b/;
  const NOT_REQUIRED = /\b(non|pas) (obligatoire|requis)|\b(facultati(f|ve)s?|optionnel(le)?s?|optional)\b/;
  const ALL_REQUIRED = /\b(tous|toutes) (les )?(champs|zones|rubriques|informations|questions|donnees)\b[^.\n]{0,60}\b(obligatoires?|requis(es)?|a (renseigner|remplir|completer)|doivent etre (remplis|renseignes|completes|saisis))\b|\ball (the )?fields (are )?(required|mandatory)\b|\bchamps sont tous (obligatoires|requis)\b/;
  const MARKED = /marque|signale|suivi|indique|precede|accompagne|asterisque|etoile|[*\u2217\u204e\u2731\uff0a]/;
  const STAR_EXPLAINED = /[*\u2217\u204e\u2731\uff0a][^\n]{0,100}\b(obligatoires?|requis(es)?|required|mandatory)\b|\b(obligatoires?|requis(es)?|required|mandatory)\b[^\n]{0,60}[*\u2217\u204e\u2731\uff0a]|\b(asterisques?|etoiles?|asterisks?)\b[^\n]{0,80}\b(obligatoires?|requis(es)?|required|mandatory)\b/;
  const NOT_FIELD = new Set(['hidden', 'submit', 'reset', 'button', 'image']);
  const TEXTLESS = 'script, style, template, noscript, select, option, optgroup, textarea, datalist, svg, math';

  const {style, hidden} = lib.memoStyles();  // remembered per element: many share ancestors
  // Not seen on screen: display none (self or ancestor), visibility hidden, or clipped to a pixel.
  const unseen = new Map();
  const isUnseen = (el) => {
    if (!el || el.nodeType !== 1) return false;
    if (unseen.has(el)) return unseen.get(el);
    const s = style(el);
    let result = s.display === 'none' || s.visibility === 'hidden' || s.visibility === 'collapse';
    if (!result && (s.position === 'absolute' || s.position === 'fixed')) {
      const rect = el.getBoundingClientRect();
      result = (rect.width <= 1 || rect.height <= 1) && s.overflow !== 'visible'
        || /^rect\((0|1)px,? (0|1)px,? (0|1)px,? (0|1)px\)$/.test(s.clip) || /^inset\((50|100)%\)$/.test(s.clipPath);
    }
    if (!result) result = isUnseen(el.parentElement);
    unseen.set(el, result);
    return result;
  };
  const pseudo = (el, which) => {
    const content = getComputedStyle(el, which).content;
    if (!content || content === 'none' || content === 'normal') return '';
    const parts = [];
    content.replace(/"((?:[^"\\]|\\.)*)"/g, (m, inner) => parts.push(inner.replace(/\\(.)/g, '$1')));
    return parts.join('').replace(/[\ue000-\uf8ff]/g, '');  // icon-font glyphs are no text
  };
  // The text a sighted user sees in an element, generated content included.
  const seenText = (root) => {
    const parts = [];
    const walk = (node) => {
      if (node.nodeType === 3) {
        parts.push(node.nodeValue);
        return;
      }
      if (node.nodeType !== 1 || node.matches(TEXTLESS) || isUnseen(node)) return;
      parts.push(' ', pseudo(node, '::before'));
      for (const child of node.childNodes) walk(child);
      parts.push(pseudo(node, '::after'), ' ');
    };
    walk(root);
    return parts.join('').replace(/\s+/g, ' ').trim();
  };
  const graphic = (root) => !!root.querySelector('img, svg, [role=img], [class*=icon], [class*=ico-]');

  // --- fields, one unit per field or per group of radio buttons ---------------------------------
  const formOf = (el) => el.closest('form, [role=form]');
  const ids = (el, attr) => (el.getAttribute(attr) || '').split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)).filter(Boolean);
  const skip = (el) => (el.localName === 'input' && NOT_FIELD.has(el.type)) || el.disabled || el.readOnly
    || el.getAttribute('aria-disabled') === 'true' || el.getAttribute('aria-readonly') === 'true' || hidden(el);
  const groupOf = (el) => el.closest('fieldset, [role=group], [role=radiogroup]');
  const units = [];
  const radios = new Map();
  const selector = 'input, select, textarea, [role=textbox], [role=combobox], [role=listbox], [role=searchbox], '
    + '[role=spinbutton], [role=slider], [role=checkbox], [role=switch], [role=radiogroup], fieldset[aria-required=true], '
    + '[role=group][aria-required=true]';
  for (const el of document.querySelectorAll(selector)) {
    if (skip(el)) continue;
    const grouping = el.localName === 'fieldset' || ['radiogroup', 'group'].includes(el.getAttribute('role'));
    if (grouping && el.querySelector('input, select, textarea')) continue;  // its native fields are the units
    if (el.localName === 'input' && el.type === 'radio' && el.name) {
      const form = formOf(el);
      const key = `${form ? lib.selector(form) : ''}\u0000${el.name}`;
      if (!radios.has(key)) {
        const unit = {el, members: [], form, kind: 'choice'};
        radios.set(key, unit);
        units.push(unit);
      }
      radios.get(key).members.push(el);
      continue;
    }
    const kind = (el.localName === 'input' && ['checkbox', 'radio'].includes(el.type)) || grouping
      || ['checkbox', 'switch'].includes(el.getAttribute('role')) ? 'choice' : 'text';
    units.push({el, members: [el], form: formOf(el), kind});
  }
  for (const unit of units) {
    unit.required = unit.members.some((m) => m.required || m.getAttribute('aria-required') === 'true')
      || unit.el.closest('[aria-required=true]') !== null;
    const sources = [];
    for (const m of unit.members) {
      const labelledby = ids(m, 'aria-labelledby');
      sources.push(...labelledby, ...(m.labels || []), ...ids(m, 'aria-describedby'));
      if (m.localName === 'fieldset') sources.push(...Array.from(m.children).filter((c) => c.localName === 'legend'));
    }
    if (unit.kind === 'choice') {
      const group = groupOf(unit.el.localName === 'fieldset' ? unit.el.parentElement || unit.el : unit.el);
      if (group) {
        sources.push(...Array.from(group.children).filter((c) => c.localName === 'legend'), ...ids(group, 'aria-labelledby'),
          ...ids(group, 'aria-describedby'));
      }
    }
    unit.sources = [...new Set(sources)];
    unit.seen = unit.sources.map(seenText).join(' ').trim();
    const folded = fold(unit.seen);
    unit.optional = NOT_REQUIRED.test(folded);
    unit.explicit = REQUIRED_WORD.test(folded) && !unit.optional;
    unit.star = STAR.test(unit.seen);
    unit.hiddenHint = REQUIRED_WORD.test(fold([
      ...unit.sources.map((s) => s.textContent), ...unit.members.flatMap((m) => [m.getAttribute('aria-label'), m.getAttribute('title'),
        m.getAttribute('placeholder')])].join(' '))) || unit.sources.some(graphic);
    const name = lib.name(unit.el) || unit.el.getAttribute('name') || unit.el.getAttribute('id') || '';
    unit.label = name.replace(/\s+/g, ' ').trim().slice(0, 80);
  }

  // --- forms and what they say of all their fields --------------------------------------------
  const forms = new Map();
  for (const unit of units) {
    if (!forms.has(unit.form)) forms.set(unit.form, []);
    forms.get(unit.form).push(unit);
  }
  // Statements (all fields required, "*" explained), read per block of text (a paragraph, a
  // list item…) so that a sentence is never glued to the next field's label. Only blocks with a
  // telling word are read: the scope may be a whole page.
  const KEYWORD = /oblig|requi|mandator|renseign|rempli|compl[eé]t|saisi/i;
  const inline = (el) => {
    const display = style(el).display;
    return display.startsWith('inline') || display === 'contents';
  };
  const blockOf = (node, root) => {
    for (let el = node.parentElement; el && el !== root; el = el.parentElement) if (!inline(el)) return el;
    return root;
  };
  const blockText = (block) => {
    const parts = [];
    const walk = (node) => {
      for (let child = node.firstChild; child; child = child.nextSibling) {
        if (child.nodeType === 3) parts.push(child.nodeValue);
        else if (child.nodeType === 1 && !child.matches(TEXTLESS) && !isUnseen(child)) {
          if (inline(child)) walk(child);
          else parts.push('\n');  // a nested block is text of its own
        }
      }
    };
    walk(block);
    return parts.join('');
  };
  const statementsIn = (root) => {
    const found = [];
    if (!KEYWORD.test(root.textContent)) return found;
    const read = new Set();
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!KEYWORD.test(node.nodeValue)) continue;
      const parent = node.parentElement;
      if (!parent || parent.closest(TEXTLESS) || isUnseen(parent)) continue;
      const block = blockOf(node, root);
      if (read.has(block)) continue;
      read.add(block);
      const text = blockText(block).split('\n').map(fold).join('\n');
      const all = text.match(ALL_REQUIRED);
      if (all && !MARKED.test(all[0])) found.push({kind: 'all', node});
      if (STAR_EXPLAINED.test(text)) found.push({kind: 'star', node});
    }
    return found;
  };
  const before = (node, el) => !!(node.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  const scopeCache = new Map();
  const statementsFor = (form) => {
    const root = (form && form.closest('main, [role=main]')) || document.querySelector('main, [role=main]') || document.body;
    if (!scopeCache.has(root)) scopeCache.set(root, statementsIn(root));
    const all = scopeCache.get(root);
    // A form's statements: inside it, or before it. Fields outside any form: the whole scope.
    return form ? all.filter((s) => form.contains(s.node) || before(s.node, form)) : all;
  };

  const findings = [];
  let applicable = false;
  const quote = (unit) => (unit.label ? `« ${unit.label} »` : 'sans nom');
  for (const [form, members] of forms) {
    if (members.length < 2) continue;  // one field: not applicable (RGAA particular case)
    const claimsRequired = members.some((u) => u.required || u.star);
    const statements = statementsFor(form);
    const allStatements = statements.filter((s) => s.kind === 'all');
    if (!claimsRequired && !allStatements.length) continue;
    if (members.some((u) => u.optional) && !allStatements.length) continue;  // optional fields marked: not applicable
    applicable = true;
    for (const unit of members) {
      const anchor = unit.members[0];
      const has = (kind, when) => statements.some((s) => s.kind === kind && before(s.node, anchor) === when);
      const allBefore = has('all', true), allAfter = has('all', false);
      const starBefore = has('star', true), starAfter = has('star', false);
      if (unit.required) {
        if (unit.explicit || unit.optional) continue;
        if (unit.star) {
          if (starBefore || allBefore) continue;
          findings.push(lib.finding('11.10.2', 'a_verifier', anchor, starAfter
            ? `Le champ obligatoire ${quote(unit)} est signalé par un astérisque, mais l'explication de l'astérisque n'apparaît qu'après lui dans le formulaire : elle doit le précéder.`
            : `Le champ obligatoire ${quote(unit)} est signalé par un astérisque dont aucune explication (« champs obligatoires ») n'a été trouvée avant lui dans le formulaire.`));
          continue;
        }
        if (allBefore) continue;
        let reason = null;
        if (allAfter) reason = `Le champ obligatoire ${quote(unit)} n'est pas signalé ; la mention que tous les champs sont obligatoires n'apparaît qu'après lui.`;
        else if (!unit.seen) reason = `Le champ obligatoire ${quote(unit)} n'a pas d'étiquette visible : vérifier qu'une indication visible de son caractère obligatoire l'accompagne.`;
        else if (unit.hiddenHint) reason = `Le champ obligatoire ${quote(unit)} n'est signalé comme tel que de façon non visible ou par une image (aria-label, title, placeholder, texte masqué, icône) : vérifier qu'une indication visible figure dans son étiquette.`;
        if (reason) {
          findings.push(lib.finding('11.10.2', 'a_verifier', anchor, reason));
        } else {
          findings.push(lib.finding('11.10.2', 'non_conforme', anchor,
            `Le champ ${quote(unit)} est obligatoire (attribut required ou aria-required) mais ni son étiquette ni un texte qui lui est associé ne l'indiquent (« obligatoire » ou astérisque expliqué), et le formulaire n'annonce pas que tous les champs sont obligatoires.`));
        }
      } else if (!unit.optional && !unit.explicit) {
        if (unit.star && !starBefore && !starAfter && !allBefore && !allAfter) {
          findings.push(lib.finding('11.10.1', 'a_verifier', anchor,
            `Le champ ${quote(unit)} est marqué d'un astérisque sans explication et n'a ni l'attribut required ni aria-required : s'il est obligatoire, rien ne l'indique de façon fiable.`));
        } else if (!unit.star && unit.kind === 'text' && allBefore && !(anchor.localName === 'input' && anchor.type === 'search')) {
          findings.push(lib.finding('11.10.1', 'a_verifier', anchor,
            `Le formulaire annonce que tous les champs sont obligatoires (sauf mention contraire) ; le champ ${quote(unit)} n'est pas signalé facultatif mais n'a ni l'attribut required ni aria-required.`));
        }
      }
    }
  }
  return {applicable, findings};
}
