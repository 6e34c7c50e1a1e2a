"""The hostile corpus as data: path → how the server answers it.

Every kind of hostile page is one démarche start page under ``/k/<kind>/``; its sample pages
and resources live under the same prefix, so hit counts never mix between kinds. Slugs of
kinds avoid the words the crawler reads as sample-page roles (aide, contact, legal, help,
faq, sitemap, plan-du-site, accessibilite…): only the links meant to be followed carry them.

Placeholders replaced when a page is served (the page needs the server's own address):
``@BASE@`` → ``http://127.0.0.1:<port>``, ``@PORT@`` → ``<port>``.
"""

from __future__ import annotations

from dataclasses import dataclass

# A real axe finding, stable across axe versions: an image without alt → RGAA criterion 1.1.
# Audited pages carry it so a test proves axe really ran on the page's content.
NO_ALT = '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="5" height="5">'
# The smallest valid files of their type.
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a4f7b8b50000000049454e44ae426082"
)
PDF_TINY = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n163\n%%EOF\n"
)
# An empty ZIP archive (end-of-central-directory record only).
ZIP_EMPTY = b"PK\x05\x06" + b"\x00" * 18


@dataclass(frozen=True)
class Answer:
    """How one path is answered.

    mode: ``send`` (headers then body, after ``wait_s``); ``hang`` (say nothing for ``wait_s``,
    then hang up); ``drip`` (headers and the start of the body, then one byte every 0.5 s for
    ``wait_s``); ``events`` (a text/event-stream sending an event every 0.5 s for ``wait_s``).
    Every wait ends early when the server stops.
    """

    body: str | bytes = ""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    mode: str = "send"
    wait_s: float = 0
    encoding: str = "utf-8"


def page(title: str, body: str = "", *, head: str = "", footer: str = "Accessibilité : non conforme", lang: str = "fr") -> str:
    """A plain, valid page with the given title and main content."""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f"<body><header><p>Service public hostile</p></header><main><h1>{title}</h1>{body}</main>"
        f"<footer><p>{footer}</p></footer></body></html>"
    )


def html(body: str, **kwargs) -> Answer:
    return Answer(body=body, **kwargs)


def sample(kind: str, label: str) -> Answer:
    """A small, clean sample page (statement, legal, contact…) of a kind."""
    return html(page(f"{label} ({kind})", f"<p>Page « {label} » de la démarche {kind}.</p>"))


def contact_link(kind: str) -> str:
    return f'<p><a href="/k/{kind}/contact">Contact</a></p>'


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status=status, content_type=None, headers=(("Location", location),))


PAGES: dict[str, Answer] = {}
# kind → start path; one démarche per kind (démarche id: KIND_IDS.get(kind, "h-" + kind)).
KINDS: dict[str, str] = {}
# Démarches are crawled in id order: the storage writers come first, the reader last.
KIND_IDS = {"storage-writer-1": "a-stockage-ecrit-1", "storage-writer-2": "a-stockage-ecrit-2", "storage-reader": "z-stockage-lu"}


def kind(name: str, answer: Answer, start: str | None = None, **extra: Answer) -> None:
    """Declare a kind: its start page at /k/<name>/ and extra paths /k/<name>/<slug>."""
    path = start or f"/k/{name}/"
    KINDS[name] = path
    PAGES[path] = answer
    for slug, more in extra.items():
        PAGES[f"/k/{name}/{slug.replace('_', '-')}"] = more


def demarche_id(name: str) -> str:
    return KIND_IDS.get(name, f"h-{name}")


# --- Links ----------------------------------------------------------------------------------

kind("svg-href", html(page("Logo SVG lien", NO_ALT + """
<svg width="120" height="40" role="img" aria-label="Logo"><a href="/k/svg-href/accessibilite">
<rect width="120" height="40" fill="#000091"/><text x="5" y="25" fill="#fff">Accessibilité</text></a></svg>""")),
     accessibilite=sample("svg-href", "Déclaration d'accessibilité"))

kind("svg-xlink", html(page("Logo SVG xlink", NO_ALT + """
<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="160" height="40"><a xlink:href="/k/svg-xlink/mentions-legales">
<text x="5" y="25">Mentions légales</text></a></svg>""")),
     mentions_legales=sample("svg-xlink", "Mentions légales"))

