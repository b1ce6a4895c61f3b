"""Messages in Russian and English: catalogues complete and compiled, the language chosen from the
locale or --lang, numbers and plurals in Russian, models written in list names."""

from __future__ import annotations

import gettext
import io

import pytest

from uncounted import i18n
from uncounted.i18n import _, format_number, ngettext, using
from uncounted.i18n.labels import model_label


def test_every_message_is_translated_into_russian():
    pytest.importorskip("babel")
    from uncounted.i18n.__main__ import problems

    # extracted afresh from the sources and templates: a new _() without a Russian string fails
    assert problems() == []


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_compiled_catalogue_matches_its_po(lang):
    """The .mo read at run time holds exactly the .po's messages (run `python -m uncounted.i18n
    compile` after editing a .po)."""
    pytest.importorskip("babel")
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from uncounted.i18n.__main__ import po_path

    po = po_path(lang)
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    fresh = gettext.GNUTranslations(io.BytesIO(buf.getvalue()))
    with open(po.with_suffix(".mo"), "rb") as fh:
        shipped = gettext.GNUTranslations(fh)
    assert shipped._catalog == fresh._catalog


@pytest.mark.parametrize(("env", "lang"), [
    ({"LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),          # anything but Russian is English
    ({"LANG": "C"}, "en"),
    ({}, "en"),
    ({"LANGUAGE": "ru:en", "LANG": "en_US.UTF-8"}, "ru"),   # LANGUAGE first, as gettext reads it
    ({"LC_ALL": "en_US.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),
    ({"UNCOUNTED_LANG": "ru", "LC_ALL": "en_US.UTF-8"}, "ru"),
])
def test_default_language_from_the_locale(env, lang):
    assert i18n.default_language(env) == lang


def test_translation_plural_forms_and_numbers():
    with using("ru"):
        assert _("estimate") == "оценка"
        forms = [ngettext("%(num)s list (%(lists)s) names %(observed)s people.",
                          "%(num)s lists (%(lists)s) name %(observed)s different people.", n)
                 .split(" ")[1] for n in (1, 2, 5, 11, 21, 22)]
        assert forms == ["список", "списка", "списков", "списков", "список", "списка"]
        assert format_number(4715) == "4\u202f715"
        assert format_number(1234.5, 1) == "1\u202f234,5"
    with using("en"):
        assert _("estimate") == "estimate"
        assert format_number(4715) == "4,715"
    assert format_number(None) == "—" and format_number(float("nan")) == "—"
    with pytest.raises(ValueError, match="en, ru"):
        i18n.set_language("de")


def test_language_is_per_context():
    import threading

    seen = {}
    with using("ru"):
        t = threading.Thread(target=lambda: seen.update(lang=i18n.get_language()))
        t.start()
        t.join()
        assert i18n.get_language() == "ru"
    # a new thread starts from the default, not from another thread's choice
    assert seen["lang"] == i18n.default_language()


@pytest.mark.parametrize(("model", "lists", "label"), [
    ("[14,2,3]", ["a", "b", "c", "d"], "[a:d, b, c]"),
    ("[123,4]", ["EXH", "ABA", "OSCE", "HRW"], "[EXH:ABA:OSCE, HRW]"),
    ("[1.10,2.3]", [f"L{i}" for i in range(1, 11)], "[L1:L10, L2:L3]"),
    ("model average (BIC)", ["a", "b"], "model average (BIC)"),
    ("[19]", ["a", "b"], "[19]"),  # numbers that do not fit the lists: left as they are
    (None, ["a"], None),
])
def test_model_label(model, lists, label):
    assert model_label(model, lists) == label
