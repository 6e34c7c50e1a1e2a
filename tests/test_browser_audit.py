"""Real Chromium against fixture pages served on 127.0.0.1: planted defects give the right statuses."""

import pytest

from rgaa_tracker import audit

from .conftest import audit_urls

PAGES = ["clean", "img-no-alt", "no-label", "no-lang", "low-contrast", "empty-link"]
PLANTED = {"img-no-alt": "1.1", "no-label": "11.1", "no-lang": "8.3", "low-contrast": "3.2", "empty-link": "6.2"}


@pytest.fixture(scope="module")
def audited(site_url):
    from rgaa_tracker.settings import get_settings

    get_settings.cache_clear()
    results = audit_urls([f"{site_url}/{name}.html" for name in PAGES])
    return {url.rsplit("/", 1)[1].removesuffix(".html"): result for url, result in results.items()}


@pytest.mark.parametrize("name, criterion", sorted(PLANTED.items()))
def test_planted_defect_is_non_conforme(audited, name, criterion):
    result = audited[name]
    assert result.ok, result.error
    statuses = audit.criteria_statuses(result.axe)
    assert statuses[criterion] == "non_conforme"
    # and only the planted defect: the rest of the page is the clean template
    assert audit.non_conformes(statuses) == [criterion]


def test_clean_page_has_no_criterion_non_conforme(audited):
    result = audited["clean"]
    statuses = audit.criteria_statuses(result.axe)
    assert audit.non_conformes(statuses) == []
    assert result.axe["violations"] == []
    assert statuses["1.1"] == "sans_anomalie"
    assert statuses["11.1"] == "sans_anomalie"
    assert statuses["1.6"] == "non_couvert"


def test_page_facts_are_read(audited, site_url):
    result = audited["clean"]
    assert result.http_status == 200
    assert result.title == "Page sans défaut — Démarche de test"
    assert ("Accessibilité : partiellement conforme", f"{site_url}/accessibilite.html") in result.links
    assert "partiellement conforme" in result.footer_text


def test_unreachable_and_missing_pages_become_errors_not_exceptions(site_url):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    results = audit_urls([dead, f"{site_url}/nope.html"])
    assert results[dead].error_code == "connection_refused"
    assert results[f"{site_url}/nope.html"].error_code == "http_error"
    assert "404" in results[f"{site_url}/nope.html"].error