kind("unsafe-schemes", html(page("Liens hors http", NO_ALT + """
<ul>
<li><a href="javascript:fetch('/k/unsafe-schemes/par-javascript')">Accessibilité</a></li>
<li><a href="JavaScript:void(fetch('/k/unsafe-schemes/par-javascript-2'))">Aide</a></li>
<li><a href="data:text/html,<img src='@BASE@/k/unsafe-schemes/par-data'>">Contact</a></li>
<li><a href="mailto:accessibilite@127.0.0.1?subject=Mentions%20l%C3%A9gales">Mentions légales</a></li>
<li><a href="tel:+33100000000">Plan du site</a></li>
<li><a href="http://localhost:@PORT@/k/unsafe-schemes/autre-hote-aide">Aide en ligne</a></li>
<li><a href="ftp://127.0.0.1:@PORT@/k/unsafe-schemes/ftp-contact">Nous contacter</a></li>
</ul>""")))

MANY_LINKS = 50_000
kind("links-50000", html(page("Cinquante mille liens", contact_link("links-50000") + "".join(
    f'<a href="/k/links-50000/p{i}">Lien {i}</a> ' for i in range(MANY_LINKS)))),
     contact=sample("links-50000", "Contact"))

# A sitemap-like list, small enough to be audited: axe takes ~1.2 s on 1,000 such links and
# ~18 s on 2,000 inline ones (its target-size and link-in-text-block rules are quadratic in
# the number of nearby links; measured on 2 quiet cores).
SOME_LINKS = 500
kind("links-500", html(page("Cinq cents liens", NO_ALT + contact_link("links-500") + "<ul>" + "".join(
    f'<li><a href="/k/links-500/p{i}">Lien {i}</a></li>' for i in range(SOME_LINKS)) + "</ul>")),
     contact=sample("links-500", "Contact"))

LONG_URL = "/k/long-url/aide?" + "x" * 10_000
kind("long-url", html(page("Adresse de 10 000 caractères", NO_ALT + f"""
<p><a href="{LONG_URL}">Aide</a></p>
<p><a href="/k/long-url/contact">Contact</a></p>""")),
     contact=sample("long-url", "Contact"))

kind("unicode-links", html(page("Liens unicode", NO_ALT + """
<ul dir="auto">
<li><a href="/k/unicode-links/aide-é-ü-🆘">Aide 🆘 en ligne</a></li>
<li><a href="/k/unicode-links/mentions-le&#x301;gales">Mentions le&#x301;gales</a></li>
<li><a href="/k/unicode-links/اتصل-contact" dir="rtl">اتصل بنا — Contact</a></li>
<li><a href="/k/unicode-links/%F0%9F%8E%89">🎉🎉🎉</a></li>
<li><a href="http://xn--exmple-cua.fr/plan-du-site">Plan du site ‮etis ud nalP‬</a></li>
</ul>""")),
     **{"aide-é-ü-🆘": sample("unicode-links", "Aide"),
        "mentions-le\u0301gales": sample("unicode-links", "Mentions légales"),
        "اتصل-contact": sample("unicode-links", "Contact"),
        "🎉": sample("unicode-links", "Fête")})

kind("empty-href", html(page("Liens vides", NO_ALT + """
<ul><li><a href="">Aide</a></li><li><a href="   ">Contact</a></li><li><a href="#">Plan du site</a></li>
<li><a href="#contenu">Mentions légales</a></li><li><a href=" #accessibilite ">Accessibilité</a></li></ul>""")))

kind("malformed-urls", html(page("Adresses malformées", NO_ALT + """
<ul><li><a href="http://[::1">Aide</a></li><li><a href="http://exa mple.fr/">Contact</a></li>
<li><a href="http://host:99999/">Plan du site</a></li>
<li><a href="http://127.0.0.1:99999/k/malformed-urls/accessibilite">Accessibilité</a></li>
<li><a href="http://[127.0.0.1]/mentions-legales">Mentions légales</a></li>
<li><a href="http:///k/malformed-urls/faq">FAQ</a></li></ul>""")))


# --- Pages that break or fool scripts running in the page's own world ------------------------

