"""Estimates kept in the store: each ``uncounted estimate DIR`` (and the demo) saves its rows."""

from __future__ import annotations

import json
from typing import Any

from .base import Queries, default_actor, now


class Estimates(Queries):
    """``store.estimates``: estimates saved with the project (``Estimate.to_dict()`` rows)."""

    def save(self, rows: list[dict[str, Any]], *, run_id: int | None,
             actor: str | None = None) -> int:
        """Save one batch of estimates (``Estimate.to_dict()`` rows) of link run ``run_id``, and
        audit it, in one transaction; returns the batch's ``estimate_id``."""
        rows = [dict(r) for r in rows]
        with self._store.transaction():
            eid = int(self._scalar("SELECT coalesce(max(estimate_id), 0) + 1 FROM estimates"))
            self._con.execute("INSERT INTO estimates VALUES (?, ?, ?, ?)",
                              [eid, now(), run_id, json.dumps(rows, ensure_ascii=False,
                                                              default=str)])
            self._store.audit("estimate", actor=actor or default_actor(),
                              target=None if run_id is None else f"run {run_id}",
                              detail={"estimate_id": eid, "rows": len(rows),
                                      "methods": sorted({str(r.get("method")) for r in rows})})
        return eid

    def saved(self) -> list[dict[str, Any]]:
        """Every saved estimate row, oldest first (a payload holding a list gives several)."""
        rows = self._dicts("SELECT payload FROM estimates ORDER BY estimate_id")
        return [x for r in rows for x in _rows(r["payload"])]

    def latest(self) -> dict[str, Any] | None:
        """The last saved batch: ``estimate_id``, ``created_at``, ``run_id`` and its ``rows``
        (None before any)."""
        found = self._dicts("SELECT estimate_id, created_at, run_id, payload FROM estimates "
                            "ORDER BY estimate_id DESC LIMIT 1")
        if not found:
            return None
        out = found[0]
        out["rows"] = _rows(out.pop("payload"))
        return out


def _rows(payload) -> list[dict[str, Any]]:
    if isinstance(payload, str):
        payload = json.loads(payload)
    return payload if isinstance(payload, list) else [payload]
