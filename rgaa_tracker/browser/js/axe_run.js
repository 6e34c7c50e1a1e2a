// Runs axe (injected into the same isolated world just before) on the page's document. The page
// cannot reach this world, so a page that sets window.axe or breaks built-ins changes nothing.
// Only what the crawl stores is sent back: passes and inapplicable rules without their nodes.
(options) => axe.run(document, options).then((results) => {
  const slim = (rule) => ({id: rule.id, tags: rule.tags, impact: rule.impact, help: rule.help, helpUrl: rule.helpUrl, nodes: []});
  return {
    testEngine: results.testEngine, url: results.url, timestamp: results.timestamp,
    violations: results.violations, incomplete: results.incomplete,
    passes: results.passes.map(slim), inapplicable: results.inapplicable.map(slim),
  };
})
