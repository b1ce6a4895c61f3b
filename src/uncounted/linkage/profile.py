"""What each list brings to linkage: a profile of its identifying fields, made before training.

Record linkage can only join two records on what both of them say. A list without names
(the BBC/Mediazona list of 2023 has birth years, death dates, regions and unit types, no names)
cannot be linked to anything by Fellegi-Sunter weights: agreement on a death date and a unit type
is shared by hundreds of strangers, so the model either joins strangers or joins nobody, and says
neither. The profile makes this visible before any model is trained, and :func:`separate_lists`
decides which pairs of lists are not compared at all.

Two fields identify a person here: a **name** (a surname, given name or patronymic key) and a
**full birth date** (day, month and year). A birth year alone, a death date, a region or a unit
narrow the search but do not identify: among 20,000 dead there are hundreds born in any one year
and dozens who died on any one day. Two lists are compared when both fill at least one identifying
field for at least :data:`MIN_FILLED` of their records.

References
----------
Christen, P. (2012). *Data Matching*, ch. 3 (data quality and profiling before linkage).
Springer. https://doi.org/10.1007/978-3-642-31164-2

Fellegi, I. P. and Sunter, A. B. (1969). A theory for record linkage. *JASA* 64(328), 1183-1210.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: A list "has" a field when at least this share of its records fill it (5%: a list with a
#: name on one record in twenty still gives the model something to compare for those records;
#: below that the field is noise for the list as a whole).
MIN_FILLED = 0.05

#: The fields shown, in order, with their labels.
FIELDS: dict[str, str] = {
    "surname": "surname", "given_name": "given name", "patronymic": "patronymic",
    "full_name": "full name (as written)", "birth_date": "birth date (any precision)",
    "birth_day": "birth date to the day", "region": "region", "unit": "unit",
    "death_date": "death date",
}
#: The identifying fields (see the module docstring).
IDENTIFYING = ("any_name", "birth_day")


@dataclass(frozen=True)
class ListProfile:
    """How many of one list's records fill each field (counts; shares by :meth:`share`)."""

    list_name: str
    n: int
    surname: int
    given_name: int
    patronymic: int
    full_name: int
    any_name: int
    birth_date: int
    birth_day: int
    birth_month: int
    birth_year_only: int
    region: int
    unit: int
    death_date: int

    def share(self, fieldname: str) -> float:
        """Filled share of ``fieldname`` (0 for an empty list)."""
        return getattr(self, fieldname) / self.n if self.n else 0.0

    def has(self, fieldname: str) -> bool:
        """The field is present: filled for at least :data:`MIN_FILLED` of the records."""
        return self.n > 0 and self.share(fieldname) >= MIN_FILLED

    @property
    def identifying(self) -> tuple[str, ...]:
        """The identifying fields this list has (``name``, ``birth date``)."""
        out = []
        if self.has("any_name"):
            out.append("name")
        if self.has("birth_day"):
            out.append("birth date")
        return tuple(out)

    @property
    def birth_precision(self) -> str:
        """The usual precision of the list's birth dates: ``day``, ``month``, ``year`` or ``none``."""
        counts = {"day": self.birth_day, "month": self.birth_month, "year": self.birth_year_only}
        if not self.birth_date:
            return "none"
        return max(counts, key=lambda k: counts[k])

    def to_dict(self) -> dict:
        d = asdict(self)
        d["shares"] = {f: round(self.share(f), 4) for f in (*FIELDS, "any_name")}
        d["present"] = {f: self.has(f) for f in (*FIELDS, "any_name")}
        d["birth_precision"] = self.birth_precision
        d["identifying"] = list(self.identifying)
        return d


def field_profile(store) -> list[ListProfile]:
    """The profile of every list with live records (from ``store.runs.field_profile()``)."""
    return [ListProfile(**{k: (str(v) if k == "list_name" else int(v or 0)) for k, v in row.items()})
            for row in store.runs.field_profile()]


def separate_lists(profiles: list[ListProfile]) -> list[tuple[str, str, str]]:
    """Pairs of lists that share no identifying field: ``(list_a, list_b, why)``, ``a < b``.

    ``why`` is a plain sentence saying what each list lacks.
    """
    out = []
    for i, a in enumerate(profiles):
        for b in profiles[i + 1:]:
            if set(a.identifying) & set(b.identifying):
                continue
            out.append((a.list_name, b.list_name,
                        f"'{a.list_name}' identifies by {_what(a)}, '{b.list_name}' by {_what(b)}"))
    return out


def _what(p: ListProfile) -> str:
    if p.identifying:
        return " and ".join(p.identifying)
    precision = p.birth_precision
    birth = "no birth dates" if precision == "none" else f"birth dates only to the {precision}"
    return f"nothing (no names, {birth})"


def profile_lines(profiles: list[ListProfile]) -> list[str]:
    """One plain line per list: its size and the filled share of each field."""
    lines = []
    for p in profiles:
        parts = [f"{label} {p.share(f):.0%}" for f, label in FIELDS.items()
                 if f not in {"birth_date", "full_name"} or p.has(f)]
        ident = ", ".join(p.identifying) or "NO identifying field"
        lines.append(f"{p.list_name} ({p.n:,} records; identifies by {ident}): " + ", ".join(parts))
    return lines
