"""Checks of theme 11 (forms) about what a field says of itself: its required status (11.10)
and its purpose for autofill (11.13). The rules are in the scripts' header comments."""

from .model import A_VERIFIER, NON_CONFORME, Check

CHECKS = (
    Check(
        id="required_fields", tests=("11.10.1", "11.10.2"), verdicts=(NON_CONFORME, A_VERIFIER),
        test_verdicts=(("11.10.1", (A_VERIFIER,)),),  # the attribute's absence is a person's call
        title="Champs obligatoires signalés de façon visible dans l'étiquette, ou par une mention générale avant eux",
    ),
    Check(
        id="autocomplete_purpose", tests=("11.13.1",), verdicts=(NON_CONFORME, A_VERIFIER),
        title="Champs de données personnelles de l'utilisateur pourvus d'un attribut autocomplete indiquant leur finalité",
    ),
)
