"""Linkage: from records to persons (Splink), the review queue, and linkage uncertainty.

Public API: :func:`link_project`, :func:`cluster_pairs`, :class:`ReviewQueue`,
:func:`record_decision`, :func:`sample_clusterings`. Splink is imported lazily inside the modules
that use it.
"""

from __future__ import annotations

from .._extras import require_extra

require_extra("lists", "uncounted.linkage")

__all__ = [
    "ReviewQueue",
    "cluster_pairs",
    "latest_decisions",
    "link_project",
    "record_decision",
    "sample_clusterings",
]


def __getattr__(name):
    if name in {"link_project", "LinkResult"}:
        from . import link

        return getattr(link, name)
    if name in {"cluster_pairs", "latest_decisions"}:
        from . import cluster

        return getattr(cluster, name)
    if name in {"ReviewQueue", "record_decision"}:
        from . import review

        return getattr(review, name)
    if name == "sample_clusterings":
        from . import uncertainty

        return uncertainty.sample_clusterings
    raise AttributeError(f"module 'uncounted.linkage' has no attribute '{name}'")
