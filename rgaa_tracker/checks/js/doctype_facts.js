// The document type as the browser understood it, for the doctype check (8.1).
(lib, options) => {
  const doctype = document.doctype;
  const text = doctype ? `<!DOCTYPE ${doctype.name}${doctype.publicId ? ` PUBLIC "${doctype.publicId}"` : ''}${doctype.systemId ? ` "${doctype.systemId}"` : ''}>` : '';
  return {doctype: text, quirks: document.compatMode === 'BackCompat'};
}
