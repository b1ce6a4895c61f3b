"""What an editor reads: the headline, region names, Russian and English, lower bounds and flagged
estimates drawn apart, simulated data kept away from real figures, accessible charts."""

from __future__ import annotations

import copy
import json

import pytest

from uncounted.i18n import format_number
from uncounted.mse import CaptureTable, ChaoLowerBound, LogLinear
from uncounted.report import build_report, collect, render_html
from uncounted.report.collect import headline, round_for_words

from ..project_fixture import OBSERVED_BEFORE, make_project
from .test_report import parse_strict

METHODS = ["chao", "loglinear", "lincoln-petersen"]
# the fixture's capture table before review (tests/project_fixture.py)
TABLE = CaptureTable.from_counts({"100": 13, "010": 11, "001": 6, "110": 2, "101": 4, "011": 3,
                                  "111": 2}, ["A", "B", "C"])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("words") / "proj"
    make_project(root)
    return root


@pytest.fixture(scope="module")
def data(project):
    return collect(project, methods=METHODS)


@pytest.fixture(scope="module")
def pages(project):
    return {lang: build_report(project, methods=METHODS, lang=lang) for lang in ("en", "ru")}


def text_of(el) -> str:
    return " ".join(" ".join(el.itertext()).split())


def section(doc, ident):
    found = [s for s in doc.iter("section") if s.get("id") == ident]
    assert found, ident
    return found[0]


def test_headline_says_what_was_counted_and_the_estimate(data, pages):
    loglinear = LogLinear().fit(TABLE)
    chao = ChaoLowerBound().fit(TABLE)
    h = data["headline"]
    # loglinear is the only point estimate that applies (lincoln-petersen needs two lists)
    assert h["chosen"]["method"] == "loglinear"
    assert h["chosen"]["estimate"] == pytest.approx(loglinear.estimate)
    assert h["lower_bound"]["estimate"] == pytest.approx(chao.estimate)
    # on this table Chao's bound (74) lies above the log-linear estimate (68): said as the caveat
    assert chao.estimate > loglinear.estimate and h["caveat"] == "below_bound"
    en = text_of(section(parse_strict(pages["en"]), "headline"))
    assert f"3 lists (A, B, C) name {OBSERVED_BEFORE} different people, after linkage" in en
    words = [format_number(round_for_words(x), lang="en")
             for x in (loglinear.estimate, loglinear.lower, loglinear.upper)]
    assert (f"the log-linear model estimates about {words[0]} people in all "
            f"(95% interval: {words[1]} to {words[2]})") in en
    assert f"at least {format_number(round_for_words(chao.estimate))} people" in en
    assert "Main caveat: the estimate is below Chao's lower bound" in en
    ru = text_of(section(parse_strict(pages["ru"]), "headline"))
    # the count of people is given after a colon: "называют 621 разных людей" did not agree with
    # its number (621 takes the singular), and every number would need its own form
    assert f"3 списка (A, B, C); разных людей в них после связывания и проверки: {OBSERVED_BEFORE}." in ru
    assert f"лог-линейная модель оценивает общее число примерно в {words[0]} человек" in ru
    assert "Главная оговорка: оценка ниже нижней границы Чао" in ru


def test_page_language_and_no_english_left_in_russian(pages):
    for lang, html in pages.items():
        doc = parse_strict(html)
        root = doc.getroot() if hasattr(doc, "getroot") else doc
        assert root.get("lang") == lang
    ru = parse_strict(pages["ru"])
    heads = [text_of(h) for h in ru.iter("h2")]
    assert heads[:3] == ["Списки и их пересечения", "Качество связывания",
                         "Оценки: все методы рядом"]
    assert "Estimates" not in " ".join(heads)


def test_region_names_first_codes_second(pages):
    for lang, name in (("en", "Moscow Oblast"), ("ru", "Московская область")):
        doc = parse_strict(pages[lang])
        strata = section(doc, "strata")
        # region cells: the name, then the code in a secondary span (status cells hold other spans)
        cells = [td for td in strata.iter("td")
                 if any(s.get("class") == "code" for s in td.iter("span"))]
        shown = {text_of(td) for td in cells}
        assert f"{name} RU-MOS" in shown
        assert all(text_of(td) != text_of(td.find("span")) for td in cells)  # never a bare code
        regions = [text_of(tr) for tr in section(doc, "regions").iter("tr")]
        assert any(row.startswith(f"{name} RU-MOS") for row in regions)
        # the strata chart labels rows with names too (SVG text is kept as text)
        assert f"{name} (RU-MOS)" in pages[lang]
    assert "region=RU-MOS" not in text_of(section(parse_strict(pages["en"]), "strata"))


