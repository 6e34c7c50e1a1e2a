"""One answer to "what did the latest crawl find for this démarche?" (issue #15): after a crawl of
every démarche then a crawl of one, the CLI, the API, the web page, the indicators and the report
all give the same latest audit per démarche: same run, same criteria."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from rgaa_tracker import findings, indicator, report
from rgaa_tracker.crawl import run_crawl
from rgaa_tracker.settings import get_settings
from rgaa_tracker.user import add_user, issue_token
from rgaa_tracker.web import create_app

from .factories import add_crawl, add_declaration, add_demarches
from .test_cli import run_cli


def test_every_interface_gives_the_same_latest_findings(engine, settings, tmp_path, site_url, database_url):
    add_demarches(engine, tmp_path, [
        ["a", "Démarche A", "MEF", f"{site_url}/img-no-alt.html"],
        ["b", "Démarche B", "MEF", f"{site_url}/clean.html"],
    ])
    add_declaration(engine, "a", rate=95, published="2025-06-01")  # a high claim the robots contradict
    first = run_crawl(engine=engine, settings=settings, concurrency=2)
    second = run_crawl(engine=engine, settings=settings, demarche_ids=["b"])
    # A run still in progress and a failed run are never "the latest audit".
    add_crawl(engine, "2099-01-01T00:00:00", {"a": ["2.1"], "b": ["2.1"]}, status="running")
    add_crawl(engine, "2099-01-02T00:00:00", {"a": ["3.1"]}, status="failed")

    with Session(engine) as session:
        model = findings.latest_findings(session=session)
        expected = {d: (item.run.id, [c.criterion for c in item.non_conformes]) for d, item in model.items()}
        state = indicator.compute(session=session, as_of=dt.date.today(), settings=get_settings())
        html_path = report.write_workshop(session=session, out_dir=tmp_path / "rapport", settings=get_settings(), pdf=False).html_path
        add_user(session=session, email="admin@dinum.example", password="un-mot-de-passe-solide", admin=True)
        token = issue_token(session=session, email="admin@dinum.example")
        session.commit()
    assert expected["a"][0] == first.id and expected["b"][0] == second.id
    assert "1.1" in expected["a"][1] and "1.1" not in expected["b"][1]

    done = run_cli("findings", "--json", cwd=tmp_path, database_url=database_url)
    assert done.returncode == 0, done.stderr
    cli = {row["demarche_id"]: (row["run_id"], row["non_conformes"]) for row in json.loads(done.stdout)}
    assert cli == expected

    client = TestClient(create_app(get_settings()))
    answer = client.get("/api/findings", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert {row["demarche_id"]: (row["run_id"], row["non_conformes"]) for row in answer.json()} == expected
    assert answer.json() == json.loads(done.stdout)  # one serialiser: the same JSON byte for byte

    for demarche_id, (run_id, criteria) in expected.items():
        page = client.get(f"/demarches/{demarche_id}", headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200
        assert f"Passage n° {run_id} du" in page.text
        for number in criteria:
            assert f">{number}</a>" in page.text

    assert state.questionable == ["a"]  # the indicators read the same latest audit of a
    html = Path(html_path).read_text(encoding="utf-8")
    for demarche_id, (run_id, _criteria) in expected.items():
        assert f"Dernier audit : passage n° {run_id} du" in html
    assert ">1.1</a>" in html and ">2.1</a>" not in html and ">3.1</a>" not in html
