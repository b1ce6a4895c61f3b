"""Estimates kept in the store."""

from __future__ import annotations

from typing import Any

from .base import Queries


class Estimates(Queries):
    """``store.estimates``: estimates saved with the project (``Estimate.to_dict()`` rows)."""

    def saved(self) -> list[dict[str, Any]]:
        """Every saved estimate row, oldest first (a payload holding a list gives several)."""
        rows = self._dicts("SELECT payload FROM estimates ORDER BY estimate_id")
        return [x for r in rows for x in (r["payload"] if isinstance(r["payload"], list)
                                          else [r["payload"]])]
