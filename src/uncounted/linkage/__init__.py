"""Linkage: from records to persons (Splink), the review queue, and linkage uncertainty.

Public API: :func:`link_project`, :func:`cluster_pairs`, :func:`current_persons` (the persons of
a link run with the review decisions in force), :class:`ReviewQueue`, :func:`sample_clusterings`.
Review decisions are written with ``store.decisions.record(...)``. Splink is imported lazily
inside the modules that use it.
"""

from __future__ import annotations

from .._extras import require_extra

require_extra("lists", "uncounted.linkage")

__all__ = [
    "Persons",
    "ReviewQueue",
    "cluster_pairs",
    "current_persons",
    "link_project",
    "sample_clusterings",
]


def __getattr__(name):
    if name in {"link_project", "LinkResult"}:
        from . import link

        return getattr(link, name)
    if name in {"cluster_pairs", "current_persons", "Persons"}:
        from . import cluster

        return getattr(cluster, name)
    if name in {"ReviewQueue", "review_progress"}:
        from . import review

        return getattr(review, name)
    if name == "sample_clusterings":
        from . import uncertainty

        return uncertainty.sample_clusterings
    raise AttributeError(f"module 'uncounted.linkage' has no attribute '{name}'")
