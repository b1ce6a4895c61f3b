"""Simulation scenarios: who is in the population, how lists catch them, how records are written.

A scenario is a frozen :class:`Scenario` dataclass, or a TOML file read by :func:`load_scenario`
(unknown or mistyped fields raise :class:`~uncounted.exceptions.ConfigError` naming the field and the
file). Three scenarios ship with the package (:func:`named_scenario`): ``default`` (four realistic
lists, 20,000 people), ``independent`` (four independent lists, homogeneous catchability) and
``heterogeneous`` (a hard-to-reach latent class that every list misses more often).

TOML layout (every field optional except ``[[lists]]`` entries' ``name`` and ``capture``)::

    name = "my-scenario"
    [population]
    size = 20000
    regions = "bbc-mediazona-2023"     # or "uniform", or a table {"RU-BU" = 2.0, "RU-MOW" = 1.0}
    latent_classes = [0.7, 0.3]        # shares of latent catchability classes
    namesakes = 0.06                   # share of men with a namesake in their region
    [[lists]]
    name = "mediazona"
    capture = 0.5                      # capture probability in the reference group
    class_odds = [1.0, 0.2]            # odds multiplier per latent class
    unit_type_odds = {inmate = 0.5}    # odds multiplier per unit type
    copy_from = "other-list"           # list dependence: copies part of an earlier list
    copy_rate = 0.2
    format = "csv"                     # csv | xlsx
    encoding = "utf-8"                 # utf-8 | utf-8-sig | cp1251 (csv only)
    headers = "ru"                     # ru | en
    script = "cyrillic"                # cyrillic | latin
    transliteration = "wikipedia"      # any iuliia schema name, or "ukrainian"
    name_layout = "split"              # split | full_name
    date_format = "dmy"                # dmy (31.12.1990) | iso (1990-12-31) | text (31 декабря 1990)
    kind = "plain"                     # plain | volunteer | foreign_press | official | obituary |
                                       # roll_of_honour (see uncounted.simulate.sources)
    [lists.errors]
    typo = 0.02                        # one-letter edit in the surname or given name
    swap_names = 0.01                  # surname and given name swapped
    diminutive = 0.03                  # Саша for Александр
    missing_patronymic = 0.1
    missing_birth_date = 0.05
    partial_birth_date = 0.1           # year only, or month and year
    off_by_one_date = 0.02             # birth or death date one day (or birth year) off
    region_variant = 0.3               # another spelling of the region
    missing_region = 0.02
    duplicate = 0.01                   # a second record of the same person in the same list
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..exceptions import ConfigError
from .corrupt import transliterator
from .regions import region_table

#: unit types and default shares: the categories of the BBC Russian/Mediazona list of April 2023,
#: rounded (professional army, prison recruits, volunteers, mobilised, private military companies,
#: police/national guard/FSB)
UNIT_TYPES: dict[str, float] = {"professional": 0.44, "inmate": 0.19, "volunteer": 0.13,
                                "mobilised": 0.12, "pmc": 0.07, "police": 0.034}

FORMATS = ("csv", "xlsx")
ENCODINGS = ("utf-8", "utf-8-sig", "cp1251")
HEADERS = ("ru", "en")
SCRIPTS = ("cyrillic", "latin")
LAYOUTS = ("split", "full_name")
DATE_FORMATS = ("dmy", "iso", "text")
NAMED = ("default", "independent", "heterogeneous", "five_sources")
KINDS = ("plain", "volunteer", "foreign_press", "official", "obituary", "roll_of_honour")


def transliteration_names() -> tuple[str, ...] | None:
    """Accepted ``transliteration`` values: iuliia's schema names (lower case) and ``ukrainian``.

    ``None`` without the ``lists`` extra: a capture table (the core's use of a scenario) never
    writes a name, and :func:`~uncounted.simulate.simulate_lists`, which does, requires the extra
    before it reads the scenario, so the names are always checked where they are used.
    """
    if importlib.util.find_spec("iuliia") is None:
        return None
    import iuliia

    return tuple(sorted(n.lower() for n in dir(iuliia) if n.isupper() and n != "UZ")) + ("ukrainian",)


@dataclass(frozen=True)
class ErrorRates:
    """Per-record probabilities of each kind of writing error (see the module docstring)."""

    typo: float = 0.0
    swap_names: float = 0.0
    diminutive: float = 0.0
    missing_patronymic: float = 0.0
    missing_birth_date: float = 0.0
    partial_birth_date: float = 0.0
    off_by_one_date: float = 0.0
    region_variant: float = 0.0
    missing_region: float = 0.0
    duplicate: float = 0.0


@dataclass(frozen=True)
class ListSpec:
    """One source list: how it catches people and how it writes its records."""

    name: str
    capture: float
    class_odds: tuple[float, ...] = ()
    unit_type_odds: Mapping[str, float] = field(default_factory=dict)
    region_odds: Mapping[str, float] = field(default_factory=dict)
    copy_from: str | None = None
    copy_rate: float = 0.0
    format: str = "csv"
    encoding: str = "utf-8"
    headers: str = "en"
    script: str = "cyrillic"
    transliteration: str = "wikipedia"
    name_layout: str = "split"
    date_format: str = "dmy"
    kind: str = "plain"
    errors: ErrorRates = field(default_factory=ErrorRates)


@dataclass(frozen=True)
class PopulationSpec:
    """Who is in the population."""

    size: int = 20000
    regions: str | Mapping[str, float] = "bbc-mediazona-2023"
    unit_types: Mapping[str, float] = field(default_factory=lambda: dict(UNIT_TYPES))
    latent_classes: tuple[float, ...] = (1.0,)
    death_start: str = "2022-02-24"
    death_end: str = "2024-12-31"
    min_age: int = 18
    max_age: int = 63
    age_shape: float = 2.2
    age_scale: float = 7.0
    namesakes: float = 0.0


@dataclass(frozen=True)
class Scenario:
    """A complete simulation scenario; see the module docstring for the fields."""

    name: str = "custom"
    description: str = ""
    population: PopulationSpec = field(default_factory=PopulationSpec)
    lists: tuple[ListSpec, ...] = ()
    source: str = "<Scenario>"

    def __post_init__(self):
        validate(self)

    @property
    def list_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.lists)

    def with_size(self, n: int) -> Scenario:
        """The same scenario with ``n`` people."""
        return dataclasses.replace(self, population=dataclasses.replace(self.population, size=int(n)))

    def with_lists(self, k: int) -> Scenario:
        """The same scenario with ``k`` lists: the first ``k``, or more made by varying the last ones.

        Extra lists copy the settings of the scenario's lists in turn, with new names (``list5`` ...)
        and without list dependence.
        """
        k = int(k)
        if k < 2:
            raise ConfigError(f"--lists must be at least 2; got {k}", file=self.source, column="lists",
                              value=k)
        if k <= len(self.lists):
            kept = self.lists[:k]
            names = {s.name for s in kept}
            kept = tuple(s if s.copy_from in names or s.copy_from is None
                         else dataclasses.replace(s, copy_from=None, copy_rate=0.0) for s in kept)
            return dataclasses.replace(self, lists=kept)
        extra = []
        for i in range(len(self.lists), k):
            base = self.lists[i % len(self.lists)]
            extra.append(dataclasses.replace(base, name=f"list{i + 1}", copy_from=None, copy_rate=0.0))
        return dataclasses.replace(self, lists=self.lists + tuple(extra))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every setting (written beside simulated files for provenance)."""
        d = dataclasses.asdict(self)
        d.pop("source", None)
        return d


# ---------------------------------------------------------------------------- validation
def _fail(scn_or_source, fieldname: str, rule: str, value) -> None:
    source = scn_or_source if isinstance(scn_or_source, str) else scn_or_source.source
    err = ConfigError(f"scenario field {fieldname!r} {rule}; got {value!r}", file=source, value=value)
    err.field = fieldname
    raise err


def _prob(source: str, name: str, value, *, open_low: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (0 < value <= 1 if open_low else 0 <= value <= 1)
    if not ok:
        _fail(source, name, "must be a number between 0 and 1" + (" (above 0)" if open_low else ""),
              value)


def _positive_map(source: str, name: str, mapping, allowed=None) -> None:
    if not isinstance(mapping, Mapping):
        _fail(source, name, "must be a table of name = number", mapping)
    for key, v in mapping.items():
        if allowed is not None and key not in allowed:
            _fail(source, f"{name}.{key}", f"is not one of {', '.join(sorted(allowed))}", key)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not (v >= 0 and math.isfinite(v)):
            _fail(source, f"{name}.{key}", "must be a non-negative number", v)


def _choice(source: str, name: str, value, choices) -> None:
    if value not in choices:
        _fail(source, name, f"must be one of {', '.join(choices)}", value)


def validate(scn: Scenario) -> None:
    """Check every field of ``scn``; raise :class:`ConfigError` naming the first bad one."""
    src = scn.source
    pop = scn.population
    if not isinstance(pop.size, int) or isinstance(pop.size, bool) or pop.size < 1:
        _fail(src, "population.size", "must be a whole number of people, at least 1", pop.size)
    if isinstance(pop.regions, str):
        _choice(src, "population.regions", pop.regions, ("bbc-mediazona-2023", "uniform"))
    else:
        _positive_map(src, "population.regions", pop.regions, set(region_table()["iso_code"]))
        if sum(pop.regions.values()) <= 0:
            _fail(src, "population.regions", "needs at least one positive weight", dict(pop.regions))
    _positive_map(src, "population.unit_types", pop.unit_types)
    if not pop.unit_types or sum(pop.unit_types.values()) <= 0:
        _fail(src, "population.unit_types", "needs at least one positive weight", dict(pop.unit_types))
    classes = pop.latent_classes
    if (not classes or any(not isinstance(c, (int, float)) or c < 0 for c in classes)
            or sum(classes) <= 0):
        _fail(src, "population.latent_classes", "must be a list of non-negative shares", classes)
    from datetime import date

    for name in ("death_start", "death_end"):
        try:
            date.fromisoformat(getattr(pop, name))
        except (TypeError, ValueError):
            _fail(src, f"population.{name}", "must be a date written YYYY-MM-DD", getattr(pop, name))
    if pop.death_end < pop.death_start:
        _fail(src, "population.death_end", f"must not be before death_start ({pop.death_start})",
              pop.death_end)
    if not (0 < pop.min_age < pop.max_age <= 100):
        _fail(src, "population.min_age", "must satisfy 0 < min_age < max_age <= 100",
              (pop.min_age, pop.max_age))
    for name in ("age_shape", "age_scale"):
        v = getattr(pop, name)
        if not isinstance(v, (int, float)) or v <= 0:
            _fail(src, f"population.{name}", "must be a positive number", v)
    _prob(src, "population.namesakes", pop.namesakes)
    _validate_lists(scn, len(classes))


def _validate_lists(scn: Scenario, n_classes: int) -> None:
    src = scn.source
    if len(scn.lists) < 2:
        _fail(src, "lists", "needs at least two [[lists]]", len(scn.lists))
    seen: list[str] = []
    translits = transliteration_names()      # None: not checked, see transliteration_names
    for i, s in enumerate(scn.lists):
        where = f"lists[{i}]"
        if not isinstance(s.name, str) or not s.name.strip() or "/" in s.name or s.name in seen:
            _fail(src, f"{where}.name", "must be a unique, non-empty name without '/'", s.name)
        where = f"lists[{i}] ({s.name})"
        _prob(src, f"{where}.capture", s.capture)
        if s.class_odds and len(s.class_odds) != n_classes:
            _fail(src, f"{where}.class_odds", f"needs one odds multiplier per latent class ({n_classes})",
                  list(s.class_odds))
        if any(not isinstance(v, (int, float)) or v < 0 for v in s.class_odds):
            _fail(src, f"{where}.class_odds", "must be non-negative numbers", list(s.class_odds))
        _positive_map(src, f"{where}.unit_type_odds", s.unit_type_odds, set(scn.population.unit_types))
        _positive_map(src, f"{where}.region_odds", s.region_odds)
        if s.copy_from is not None and s.copy_from not in seen:
            _fail(src, f"{where}.copy_from", "must name a list defined earlier in the scenario",
                  s.copy_from)
        _prob(src, f"{where}.copy_rate", s.copy_rate)
        _choice(src, f"{where}.format", s.format, FORMATS)
        _choice(src, f"{where}.encoding", s.encoding, ENCODINGS)
        if s.format == "xlsx" and s.encoding != "utf-8":
            _fail(src, f"{where}.encoding", "applies to csv files only (xlsx is always UTF-8)", s.encoding)
        _choice(src, f"{where}.headers", s.headers, HEADERS)
        _choice(src, f"{where}.script", s.script, SCRIPTS)
        if translits is not None:
            _choice(src, f"{where}.transliteration", s.transliteration, translits)
        if s.script == "latin" and s.encoding == "cp1251":
            _check_cp1251(src, where, s.transliteration)
        _choice(src, f"{where}.name_layout", s.name_layout, LAYOUTS)
        _choice(src, f"{where}.date_format", s.date_format, DATE_FORMATS)
        _choice(src, f"{where}.kind", s.kind, KINDS)
        if not isinstance(s.errors, ErrorRates):
            _fail(src, f"{where}.errors", "must be an ErrorRates", s.errors)
        for f in dataclasses.fields(ErrorRates):
            _prob(src, f"{where}.errors.{f.name}", getattr(s.errors, f.name))
        seen.append(s.name)


def _check_cp1251(src: str, where: str, schema: str) -> None:
    sample = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя Щербаков Юрий Соловьёв Хабаровский край"
    try:
        transliterator(schema)(sample + " " + sample.title()).encode("cp1251")
    except UnicodeEncodeError:
        _fail(src, f"{where}.encoding", f"cannot hold the letters of transliteration {schema!r} "
              "(they have no code in cp1251). Use encoding = \"utf-8\" or another transliteration",
              "cp1251")


# ---------------------------------------------------------------------------- TOML
def _build(cls, data: Mapping[str, Any], source: str, where: str, nested: Mapping[str, Any]):
    """Instantiate dataclass ``cls`` from ``data``, rejecting unknown fields by name."""
    if not isinstance(data, Mapping):
        _fail(source, where or "scenario", "must be a table", data)
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        name = f"{where}.{key}" if where else key
        if key not in known or key == "source":
            close = _closest(key, known)
            hint = f" (did you mean {close!r}?)" if close else ""
            _fail(source, name, f"is not a known field{hint}. Known: {', '.join(k for k in known if k != 'source')}",
                  value)
        if key in nested:
            value = nested[key](value, name)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as err:  # a required field is missing
        _fail(source, where or "scenario", f"is incomplete ({err})", dict(data))


def _closest(key: str, known) -> str | None:
    import difflib

    hits = difflib.get_close_matches(key, [k for k in known if k != "source"], n=1, cutoff=0.6)
    return hits[0] if hits else None


def scenario_from_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> Scenario:
    """Build and validate a :class:`Scenario` from parsed TOML (or any mapping of the same shape)."""

    def errors(v, where):
        return _build(ErrorRates, v, source, where, {})

    def lists(v, where):
        if not isinstance(v, list):
            _fail(source, where, "must be an array of tables ([[lists]])", v)
        return tuple(_build(ListSpec, item, source, f"lists[{i}]", {"errors": errors})
                     for i, item in enumerate(v))

    def population(v, where):
        return _build(PopulationSpec, v, source, where, {})

    data = dict(data)
    data.setdefault("name", Path(source).stem if source.endswith(".toml") else "custom")
    return _with_source(data, source, lists, population)


def _with_source(data, source, lists, population) -> Scenario:
    known = {f.name for f in dataclasses.fields(Scenario)} - {"source"}
    for key, value in data.items():
        if key not in known:
            close = _closest(key, known)
            hint = f" (did you mean {close!r}?)" if close else ""
            _fail(source, key, f"is not a known field{hint}. Known: {', '.join(sorted(known))}", value)
    kwargs = dict(data)
    if "lists" in kwargs:
        kwargs["lists"] = lists(kwargs["lists"], "lists")
    if "population" in kwargs:
        kwargs["population"] = population(kwargs["population"], "population")
    return Scenario(**kwargs, source=source)


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Read a scenario TOML file, or one of the packaged scenarios by name (:data:`NAMED`)."""
    text_name = str(path_or_name)
    if text_name in NAMED and not Path(text_name).exists():
        return named_scenario(text_name)
    path = Path(path_or_name)
    if not path.exists():
        raise ConfigError(f"scenario file not found. Give a .toml file or one of: {', '.join(NAMED)}",
                          file=str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"is not valid TOML: {err}. Fix the syntax (see docs/coverage.md for an "
                          "example scenario).", file=str(path)) from err
    return scenario_from_dict(data, source=str(path))


def named_scenario(name: str) -> Scenario:
    """One of the packaged scenarios: ``default``, ``independent`` or ``heterogeneous``."""
    if name not in NAMED:
        raise ConfigError(f"unknown scenario {name!r}. Choose one of {', '.join(NAMED)} or give a "
                          ".toml file", column="--scenario", value=name)
    ref = resources.files("uncounted").joinpath("data", "scenarios", f"{name}.toml")
    data = tomllib.loads(ref.read_text(encoding="utf-8"))
    return scenario_from_dict(data, source=f"uncounted/data/scenarios/{name}.toml")


def default_scenario() -> Scenario:
    """The packaged default scenario: four realistic lists, 20,000 people."""
    return named_scenario("default")