def test_headline_picks_a_standing_estimate_and_names_the_rest():
    def row(method, est, status="ok", lo=None, hi=None):
        return {"method": method, "estimate": est, "interval": [lo or est * 0.9, hi or est * 1.1],
                "level": 0.95, "estimable": True, "status": status, "reasons": [], "model": None}

    data = {"capture": {"observed": 900, "lists": ["a", "b", "c"]}, "source": {"kind": "table"},
            "estimates": [row("lcmcr", 2000, "unreliable"), row("dga", 1500, "caution"),
                          row("loglinear", 1000), row("chao", 950)]}
    h = headline(data)
    # ok beats caution, whatever the preference order; unreliable is never the headline
    assert h["chosen"]["method"] == "loglinear" and h["unreliable"] == ["lcmcr"]
    assert h["range"] == [1000, 1500] and h["others"] == 1
    assert h["caveat"] == "disagree"  # 1500 / 1000 > 1.25
    data["estimates"] = [row("lcmcr", 2000, "unreliable"), row("chao", 950)]
    h = headline(data)
    assert h["chosen"] is None and h["lower_bound"]["estimate"] == 950
    data["estimates"] = [row("dga", 1050, "caution"), row("loglinear", 1000, "caution")]
    h = headline(data)
    assert h["chosen"]["method"] == "dga" and h["caveat"] == "status"


def test_no_estimate_we_can_stand_behind_is_said(data):
    d = copy.deepcopy(data)
    for e in d["estimates"]:
        if e["method"] == "loglinear":
            e["status"] = "unreliable"
            e["reasons"] = [{"code": "irls_not_converged", "message": "the fit did not converge"}]
    d["headline"] = headline(d)
    html = render_html(d, {}, lang="en")
    h = text_of(section(parse_strict(html), "headline"))
    assert "No estimate we can stand behind." in h
    assert "Left out because their own checks failed: log-linear model." in h
    ru = text_of(section(parse_strict(render_html(d, {}, lang="ru")), "estimates"))
    assert "подгонка модели не сошлась" in ru  # the reason's code in Russian


def test_simulated_project_is_labelled_and_never_beside_published_figures(tmp_path):
    from uncounted.demo import _mark_simulated
    from uncounted.project import Project

    root = tmp_path / "sim"
    make_project(root)
    _mark_simulated(Project.open(root))
    d = json.loads(build_report(root, fmt="json", methods="chao"))
    assert d["simulated"] is True and d["ledger"] is None
    html = build_report(root, methods="chao")
    doc = parse_strict(html)
    assert not [s for s in doc.iter("section") if s.get("id") == "ledger"]
    assert 'data-chart="ledger"' not in html and "published" not in text_of(doc.find(".//nav"))
    assert "simulated data" in text_of(doc.find(".//h1"))
    assert "Simulated data." in text_of(section(doc, "headline"))


def test_a_failure_text_is_not_pasted_into_the_page(data):
    d = copy.deepcopy(data)
    d["regions"]["rates"] = None
    d["regions"]["rates_error"] = "FileNotFoundError: /home/someone/region_indicators.csv"
    html = render_html(d, {}, lang="en")
    assert "FileNotFoundError" not in html and "/home/someone" not in html
    assert "Rates per 100,000 men are not shown" in text_of(section(parse_strict(html), "regions"))


def test_readable_text_print_stylesheet_and_accessible_charts(pages):
    html = pages["en"]
    assert "break-all" not in html and "@media print" in html
    doc = parse_strict(html)
    svg_ns = "{http://www.w3.org/2000/svg}"
    figures = [f for f in doc.iter("figure") if "chart" in (f.get("class") or "")]
    assert len(figures) >= 6
    for fig in figures:
        cap = fig.find("figcaption")
        assert cap is not None and cap.get("id") == fig.get("aria-labelledby")
        svg = fig.find(f"{svg_ns}svg")
        title = svg.find(f"{svg_ns}title")
        assert title is not None and title.text.strip(), fig.get("data-chart")
        if fig.get("data-chart") != "tilegrid":
            assert svg.get("role") == "img" and svg.find(f"{svg_ns}desc").text.strip()


