"""Alembic migrations: the whole schema, and an old database upgrades without loss."""

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from rgaa_tracker import db, models  # noqa: F401


def test_migrations_match_the_models(settings):
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_first_schema_with_data_upgrades_without_loss(settings):
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine, "0001")
    assert "declaration" not in inspect(engine).get_table_names()
    started = dt.datetime(2021, 5, 1, 2, 0, tzinfo=dt.UTC)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO ministry (code, name) VALUES ('MEF', 'Économie')"))
        connection.execute(text("INSERT INTO demarche (id, titre, ministry_code, url, active, updated_at) "
                                "VALUES ('impots', 'Impôts', 'MEF', 'https://impots.example/', true, :t)"), {"t": started})
        connection.execute(text("INSERT INTO crawl_run (id, status, started_at, trigger, axe_version, hostname, pages_total, pages_failed) "
                                "VALUES (1, 'finished', :t, 'cli', '4.12.1', 'h', 1, 0)"), {"t": started})
        connection.execute(text("INSERT INTO page_audit (id, run_id, demarche_id, role, url, violations_count, audited_at) "
                                "VALUES (1, 1, 'impots', 'start', 'https://impots.example/', 1, :t)"), {"t": started})
        connection.execute(text("INSERT INTO criterion_result (page_audit_id, criterion, status, nodes) VALUES (1, '1.1', 'non_conforme', 2)"))
    assert not db.is_current(engine)
    db.ensure_schema(engine)
    assert db.is_current(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT titre FROM demarche")).scalar_one() == "Impôts"
        assert connection.execute(text("SELECT criterion, nodes FROM criterion_result")).one() == ("1.1", 2)
        assert connection.execute(text("SELECT count(*) FROM declaration")).scalar_one() == 0
    assert {"declaration", "calendar_version", "milestone"} <= set(inspect(engine).get_table_names())
    engine.dispose()
