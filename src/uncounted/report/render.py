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
    env.filters["profile_word"] = profile_word
    env.globals.update(lang=lang, region_name=lambda row: region_name(row, lang),
                       reason_text=lambda r: reason_text(r, lang), words=round_for_words,
                       check_text=lambda c: check_text(c, lang),
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
    "chains_apart": N_("the sampler's chains sit in different parts of the posterior"),
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
    "far_above_observed": N_("the estimate is many times the number observed: so long an "
                             "extrapolation rests on the model's form"),
    "interval_far_above_observed": N_("the interval reaches many times the number observed: the "
                                      "data barely bound the number unobserved"),
    "thin_overlap": N_("few people are on more than one list: the estimate rests on a few counts"),
    "small_list": N_("a list has so few records that it says little about the others"),
    "strong_dependence": N_("two lists depend strongly on each other, and the method assumes "
                            "they do not"),
    "unequal_lists": N_("the lists catch people at very different rates, and Chao's bound "
                        "assumes they do not: the bound that allows for it lies below this "
                        "interval"),
    "unequal_lists_far": N_("the lists catch people at very different rates: Chao's bound is far "
                            "above the bound that allows for it, do not read it as a bound"),
    "implausible_estimate": N_("the estimate is implausibly far above the number observed"),
    "too_few_recaptured": N_("too few people are on more than one list to tie the lists "
                             "together"),
    "chao_f2_small": N_("almost no one is on exactly two lists, so Chao's bound explodes"),
    "replicates_resampled": N_("replicate draws were resampled to a common count before pooling"),
    "replicates_without_draws": N_("replicates were combined from their intervals"),
    "replicate_missing": N_("the stratum is absent from some imputation replicates"),
    "few_replicates": N_("fewer than 10 imputation replicates were combined"),
    "replicate_caution": N_("a combined replicate carries a caution"),
    "replicate_unreliable": N_("a combined replicate is unreliable"),
    "replicate_not_estimable": N_("not estimable in some imputation replicate"),
    "method_failed": N_("the method failed with an unexpected error"),
    "stratum_failed": N_("this stratum's fit failed with an unexpected error (or its worker "
                         "stopped); the other strata's rows stand"),
    "missed_links": N_("linkage left apart records that are one person, enough to push the "
                       "estimate up by a good part of its interval: review the pairs before "
                       "publishing"),
}

#: The linkage checks' codes (:data:`uncounted.linkage.checks.CODES`) in words a reader can be
#: shown in any language, with what to do: the English page shows each check's own message, with
#: its counts; other languages show this sentence and the lists it names.
CHECK_TEXTS = {
    "lists_not_compared": N_("Two lists share no identifying field (a name or a full birth date) "
                             "and were not compared: anyone on both is counted twice, and an "
                             "estimate from these lists is not meaningful. Add names or full "
                             "birth dates, or link with --allow-weak and review the joins."),
    "weak_comparison": N_("Lists without a shared identifying field were compared "
                          "(--allow-weak): joins between them rest on dates, places or units "
                          "that strangers share. Check them in 'uncounted review'."),
    "nameless_not_joined": N_("Pairs of records without any name scored above the threshold and "
                              "were not joined: if the same person is on several lists without a "
                              "name, they are counted more than once."),
    "nameless_joined": N_("Records without any name were joined to each other on dates, places "
                          "or units (--allow-weak). Check them in 'uncounted review'."),
    "birth_year_conflict": N_("Persons join records whose birth years are more than a year "
                              "apart: strangers were probably merged. Raise --threshold, or "
                              "review these persons."),
    "region_conflict": N_("Persons join records from different regions, more often than lists "
                          "usually disagree: strangers may have been merged. Review these "
                          "persons."),
    "oversized_clusters": N_("Persons are made of more records than there are lists: the model "
                             "joined strangers. Raise --threshold or review the largest "
                             "persons."),
    "within_list_merges": N_("Records of one list were joined to each other: the model joined "
                             "different people, or the list needs de-duplicating."),
    "no_overlap": N_("Two lists of the same regions have no person in common: linkage could not "
                     "join them, or the lists do not overlap; either way an estimate from them "
                     "is unbounded or meaningless."),
    "missed_joins": N_("Records agreeing exactly on surname and full birth date were left as "
                       "different persons: the model is missing joins, which makes the estimate "
                       "too high. Check how these lists write names, or review the pairs."),
    "list_contained": N_("Nearly every person of one list is on another, far more than chance: "
                         "one list copies the other (then the estimate is too low), or linkage "
                         "merged too much. Do not count a copy as a separate list."),
    "too_many_pairs": N_("The run scored many candidate pairs per record: the fields compared do "
                         "not tell people apart. Expect strangers to be merged."),
    "training_no_pairs": N_("A training session found no pairs that agree on its fields: a list "
                            "lacks them or writes them differently; those weights stay at "
                            "starting guesses."),
    "training_no_prior": N_("No two records agree exactly on surname, given name and full birth "
                            "date, so the share of matching pairs was guessed."),
    "training_prior_one": N_("The model concluded that all records are one person: the lists "
                             "probably repeat placeholder values. Check the import."),
    "training_failed": N_("A training session failed: the weights it would have learnt stay at "
                          "starting guesses."),
    "training_step_skipped": N_("A training step found nothing to learn from and was skipped."),
    "m_not_trained": N_("The model never learned how often some fields agree for the same "
                        "person: joins that rest on them are not backed by the data."),
    "m_levels_not_observed": N_("Some levels of agreement never occurred in training; their "
                                "weights are starting guesses. Harmless when they are rare."),
    "em_not_converged": N_("An EM training session stopped before its weights settled."),
}


