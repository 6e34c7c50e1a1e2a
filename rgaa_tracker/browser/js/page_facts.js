// Runs in an isolated world (its own built-ins, the page's DOM): what the crawl needs to know of
// a page, read in one round trip and capped so a huge page stays cheap. Everything it returns
// is checked again in Python (browser/facts.py): this is untrusted data, read defensively.
(maxLinks) => {
  const cap = (value, size) => (typeof value === 'string' ? value.slice(0, size) : '');
  const visibleText = (el) => {
    try { return el.innerText || el.textContent || ''; } catch (e) { return ''; }
  };
  const linkText = (a) => {
    let text = visibleText(a).trim();
    if (!text) text = (a.getAttribute('aria-label') || a.getAttribute('title') || '').trim();
    if (!text) {
      const img = a.querySelector('img[alt], [aria-label], title');
      if (img) text = (img.getAttribute('alt') || img.getAttribute('aria-label') || img.textContent || '').trim();
    }
    return cap(text, 500);
  };
  const hrefOf = (a) => {
    // SVG links carry href or xlink:href; a.href would be an SVGAnimatedString there.
    const raw = a.getAttribute('href') ?? a.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
    if (typeof raw !== 'string') return null;
    try { return new URL(raw.trim(), document.baseURI).href.slice(0, 4000); } catch (e) { return null; }
  };
  const links = [];
  const anchors = document.querySelectorAll('a[href], area[href], a[*|href]');
  for (let i = 0; i < anchors.length && links.length < maxLinks; i++) {
    const href = hrefOf(anchors[i]);
    if (href !== null) links.push([linkText(anchors[i]), href]);
  }
  const footers = document.querySelectorAll('footer, [role=contentinfo]');
  let footer = '';
  for (let i = 0; i < footers.length && footer.length < 20000; i++) footer += visibleText(footers[i]) + '\n';
  const navigation = performance.getEntriesByType('navigation')[0];
  return {
    title: cap(document.title, 2000),
    content_type: cap(document.contentType, 200),
    quirks: document.compatMode === 'BackCompat',
    lang: cap(document.documentElement ? document.documentElement.getAttribute('lang') : null, 100),
    elements: document.getElementsByTagName('*').length,
    html_bytes: navigation ? navigation.decodedBodySize || 0 : 0,
    links,
    links_total: anchors.length,
    footer: footer.slice(0, 20000),
    text: cap(document.body ? visibleText(document.body) : '', 200000),
  };
}