def override(name: str, title: str, script: str, extra: str = "") -> None:
    kind(name, html(page(title, NO_ALT + contact_link(name) + extra, head=f"<script>{script}</script>")),
         contact=sample(name, "Contact"))


override("override-array-map", "Array.prototype.map remplacé",
         "Array.prototype.map = function () { throw new Error('map interdit'); };")
override("override-array-from", "Array.from remplacé", "Array.from = function () { return []; };")
override("override-json", "JSON remplacé",
         "JSON.stringify = function () { return '\"falsifié\"'; }; JSON.parse = function () { return {}; };")
override("override-promise", "Promise remplacé",
         "window.Promise = function () { throw new Error('Promise interdit'); };")
override("override-qsa", "querySelectorAll remplacé", """
Document.prototype.querySelectorAll = Element.prototype.querySelectorAll = function () { return []; };
Document.prototype.querySelector = Element.prototype.querySelector = function () { return null; };""")
override("override-mutation-observer", "MutationObserver remplacé",
         "window.MutationObserver = function () { throw new Error('MutationObserver interdit'); };")
override("override-performance-now", "performance.now figé", """
Performance.prototype.now = function () { return 0; }; performance.now = function () { return 0; };
Date.now = function () { return 0; };""")
override("override-settimeout", "setTimeout inerte", """
window.setTimeout = function () { return 0; }; window.setInterval = function () { return 0; };""")
override("override-raf", "requestAnimationFrame inerte", """
window.requestAnimationFrame = function () { return 0; }; window.queueMicrotask = function () {};""")
override("override-href-getter", "href falsifié", """
Object.defineProperty(HTMLAnchorElement.prototype, 'href', {get() { return 'https://ailleurs.invalid/'; }, configurable: true});""")
override("override-innertext", "innerText falsifié", """
for (const [proto, prop] of [[HTMLElement.prototype, 'innerText'], [Node.prototype, 'textContent']]) {
  Object.defineProperty(proto, prop, {get() { return 'Accessibilité : totalement conforme'; }, configurable: true});
}""")
override("override-title", "Titre réel de la page",
         "Object.defineProperty(Document.prototype, 'title', {get() { return 'Titre falsifié'; }, configurable: true});")
# A fake axe that finds nothing, locked so a second definition cannot replace it.
override("fake-axe", "Faux axe", """
Object.defineProperty(window, 'axe', {value: {version: '9.9.9', run: () => Promise.resolve(
  {violations: [], passes: [], incomplete: [], inapplicable: []}), configure() {}, reset() {}},
  writable: false, configurable: false});""")
# Our old settle probe's name, answering "settled" forever, while the content (with the image
# without alt) arrives 800 ms after load from a fetch: auditing at once misses it.
kind("fake-probe", html(page("Faux témoin de stabilité", '<div id="app">Chargement…</div>', head="""<script>
const fake = {last: -1e12, inflight: 0, timers: {size: 0}};
Object.defineProperty(window, '__rgaa', {get() { return fake; }, set() {}, configurable: false});
</script><script>
fetch('/k/fake-probe/donnees').then((r) => r.text()).then((t) => {
  document.getElementById('app').innerHTML = t;
});
</script>""")),
     donnees=Answer(body=NO_ALT + "<p>Contenu arrivé tard</p>", wait_s=0.8))

kind("csp-none", html(page("CSP tout interdit", NO_ALT),
                      headers=(("Content-Security-Policy", "script-src 'none'; default-src 'none'"),)))
kind("csp-trusted-types", html(page("CSP Trusted Types", NO_ALT),
                               headers=(("Content-Security-Policy", "require-trusted-types-for 'script'; trusted-types 'none'"),)))
kind("throws", html(page("Erreurs au chargement", NO_ALT, head="""
<script>throw new Error('Erreur au chargement');</script>
<script>Promise.reject(new Error('Rejet non géré'));</script>
<script>window.addEventListener('load', () => { null.boum(); });</script>""")))


# --- Dialogs, popups, navigation -------------------------------------------------------------

