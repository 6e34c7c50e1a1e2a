"""Alembic migrations: the whole schema, and an old database upgrades without loss."""

import datetime as dt

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
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
        assert connection.execute(text("SELECT title FROM demarche")).scalar_one() == "Impôts"
        assert connection.execute(text("SELECT criterion, nodes FROM criterion_result")).one() == ("1.1", 2)
        assert connection.execute(text("SELECT count(*) FROM declaration")).scalar_one() == 0
    assert {"declaration", "calendar_version", "milestone"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_english_column_names_keep_every_row(settings):
    """0007 renames the French columns in place: every value survives, both ways."""
    engine = db.make_engine(settings.database_url)
    db.upgrade(engine, "0006")
    at = dt.datetime(2022, 3, 1, 9, 0, tzinfo=dt.UTC)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO ministry (code, name) VALUES ('MEF', 'Économie')"))
        connection.execute(text("INSERT INTO demarche (id, titre, ministry_code, url, volumetrie, date_entree, active, updated_at) "
                                "VALUES ('impots', 'Impôts', 'MEF', 'https://impots.example/', 42, '2020-06-01', true, :t)"), {"t": at})
        connection.execute(text("INSERT INTO declaration (demarche_id, provenance, statut, taux, date_publication, date_audit, recorded_at) "
                                "VALUES ('impots', 'import', 'partiellement', 74.5, '2021-03-15', '2021-01-10', :t)"), {"t": at})
        connection.execute(text("INSERT INTO calendar_version (id, ministry_code, uploaded_at, uploaded_by, filename, checksum, row_count) "
                                "VALUES (1, 'MEF', :t, 'x', 'c.csv', '', 1)"), {"t": at})
        connection.execute(text("INSERT INTO milestone (version_id, demarche_id, etape, date_prevue, date_realisee, taux_cible, commentaire, row) "
                                "VALUES (1, 'impots', 'audit', '2022-06-01', '2022-06-02', 80, 'prévu', 2)"))
    db.upgrade(engine)
    with engine.connect() as connection:
        def row(sql: str) -> tuple[str, ...]:  # as text: SQLite gives dates as strings
            return tuple(str(value) for value in connection.execute(text(sql)).one())

        assert row("SELECT title, annual_volume, listed_on FROM demarche") == ("Impôts", "42", "2020-06-01")
        assert row("SELECT status, rate, published_on, audited_on FROM declaration") == ("partiellement", "74.5", "2021-03-15", "2021-01-10")
        assert row("SELECT step, planned_on, done_on, target_rate, comment FROM milestone") == ("audit", "2022-06-01", "2022-06-02", "80.0", "prévu")
    with pytest.raises(IntegrityError), engine.begin() as connection:  # one step per démarche and version, still
        connection.execute(text("INSERT INTO milestone (version_id, demarche_id, step, comment, row) VALUES (1, 'impots', 'audit', '', 3)"))
    config = db.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT titre, taux_cible FROM demarche, milestone")).one() == ("Impôts", 80.0)
    engine.dispose()
