// Installed in the page's main world before any page script: records the last DOM change and
// counts fetch/XHR and short timers in flight, so "settled" means quiet for real, not a fixed
// sleep. Every built-in it uses is captured here, before page code can redefine it, and its
// state is reachable only through a non-writable, non-configurable property, so a page can at
// worst make the wait end early or run to its bound: it cannot break the audit.
(() => {
  if (Object.prototype.hasOwnProperty.call(window, '__rgaaTrackerSettle')) return;
  const now = performance.now.bind(performance);
  const defineProperty = Object.defineProperty;
  const apply = Reflect.apply;
  const MutationObserver0 = window.MutationObserver;
  const setTimeout0 = window.setTimeout;
  const clearTimeout0 = window.clearTimeout;
  const fetch0 = window.fetch;
  const send0 = XMLHttpRequest.prototype.send;
  const addEventListener0 = EventTarget.prototype.addEventListener;
  const timers = new Set();
  const add = Set.prototype.add, remove = Set.prototype.delete;
  const sizeOf = Object.getOwnPropertyDescriptor(Set.prototype, 'size').get;
  // `scripted`: the document ever held something that runs code (a script in any namespace, an
  // on* handler attribute, a frame or plugin that may reach into it). Seen when the parser
  // inserts it, i.e. before it can run, so no page code can hide it; once true, it stays true.
  // A document that never did is final once loaded: nothing is left that could change it.
  // (The HTML parser runs pending microtasks, hence our observer, before each script it meets;
  // other parsers are not relied on.)
  const state = {last: now(), inflight: 0, scripted: document.contentType !== 'text/html'};
  const RUNS_CODE = /^(script|iframe|frame|object|embed|portal|fencedframe)$/;
  const runsCode = (el) => {
    if (RUNS_CODE.test(el.localName)) return true;
    for (const attribute of el.attributes) if (attribute.name.startsWith('on')) return true;
    return false;
  };
  const look = (node) => {
    if (node.nodeType !== 1) return;
    if (runsCode(node)) { state.scripted = true; return; }
    if (node.firstElementChild) {  // a subtree inserted at once (the parser inserts one node at a time)
      for (const el of node.getElementsByTagName('*')) if (runsCode(el)) { state.scripted = true; return; }
    }
  };
  const mark = (records) => {
    state.last = now();
    if (state.scripted || !records) return;
    try {
      for (const record of records) for (const node of record.addedNodes) { look(node); if (state.scripted) return; }
    } catch (e) { state.scripted = true; }  // anything unexpected: treated as a page that runs code
  };
  try {
    new MutationObserver0(mark).observe(document, {childList: true, subtree: true, characterData: true});
  } catch (e) { state.scripted = true; /* no observer: the wait runs to its bound */ }
  if (typeof fetch0 === 'function') {
    window.fetch = function (...args) {
      state.inflight++;
      let promise;
      try { promise = apply(fetch0, this, args); } catch (e) { state.inflight--; throw e; }
      const done = () => { state.inflight--; mark(); };
      promise.then(done, done);
      return promise;
    };
  }
  // Short timers (<= 1 s) usually start rendering; longer ones are polling, not awaited.
  window.setTimeout = function (fn, delay, ...rest) {
    if (typeof fn !== 'function' || (delay || 0) > 1000) return apply(setTimeout0, this, [fn, delay, ...rest]);
    const id = apply(setTimeout0, this, [function (...args) {
      apply(remove, timers, [id]);
      try { return apply(fn, this, args); } finally { mark(); }
    }, delay, ...rest]);
    apply(add, timers, [id]);
    return id;
  };
  window.clearTimeout = function (id) { apply(remove, timers, [id]); return apply(clearTimeout0, this, [id]); };
  XMLHttpRequest.prototype.send = function (...args) {
    state.inflight++;
    apply(addEventListener0, this, ['loadend', () => { state.inflight--; mark(); }, {once: true}]);
    return apply(send0, this, args);
  };
  defineProperty(window, '__rgaaTrackerSettle', {
    // true once quiet for `quiet` ms, or at once for a loaded document that never ran code;
    // while quiet for less, the ms still to wait; else false.
    value: (quiet) => {
      if (state.inflight > 0 || apply(sizeOf, timers, []) !== 0) return false;
      if (!state.scripted && document.readyState === 'complete') return true;
      const idle = now() - state.last;
      return idle >= quiet ? true : quiet - idle;
    },
    writable: false, configurable: false, enumerable: false,
  });
})();
