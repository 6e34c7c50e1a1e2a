"""Property tests: whatever a page sends back, parsing it never raises and never lets through a
link the crawl must not follow. Pure functions: no browser needed."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rgaa_tracker.browser.facts import PageFacts, parse_page_facts
from rgaa_tracker.link import MAX_URL, web_url
from rgaa_tracker.statement import ROLES, footer_mention, link_role, parse_statement, sample_pages, statement_url

START = "http://127.0.0.1:8000/demarche"
SCHEMES = st.sampled_from(["http", "https", "javascript", "data", "mailto", "tel", "ftp", "file", "", "HTTP", "blob", "about"])
HOSTS = st.sampled_from(["127.0.0.1:8000", "127.0.0.1", "[::1", "exa mple.fr", "127.0.0.1:99999", "127.0.0.1:abc", "", "é.fr", "xn--e-9ea.fr"])
PATHS = st.text(max_size=60) | st.sampled_from(["/accessibilite", "/mentions-legales", "/plan-du-site", "/contact", "/aide"])
# Hrefs as pages write them: well-formed or not, relative or absolute, any scheme, any length.
HREFS = (
    st.builds(lambda scheme, host, path: f"{scheme}://{host}{path}" if scheme else f"//{host}{path}", SCHEMES, HOSTS, PATHS)
    | st.text(max_size=80)
    | st.builds(lambda n: "http://127.0.0.1:8000/" + "a" * n, st.integers(0, 3 * MAX_URL))
)
LINK_TEXTS = st.text(max_size=80) | st.sampled_from(["Accessibilité", "Déclaration d'accessibilité", "Mentions légales", "Plan du site", "Aide", "Contact"])
JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=30,
)
FIELDS = st.sampled_from(list(PageFacts.model_fields))
RAW_FACTS = st.dictionaries(FIELDS, JSON_LIKE | HREFS, max_size=10) | JSON_LIKE
RAW_LINKS = st.lists(st.one_of(st.tuples(LINK_TEXTS, HREFS).map(list), JSON_LIKE), max_size=30)


def followable(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and len(url) <= MAX_URL and "#" not in url


@given(RAW_FACTS)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_page_facts_parse_anything_into_typed_values(raw):
    facts = parse_page_facts(raw)
    assert isinstance(facts, PageFacts)
    assert all(isinstance(getattr(facts, name), str) for name in ("title", "content_type", "lang", "footer", "text"))
    assert all(isinstance(getattr(facts, name), int) and getattr(facts, name) >= 0 for name in ("elements", "html_bytes", "links_total"))
    assert all(isinstance(link.text, str) and followable(link.url) for link in facts.links)


@given(RAW_LINKS)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_only_web_links_survive_and_sample_pages_never_raise(raw_links):
    facts = parse_page_facts({"links": raw_links})
    for link in facts.links:
        assert followable(link.url)
        assert not link.url.lower().startswith(("javascript:", "data:", "mailto:", "tel:"))
    chosen = sample_pages(START, facts.links, 6)
    assert len(chosen) <= 5 and len({url for _role, url in chosen}) == len(chosen)
    assert all(role in ROLES and urlsplit(url).hostname == "127.0.0.1" and urlsplit(url).port == 8000 for role, url in chosen)
    found = statement_url(START, facts.links)
    assert found is None or followable(found)


@given(st.lists(st.tuples(LINK_TEXTS, HREFS), max_size=30))
@settings(max_examples=300, deadline=None)
def test_statement_functions_take_raw_pairs_without_raising(pairs):
    """The pure functions are safe even on hrefs nobody parsed first."""
    chosen = sample_pages(START, pairs, 6)
    assert all(followable(url) for _role, url in chosen)
    found = statement_url(START, pairs)
    assert found is None or followable(found)
    for text, href in pairs:
        assert link_role(text, href) in (None, *ROLES)


@given(HREFS, st.sampled_from(["", START, "http://[::1", "not a url"]))
@settings(max_examples=400, deadline=None)
def test_web_url_is_none_or_a_followable_url(href, base):
    url = web_url(href, base)
    assert url is None or followable(url)


STATEMENT_WORDS = st.sampled_from([
    "accessibilité : partiellement conforme", "taux de conformité", "75 %", "100,5 %", "établie le", "mise à jour le",
    "audit réalisé le", "31 février 2024", "1er janvier 2023", "12/13/2024", "2024-02-30", "RGAA version 4.1", "moyen",
    "des critères", "non conforme", "totalement conforme avec le RGAA", "\u00a0", "\u202f", "’", "\x00", "\ud800",
])


@given(st.lists(STATEMENT_WORDS | st.text(max_size=30), max_size=40).map(" ".join))
@settings(max_examples=400, deadline=None)
def test_statement_texts_parse_without_raising(text):
    facts = parse_statement(text)
    assert facts.status in (None, "totalement", "partiellement", "non")
    assert facts.rate is None or 0 <= facts.rate <= 100
    for day in (facts.published_on, facts.audited_on):
        assert day is None or isinstance(day, dt.date)
    assert footer_mention(text) in (None, "totalement", "partiellement", "non")


def test_known_hostile_hrefs_are_refused():
    refused = ["javascript:alert(1)", "data:text/html,<b>x</b>", "mailto:a@b.fr", "tel:+33100000000", "http://[::1",
               "http://127.0.0.1:99999/", "http://exa mple.fr/", "http://127.0.0.1/" + "a" * 3000, "", "   "]
    assert [web_url(href, START) for href in refused] == [None] * len(refused)
    assert web_url("/accessibilite#haut", START) == "http://127.0.0.1:8000/accessibilite"
    assert web_url("HTTPS://127.0.0.1:8000/é", START) == "https://127.0.0.1:8000/é"
    # An SVG href object, a relative href (the page script resolves them: one that did not is
    # dropped), and a good one.
    raw = [["Logo", {"baseVal": "/accessibilite"}], ["Relatif", "/accessibilite"], ["Accessibilité", START + "/../accessibilite"]]
    assert parse_page_facts({"links": raw}).links == [("Accessibilité", "http://127.0.0.1:8000/demarche/../accessibilite")]
