"""Render report data (:mod:`.collect`) as one self-contained HTML file, as JSON, or as PNG charts.

The HTML comes from Jinja2 templates (data files under ``templates/``) with autoescape on, so no
list name, file name or setting reaches the page unescaped; the only markup inserted as-is is the
SVG that :mod:`.charts` draws. The page has no script and loads nothing: a Content-Security-Policy
meta tag forbids every network fetch, so it opens the same offline, from an e-mail or a USB stick.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..exceptions import InputError
from ..i18n import (
    N_,
    _,
    check_language,
    format_number,
    get_language,
    translations,
    using,
)
from ..store import UNKNOWN
from .charts import chart_text, render_all
from .collect import collect, round_for_words
from .tilegrid import tile_map

FORMATS = ("html", "json")


def environment(lang: str = "en"):
    """The Jinja2 environment over the packaged templates in ``lang`` (autoescape on for every
    template; messages from the gettext catalogue of :mod:`uncounted.i18n`)."""
    import jinja2

    check_language(lang)
    env = jinja2.Environment(loader=jinja2.PackageLoader("uncounted.report", "templates"),
                             autoescape=True, undefined=jinja2.ChainableUndefined,
                             trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(lang), newstyle=True)
    env.filters["num"] = lambda x, digits=0: format_number(x, digits, lang)
    env.filters["pct"] = lambda x: "—" if x is None else format_number(100 * x, 1, lang) + "%"
    env.filters["tojson_pretty"] = lambda x: json.dumps(x, indent=1, ensure_ascii=False, default=str)
    env.filters["reason_text"] = lambda r: reason_text(r, lang)
    env.filters["method_name"] = method_name
    env.globals.update(lang=lang, region_name=lambda row: region_name(row, lang),
                       reason_text=lambda r: reason_text(r, lang), words=round_for_words,
                       status_word=status_word, method_name=method_name,
                       chart_text=chart_text)
    return env


def fmt_number(x, digits: int = 0) -> str:
    """Thousands separators; an em dash for a missing or non-finite value (English)."""
    return format_number(x, digits, "en")


def region_name(row: dict[str, Any] | None, lang: str) -> str:
    """A region's name in ``lang`` (``name_ru``/``name_en`` of the row), else its code; the
    unknown region in words."""
    if not row:
        return ""
    name = row.get("name_ru" if lang == "ru" else "name_en") or row.get("name_en")
    if name:
        return str(name)
    iso = row.get("region_iso") or row.get("iso_code")
    return _("region unknown") if iso == UNKNOWN else str(iso or "")


def method_name(method: str) -> str:
    """What a method is, in words (the code name stays beside it in the tables)."""
    names = {"lcmcr": N_("latent-class model"), "dga": N_("graphical-model averaging"),
             "loglinear": N_("log-linear model"), "lincoln-petersen": N_("two-list estimate"),
             "chao": N_("Chao's lower bound")}
    return _(names[method]) if method in names else method


def status_word(status: str | None) -> str:
    words = {"ok": N_("ok"), "caution": N_("caution"), "unreliable": N_("unreliable"),
             "not_estimable": N_("not estimable")}
    return _(words.get(status or "ok", status or ""))


#: The reasons' codes in words a reader can be shown in any language (the English message of a
#: reason is more precise, and is what the English page shows).
REASON_TEXTS = {
    "lists_dropped": N_("a list with no records was left out"),
    "estimation_warning": N_("the estimator warned about this fit"),
    "data_warning": N_("the input was altered before fitting"),
    "few_in_common": N_("few people are on both lists, so the two-list estimate is unstable"),
    "estimate_on_boundary": N_("the estimate or an interval end sits at a boundary"),
    "no_finite_mle": N_("the chosen model has no finite maximum likelihood estimate"),
    "grid_end": N_("the posterior has mass near the end of the grid of possible totals"),
    "truncation_binds": N_("every latent class is occupied: the model may need more classes"),
    "total_normal_approximation": N_("strata were summed with a normal approximation"),
    "strata_without_draws": N_("some strata have no draws to sum"),
    "strata_resampled": N_("strata draws were resampled to a common count before summing"),
    "stratum_caution": N_("a stratum in the sum carries a caution"),
    "not_converged": N_("the sampler's chains did not converge"),
    "irls_not_converged": N_("the model fit did not converge"),
    "convergence_warning": N_("an optimiser or sampler did not converge"),
    "stratum_unreliable": N_("a stratum in the sum is unreliable"),
    "not_estimable": N_("the method cannot be applied to this table"),
    "too_few_lists": N_("the table has too few lists for this method"),
    "too_many_lists": N_("the table has too many lists for this method"),
    "table_too_large": N_("the method's table would not fit in memory"),
    "no_admissible_model": N_("no model has a finite maximum likelihood estimate"),
    "unbounded": N_("the data do not bound the number unobserved"),
    "nobody_observed": N_("no one is observed"),
    "strata_not_estimable": N_("a stratum in the sum is not estimable"),
    "invalid_table": N_("the table breaks the capture-table contract"),
}


def reason_text(reason: dict[str, Any], lang: str) -> str:
    """A reason in ``lang``: its own message in English, the code's sentence otherwise."""
    if lang == "en" or reason.get("code") not in REASON_TEXTS:
        return str(reason.get("message") or reason.get("code") or "")
    return _(REASON_TEXTS[reason["code"]])


def render_html(data: dict[str, Any], charts: dict[str, str], lang: str | None = None) -> str:
    """The report page for ``data`` with ``charts`` (name -> SVG markup) inlined, in ``lang``
    (default: the current language of :mod:`uncounted.i18n`)."""
    from markupsafe import Markup

    lang = lang or get_language()
    svg = {name: Markup(markup) for name, markup in charts.items()}
    with using(lang):
        tilemap = tile_map(data.get("regions"))
        return environment(lang).get_template("report.html.j2").render(d=data, charts=svg,
                                                                       tilemap=tilemap)


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, default=str)


def build_report(source: str | Path, *, fmt: str = "html", png_dir: str | Path | None = None,
                 methods: Sequence[str] | str | None = None, strata: Sequence[str] | None = None,
                 level: float | None = None, seed: int | None = None, store=None,
                 lang: str | None = None) -> str:
    """Build the report of a project folder or a capture-table CSV and return its text.

    Parameters
    ----------
    source
        Project folder or capture-table CSV.
    fmt
        ``"html"`` (self-contained page) or ``"json"`` (the data behind it).
    png_dir
        Also write each chart as ``<name>.png`` into this folder.
    methods, strata, level, seed, store
        Passed to :func:`uncounted.report.collect.collect`.
    lang
        ``"en"`` or ``"ru"``: the page's and the charts' language (default: the current one of
        :mod:`uncounted.i18n`, from ``--lang`` or the locale).
    """
    lang = lang or get_language()

    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}", column="--format", value=fmt)
    data = collect(source, methods=methods, strata=strata, level=level, seed=seed,
                   store=store)
    if fmt == "json" and png_dir is None:
        return to_json(data)

    with using(lang):
        charts = render_all(data, png_dir=png_dir)
    if fmt == "json":
        names = [*charts, *(["tilegrid"] if data.get("regions") else [])]
        data["charts_png"] = sorted(f"{name}.png" for name in names)
        return to_json(data)
    return render_html(data, charts, lang=lang)
