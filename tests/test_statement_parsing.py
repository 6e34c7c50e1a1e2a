"""Statement pages written in many ways (SPEC §4.4): read what is there, invent nothing."""

import datetime as dt

import pytest

from rgaa_tracker.statement import StatementFacts, parse_statement

D = dt.date
CASES = [
    # 1. the DINUM model, words as in the official template
    ("Le site est partiellement conforme avec le RGAA version 4.1. L'audit révèle que 76 % des critères du RGAA version 4.1 sont respectés. "
     "Cette déclaration a été établie le 12 mars 2021.",
     StatementFacts("partiellement", 76.0, D(2021, 3, 12), None, "4.1")),
    # 2. decimal comma, "taux de conformité de"
    ("Ce service présente un taux de conformité de 76,4 % au RGAA 4.1.2. Déclaration établie le 12/03/2021.",
     StatementFacts(None, 76.4, D(2021, 3, 12), None, "4.1.2")),
    # 3. mention in the usual footer form, rate with colon, no space before %
    ("Accessibilité : non conforme. Taux de conformité : 42%. Établie le 1er avril 2022.",
     StatementFacts("non", 42.0, D(2022, 4, 1), None, None)),
    # 4. "totalement", capitals and accents; establishment and update dates both kept
    ("L'APPLICATION EST TOTALEMENT CONFORME AU RGAA 4. 100 % DES CRITÈRES SONT RESPECTÉS. "
     "Cette déclaration a été établie le 3 février 2020. Elle a été mise à jour le 15 décembre 2022.",
     StatementFacts("totalement", 100.0, D(2020, 2, 3), None, "4", updated_on=D(2022, 12, 15))),
    # 5. audit date distinct from the statement date
    ("L'audit de conformité a été réalisé le 20 janvier 2023 par la société X. 81,5 % des critères sont respectés. "
     "Cette déclaration a été établie le 2 mars 2023.",
     StatementFacts(None, 81.5, D(2023, 3, 2), D(2023, 1, 20), None)),
    # 5b. the three dates of one statement, each where the official template puts it
    ("Accessibilité : partiellement conforme. L'audit a été réalisé le 10 janvier 2021. 68 % des critères sont respectés. "
     "Cette déclaration a été établie le 15 février 2021. Elle a été mise à jour le 1er septembre 2022.",
     StatementFacts("partiellement", 68.0, D(2021, 2, 15), D(2021, 1, 10), None, updated_on=D(2022, 9, 1))),
    # 6. average rate only: it is not the conformity rate, so no rate
    ("Taux moyen de conformité du service en ligne : 88 %. Déclaration établie le 5 mai 2021.",
     StatementFacts(None, None, D(2021, 5, 5), None, None)),
    # 7. global rate and average rate both given: the global one is kept
    ("Taux moyen de conformité : 91,2 %. Taux de conformité global : 64 %.",
     StatementFacts(None, 64.0, None, None, None)),
    # 8. no audit at all
    ("Ce site n'a encore fait l'objet d'aucun audit. Il est non conforme au RGAA.",
     StatementFacts("non", None, None, None, None)),
    # 9. nothing about accessibility
    ("Bienvenue sur notre site. Horaires d'ouverture : 9 h – 17 h.", StatementFacts()),
    # 10. ISO date, line breaks, non-breaking spaces
    ("Résultats des tests\n\n52\u00a0%\ndes critères\ndu RGAA sont respectés.\nÉtablie le 2024-06-30",
     StatementFacts(None, 52.0, D(2024, 6, 30), None, None)),
    # 11. impossible date: not invented
    ("Cette déclaration a été établie le 31/02/2021. 60 % des critères sont respectés.",
     StatementFacts(None, 60.0, None, None, None)),
    # 12. "sont partiellement conformes" plural, RGAA v4.1
    ("Les services en ligne sont partiellement conformes au RGAA v4.1, 70,25 % des critères étant respectés.",
     StatementFacts("partiellement", 70.25, None, None, "4.1")),
    # 13. a percentage that is not a rate
    ("Une réduction de 20 % sur votre abonnement. Accessibilité : partiellement conforme",
     StatementFacts("partiellement", None, None, None, None)),
    # 14. typographic apostrophe and "mise à jour" only
    ("Déclaration d’accessibilité mise à jour le 7 juillet 2025. Le taux de conformité du site est de 97 %.",
     StatementFacts(None, 97.0, None, None, None, updated_on=D(2025, 7, 7))),
    # 15. "RGAA 3" statement, old style
    ("Ce site est conforme au RGAA 3 2017 à 85 %. Taux de conformité au RGAA 3 : 85 %.",
     StatementFacts(None, 85.0, None, None, "3")),
    # 16. a rate above 100 is a typo, not a rate
    ("Taux de conformité : 760 %.", StatementFacts()),
    # 17. audit "effectué en date du"
    ("Audit effectué en date du 14/10/2022. Accessibilité : totalement conforme.",
     StatementFacts("totalement", None, None, D(2022, 10, 14), None)),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[f"case{i + 1}" for i in range(len(CASES))])
def test_parse_statement(text, expected):
    assert parse_statement(text) == expected
