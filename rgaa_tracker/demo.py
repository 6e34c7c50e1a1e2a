"""The bundled demo: fictional démarches of three ministries, served on 127.0.0.1.

Pages are built from a small catalogue where each démarche lists the defects planted in it,
so the demo report can be checked against what was planted. Nothing here touches the network
beyond the loopback interface.
"""

from __future__ import annotations

import csv
import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .settings import Settings

MINISTRIES = {
    "MEF": "Ministère de l'Économie et des Finances",
    "MININT": "Ministère de l'Intérieur",
    "MSS": "Ministère des Solidarités et de la Santé",
}


@dataclass(frozen=True)
class Defect:
    """What a demo page does wrong and what must find it: the RGAA criterion, with which status,
    and the axe-core rule or our own check behind it (source "axe" or "rgaa-tracker")."""

    description: str
    criterion: str
    rule: str
    source: str = "axe"
    status: str = "non_conforme"


DEFECTS = {
    "alt": Defect("image informative sans alternative textuelle", "1.1", "image-alt"),
    "label": Defect("champ de formulaire sans étiquette", "11.1", "label"),
    "contrast": Defect("texte gris clair sur fond blanc", "3.2", "color-contrast"),
    "lang": Defect("langue de la page absente", "8.3", "html-has-lang"),
    "empty_link": Defect("lien sans intitulé", "6.2", "link-name"),
    # The RGAA allows skipped heading levels when the hierarchy stays relevant: a person decides.
    "heading_order": Defect("titres qui sautent des niveaux", "9.1", "heading-order", status="a_verifier"),
    # Defects axe-core does not see: only our own checks find them.
    "radio_group": Defect("boutons radio ni regroupés ni légendés", "11.5", "field_groups", source="rgaa-tracker"),
    "duplicate_id": Defect("identifiant utilisé deux fois dans la page", "8.2", "markup", source="rgaa-tracker"),
    "doctype": Defect("type de document (doctype) absent", "8.1", "doctype", source="rgaa-tracker"),
}
_LOGO = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='120' height='40'%3E"
    "%3Crect width='120' height='40' fill='%23000091'/%3E%3Ctext x='10' y='26' fill='white' "
    "font-size='16'%3EFormulaire%3C/text%3E%3C/svg%3E"
)


@dataclass(frozen=True)
class DemoDemarche:
    id: str
    title: str
    ministry: str
    annual_volume: int
    defects: tuple[str, ...]
    mention: str  # totalement | partiellement | non
    rate: float | None  # rate written in its statement, None when no audit


CATALOGUE = (
    DemoDemarche("impots-declaration", "Déclarer ses revenus", "MEF", 39_000_000, (), "totalement", 100.0),
    DemoDemarche("douane-dedouanement", "Dédouaner une marchandise", "MEF", 1_200_000, ("contrast", "duplicate_id"), "partiellement", 81.5),
    DemoDemarche("amende-paiement", "Payer une amende", "MEF", 15_000_000, ("label", "radio_group"), "partiellement", 62.0),
    DemoDemarche("permis-conduire", "Demander un permis de conduire", "MININT", 2_500_000, ("alt",), "partiellement", 76.0),
    DemoDemarche("carte-grise", "Immatriculer un véhicule", "MININT", 6_000_000, ("lang", "empty_link", "doctype"), "non", 35.0),
    DemoDemarche("passeport", "Demander un passeport", "MININT", 3_000_000, (), "partiellement", 88.0),
    DemoDemarche("rsa-demande", "Demander le RSA", "MSS", 800_000, ("heading_order", "alt"), "non", None),
    DemoDemarche("prime-activite", "Demander la prime d'activité", "MSS", 5_000_000, ("empty_link", "contrast", "label"), "partiellement", 55.0),
)

_STYLE = """
body{font-family:Arial,sans-serif;color:#161616;margin:0;line-height:1.5}
header,main,footer{padding:1rem 2rem}header{border-bottom:3px solid #000091}
a{color:#000091}.evitement{position:absolute;left:-9999px}.evitement:focus{left:1rem}
footer{border-top:1px solid #929292;margin-top:2rem}footer ul{list-style:none;padding:0}
footer li{display:inline;margin-right:1rem}label{display:block;margin-top:.5rem}
"""


