// 13.3.1: every office document offered for download (PDF, Word, Excel, OpenDocument,
// PowerPoint, RTF, CSV, EPUB, or a ZIP archive of them) must be accessible or have an accessible
// version. Whether it is needs the document itself: each one is listed a_verifier, once per
// address, with its format and the size the page gives. The format is read from the link's
// address (path or a file name in the query), its type attribute, or its text ("PDF, 120 Ko").
(lib, options) => {
  const FORMATS = {
    pdf: 'PDF', doc: 'Word (DOC)', docx: 'Word (DOCX)', dot: 'Word (DOT)', dotx: 'Word (DOTX)', docm: 'Word (DOCM)',
    xls: 'Excel (XLS)', xlsx: 'Excel (XLSX)', xlsm: 'Excel (XLSM)', ppt: 'PowerPoint (PPT)', pptx: 'PowerPoint (PPTX)',
    pps: 'PowerPoint (PPS)', ppsx: 'PowerPoint (PPSX)', odt: 'OpenDocument texte (ODT)', ods: 'OpenDocument classeur (ODS)',
    odp: 'OpenDocument présentation (ODP)', odg: 'OpenDocument dessin (ODG)', rtf: 'RTF', csv: 'CSV', epub: 'EPUB',
    zip: 'archive ZIP',
  };
  const MIME = {
    'application/pdf': 'pdf', 'application/msword': 'doc', 'application/vnd.ms-excel': 'xls', 'application/vnd.ms-powerpoint': 'ppt',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
    'application/vnd.oasis.opendocument.text': 'odt', 'application/vnd.oasis.opendocument.spreadsheet': 'ods',
    'application/vnd.oasis.opendocument.presentation': 'odp', 'application/rtf': 'rtf', 'text/rtf': 'rtf', 'text/csv': 'csv',
    'application/epub+zip': 'epub', 'application/zip': 'zip', 'application/x-zip-compressed': 'zip',
  };
  const EXT = new RegExp(`\\.(${Object.keys(FORMATS).join('|')})$`, 'i');
  const WORD = `(${Object.keys(FORMATS).join('|')})`;
  // A format given as the link's detail: "(PDF, 120 Ko)", "(format ODT)", "PDF – 61,88 Ko". A format
  // merely named ("Pourquoi le format PDF ?", "Télécharger Adobe Reader pour lire les PDF") is not.
  const DETAIL = new RegExp(`\\(\\s*(?:format\\s+)?${WORD}\\b|\\b${WORD}\\s*[-–—,:]?\\s*\\d+(?:[.,]\\d+)?\\s*(?:octets?|[kmg]i?o|[kmg]b)\\b`, 'i');
  const SIZE = /(\d+(?:[.,]\d+)?)\s*(octets?|[kmg]i?o|[kmg]b|bytes)\b/i;

  const formatOf = (link, text) => {
    const type = (link.getAttribute('type') || '').split(';')[0].trim().toLowerCase();
    if (MIME[type]) return MIME[type];
    let url = null;
    try {
      url = new URL(link.getAttribute('href'), document.baseURI);
    } catch (error) {
      url = null;
    }
    if (url && /^(https?|ftp|file):$/.test(url.protocol)) {
      let path = url.pathname;
      try {
        path = decodeURIComponent(path);
      } catch (error) { /* keep it encoded */ }
      const ext = path.match(EXT);
      if (ext) return ext[1].toLowerCase();
      for (const value of url.searchParams.values()) {
        const inQuery = value.match(EXT);
        if (inQuery) return inQuery[1].toLowerCase();
      }
    } else if (url && url.protocol === 'data:') {
      const mime = url.pathname.split(/[;,]/)[0].toLowerCase();
      if (MIME[mime]) return MIME[mime];
    }
    const detail = text.match(DETAIL);
    if (detail) return detail.slice(1).find(Boolean).toLowerCase();
    return null;
  };
  const around = (link) => {
    // Text that follows the link in its line, where a size is often given: "Formulaire (PDF, 1 Mo)".
    let next = link.nextSibling;
    let text = '';
    while (next && text.length < 80) {
      if (next.nodeType === 1 && (next.matches('a, button, br, p, div, li') || next.querySelector('a'))) break;
      text += next.textContent || '';
      next = next.nextSibling;
    }
    return text.replace(/\s+/g, ' ').trim().slice(0, 80);
  };

  const {style, hidden} = lib.memoStyles();  // remembered per element: many share ancestors
  const byUrl = new Map();
  for (const link of document.querySelectorAll('a[href], area[href]')) {
    const name = lib.name(link).replace(/\s+/g, ' ').trim();
    const text = [name, lib.text(link), link.getAttribute('title') || ''].join(' ');
    const format = formatOf(link, text);
    if (!format) continue;
    let key = link.href || link.getAttribute('href');
    key = key.split('#')[0];
    const hide = hidden(link);
    const entry = byUrl.get(key);
    if (entry) {
      entry.count += 1;
      if (entry.hidden && !hide) Object.assign(entry, {link, name, text, hidden: hide});
      continue;
    }
    byUrl.set(key, {link, name, text, format, hidden: hide, count: 1});
  }

  const findings = [];
  const MAX = 50;  // what parse_result keeps: the last one then says how many more there are
  const documents = Array.from(byUrl.values());
  for (const [index, {link, name, text, format, count, hidden: offscreen}] of documents.entries()) {
    if (index === MAX - 1 && documents.length > MAX) {
      findings.push(lib.finding('13.3.1', 'a_verifier', link,
        `Et ${documents.length - index} autres documents bureautiques en téléchargement sur cette page (liste tronquée), à commencer par « ${name.slice(0, 120)} » (${FORMATS[format]}). Vérifier pour chacun qu'il est accessible ou qu'une version accessible est proposée.`));
      break;
    }
    const size = (text.match(SIZE) || around(link).match(SIZE) || [])[0];
    const details = [FORMATS[format], size && size.replace(/\s+/g, ' ')].filter(Boolean).join(', ');
    const times = (count > 1 ? ` (lien présent ${count} fois)` : '') + (offscreen ? ' (lien non affiché en l\'état de la page)' : '');
    const shown = name ? `« ${name.slice(0, 120)} »` : `(lien sans intitulé vers ${(link.getAttribute('href') || '').slice(0, 120)})`;
    findings.push(lib.finding('13.3.1', 'a_verifier', link,
      `Document bureautique en téléchargement : ${shown}, ${details}${times}. Vérifier qu'il est accessible, ou qu'une version accessible (document ou page HTML) est proposée.`));
  }
  return {applicable: findings.length > 0, findings};
}