def test_diagnostics_and_top_models_in_list_names(data):
    html = build_report_from(data, "en")
    diag = text_of(parse_strict(html).find(".//section[@id='estimates']"))
    top = data["estimates"][[e["method"] for e in data["estimates"]].index("loglinear")]
    labels = [m["label"] for m in top["diagnostics"]["top_models"]]
    assert all("[" in x and not any(ch.isdigit() for ch in x) for x in labels)  # names, no numbers
    assert labels[0] in diag and "[A:B, C]" in labels
    d = copy.deepcopy(data)
    d["estimates"].append({"method": "lcmcr", "model": "latent classes (K<=10)", "lists": ["A"],
                           "observed": 41, "estimate": 70.0, "interval": [50.0, 90.0],
                           "level": 0.95, "estimable": True, "status": "ok", "reasons": [],
                           "diagnostics": {"rhat": 1.0042, "ess_bulk": 4779.3, "ess_tail": 6249.0,
                                           "chains": 4, "samples_per_chain": 2000}})
    page = parse_strict(render_html(d, {}, lang="en"))
    rows = [text_of(tr) for tr in page.iter("tr")]
    assert "lcmcr 1.004 4,779 6,249 4 2,000 ok" in rows


def build_report_from(data, lang):
    return render_html(data, {}, lang=lang)


def test_forest_draws_bounds_and_flags_apart_with_the_legend_outside():
    from uncounted.report.charts import forest

    def row(method, est, status="ok", **kw):
        return {"method": method, "estimate": est, "interval": [est - 50, est + 50],
                "estimable": True, "status": status, **kw}

    rows = [row("loglinear", 1000), row("dga", 1100, "caution"), row("lcmcr", 1200, "unreliable"),
            row("chao", 950, lower_bound=True)]
    fig = forest(rows, observed=900)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    legend = fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["estimate and interval", "caution: read the reason",
                      "unreliable: do not publish", "lower bound (at least this many)",
                      "observed: 900"]
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_tightbbox(renderer)), "legend touches a panel"
    # four kinds, four different marker/colour pairs
    markers = {(ln.get_marker(), ln.get_color()) for ln in fig.axes[0].lines
               if ln.get_marker() not in ("None", None, "")}
    assert len(markers) == 4


def test_unknown_region_gets_its_own_panel_and_scale():
    from uncounted.report.charts import forest

    rows = [{"stratum": f"region=RU-{c}", "region_iso": f"RU-{c}", "name_en": c, "estimate": e,
             "interval": [e - 5, e + 5], "estimable": True, "status": "ok"}
            for c, e in (("MOS", 40), ("SPE", 60))]
    rows.append({"stratum": "region=unknown", "region_iso": "unknown", "unknown": True,
                 "estimate": 6000, "interval": [369, 6214], "estimable": True, "status": "ok"})
    fig = forest(rows, label_of=lambda r: r["stratum"])
    main, apart = fig.axes
    assert main.get_xlim()[1] < 100  # the regions are not squeezed by the unknown stratum
    assert apart.get_xlim()[1] > 6000
    assert [t.get_text() for t in apart.get_yticklabels()] == ["region=unknown"]


def test_counts_get_whole_number_ticks():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from uncounted.report.charts import review_progress

    fig = review_progress({"review": {"in_band": 3, "match": 1, "non-match": 1, "unsure": 0,
                                      "pending": 1}})
    FigureCanvasAgg(fig).draw()
    ticks = fig.axes[0].get_xticks()
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)


def test_every_reason_and_linkage_check_has_its_words_in_russian():
    """A Russian page never falls back to an English sentence: every status reason code and every
    linkage check code has a sentence, translated in the catalogue."""
    from uncounted.i18n import translations
    from uncounted.linkage.checks import CODES as CHECK_CODES
    from uncounted.mse.status import CODES
    from uncounted.report.render import CHECK_TEXTS, REASON_TEXTS, check_text, reason_text

    assert set(CODES) == set(REASON_TEXTS) and set(CHECK_CODES) == set(CHECK_TEXTS)
    ru = translations("ru")
    for text in (*REASON_TEXTS.values(), *CHECK_TEXTS.values()):
        assert ru.gettext(text) != text, text
    from uncounted.i18n import using

    with using("ru"):
        c = {"code": "no_overlap", "message": "No person is on both lists", "severity": "warning",
             "detail": {"pairs": [["a", "b"]]}}
        assert check_text(c, "ru").endswith("(a — b)") and "ни одного общего" in check_text(c, "ru")
        assert check_text(c, "en") == "No person is on both lists"
        r = {"code": "unequal_lists_far", "message": "the lists are of very different sizes"}
        assert "граница Чао" in reason_text(r, "ru")
