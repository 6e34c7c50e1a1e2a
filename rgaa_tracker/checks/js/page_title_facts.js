// What the page title check (8.6.1) needs from the page: the title as the browser reads it,
// the <title> element, and what names the site (host, og:site_name, application-name).
(lib, options) => {
  const element = document.querySelector('title');
  const meta = (selector) => {
    const el = document.querySelector(selector);
    return el ? (el.getAttribute('content') || '').replace(/\s+/g, ' ').trim().slice(0, 300) : '';
  };
  return {
    title: String(document.title || '').slice(0, 2000),
    selector: element ? lib.selector(element) : '',
    html: element ? lib.snippet(element) : '',
    host: location.hostname || '',
    siteNames: [meta('meta[property="og:site_name"]'), meta('meta[name="application-name"]'),
                meta('meta[name="apple-mobile-web-app-title"]')].filter(Boolean),
  };
}
