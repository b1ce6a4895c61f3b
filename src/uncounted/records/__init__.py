"""Source lists: read, validate and normalise casualty lists into the project store.

Pure normalisation (no store; safe to import from any stage)::

    from uncounted.records.names import normalise_name, split_full_name, given_name_canonical
    from uncounted.records.dates import parse_partial_date, PartialDate
    from uncounted.records.regions import resolve_region, RegionMatch
    from uncounted.records.translit import latin_key, to_cyrillic

Import into a project::

    from uncounted.records import import_list
    result = import_list("myproject", "lists/mediazona.csv", "mediazona", skip_invalid=False)
"""

from __future__ import annotations

__all__ = ["ImportFailed", "ImportResult", "import_list", "list_summary"]


def __getattr__(name: str):
    # the importer pulls in pandas and duckdb; load it on first use only
    if name in __all__:
        from . import importer

        return getattr(importer, name)
    raise AttributeError(f"module 'uncounted.records' has no attribute {name!r}")
