"""Both rules over one 2020–2025 history: the list as it was, every statement date, editions.

The history (démarches: ministry, entry/exit; declarations: rate, « établie le » / « mise à
jour le » / « audit réalisé le »):

    rsa       MSS                          80 % établie 2020-03-01; totalement établie 2022-09-01
    caf       MSS                          85 % établie 2021-06-01        (Oui in 2020, Partiel in 2023)
    permis    MININT  2020-01-01→2022-05-01 90 % établie 2020-06-01        (leaves the list in 2022)
    impots    MEF                          100 %, audit 2020-01-15, établie 2020-03-01, mise à jour 2022-06-01
    passeport MININT  from 2021-01-01      40 % établie 2021-02-01
    cni       MININT  from 2024-01-01      no declaration

Validity: 2020 rule from the statement's date (later of établie / mise à jour), 2023 rule from
the audit (the statement's date when no audit is known); 3 years, the last day included.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from rgaa_tracker import declaration, demarche, indicator, observatoire, report
from rgaa_tracker.errors import ImportRejected
from rgaa_tracker.models import Declaration, Demarche, ObservatoireEntry
from rgaa_tracker.settings import get_settings
from rgaa_tracker.user import add_user, issue_token
from rgaa_tracker.web import create_app

from .factories import write_csv, write_xlsx
from .test_cli import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "observatoire"
CATALOGUE = ["id", "titre", "ministere", "ministere_nom", "url", "date_entree"]
DEMARCHES = [
    ["rsa", "Demande de RSA", "MSS", "Ministère des Solidarités", "https://rsa.example.gouv.fr/", ""],
    ["caf", "Déclarer sa situation à la CAF", "MSS", "Ministère des Solidarités", "https://caf.example.gouv.fr/", ""],
    ["permis", "Permis de conduire", "MININT", "Ministère de l'Intérieur", "https://permis.example.gouv.fr/", "2020-01-01"],
    ["impots", "Déclarer ses revenus", "MEF", "Ministère de l'Économie", "https://impots.example.gouv.fr/", ""],
    ["passeport", "Demande de passeport", "MININT", "Ministère de l'Intérieur", "https://passeport.example.gouv.fr/", "01/01/2021"],
    ["cni", "Carte nationale d'identité", "MININT", "Ministère de l'Intérieur", "https://cni.example.gouv.fr/", "2024-01-01"],
]
DECLARATIONS = ["demarche_id", "statut", "taux", "date_publication", "date_mise_a_jour", "date_audit", "url"]
D = dt.date


@pytest.fixture
def history(engine, tmp_path):
    """The catalogue imported twice (the second file drops « permis »: its exit is recorded on
    the given date), the declarations from a real XLSX with the three date columns."""
    with Session(engine) as session:
        demarche.import_demarches(session=session, path=write_csv(tmp_path / "catalogue.csv", CATALOGUE, DEMARCHES))
        without_permis = [row for row in DEMARCHES if row[0] != "permis"]
        summary = demarche.import_demarches(session=session, path=write_csv(tmp_path / "catalogue-2.csv", CATALOGUE, without_permis),
                                            exit_date=D(2022, 5, 1))
        assert summary.exited == ["permis"]
        rows = [
            ["rsa", "partiellement", 80, D(2020, 3, 1), None, None, "https://rsa.example.gouv.fr/accessibilite"],
            ["rsa", "totalement conforme", None, D(2022, 9, 1), None, None, None],
            ["caf", "partiellement", "85 %", D(2021, 6, 1), None, None, None],
            ["permis", "partiellement", 90, D(2020, 6, 1), None, None, None],
            ["impots", "totalement", 100, D(2020, 3, 1), D(2022, 6, 1), D(2020, 1, 15), None],
            ["passeport", "non conforme", 40, "01/02/2021", None, None, None],
        ]
        result = declaration.import_declarations(session=session, path=write_xlsx(tmp_path / "declarations.xlsx", DECLARATIONS, rows),
                                                 today=D(2025, 12, 31))
        assert result.added == 6
        session.commit()
    return engine


def compute(engine, as_of, definition=None, ministry=None):
    with Session(engine) as session:
        return indicator.compute(session=session, as_of=as_of, settings=get_settings(), definition=definition, ministry=ministry)


def figures(state) -> tuple:
    n = state.national
    return n.active, n.declared, n.accessible, n.share


def test_the_three_statement_dates_are_kept(history):
    with Session(history) as session:
        impots = session.exec(select(Declaration).where(Declaration.demarche_id == "impots")).one()
        assert (impots.published_on, impots.updated_on, impots.audited_on) == (D(2020, 3, 1), D(2022, 6, 1), D(2020, 1, 15))
        listed = declaration.as_dict(impots)
    assert (listed["date_publication"], listed["date_mise_a_jour"], listed["date_audit"]) == ("2020-03-01", "2022-06-01", "2020-01-15")


def test_end_of_2021_under_both_rules(history):
    # Listed: rsa, caf, permis (leaves 2022-05-01), impots, passeport (cni enters 2024) → 5.
    # In force: rsa 80, caf 85, permis 90, passeport 40; impots' statement, updated 2022-06-01, not yet.
    # 2020: Oui rsa caf permis; Partiel passeport; Non impots → declared 4, accessible 3, 3/5.
    # 2023: nothing at 100 %; Partiel rsa caf permis; Non passeport (valid, 40 %) and impots → 4, 0, 0.
    day = D(2021, 12, 31)
    assert compute(history, day).definition.name == "2020"  # in force then
    assert figures(compute(history, day, "2020")) == (5, 4, 3, 0.6)
    assert figures(compute(history, day, "2023")) == (5, 4, 0, 0.0)
    levels = {d: s.level for d, s in compute(history, day, "2020").statuses.items()}
    assert levels == {"rsa": "oui", "caf": "oui", "permis": "oui", "impots": "non", "passeport": "partiel"}
    mss, minint = compute(history, day, "2020").ministries["MSS"], compute(history, day, "2020").ministries["MININT"]
    assert (mss.active, mss.accessible, minint.active, minint.accessible, minint.partial) == (2, 2, 2, 1, 1)


def test_end_of_2022_after_permis_left(history):
    # Listed: rsa, caf, impots, passeport → 4 (permis left on 2022-05-01).
    # 2020: rsa totalement = 100 Oui, caf 85 Oui, impots 100 (valid from its 2022-06-01 update) Oui, passeport Partiel → 3/4.
    # 2023: rsa Oui, caf Partiel, impots Oui (audit 2020-01-15 + 3 years = 2023-01-15 ≥ 2022-12-31), passeport Non → 2/4.
    day = D(2022, 12, 31)
    assert figures(compute(history, day, "2020")) == (4, 4, 3, 0.75)
    assert figures(compute(history, day, "2023")) == (4, 4, 2, 0.5)
    assert compute(history, day).target_share == 0.8 and compute(history, day).deadline == D(2022, 12, 31)


def test_2024_the_audit_date_decides_validity_under_the_2023_rule(history):
    # Listed: rsa, caf, impots, passeport, cni (enters 2024-01-01) → 5.
    # 2023 (in force): rsa Oui (2022-09-01 → 2025-09-01); caf Partiel (valid to 2024-06-01);
    #   impots Non and not declared (audit 2020-01-15 expired 2023-01-15, whatever its 2022 update);
    #   passeport Non but declared (valid to 2024-02-01); cni Non → declared 3, accessible 1, 1/5.
    # 2020: rsa, caf, impots (statement 2022-06-01 valid) Oui; passeport Partiel; cni Non → 4, 3, 3/5.
    day = D(2024, 1, 1)
    state = compute(history, day)
    assert state.definition.name == "2023"
    assert figures(state) == (5, 3, 1, 0.2)
    assert (state.statuses["impots"].level, state.statuses["impots"].expired) == ("non", True)
    assert figures(compute(history, day, "2020")) == (5, 4, 3, 0.6)
    assert state.target_share == 1.0 and state.deadline == D(2025, 12, 31)
    # 2025-06-30: only rsa is still valid under either rule (impots' update expired 2025-06-01) → 1/5 both.
    assert figures(compute(history, D(2025, 6, 30), "2023")) == (5, 1, 1, 0.2)
    assert figures(compute(history, D(2025, 6, 30), "2020")) == (5, 1, 1, 0.2)


def test_a_demarche_changes_level_the_day_the_rule_changes(history):
    before, after = compute(history, D(2023, 6, 30)), compute(history, D(2023, 7, 1))
    assert (before.definition.name, after.definition.name) == ("2020", "2023")
    assert (before.statuses["caf"].level, after.statuses["caf"].level) == ("oui", "partiel")
    assert before.statuses["caf"].accessible and not after.statuses["caf"].accessible


def test_the_list_as_it_was(history):
    assert "permis" in compute(history, D(2022, 4, 30)).statuses
    assert "permis" not in compute(history, D(2022, 5, 1)).statuses  # gone on its exit day
    with Session(history) as session:
        permis = session.get(Demarche, "permis")
        assert (permis.delisted_on, permis.active) == (D(2022, 5, 1), False)
        assert len(declaration.list_declarations(session=session, demarche_id="permis")) == 1  # its history stays
        # A démarche switched off today still counts on the dates it was listed.
        caf = session.get(Demarche, "caf")
        caf.active = False
        session.add(caf)
        session.commit()
    assert "caf" in compute(history, D(2022, 1, 1)).statuses


def test_history_series_agree_with_the_point_computations(history):
    dates = [D(2021, 12, 31), D(2022, 12, 31), D(2024, 1, 1)]
    with Session(history) as session:
        for name in ("2020", "2023", None):
            series = indicator.national_shares(session=session, dates=dates, settings=get_settings(), definition=name)
            assert series == [compute(history, day, name).national.share for day in dates]


def test_exit_date_column_and_reentry(engine, tmp_path):
    header = [*CATALOGUE, "date_sortie"]
    with Session(engine) as session:
        demarche.import_demarches(session=session, path=write_csv(tmp_path / "a.csv", header, [[*DEMARCHES[2], "2022-05-01"], [*DEMARCHES[0], ""]]))
        session.commit()
        assert (session.get(Demarche, "permis").delisted_on, session.get(Demarche, "permis").active) == (D(2022, 5, 1), False)
        summary = demarche.import_demarches(session=session, path=write_csv(tmp_path / "b.csv", header, [[*DEMARCHES[2], ""], [*DEMARCHES[0], ""]]))
        assert (session.get(Demarche, "permis").delisted_on, session.get(Demarche, "permis").active) == (None, True)
        assert any("permis revient dans la liste" in w for w in summary.warnings)
    bad = write_csv(tmp_path / "bad.csv", header, [[*DEMARCHES[2][:5], "2022-05-01", "2021-01-01"]])
    with Session(engine) as session, pytest.raises(ImportRejected) as refused:
        demarche.import_demarches(session=session, path=bad)
    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "date_sortie")]
    assert "date de sortie antérieure ou égale à la date d'entrée" in str(refused.value)


def test_bad_statement_dates_are_refused_in_french(history, tmp_path):
    path = write_csv(tmp_path / "d.csv", ["demarche_id", "taux", "etablie_le", "mise_a_jour_le", "audit_realise_le"],
                     [["rsa", "80", "2023-05-01", "2023-04-01", ""], ["caf", "70", "", "", ""], ["impots", "90", "", "32/01/2023", ""]])
    with Session(history) as session, pytest.raises(ImportRejected) as refused:
        declaration.import_declarations(session=session, path=path)
    found = {(e.row, e.column): e.reason for e in refused.value.errors}
    assert found[(2, "mise_a_jour_le")] == "mise à jour antérieure à l'établissement (2023-05-01)"
    assert found[(3, "etablie_le")] == "date de publication, de mise à jour ou d'audit obligatoire"
    assert found[(4, "mise_a_jour_le")] == "date impossible"


def test_cli_definition_option_and_json_keys(history, settings, tmp_path):
    for name, expected in (("2020", {"active": 5, "declared": 4, "accessible": 3, "share": 0.6}),
                           ("2023", {"active": 5, "declared": 3, "accessible": 1, "share": 0.2})):
        done = run_cli("indicators", "--as-of", "2024-01-01", "--definition", name, "--json", cwd=tmp_path, database_url=settings.database_url)
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert {"as_of", "national", "ministries", "questionable", "target", "definition"} == set(data)
        assert data["definition"] == name and data["national"] == expected
        assert all(set(m) == {"code", "active", "declared", "accessible", "share"} for m in data["ministries"])
    bad = run_cli("indicators", "--definition", "2019", cwd=tmp_path, database_url=settings.database_url)
    assert bad.returncode == 2 and "attendu 2020 ou 2023" in bad.stderr


@pytest.fixture
def api(history, settings):
    with Session(history) as session:
        add_user(session=session, email="admin@dinum.example", password="mot de passe assez long", admin=True)
        token = issue_token(session=session, email="admin@dinum.example")
        session.commit()
    with TestClient(create_app(get_settings())) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def test_api_definition_parameter(api):
    data = api.get("/api/indicators", params={"as_of": "2021-12-31", "definition": "2023"}).json()
    assert data["definition"] == "2023" and data["national"]["accessible"] == 0
    assert api.get("/api/indicators", params={"as_of": "2021-12-31"}).json()["definition"] == "2020"
    assert api.get("/api/indicators", params={"definition": "2021"}).status_code == 422
    dashboard = api.get("/?definition=2023")
    assert dashboard.status_code == 200 and "règle 2023" in dashboard.text
    assert api.get("/?definition=2019").status_code == 400
    ministry = api.get("/ministeres/MININT", params={"definition": "2020"})
    assert ministry.status_code == 200 and "règle 2020" in ministry.text and "sortie de la liste le 1er mai 2022" in ministry.text
    gone = api.get("/demarches/permis")  # its history stays readable after it left
    assert gone.status_code == 200 and "Sortie de la liste suivie le 1er mai 2022" in gone.text and "1er juin 2020" in gone.text
    impots = api.get("/demarches/impots").text
    assert all(day in impots for day in ("1er mars 2020", "1er juin 2022", "15 janvier 2020"))  # established, updated, audited


def import_grist(engine, tmp_path):
    with Session(engine) as session:
        summary = observatoire.import_edition(session=session, path=FIXTURES / "edition-grist-2024-04.csv", edition_on=D(2024, 4, 1), edition="Édition d'avril 2024")
        session.commit()
    return summary


def test_grist_edition_import_and_comparison(history, tmp_path):
    summary = import_grist(history, tmp_path)
    # rsa matched by URL, caf by title, rdv new; cni, listed since 2024-01-01, is not in the edition: it leaves.
    assert (summary.rows, summary.declarations, summary.created, summary.exited) == (5, 5, ["observatoire-117"], ["cni"])
    with Session(history) as session:
        rates = {d.demarche_id: d.rate for d in session.exec(select(Declaration).where(Declaration.provenance == "observatoire")).all()}
        comparison = observatoire.comparison(session=session, settings=get_settings())
    assert rates == {"rsa": 100.0, "caf": 85.0, "impots": 100.0, "passeport": 62.0, "observatoire-117": 30.0}  # fractions → %
    # On 2024-04-01 (2023 rule), from the tracker's own declarations: rsa Oui, caf Partiel (valid to 2024-06-01),
    # impots Non (audit expired), passeport Non (expired 2024-02-01), rdv Non (none).
    # Published (Taux_RGAA_Publie): 1 Oui, 0.85 Partiel, 1 Oui, 0.62 Partiel, 0.3 Non → impots and passeport differ.
    assert (comparison["definition"], comparison["compared"]) == ("2023", 5)
    assert [(r["demarche_id"], r["niveau_publie"], r["niveau_calcule"]) for r in comparison["differences"]] == [
        ("impots", "oui", "non"), ("passeport", "partiel", "non")]
    # With the edition's declarations (dated 2024-04-01, all valid): rsa, impots Oui; caf, passeport Partiel;
    # rdv Non (30 %); cni gone on the edition's date → declared 5, accessible 2, 2/5.
    assert figures(compute(history, D(2024, 4, 1))) == (5, 5, 2, 0.4)
    assert import_grist(history, tmp_path).declarations == 0  # the same edition twice changes nothing


def test_xwiki_edition_from_xlsx_with_published_levels(history, tmp_path):
    header = ["[private] ID", "Nom de la démarche / projet / procédure PNU", "Code ministère", "Lien",
              "[private] Date déclaration d'accessibilité", "Taux RGAA Audit", "Prise en compte handicaps"]
    rows = [
        [11, "Demande de RSA", "MSS", "https://rsa.example.gouv.fr/", D(2020, 3, 1), 80, "Oui"],
        [12, "Déclarer sa situation à la CAF", "MSS", "https://caf.example.gouv.fr/", D(2021, 6, 1), 85, "Oui"],
        [13, "Permis de conduire", "MININT", "https://permis.example.gouv.fr/", D(2020, 6, 1), 90, "Partiel"],
        [14, "Déclarer ses revenus", "MEF", "https://impots.example.gouv.fr/", None, None, "En attente"],
        [15, "Demande de passeport", "MININT", "https://passeport.example.gouv.fr/", D(2021, 2, 1), 40, "Partiel"],
    ]
    path = write_xlsx(tmp_path / "xwiki.xlsx", header, rows)
    with Session(history) as session:
        summary = observatoire.import_edition(session=session, path=path, edition_on=D(2021, 10, 1))
        session.commit()
        comparison = observatoire.comparison(session=session, settings=get_settings(), edition_on=D(2021, 10, 1))
        stored = session.exec(select(ObservatoireEntry).where(ObservatoireEntry.demarche_id == "impots")).one()
        dated = session.exec(select(Declaration).where(Declaration.provenance == "observatoire", Declaration.demarche_id == "caf")).one()
    assert (summary.declarations, summary.exited) == (4, [])
    assert stored.level == "a_venir" and dated.published_on == D(2021, 6, 1)  # the statement's own date, not the edition's
    # 2020 rule on 2021-10-01: tracker rsa, caf, permis Oui; passeport Partiel → only permis (published Partiel) differs.
    assert (comparison["definition"], comparison["compared"]) == ("2020", 4)
    assert [(r["demarche_id"], r["niveau_publie"], r["niveau_calcule"]) for r in comparison["differences"]] == [("permis", "partiel", "oui")]


def test_bad_edition_rows_are_all_named_in_french(history, tmp_path):
    header = ["Ref_Demarche", "Nom_Demarche", "Nom_Ministere", "URL_Demarche", "Taux_RGAA_Publie"]
    path = write_csv(tmp_path / "bad.csv", header, [
        ["1", "Demande de RSA", "Ministère des Solidarités", "https://rsa.example.gouv.fr/", "1,5"],
        ["2", "Nouvelle démarche", "Ministère inconnu", "https://new.example.gouv.fr/", "0,5"],
        ["3", "Autre démarche", "Ministère de l'Intérieur", "", "0,5"],
    ])
    with Session(history) as session, pytest.raises(ImportRejected) as refused:
        observatoire.import_edition(session=session, path=path, edition_on=D(2024, 4, 1))
    found = {(e.row, e.column) for e in refused.value.errors}
    assert found == {(2, "Taux_RGAA_Publie"), (3, "Nom_Ministere"), (4, "URL_Demarche")}
    assert "fraction de 0 à 1" in str(refused.value) and "ministère inconnu" in str(refused.value)
    with Session(history) as session, pytest.raises(ImportRejected) as undated:
        observatoire.import_edition(session=session, path=FIXTURES / "edition-grist-2024-04.csv")
    assert "--edition-date" in str(undated.value)


def test_cli_observatoire_import_and_compare(history, settings, tmp_path):
    done = run_cli("observatoire", "import", str(FIXTURES / "edition-grist-2024-04.csv"), "--edition-date", "2024-04-01",
                   cwd=tmp_path, database_url=settings.database_url)
    assert done.returncode == 0, done.stderr
    assert "sortie(s) de la liste : cni" in done.stdout
    compared = json.loads(run_cli("observatoire", "compare", "--json", cwd=tmp_path, database_url=settings.database_url).stdout)
    assert [r["demarche_id"] for r in compared["differences"]] == ["impots", "passeport"]


def test_api_comparison(api, history, tmp_path):
    assert api.get("/api/observatoire/comparison").json() is None
    import_grist(history, tmp_path)
    data = api.get("/api/observatoire/comparison", params={"definition": "2020"}).json()
    # Under the 2020 rule on 2024-04-01: tracker rsa, caf, impots (statement valid) Oui, passeport Non (expired), rdv Non;
    # published levels by the 2020 thresholds: rsa, caf, impots Oui; passeport (62 %) and rdv (30 %) Partiel.
    assert data["definition"] == "2020"
    assert [(r["demarche_id"], r["niveau_publie"], r["niveau_calcule"]) for r in data["differences"]] == [
        ("observatoire-117", "partiel", "non"), ("passeport", "partiel", "non")]


def test_report_names_the_rule_and_shows_both_trajectories(history, tmp_path):
    import_grist(history, tmp_path)
    import csv

    with Session(history) as session:
        written = report.write_workshop(session=session, out_dir=tmp_path / "r", settings=get_settings(), as_of=D(2024, 6, 30), pdf=False)
        html = Path(written.html_path).read_text(encoding="utf-8")
    assert "Chiffres selon la règle 2023" in html
    assert "1er juillet 2023 (changement de règle)" in html and "La règle a changé le 1er juillet 2023" in html
    assert "Trajectoire 2020" in html and "Trajectoire 2023" in html
    assert "Écarts avec l'Observatoire" in html and "Demande de passeport (passeport)" in html
    rows = list(csv.DictReader((tmp_path / "r" / "donnees" / "national.csv").read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert set(rows[0]) == {"date", "regle_en_vigueur", "part_accessible_2020", "trajectoire_2020", "part_accessible_2023", "trajectoire_2023"}
    switch = next(r for r in rows if r["date"] == "2023-07-01")
    assert switch["regle_en_vigueur"] == "2023"
    synthese = list(csv.DictReader((tmp_path / "r" / "donnees" / "synthese.csv").read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert synthese[0]["definition"] == "2023"
    ecarts = list(csv.DictReader((tmp_path / "r" / "donnees" / "observatoire.csv").read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert [r["demarche_id"] for r in ecarts] == ["impots", "passeport"]