kind("alert-once", html(page("Une alerte", NO_ALT, head="<script>alert('Votre session va expirer');</script>")))
kind("confirm-prompt", html(page("Confirmation et saisie", NO_ALT, head="""<script>
if (confirm('Voulez-vous vraiment continuer ?')) document.title += ' (confirmé)';
const cp = prompt('Votre code postal ?', '75001');
</script>""")))
kind("alert-loop", html(page("Alertes en boucle", NO_ALT, head="""<script>
let n = 0;
const loop = setInterval(() => { if (++n > 600) clearInterval(loop); alert('Alerte en boucle'); }, 100);
</script>""")))
kind("alert-ten", html(page("Dix alertes", NO_ALT, head="""<script>
for (let i = 0; i < 10; i++) alert('Dix fois la même alerte');
</script>""")))
kind("iframe-alert", html(page("Alerte dans un cadre", NO_ALT + """
<iframe title="Cadre bavard" srcdoc="<script>alert('Alerte dans un cadre')</script><p>Cadre</p>"></iframe>""")))
kind("beforeunload", html(page("Quitter la page ?", NO_ALT + """
<p><a href="/k/beforeunload/declaration-accessibilite">Déclaration d'accessibilité</a></p>
<p><a href="/k/beforeunload/contact">Contact</a></p>""", head="""<script>
window.addEventListener('beforeunload', (e) => { e.preventDefault(); e.returnValue = 'Vos données seront perdues'; return 'Vos données seront perdues'; });
window.onbeforeunload = () => 'Vos données seront perdues';
</script>""")),
     declaration_accessibilite=sample("beforeunload", "Déclaration d'accessibilité"),
     contact=sample("beforeunload", "Contact"))
kind("popup", html(page("Fenêtre surgissante", NO_ALT, head="<script>window.open('/k/popup/fenetre', '_blank');</script>")),
     fenetre=html(page("Fenêtre ouverte", NO_ALT)))
POPUPS = 8  # each popup is a page of its own to open and close: 20 took 3 s on 2 quiet cores
kind("popup-many", html(page("Huit fenêtres", NO_ALT, head=f"""<script>
for (let i = 0; i < {POPUPS}; i++) window.open('/k/popup-many/fenetre-' + i, 'f' + i, 'width=200,height=200');
</script>""")),
     **{f"fenetre-{i}": html(page(f"Fenêtre {i}")) for i in range(POPUPS)})
# Reloads every 100 ms: a warm tab audits this small page in less than 300 ms, between two reloads.
kind("reload-loop", html(page("Rechargement perpétuel", NO_ALT, head="""<script>
const reloads = +(sessionStorage.getItem('reloads') || 0);
if (reloads < 300) setTimeout(() => { sessionStorage.setItem('reloads', reloads + 1); location.reload(); }, 100);
</script>""")))
kind("navigate-away", html(page("Page de départ", "<p>Vous allez être redirigé.</p>",
                                head="<script>window.addEventListener('load', () => setTimeout(() => { location.href = '/k/navigate-away/arrivee'; }, 200));</script>")),
     arrivee=html(page("Page d'arrivée", NO_ALT)))
kind("meta-refresh", html(page("Rafraîchissement", "<p>Redirection…</p>", head='<meta http-equiv="refresh" content="0;url=/k/meta-refresh/cible">')),
     cible=html(page("Cible du rafraîchissement", NO_ALT)))
# An SPA router gone wild; 150 stays under Chromium's limit of 200 history changes per 10 s
# (past it Chromium throttles the page: 1,000 calls took 3 s to load on 2 quiet cores).
kind("pushstate-flood", html(page("Cent cinquante pushState", NO_ALT, head="""<script>
for (let i = 0; i < 150; i++) { try { history.pushState({i}, '', '?etape=' + i); } catch (e) { break; } }
</script>""")))
kind("print", html(page("Impression automatique", NO_ALT, head="<script>window.addEventListener('load', () => window.print());</script>")))
kind("window-close", html(page("Fenêtre qui se ferme", NO_ALT, head="<script>window.addEventListener('load', () => window.close());</script>")))
kind("document-write", html(page("Page d'origine", "<p>Bientôt effacée.</p>", head="""<script>
window.addEventListener('load', () => setTimeout(() => {
  document.open();
  document.write('<!DOCTYPE html><html lang="fr"><head><title>Page réécrite</title></head><body><main><h1>Réécrite</h1>'
    + '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="5" height="5"></main></body></html>');
  document.close();
}, 100));
</script>""")))


# --- Size and time ---------------------------------------------------------------------------

