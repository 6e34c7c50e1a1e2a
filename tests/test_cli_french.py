"""Click's and Typer's own messages in French (issue #19): usage, the help hint, bad values,
missing arguments, unknown commands; the help option's text."""

from typer.testing import CliRunner

from rgaa_tracker import cli
from rgaa_tracker.cli import french


def run(*args):
    return CliRunner().invoke(cli.app, list(args), prog_name="rgaa-tracker")


def test_usage_errors_are_in_french():
    bad = run("report", "workshop", "--definition", "1999")
    assert bad.exit_code == 2
    assert "Utilisation : rgaa-tracker report workshop" in bad.output and "pour l'aide" in bad.output
    assert "Valeur invalide pour --definition" in bad.output and "Invalid value" not in bad.output and "Usage" not in bad.output
    missing = run("demarches", "import")
    assert missing.exit_code == 2 and "Argument manquant" in missing.output and "Missing" not in missing.output
    unknown = run("nimporte")
    assert unknown.exit_code == 2 and "Commande inconnue" in unknown.output and "Erreur" in unknown.output


def test_help_is_in_french():
    shown = run("users", "--help")
    assert shown.exit_code == 0
    assert "Utilisation :" in shown.output and "Affiche cette aide et quitte." in shown.output and "Commandes" in shown.output
    assert "Show this message" not in shown.output


def test_translation_patterns():
    assert french.translate("Got unexpected extra arguments (a b)") == "Argument(s) en trop (a b)"
    assert french.translate("Invalid value: nope") == "Valeur invalide : nope"
    assert french.translate("Something else") == "Something else"
