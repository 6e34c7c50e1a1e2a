"""Checks of theme 13 (consultation): office documents offered for download (13.3.1).

Whether a document is accessible, or has an accessible version, needs the document and a
person: each one found is listed ``a_verifier`` so the auditor knows what to open."""

from .model import A_VERIFIER, Check

CHECKS = (
    Check(
        id="office_documents", tests=("13.3.1",), verdicts=(A_VERIFIER,),
        title=("Documents bureautiques en téléchargement (PDF, Word, tableur, OpenDocument…) à vérifier : "
               "accessibles ou version accessible"),
    ),
)
