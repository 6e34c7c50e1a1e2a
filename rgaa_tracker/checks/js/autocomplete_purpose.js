// 11.13.1: a field collecting data about the user (name, first name, e-mail, telephone,
// address, postal code, city, country, birth date…) needs an autocomplete attribute with a
// value of the HTML list. Its purpose is read from its type (email, tel, password), its label,
// or failing that its name/id; fields about someone or something else (the child, the
// employer, the property…) are left out. A missing attribute, an empty one, "on" or "off" is:
// - non_conforme when the visible label says it is the user's own ("Votre adresse
//   électronique", "Votre prénom") and the purpose is unambiguous and fits the field's type;
// - a_verifier otherwise (whether the field is about the user is a person's call).
// A valid value that does not fit an email/tel field's type is a_verifier (pertinence). An
// invalid value is axe-core's (autocomplete-valid): not repeated here.
(lib, options) => {
  const fold = (s) => String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2019\u02bc`]/g, "'").replace(/[\u00a0\u202f]/g, ' ').toLowerCase().replace(/\s+/g, ' ').trim();
  const FIELD_NAMES = new Set(('name honorific-prefix given-name additional-name family-name honorific-suffix nickname '
    + 'username new-password current-password one-time-code organization-title organization street-address address-line1 '
    + 'address-line2 address-line3 address-level4 address-level3 address-level2 address-level1 country country-name '
    + 'postal-code cc-name cc-given-name cc-additional-name cc-family-name cc-number cc-exp cc-exp-month cc-exp-year '
    + 'cc-csc cc-type transaction-currency transaction-amount language bday bday-day bday-month bday-year sex url photo '
    + 'tel tel-country-code tel-national tel-area-code tel-local tel-local-prefix tel-local-suffix tel-extension email impp').split(' '));
  const PURPOSES = {
    email: ['adresse électronique', 'email'], tel: ['téléphone', 'tel'], 'given-name': ['prénom', 'given-name'],
    'family-name': ['nom de famille', 'family-name'], name: ['nom complet', 'name'], bday: ['date de naissance', 'bday'],
    'postal-code': ['code postal', 'postal-code'], 'street-address': ['adresse postale', 'street-address ou address-line1'],
    'address-level2': ['ville ou commune', 'address-level2'], country: ['pays', 'country ou country-name'],
    'honorific-prefix': ['civilité', 'honorific-prefix'], sex: ['sexe', 'sex'], username: ['identifiant', 'username'],
    password: ['mot de passe', 'current-password ou new-password'],
  };
  // Unambiguous purposes: with "Votre…" in the visible label, the verdict needs no judgement.
  const SURE = {email: ['email', 'text'], tel: ['tel', 'text'], 'given-name': ['text'], 'family-name': ['text'],
    name: ['text'], bday: ['date', 'text'], 'postal-code': ['text', 'number', 'tel']};
  // Someone or something else than the user: the child, the employer, the property…
  const OTHERS = new RegExp([
    "\\b(defunte?s?|enfants?|conjointe?s?|epoux|epouse|partenaires?|pere|mere|beneficiaires?|destinataires?|employeurs?|proprietaires?",
    "|locataires?|bailleurs?|mandataires?|representante?s?|tuteur|tutrice|tiers|medecins?|notaires?|avocats?|vendeurs?|acheteurs?",
    "|acquereurs?|entreprises?|societes?|etablissements?|organismes?|associations?|employes?|salaries?|eleves?|patients?|victimes?",
    "|temoins?|ecoles?|mairies?|banques?|agences?|cotitulaires?|co-titulaires?|autre personne|personne a prevenir|contact d'urgence",
    "|parent \\d)\\b|\\b(du|de la|de l'|des|de votre|de vos|de son|de sa|de ses|de leur) ?(bien|biens|terrain|chantier|locaux|local",
    "|vehicules?|sinistre|accident|siege|proches?|parents?)\\b",
  ].join(''));
  const BIRTHPLACE = /\b(lieu|ville|commune|pays|departement|region) de naissance\b|\bnationalite\b/;
  const POSSESSIVE = /^(votre|vos|mon|ma|mes|your|my)\b/;
  const HINTS = '.fr-hint-text, .fr-message, .hint, .help, small, [class*=hint], [class*=help-text]';

  const familyName = (label) => {
    const match = label.match(/\bnoms?\b(.*)$/);
    if (!match) return /\b(last ?name|surname|family name)\b/.test(label);
    const rest = match[1];
    if (/^ ?(de famille|de naissance|d'usage|d'epouse|d'epoux|de jeune fille|patronymique|marital)/.test(rest)) return true;
    return !/^ ?(d'|de |du |des |commercial|de l'|propre)/.test(rest);
  };
  const fromLabel = (label) => {
    if (!label || BIRTHPLACE.test(label)) return null;
    if (/\b(identifiant( de connexion)?|nom d'utilisateur|login|user ?name)\b/.test(label)) return 'username';
    if (/\b(courriel|e-?mail|mel|adresse (electronique|mail|e-?mail|de messagerie|de courriel)|email address)\b/.test(label)) return 'email';
    if (/\b(telephone|tel(?! ?(que|qu'|quel|quelle)\b)|portable|mobile|phone)\b/.test(label)) return 'tel';
    if (/\b(noms? et prenoms?|prenoms? et noms?|nom complet|nom prenom|prenom nom|full name)\b/.test(label)) return 'name';
    if (/\b(date de naissance|birth ?date|date of birth|birthday)\b/.test(label)) return 'bday';
    if (/\b(prenoms?|first ?name|given name)\b/.test(label)) return 'given-name';
    if (familyName(label)) return 'family-name';
    if (/\b(code postal|postcode|post code|postal code|zip( code)?)\b/.test(label)) return 'postal-code';
    if (/\badresse (ip|web|internet|url|du site)\b/.test(label)) return null;
    if (/\b(adresse|numero et (nom|libelle) de (la )?(voie|rue)|(nom|libelle) de (la )?(voie|rue)|complement d'adresse|street|address)\b/.test(label)) return 'street-address';
    if (/\b(ville|commune|localite|city|town)\b/.test(label)) return 'address-level2';
    if (/\b(pays|country)\b/.test(label)) return 'country';
    if (/\bcivilite\b/.test(label)) return 'honorific-prefix';
    if (/\bsexe\b/.test(label)) return 'sex';
    return null;
  };
  const fromNames = (el) => {
    const raw = `${el.getAttribute('name') || ''} ${el.getAttribute('id') || ''}`.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    const words = new Set(raw.split(/[^a-z0-9]+/).filter(Boolean));
    const joined = [...words].join('');
    const any = (...list) => list.some((w) => words.has(w) || (w.length > 5 && joined.includes(w)));
    if (OTHERS.test([...words].join(' ')) || (words.has('naissance') && any('lieu', 'ville', 'commune', 'pays'))) return null;
    if (any('email', 'mail', 'courriel')) return 'email';
    if (any('tel', 'telephone', 'phone', 'mobile', 'portable')) return 'tel';
    if (any('prenom', 'firstname', 'givenname', 'fname')) return 'given-name';
    if (any('birthdate', 'birthday', 'dob', 'bday', 'naissance', 'datenaissance', 'dateofbirth')) return 'bday';
    if (any('nom', 'lastname', 'surname', 'familyname', 'lname', 'nomnaissance', 'nomusage')) return 'family-name';
    if (any('cp', 'codepostal', 'postalcode', 'zip', 'zipcode', 'postcode')) return 'postal-code';
    if (any('adresse', 'address', 'rue', 'street', 'voie')) return 'street-address';
    if (any('ville', 'city', 'commune', 'localite')) return 'address-level2';
    if (any('pays', 'country')) return 'country';
    if (any('civilite')) return 'honorific-prefix';
    return null;
  };
  const coreText = (el) => {
    const clone = el.cloneNode(true);
    clone.querySelectorAll(HINTS).forEach((n) => n.remove());
    return clone.textContent || '';
  };
  // The label a sighted user reads, without its hint ("Format attendu : …").
  const labelOf = (el) => {
    const byIds = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)).filter(Boolean);
    if (byIds.length) return fold(byIds.map(coreText).join(' '));
    if (el.labels && el.labels.length) return fold(Array.from(el.labels).map(coreText).join(' '));
    return fold(el.getAttribute('aria-label') || el.getAttribute('title') || el.getAttribute('placeholder') || '');
  };
  const legendsOf = (el) => {
    const texts = [];
    for (let group = el.closest('fieldset, [role=group]'); group; group = group.parentElement && group.parentElement.closest('fieldset, [role=group]')) {
      const legend = Array.from(group.children).find((c) => c.localName === 'legend');
      texts.push(legend ? coreText(legend) : '', group.getAttribute('aria-label') || '');
    }
    return fold(texts.join(' '));
  };
  const parse = (el) => {
    if (!el.hasAttribute('autocomplete')) return {state: 'missing'};
    const tokens = el.getAttribute('autocomplete').trim().toLowerCase().split(/\s+/).filter(Boolean);
    if (tokens[tokens.length - 1] === 'webauthn') tokens.pop();
    if (!tokens.length) return {state: 'missing'};
    if (tokens.length === 1 && (tokens[0] === 'on' || tokens[0] === 'off')) return {state: tokens[0]};
    const field = tokens[tokens.length - 1];
    return FIELD_NAMES.has(field) ? {state: 'valid', field} : {state: 'invalid'};
  };

  const {style, hidden} = lib.memoStyles();  // remembered per element: many share ancestors
  const TYPES = new Set(['text', 'email', 'tel', 'password', 'date', 'number', '']);
  const findings = [];
  let applicable = false;
  for (const el of document.querySelectorAll('input, select, textarea')) {
    const type = el.localName === 'input' ? el.type : '';  // the type as the browser reads it ('text' if unknown)
    if (!TYPES.has(type) || el.disabled || el.readOnly || hidden(el) || el.closest('[role=search]')) continue;
    const label = labelOf(el);
    const context = `${label} ${legendsOf(el)}`;
    if (OTHERS.test(context)) continue;  // about someone or something else: not the user's data
    let purpose = type === 'email' ? 'email' : type === 'tel' ? 'tel' : type === 'password' ? 'password' : fromLabel(label);
    let byLabel = purpose !== null && (type === 'email' || type === 'tel' || type === 'password' ? fromLabel(label) === purpose : true);
    if (!purpose && /\b(jour|mois|annee|day|month|year)\b/.test(label) && /\b(date de naissance|date of birth)\b/.test(legendsOf(el))) {
      purpose = 'bday';
      byLabel = false;
    }
    if (!purpose && !BIRTHPLACE.test(label)) purpose = fromNames(el);  // no telling label: its name or id
    if (!purpose) continue;
    applicable = true;
    const found = parse(el);
    const [what, token] = PURPOSES[purpose];
    const shown = (lib.name(el) || el.getAttribute('name') || '').replace(/\s+/g, ' ').trim().slice(0, 80);
    if (found.state === 'valid') {
      const fits = type === 'email' ? ['email', 'username'].includes(found.field)
        : type === 'tel' ? found.field.startsWith('tel') : true;
      if (!fits) {
        findings.push(lib.finding('11.13.1', 'a_verifier', el,
          `Le champ « ${shown} » de type ${type} a autocomplete="${found.field}" : vérifier que cette valeur est pertinente (attendu : ${token}).`));
      }
      continue;
    }
    if (found.state === 'invalid') continue;  // axe-core's autocomplete-valid
    const has = found.state === 'missing' ? "n'a pas d'attribut autocomplete" : `a autocomplete="${found.state}", qui n'indique pas sa finalité`;
    const sure = byLabel && POSSESSIVE.test(label) && SURE[purpose] && SURE[purpose].includes(type || 'text');
    if (sure) {
      findings.push(lib.finding('11.13.1', 'non_conforme', el,
        `Le champ « ${shown} » recueille une donnée de l'utilisateur (${what}) mais ${has} : il lui faut autocomplete="${token}".`));
    } else {
      findings.push(lib.finding('11.13.1', 'a_verifier', el,
        `Le champ « ${shown} » semble recueillir une donnée personnelle (${what}) et ${has} : s'il concerne l'utilisateur lui-même, il lui faut un attribut autocomplete pertinent (${token}).`));
    }
  }
  return {applicable, findings};
}
