"""Indicators as of a date (SPEC §2): boundaries, history, questionable declarations."""

import datetime as dt

import pytest
from sqlmodel import Session

from rgaa_tracker import indicator
from rgaa_tracker.settings import get_settings

from .factories import add_crawl, add_declaration, add_demarches

T = dt.date(2022, 6, 30)


@pytest.fixture
def db(engine, tmp_path):
    add_demarches(engine, tmp_path, [
        ["a", "A", "MEF", "https://a.example/"],
        ["b", "B", "MEF", "https://b.example/"],
        ["c", "C", "MININT", "https://c.example/"],
        ["d", "D", "MININT", "https://d.example/"],
    ])
    return engine


def compute(engine, as_of=T, ministry=None, definition=None):
    with Session(engine) as session:
        return indicator.compute(session=session, as_of=as_of, settings=get_settings(), ministry=ministry, definition=definition)


@pytest.mark.parametrize(
    "rate, status, published, audited, declared, accessible",
    [
        (75.0, None, "2021-01-01", None, True, True),          # exactly the threshold is accessible
        (74.9, None, "2021-01-01", None, True, False),         # just below is not
        (90.0, None, "2019-06-30", None, True, True),          # exactly 3 years old on T: still valid
        (90.0, None, "2019-06-29", None, False, False),        # one day more: expired
        (90.0, None, None, "2021-01-01", True, True),          # audit date stands in for publication
        (None, "totalement", "2021-01-01", None, True, True),  # totalement conforme means 100 %
        (None, "non", "2021-01-01", None, True, False),
        (90.0, None, "2022-07-01", None, False, False),        # published after T: not in force at T
    ],
)
def test_boundaries(db, rate, status, published, audited, declared, accessible):
    add_declaration(db, "a", rate=rate, status=status, published=published, audited=audited)
    status = compute(db).statuses["a"]
    assert (status.declared, status.accessible) == (declared, accessible)


def test_latest_declaration_in_force_wins_and_history_rebuilds_the_past(db):
    add_declaration(db, "a", rate=40, published="2020-01-01")
    before = compute(db, dt.date(2021, 1, 1)).as_json()
    add_declaration(db, "a", rate=80, published="2021-06-01")  # recorded later, published later
    assert compute(db, dt.date(2021, 1, 1)).as_json() == before
    assert compute(db, dt.date(2021, 1, 1)).statuses["a"].accessible is False
    assert compute(db, dt.date(2021, 7, 1)).statuses["a"].accessible is True
    # a declaration published earlier but imported today rebuilds an old as-of result
    add_declaration(db, "b", rate=100, published="2020-06-01")
    assert compute(db, dt.date(2021, 1, 1)).statuses["b"].accessible is True


def test_demarche_entering_after_T_is_not_counted(db, tmp_path):
    from sqlmodel import select

    from rgaa_tracker.models import Demarche

    with Session(db) as session:
        late = session.exec(select(Demarche).where(Demarche.id == "d")).one()
        late.listed_on = dt.date(2022, 7, 1)
        session.add(late)
        session.commit()
    assert compute(db, T).national.active == 3
    assert compute(db, dt.date(2022, 7, 1)).national.active == 4


def test_national_and_ministry_counts_and_json_shape(db):
    add_declaration(db, "a", rate=80, published="2021-01-01")
    add_declaration(db, "b", rate=50, published="2021-01-01")
    add_declaration(db, "c", rate=100, published="2018-01-01")  # expired
    data = compute(db).as_json()
    assert data["as_of"] == "2022-06-30"
    assert data["national"] == {"active": 4, "declared": 2, "accessible": 1, "share": 0.25}
    assert data["ministries"] == [
        {"code": "MEF", "active": 2, "declared": 2, "accessible": 1, "share": 0.5},
        {"code": "MININT", "active": 2, "declared": 0, "accessible": 0, "share": 0.0},
    ]
    assert data["target"]["share"] == 0.8 and data["target"]["deadline"] == "2022-12-31"
    assert compute(db).ministries["MININT"].expired == 1
    only = compute(db, ministry="MEF").as_json("MEF")
    assert [m["code"] for m in only["ministries"]] == ["MEF"]


def test_trajectory_runs_from_baseline_to_target(db):
    settings = get_settings()
    add_declaration(db, "a", rate=100, published="2020-01-01")  # 1 of 4 at the baseline
    at_baseline = compute(db, settings.baseline_date).trajectory_share
    assert at_baseline == pytest.approx(0.25)
    assert compute(db, settings.deadline).trajectory_share == pytest.approx(0.8)
    middle = settings.baseline_date + (settings.deadline - settings.baseline_date) / 2
    assert compute(db, middle).trajectory_share == pytest.approx(0.525, abs=0.002)
    assert compute(db, dt.date(2020, 1, 1)).trajectory_share is None


def test_questionable_when_latest_crawl_disagrees_with_a_high_claim(db):
    add_declaration(db, "a", rate=90, published="2021-01-01")
    add_declaration(db, "b", status="totalement", published="2021-01-01")
    add_declaration(db, "c", rate=40, published="2021-01-01")  # low claim: never questionable
    add_crawl(db, "2022-06-01T02:00:00", {"a": ["1.1"], "b": [], "c": ["3.2"]})
    add_crawl(db, "2022-06-20T02:00:00", {"a": [], "b": ["11.1"], "c": ["3.2"]})
    assert compute(db, dt.date(2022, 6, 10)).questionable == ["a"]
    assert compute(db, T).questionable == ["b"]  # the latest crawl decides
    assert compute(db, dt.date(2022, 5, 1)).questionable == []  # no crawl yet at that date


def test_history_of_national_shares_matches_one_computation_per_date(db):
    add_declaration(db, "a", rate=80, published="2020-01-01")
    add_declaration(db, "a", rate=40, published="2021-06-01")  # a later, worse declaration supersedes
    add_declaration(db, "b", rate=90, audited="2021-01-01")
    add_declaration(db, "c", status="totalement", published="2018-01-01")  # expires in 2021
    dates = [dt.date(2019, 1, 1), dt.date(2020, 6, 1), dt.date(2021, 3, 1), dt.date(2021, 7, 1), dt.date(2024, 1, 1)]
    with Session(db) as session:
        history = indicator.national_shares(session=session, dates=dates, settings=get_settings(), definition="2020")
        by_date = indicator.national_shares(session=session, dates=dates, settings=get_settings())
    assert history == [compute(db, day, definition="2020").national.share for day in dates]
    assert history == [0.25, 0.5, 0.5, 0.25, 0.25]  # b, audited 2021-01-01, is exactly 3 years old on 2024-01-01
    # Without a definition each date takes the rule in force: in 2024 b's 90 % is only « Partiel ».
    assert by_date == [compute(db, day).national.share for day in dates] == [0.25, 0.5, 0.5, 0.25, 0.0]
