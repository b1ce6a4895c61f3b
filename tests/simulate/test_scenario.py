"""Scenario files: packaged scenarios load; wrong fields give a ConfigError naming field and file."""

from __future__ import annotations

import pytest

from uncounted.exceptions import ConfigError
from uncounted.simulate import Scenario, load_scenario, named_scenario

GOOD = """
name = "mine"
[population]
size = 500
latent_classes = [0.5, 0.5]
[[lists]]
name = "A"
capture = 0.3
class_odds = [1.0, 0.5]
[[lists]]
name = "B"
capture = 0.4
copy_from = "A"
copy_rate = 0.1
format = "xlsx"
[lists.errors]
typo = 0.05
"""


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_packaged_scenarios_load():
    default = named_scenario("default")
    assert default.population.size == 20000 and len(default.lists) == 4
    assert named_scenario("independent").population.latent_classes == (1.0,)
    assert named_scenario("heterogeneous").lists[0].class_odds == (1.0, 0.15)
    assert load_scenario("independent") == named_scenario("independent")


def test_good_file(tmp_path):
    scn = load_scenario(write(tmp_path, GOOD))
    assert isinstance(scn, Scenario) and scn.name == "mine"
    assert scn.lists[1].copy_from == "A" and scn.lists[1].errors.typo == 0.05
    assert scn.lists[0].errors.typo == 0.0


@pytest.mark.parametrize("old, new, field, words", [
    ('capture = 0.3', 'captur = 0.3', "lists[0].captur", "did you mean 'capture'"),
    ('size = 500', 'sise = 500', "population.sise", "did you mean 'size'"),
    ('typo = 0.05', 'typos = 0.05', "lists[1].errors.typos", "did you mean 'typo'"),
    ('capture = 0.3', 'capture = 1.5', "lists[0] (A).capture", "between 0 and 1"),
    ('capture = 0.3', 'capture = "high"', "lists[0] (A).capture", "between 0 and 1"),
    ('copy_from = "A"', 'copy_from = "Z"', "lists[1] (B).copy_from", "defined earlier"),
    ('format = "xlsx"', 'format = "ods"', "lists[1] (B).format", "csv, xlsx"),
    ('class_odds = [1.0, 0.5]', 'class_odds = [1.0]', "lists[0] (A).class_odds", "per latent class"),
    ('size = 500', 'size = -3', "population.size", "at least 1"),
    ('name = "mine"', 'name = "mine"\ncolour = "red"', "colour", "not a known field"),
])
def test_bad_field_names_field_and_file(tmp_path, old, new, field, words):
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert str(path) in msg and repr(field) in msg and words in msg, msg
    assert info.value.field == field


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_scenario(write(tmp_path, "name = \n"))
    with pytest.raises(ConfigError, match="not found"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="incomplete"):
        load_scenario(write(tmp_path, GOOD.replace("capture = 0.3\n", "")))


def test_transliteration_choices(tmp_path):
    text = GOOD.replace('capture = 0.3', 'capture = 0.3\nscript = "latin"\ntransliteration = "gost_7034"')
    assert load_scenario(write(tmp_path, text)).lists[0].transliteration == "gost_7034"
    with pytest.raises(ConfigError, match="transliteration"):
        load_scenario(write(tmp_path, text.replace("gost_7034", "klingon")))


def test_latin_cp1251_needs_a_schema_cp1251_can_hold(tmp_path):
    text = GOOD.replace('capture = 0.3', 'capture = 0.3\nscript = "latin"\nencoding = "cp1251"\n'
                                         'transliteration = "iso_9_1968"')
    with pytest.raises(ConfigError, match=r"'lists\[0\] \(A\)\.encoding' cannot hold"):
        load_scenario(write(tmp_path, text))
    assert load_scenario(write(tmp_path, text.replace("iso_9_1968", "icao_doc_9303")))


@pytest.mark.parametrize("schema", ["bgn_pcgn", "scientific", "ala_lc", "ukrainian", "gost_7034"])
def test_every_schema_gives_latin_only(schema):
    from uncounted.simulate.corrupt import transliterator

    out = transliterator(schema)("Соловьёв Артём Пётр Щербаков Юрий Григорьевич")
    assert not any("а" <= c.lower() <= "я" or c in "ёЁ" for c in out), out
