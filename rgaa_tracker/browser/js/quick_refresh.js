// Runs in the isolated world: the delay (s) of a meta refresh to another address due within a
// second, or null. Such a refresh is a redirect the crawl must follow, not a page to freeze.
(() => {
  for (const meta of document.querySelectorAll('meta[http-equiv]')) {
    if ((meta.getAttribute('http-equiv') || '').toLowerCase() !== 'refresh') continue;
    const match = /^\s*(\d+(?:\.\d+)?)\s*[;,]?\s*(?:url\s*=\s*)?(.*)$/i.exec(meta.getAttribute('content') || '');
    if (match && parseFloat(match[1]) <= 1 && match[2].trim()) return parseFloat(match[1]);
  }
  return null;
})()
