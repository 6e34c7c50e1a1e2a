"""Docs that cannot drift: the CLI reference is generated from --help; every setting has help."""

import subprocess
import sys
from pathlib import Path

from rgaa_tracker.settings import BrowserSettings, ChecksSettings, CrawlSettings, LimitsSettings, Rule2023Settings, ScheduleSettings, Settings, WebSettings

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_up_to_date(tmp_path):
    generated = tmp_path / "cli.md"
    subprocess.run([sys.executable, "-m", "typer", "rgaa_tracker.cli", "utils", "docs", "--name", "rgaa-tracker", "--output", str(generated)],
                   check=True, capture_output=True, timeout=120)
    assert generated.read_text(encoding="utf-8") == (ROOT / "docs" / "cli.md").read_text(encoding="utf-8"), "run: make docs"


def test_every_setting_says_what_it_is_for():
    for model in (Settings, BrowserSettings, CrawlSettings, ChecksSettings, ScheduleSettings, WebSettings, LimitsSettings, Rule2023Settings):
        undocumented = [name for name, field in model.model_fields.items() if not field.description and name not in ("browser", "crawl", "checks", "schedule", "web", "limits")]
        assert undocumented == [], model.__name__
