import pytest

from rgaa_tracker.statement import footer_mention, sample_pages, statement_url


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Accessibilité : partiellement conforme", "partiellement"),
        ("ACCESSIBILITÉ : NON CONFORME", "non"),
        ("accessibilite: totalement conforme", "totalement"),
        ("Accessibilité\u00a0:\n   partiellement\n conforme", "partiellement"),
        ("Accessibilité partiellement conforme", "partiellement"),
        ("Mentions légales · Plan du site", None),
        ("Accessibilité", None),
        ("Notre site est conforme", None),
    ],
)
def test_footer_mention(text, expected):
    assert footer_mention(text) == expected


def test_footer_text_wins_over_body_text():
    assert footer_mention("", "Accessibilité : non conforme") == "non"
    assert footer_mention("Accessibilité : totalement conforme", "Accessibilité : non conforme") == "totalement"


def test_sample_pages_same_site_one_per_role_within_limit():
    start = "http://127.0.0.1:8000/demarche/"
    links = [
        ("Accessibilité : partiellement conforme", "http://127.0.0.1:8000/accessibilite"),
        ("Mentions légales", "http://127.0.0.1:8000/mentions-legales"),
        ("Contact", "http://other.example/contact"),  # other site: never followed
        ("Nous contacter", "http://127.0.0.1:8000/nous-contacter"),
        ("Plan du site", "http://127.0.0.1:8000/plan"),
        ("Aide", "http://127.0.0.1:8000/aide"),
        ("Accueil", "http://127.0.0.1:8000/demarche/#contenu"),
    ]
    assert sample_pages(start, links, 6) == [
        ("statement", "http://127.0.0.1:8000/accessibilite"),
        ("legal", "http://127.0.0.1:8000/mentions-legales"),
        ("contact", "http://127.0.0.1:8000/nous-contacter"),
        ("sitemap", "http://127.0.0.1:8000/plan"),
        ("help", "http://127.0.0.1:8000/aide"),
    ]
    assert len(sample_pages(start, links, 3)) == 2
    assert sample_pages(start, links, 1) == []


def test_statement_url_may_be_on_another_site():
    links = [("Accueil", "https://a.example/"), ("Déclaration d'accessibilité", "https://b.example/accessibilite")]
    assert statement_url("https://a.example/", links) == "https://b.example/accessibilite"
    assert statement_url("https://a.example/", [("Accueil", "https://a.example/")]) is None
