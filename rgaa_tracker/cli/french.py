"""Click's and Typer's own messages in French ("Usage", "Try … for help", "Invalid value",
"Missing argument"…): both look their strings up through ``gettext`` at the moment they print
them, so the lookup they use is replaced by one that reads this catalogue (English stays for a
string not listed). Typer's rich panel titles are constants, set here."""

from __future__ import annotations

import importlib

MESSAGES = {
    "Usage:": "Utilisation :",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Essayez [blue]« {command_path} {help_option} »[/] pour l'aide.",
    "Error: {message}": "Erreur : {message}",
    "Error": "Erreur",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Missing {param_type}": "{param_type} manquant",
    "Missing command.": "Commande manquante.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "No such option: {name}": "Option inconnue : {name}",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Option {name!r} requires an argument.": "L'option {name!r} demande une valeur.",
    "Argument {name!r} takes {nargs} values.": "L'argument {name!r} prend {nargs} valeurs.",
    "Options": "Options",
    "Arguments": "Arguments",
    "Commands": "Commandes",
    "Positional arguments": "Arguments positionnels",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "Aborted!": "Abandon.",
    "Aborted.": "Abandon.",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirme l'action sans la demander.",
    "default: {default}": "par défaut : {default}",
    "[default: {}]": "[par défaut : {}]",
    "required": "obligatoire",
    "[required]": "[obligatoire]",
    "env var: {var}": "variable d'environnement : {var}",
    "[env var: {}]": "[variable d'environnement : {}]",
    "(deprecated) ": "(obsolète) ",
    "deprecated": "obsolète",
    "(dynamic)": "(dynamique)",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "unknown error": "erreur inconnue",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un {number_type} valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid UUID.": "{value!r} n'est pas un UUID valide.",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} n'est pas un booléen valide. Valeurs reconnues : {states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} illisible (droits).",
    "{name} {filename!r} is not writable.": "{name} {filename!r} non modifiable (droits).",
    "{name} {filename!r} is not executable.": "{name} {filename!r} non exécutable.",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir le fichier {filename!r} : {message}",
    "integer": "entier",
    "float": "nombre décimal",
}
PLURALS = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Argument en trop ({args})", "Arguments en trop ({args})"),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire l'un de : {possibilities} ?)"),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("{value!r} n'est pas {choice}.", "{value!r} n'est pas l'une des valeurs {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("{value!r} ne correspond pas au format {format}.", "{value!r} ne correspond à aucun des formats {formats}."),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Prend {nargs} valeurs mais 1 a été donnée.", "Prend {nargs} valeurs mais {len} ont été données."),
}
MODULES = ("click.core", "click.exceptions", "click.types", "click.parser", "click.formatting", "click.decorators",
           "click.termui", "typer.core", "typer.main", "typer.rich_utils")


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    french = PLURALS.get((singular, plural))
    if french is None:
        return singular if n == 1 else plural
    return french[0] if n == 1 else french[1]


def install() -> None:
    install_vendored()
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # typer.rich_utils needs rich
            continue
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext
    try:
        rich_utils = importlib.import_module("typer.rich_utils")
    except ImportError:
        return
    for constant, english in (("DEPRECATED_STRING", "(deprecated) "), ("DEFAULT_STRING", "[default: {}]"), ("ENVVAR_STRING", "[env var: {}]"),
                              ("REQUIRED_LONG_STRING", "[required]"), ("ARGUMENTS_PANEL_TITLE", "Arguments"), ("OPTIONS_PANEL_TITLE", "Options"),
                              ("COMMANDS_PANEL_TITLE", "Commands"), ("ERRORS_PANEL_TITLE", "Error"), ("ABORTED_TEXT", "Aborted."),
                              ("RICH_HELP", "Try [blue]'{command_path} {help_option}'[/] for help.")):
        setattr(rich_utils, constant, gettext(english))


# Typer ≥ 0.20 carries its own copy of Click (typer._click) whose messages are f-strings, not
# gettext lookups: their English is rewritten, by pattern, where they are formatted.
PATTERNS = [
    (r"^Invalid value for (.+?): ", r"Valeur invalide pour \1 : "),
    (r"^Invalid value: ", "Valeur invalide : "),
    (r"^Missing argument", "Argument manquant"),
    (r"^Missing option", "Option manquante"),
    (r"^Missing parameter", "Paramètre manquant"),
    (r"^Missing command\.", "Commande manquante."),
    (r"^No such command (.+)\.$", r"Commande inconnue : \1."),
    (r"^No such option: ", "Option inconnue : "),
    (r"^No such option ", "Option inconnue : "),
    (r"^Option (.+) requires an argument\.", r"L'option \1 demande une valeur."),
    (r"^Option (.+) does not take a value\.", r"L'option \1 ne prend pas de valeur."),
    (r"^Got unexpected extra arguments? \((.*)\)", r"Argument(s) en trop (\1)"),
    (r"\(?Did you mean one of: (.+)\?\)?", r"(Vouliez-vous dire l'un de : \1 ?)"),
    (r"Did you mean (.+)\?", r"Vouliez-vous dire \1 ?"),
    (r"(.+) is not one of (.+)\.$", r"\1 n'est pas l'une des valeurs \2."),
    (r"(.+) is not (.+)\.$", r"\1 n'est pas \2."),
    (r"(.+) is not a valid (integer|float)\.", r"\1 n'est pas un nombre valide."),
    (r"(.+) is not in the range (.+)\.", r"\1 n'est pas dans l'intervalle \2."),
    (r"(.+) does not match the formats? (.+)\.", r"\1 ne correspond pas au format \2."),
    (r"^(File|Path|Directory) (.+) does not exist\.", r"\2 introuvable."),
]


def translate(text: str) -> str:
    import re

    for pattern, french in PATTERNS:
        new = re.sub(pattern, french, text, count=1)
        if new != text:
            return new
    return text


def install_vendored() -> None:
    try:
        exceptions = importlib.import_module("typer._click.exceptions")
        formatting = importlib.import_module("typer._click.formatting")
    except ImportError:
        return
    for value in vars(exceptions).values():
        if isinstance(value, type) and "format_message" in vars(value) and not getattr(value.format_message, "french", False):
            def wrapped(self, _original=value.format_message):
                return translate(_original(self))
            wrapped.french = True
            value.format_message = wrapped
    core = importlib.import_module("typer._click.core")
    for value in vars(core).values():
        if isinstance(value, type) and "get_help_option" in vars(value) and not getattr(value.get_help_option, "french", False):
            def get_help_option(self, ctx, _original=value.get_help_option):
                option = _original(self, ctx)
                if option is not None and option.help == "Show this message and exit.":
                    option.help = gettext(option.help)
                return option
            get_help_option.french = True
            value.get_help_option = get_help_option
    original_usage = formatting.HelpFormatter.write_usage
    if not getattr(original_usage, "french", False):
        def write_usage(self, prog, args="", prefix=None):
            return original_usage(self, prog, args, "Utilisation : " if prefix is None else prefix)
        write_usage.french = True
        formatting.HelpFormatter.write_usage = write_usage