kind("long-title", html(page("Titre très long " + "é" * 100_000, NO_ALT)))
kind("huge", html(page("Page énorme", NO_ALT + "<span>x</span>" * 25_000)))
kind("deep-dom", html(page("DOM très profond", NO_ALT, head="""<script>
document.addEventListener('DOMContentLoaded', () => {
  let node = document.querySelector('main');
  for (let i = 0; i < 15000; i++) { const d = document.createElement('div'); node.appendChild(d); node = d; }
  node.textContent = 'Tout au fond';
});
</script>""")))
kind("infinite-content", html(page("Contenu infini", NO_ALT + '<div id="fil"></div>', head="""<script>
let rounds = 0;
const grow = setInterval(() => {
  if (++rounds > 400) return clearInterval(grow);
  const list = document.createElement('ul');
  for (let i = 0; i < 999; i++) { const li = document.createElement('li'); li.textContent = 'Élément ' + i; list.appendChild(li); }
  document.getElementById('fil').appendChild(list);
}, 50);
</script>""")))
kind("iframes-300", html(page("Trois cents cadres", NO_ALT + "".join(
    f'<iframe src="/k/iframes-300/cadre-{i}" title="Cadre {i}" width="40" height="20"></iframe>' for i in range(300)))),
     **{f"cadre-{i}": html(f'<!DOCTYPE html><html lang="fr"><head><title>Cadre {i}</title></head><body><p>{i}</p></body></html>')
        for i in range(300)})
kind("hang-resource", html(page("Ressource pendue", NO_ALT + '<img src="/k/hang-resource/image" alt="" width="10" height="10">')),
     image=Answer(mode="hang", wait_s=60))
kind("no-answer", Answer(mode="hang", wait_s=60))
kind("slow-drip", Answer(body=page("Goutte à goutte", NO_ALT), mode="drip", wait_s=60))
kind("busy-loop", html(page("Script sans fin", NO_ALT, head="<script>const end = Date.now() + 60000; while (Date.now() < end) {}</script>")))
# Allocates until the renderer runs out of memory (fast with a small --max-old-space-size).
kind("crash", html(page("Plantage", NO_ALT, head="<script>const a = []; for (let i = 0; i < 100000; i++) a.push(new Array(5e6).fill(1.5));</script>")))
kind("event-stream", html(page("Flux d'événements", NO_ALT + '<p id="flux"></p>', head="""<script>
new EventSource('/k/event-stream/flux').onmessage = (e) => { document.getElementById('flux').textContent = e.data; };
</script>""")),
     flux=Answer(mode="events", wait_s=60, content_type="text/event-stream"))
kind("long-poll", html(page("Attente longue", NO_ALT, head="<script>fetch('/k/long-poll/attente').catch(() => {});</script>")),
     attente=Answer(mode="hang", wait_s=60))


# --- What is not an HTML page ----------------------------------------------------------------

kind("pdf-inline", Answer(body=PDF_TINY, content_type="application/pdf"))
kind("zip-attachment", Answer(body=ZIP_EMPTY, content_type="application/zip",
                              headers=(("Content-Disposition", 'attachment; filename="dossier.zip"'),)))
kind("zip-inline", Answer(body=ZIP_EMPTY, content_type="application/zip"))
kind("no-content", Answer(status=204, content_type=None))
kind("png", Answer(body=PNG_1PX, content_type="image/png"))
kind("text-plain", Answer(body="Ceci est du texte brut.\nAccessibilité : non conforme\n", content_type="text/plain; charset=utf-8"))
kind("json", Answer(body='{"demarche": "hostile", "accessibilite": "non conforme"}', content_type="application/json"))
kind("redirect-404", redirect("/k/redirect-404/introuvable"), introuvable=html(page("Page introuvable"), status=404))
kind("redirect-loop", redirect("/k/redirect-loop/"))
kind("basic-auth", html(page("Authentification requise"), status=401, headers=(("WWW-Authenticate", 'Basic realm="Agents"'),)))


# --- Document oddities -----------------------------------------------------------------------

