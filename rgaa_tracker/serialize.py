"""The JSON of every object both the command line and the API show (SPEC §6): one function per
object, so ``rgaa-tracker … --json`` and ``/api/…`` cannot drift apart. Keys are the contract's;
extend them, never rename them.
"""

from __future__ import annotations

from .declaration import as_dict as declaration  # noqa: F401 — the declarations' JSON lives with them
from .findings import as_json as findings  # noqa: F401
from .models import CalendarVersion, Demarche


def demarche(row: Demarche) -> dict:
    """Keys as the API has always given them (the démarches file's column names)."""
    return {"id": row.id, "titre": row.title, "ministry_code": row.ministry_code, "url": row.url,
            "volumetrie": row.annual_volume, "date_entree": row.listed_on.isoformat() if row.listed_on else None,
            "date_sortie": row.delisted_on.isoformat() if row.delisted_on else None, "active": row.active}


def calendar_version(version: CalendarVersion) -> dict:
    return {"version": version.id, "uploaded_at": version.uploaded_at.isoformat(), "uploaded_by": version.uploaded_by,
            "filename": version.filename, "checksum": version.checksum, "rows": version.row_count}