def reason_text(reason: dict[str, Any], lang: str) -> str:
    """A reason in ``lang``: its own message in English, the code's sentence otherwise."""
    if lang == "en" or reason.get("code") not in REASON_TEXTS:
        return str(reason.get("message") or reason.get("code") or "")
    return _(REASON_TEXTS[reason["code"]])


#: The words of a list's linkage profile (:meth:`uncounted.linkage.profile.ListProfile.to_dict`).
PROFILE_WORDS = {"day": N_("day"), "month": N_("month"), "year": N_("year"), "none": N_("none"),
                 "name": N_("names"), "birth date": N_("birth date")}


def profile_word(word: str) -> str:
    return _(PROFILE_WORDS[word]) if word in PROFILE_WORDS else str(word)


def check_text(check: dict[str, Any], lang: str) -> str:
    """A linkage check in ``lang``: its own message in English; otherwise the code's sentence and
    the pairs or lists it names (a code this version does not know keeps its message)."""
    code = check.get("code")
    if lang == "en" or code not in CHECK_TEXTS:
        return str(check.get("message") or code or "")
    detail = check.get("detail") or {}
    named = [" — ".join(map(str, p)) for p in detail.get("pairs") or []]
    named += [str(x) for x in detail.get("lists") or []]
    text = _(CHECK_TEXTS[code])
    return f"{text} ({'; '.join(named)})" if named else text


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
                 lang: str | None = None, lists: Sequence[str] | None = None,
                 progress=None) -> str:
    """Build the report of a project folder or a capture-table CSV and return its text.

    Parameters
    ----------
    source
        Project folder or capture-table CSV.
    fmt
        ``"html"`` (self-contained page) or ``"json"`` (the data behind it).
    png_dir
        Also write each chart as ``<name>.png`` into this folder.
    methods, strata, level, seed, store, lists, progress
        Passed to :func:`uncounted.report.collect.collect`.
    lang
        ``"en"`` or ``"ru"``: the page's and the charts' language (default: the current one of
        :mod:`uncounted.i18n`, from ``--lang`` or the locale).
    """
    lang = lang or get_language()

    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}", column="--format", value=fmt)
    data = collect(source, methods=methods, strata=strata, level=level, seed=seed,
                   store=store, lists=lists, progress=progress)
    if fmt == "json" and png_dir is None:
        return to_json(data)

    with using(lang):
        charts = render_all(data, png_dir=png_dir)
    if fmt == "json":
        names = [*charts, *(["tilegrid"] if data.get("regions") else [])]
        data["charts_png"] = sorted(f"{name}.png" for name in names)
        return to_json(data)
    return render_html(data, charts, lang=lang)