kind("svg-footer", html(page("Mention dans un SVG", NO_ALT, footer="""<svg width="420" height="24" aria-hidden="true">
<text x="0" y="18">Accessibilité : partiellement conforme</text></svg>""")))
STATEMENT_FACTS = """<p>Ce site est partiellement conforme avec le RGAA version 4.1.</p>
<p>L'audit révèle que 68,5 % des critères du RGAA version 4.1 sont respectés.</p>
<p>Cette déclaration a été établie le 14 mars 2024.</p>"""
# 2 MB of text in 200 paragraphs: the weight is the text (read, parsed for the declaration),
# not thousands of elements for axe to check.
FILLER = "<p>" + "Texte de remplissage de la déclaration, sans rien de plus à signaler. " * 140 + "</p>\n"
kind("statement-2mb", html(page("Démarche au long document", NO_ALT + """
<p><a href="/k/statement-2mb/declaration">Déclaration d'accessibilité</a></p>""")),
     declaration=html(page("Déclaration d'accessibilité (2 Mo)", STATEMENT_FACTS + FILLER * (2_000_000 // len(FILLER)))))
kind("charset-1252", html(page("Démarche en windows-1252 : « é »", NO_ALT).replace('<meta charset="utf-8">', ""),
                          content_type="text/html; charset=windows-1252", encoding="cp1252"))
kind("no-content-type", html(page("Sans type de contenu", NO_ALT), content_type=None))
kind("xhtml", html('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml" lang="fr" xml:lang="fr">'
                   '<head><title>Page XHTML</title></head><body><main><h1>Page XHTML</h1>'
                   '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="5" height="5"/></main></body></html>',
                   content_type="application/xhtml+xml; charset=utf-8"))
kind("frameset", html('<!DOCTYPE html><html lang="fr"><head><title>Jeu de cadres</title></head>'
                      '<frameset cols="50%,50%"><frame src="/k/frameset/gauche"><frame src="/k/frameset/droite"></frameset></html>'),
     gauche=html(page("Cadre gauche")), droite=html(page("Cadre droit")))
kind("empty-200", Answer(body=""))
kind("shadow-open", html(page("Contenu dans un shadow DOM", '<div id="hote"></div>', head="""<script>
document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('hote').attachShadow({mode: 'open'}).innerHTML =
    '<p>Dans l’ombre</p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="5" height="5">';
});
</script>""")))


# --- Isolation between démarches -------------------------------------------------------------

STORAGE_KEY = "rgaa-hostile"
WRITER = page("Démarche qui écrit partout", NO_ALT, head=f"""<script>
localStorage.setItem('{STORAGE_KEY}', 'secret de A');
sessionStorage.setItem('{STORAGE_KEY}', 'secret de session de A');
document.cookie = 'rgaa_hostile=secret-de-A; path=/; max-age=3600';
indexedDB.open('{STORAGE_KEY}', 1);
if (navigator.serviceWorker) navigator.serviceWorker.register('/k/storage/sw.js', {{scope: '/k/storage/'}}).catch(() => {{}});
</script>""")
SERVICE_WORKER = """
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  if (e.request.mode === 'navigate') e.respondWith(new Response(
    '<!DOCTYPE html><html lang="fr"><head><title>Empoisonné par le service worker</title></head><body><p>Empoisonné</p></body></html>',
    {headers: {'Content-Type': 'text/html; charset=utf-8'}}));
});"""
READER_TITLE_CLEAN = "Vu : localStorage=rien ; cookie=rien"
READER = page("Lecteur", NO_ALT, head=f"""<script>
document.title = 'Vu : localStorage=' + (localStorage.getItem('{STORAGE_KEY}') || 'rien') + ' ; cookie=' + (document.cookie || 'rien');
</script>""")
kind("storage-writer-1", html(WRITER, headers=(("Set-Cookie", "rgaa_serveur=secret-serveur; Path=/; Max-Age=3600"),)), start="/k/storage/ecrit-1")
kind("storage-writer-2", html(WRITER, headers=(("Set-Cookie", "rgaa_serveur=secret-serveur; Path=/; Max-Age=3600"),)), start="/k/storage/ecrit-2")
kind("storage-reader", html(READER), start="/k/storage/lecteur")
PAGES["/k/storage/sw.js"] = Answer(body=SERVICE_WORKER, content_type="text/javascript; charset=utf-8")

# Sample pages linked from the override kinds and others declared above through `extra`.
NOT_FOUND = html(page("Page introuvable"), status=404)
