"""A calendar version's milestones and what changed between two versions, as a lead reads
them: démarche titles, step names and French dates, versions numbered per ministry (n° 1 is the
first upload) rather than by database id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlmodel import Session, select

from .. import remediation
from ..models import Demarche, Ministry, User
from .common import get_session, render, require_user
from .limits import DbId

router = APIRouter(include_in_schema=False)
# A version id in the query string, bounded like DbId (an INTEGER column).
VersionId = Annotated[int, Query(ge=0, le=2**31 - 1)]


def _numbers(session: Session, ministry: str) -> dict[int, int]:
    return {v.id: n for n, v in enumerate(remediation.history(session=session, ministry=ministry), start=1)}


def _titles(session: Session, ministry: str) -> dict[str, str]:
    return {d.id: d.title for d in session.exec(select(Demarche).where(Demarche.ministry_code == ministry)).all()}


@router.get("/calendrier/versions/{version_id}")
def version_page(version_id: DbId, request: Request, user: User = Depends(require_user), session: Session = Depends(get_session)):
    version = remediation.get_version(session=session, version_id=version_id)
    return render(request, "calendar_version.html.j2", {
        "user": user, "version": version, "ministry": session.get(Ministry, version.ministry_code),
        "number": _numbers(session, version.ministry_code)[version.id], "milestones": remediation.milestones_of(session=session, version=version),
        "titles": _titles(session, version.ministry_code), "step_labels": remediation.STEP_LABELS})


@router.get("/calendrier/comparaison")
def compare_page(request: Request, avant: VersionId, apres: VersionId, user: User = Depends(require_user), session: Session = Depends(get_session)):
    before, after = (remediation.get_version(session=session, version_id=i) for i in (avant, apres))
    if before.ministry_code != after.ministry_code:
        raise HTTPException(400, "Les deux versions comparées doivent être du même ministère.")
    numbers = _numbers(session, before.ministry_code)
    changes = remediation.changes_between(remediation.milestones_of(session=session, version=before),
                                          remediation.milestones_of(session=session, version=after))
    return render(request, "calendar_compare.html.j2", {
        "user": user, "before": before, "after": after, "numbers": numbers, "ministry": session.get(Ministry, before.ministry_code),
        "changes": changes, "titles": _titles(session, before.ministry_code), "step_labels": remediation.STEP_LABELS,
        "versions": remediation.history(session=session, ministry=before.ministry_code)[::-1]})