def _layout(demarche: DemoDemarche, title: str, body: str, *, lang: bool = True, doctype: bool = True) -> str:
    ministry = html.escape(MINISTRIES[demarche.ministry])
    lang_attr = ' lang="fr"' if lang else ""
    base = f"/{demarche.id}/"
    return f"""{"<!DOCTYPE html>" if doctype else ""}
<html{lang_attr}>
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} — {ministry}</title><style>{_STYLE}</style></head>
<body>
<a class="evitement" href="#contenu">Aller au contenu</a>
<header><p>{ministry}</p>
<nav aria-label="Menu principal"><ul><li><a href="{base}">Accueil de la démarche</a></li><li><a href="{base}aide.html">Aide</a></li></ul></nav>
</header>
<main id="contenu">
{body}
</main>
<footer>
<ul>
<li><a href="{base}accessibilite.html">Accessibilité : {demarche.mention} conforme</a></li>
<li><a href="{base}mentions-legales.html">Mentions légales</a></li>
<li><a href="{base}contact.html">Contact</a></li>
</ul>
</footer>
</body>
</html>"""


def start_page(demarche: DemoDemarche) -> str:
    d = set(demarche.defects)
    title = html.escape(demarche.title)
    section = "<h4>Pièces justificatives</h4>" if "heading_order" in d else "<h2>Pièces justificatives</h2>"
    logo = f'<img src="{_LOGO}" width="120" height="40">' if "alt" in d else f'<img src="{_LOGO}" width="120" height="40" alt="Formulaire en ligne">'
    field = '<p>Votre nom</p><input type="text" name="nom" autocomplete="family-name">' if "label" in d else '<label for="nom">Votre nom</label><input type="text" id="nom" name="nom" autocomplete="family-name">'
    # An id given twice, to plain paragraphs no ARIA attribute refers to: axe-core does not look.
    delay_id = ' id="delai"' if "duplicate_id" in d else ""
    style = ' style="color:#bbbbbb;background:#ffffff"' if "contrast" in d else ""
    contrast = f"<p{delay_id}{style}>Délai de traitement : 15 jours ouvrés.</p>"
    notice = f"<p{delay_id}>Pensez à préparer vos pièces avant de commencer.</p>" if "duplicate_id" in d else ""
    empty = f'<p><a href="/{demarche.id}/aide.html"><span class="icone"></span></a></p>' if "empty_link" in d else ""
    # Same-name radio buttons are one group: a fieldset with its legend, or (defect) loose.
    choices = ('<input type="radio" id="pour-soi" name="pour" value="soi"><label for="pour-soi">Pour vous-même</label>'
               '<input type="radio" id="pour-autre" name="pour" value="autre"><label for="pour-autre">Pour une autre personne</label>')
    question = "Vous faites la démarche :"
    radios = f"<p>{question}</p>{choices}" if "radio_group" in d else f"<fieldset><legend>{question}</legend>{choices}</fieldset>"
    body = f"""<h1>{title}</h1>
{logo}
<p>Faites votre démarche en ligne, en quelques minutes.</p>
{contrast}
{notice}
{section}
<ul><li>Une pièce d'identité</li><li>Un justificatif de domicile</li></ul>
{empty}
<form action="/{demarche.id}/" method="get">
{radios}
{field}
<button type="submit">Continuer</button>
</form>"""
    return _layout(demarche, demarche.title, body, lang="lang" not in d, doctype="doctype" not in d)


def statement_page(demarche: DemoDemarche) -> str:
    if demarche.rate is None:
        results = "<p>Aucun audit de conformité n'a encore été réalisé.</p>"
    else:
        rate = f"{demarche.rate:.1f}".replace(".0", "").replace(".", ",")
        results = f"<p>L'audit de conformité indique que {rate} % des critères du RGAA version 4.1 sont respectés.</p>"
    body = f"""<h1>Déclaration d'accessibilité</h1>
<p>Le {html.escape(MINISTRIES[demarche.ministry])} s'engage à rendre ses services en ligne accessibles.</p>
<h2>État de conformité</h2>
<p>« {html.escape(demarche.title)} » est {demarche.mention} conforme au RGAA 4.1.</p>
<h2>Résultats des tests</h2>
{results}
<h2>Établissement de cette déclaration</h2>
<p>Cette déclaration a été établie le 14 mars 2025.</p>"""
    return _layout(demarche, "Déclaration d'accessibilité", body)


def simple_page(demarche: DemoDemarche, title: str, text: str) -> str:
    return _layout(demarche, title, f"<h1>{html.escape(title)}</h1>\n<p>{html.escape(text)}</p>")


