// Runs in an isolated world before axe: is the page small enough to audit within its budget?
() => {
  const navigation = performance.getEntriesByType('navigation')[0];
  return {
    elements: document.getElementsByTagName('*').length,
    html_bytes: navigation ? navigation.decodedBodySize || 0 : 0,
    content_type: typeof document.contentType === 'string' ? document.contentType.slice(0, 200) : '',
  };
}