def site_pages() -> dict[str, str]:
    """URL path → HTML of the whole demo site."""
    pages = {"/": "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Démarches de démonstration</title></head><body>"
                  "<header><p>rgaa-tracker</p></header><main><h1>Démonstration</h1></main><footer><p>Démarches fictives.</p></footer></body></html>"}
    for demarche in CATALOGUE:
        base = f"/{demarche.id}/"
        pages[base] = start_page(demarche)
        pages[base + "accessibilite.html"] = statement_page(demarche)
        pages[base + "mentions-legales.html"] = simple_page(demarche, "Mentions légales", "Éditeur : administration de démonstration.")
        pages[base + "contact.html"] = simple_page(demarche, "Contact", "Écrivez-nous au moyen du formulaire de contact.")
        pages[base + "aide.html"] = simple_page(demarche, "Aide", "Questions fréquentes sur la démarche.")
    return pages


def _handler(pages: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?", 1)[0]
            body = pages.get(path)
            status = 200 if body is not None else 404
            data = (body or "<!DOCTYPE html><html lang=\"fr\"><title>Page introuvable</title><h1>Page introuvable</h1></html>").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser stopped wanting it (a favicon cut short by the next navigation)

        def log_message(self, *args) -> None:
            pass

    return Handler


@contextmanager
def serve(pages: dict[str, str] | None = None, port: int = 0) -> Iterator[str]:
    """Serve the demo site on 127.0.0.1 in a thread; yields its base URL (no trailing slash)."""
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(pages or site_pages()))
    except OSError:  # the preferred port is taken: any free one will do
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pages or site_pages()))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write_catalogue(path: Path, base_url: str) -> Path:
    """The démarches file of the demo, in the format ministries use (SPEC §5)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["id", "titre", "ministere", "ministere_nom", "url", "volumetrie", "date_entree"])
        for d in CATALOGUE:
            writer.writerow([d.id, d.title, d.ministry, MINISTRIES[d.ministry], f"{base_url}/{d.id}/", d.annual_volume, "2020-06-01"])
    return path


# Older statements, as a ministry would import them: they give the demo a history (one has
# expired) before the crawl finds the current ones online.
DECLARATIONS = (
    ("impots-declaration", "partiellement", 62.0, "2019-02-01"),
    ("passeport", "partiellement", 81.0, "2019-09-15"),
    ("permis-conduire", "non", 40.0, "2021-06-01"),
    ("amende-paiement", "partiellement", 58.0, "2022-03-10"),
)
# (ministry, uploaded on, rows): the second MEF version moves two milestones later.
CALENDARS = (
    ("MEF", "2026-03-02", (("amende-paiement", "audit", "2026-04-15", "", ""), ("amende-paiement", "corrections", "2026-06-30", "", ""),
                           ("amende-paiement", "declaration", "2026-09-30", "", "80"), ("douane-dedouanement", "contre_audit", "2026-05-15", "", ""))),
    ("MEF", "2026-09-01", (("amende-paiement", "audit", "2026-04-15", "2026-04-20", ""), ("amende-paiement", "corrections", "2026-10-31", "", ""),
                           ("amende-paiement", "declaration", "2027-01-31", "", "80"), ("douane-dedouanement", "contre_audit", "2026-07-15", "", ""))),
    ("MSS", "2026-06-15", (("rsa-demande", "audit", "2026-07-01", "", ""), ("rsa-demande", "declaration", "2026-10-15", "", "75"),
                           ("prime-activite", "audit", "2026-12-01", "", ""), ("prime-activite", "declaration", "2027-03-01", "", "90"))),
)


def write_declarations(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["demarche_id", "statut", "taux", "date_publication", "date_audit", "url"])
        writer.writerows([d, s, str(t).replace(".", ","), p, "", ""] for d, s, t, p in DECLARATIONS)
    return path


def write_calendars(folder: Path) -> list[tuple[str, str, Path]]:
    """(ministry, upload date, file) for each demo calendar version."""
    written = []
    for index, (ministry, uploaded, rows) in enumerate(CALENDARS):
        path = folder / f"calendrier-{ministry}-{index}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(["demarche_id", "etape", "date_prevue", "date_realisee", "taux_cible", "commentaire"])
            writer.writerows([*row, ""] for row in rows)
        written.append((ministry, uploaded, path))
    return written


def crawl_settings(settings: Settings) -> Settings:
    """The demo's site is served on 127.0.0.1: its crawl allows loopback addresses, which the
    crawler's SSRF guard refuses by default (crawl.allowed_address_classes)."""
    allowed = sorted({*settings.crawl.allowed_address_classes, "loopback"})
    return settings.model_copy(update={"crawl": settings.crawl.model_copy(update={"allowed_address_classes": allowed})})
