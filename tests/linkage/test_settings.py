from uncounted.linkage.settings import (
    blocking_rules,
    comparison_names,
    normalise_unit,
    phonetic_key,
    settings_creator,
)


def test_phonetic_key_joins_transliterations():
    # hand-derived: shch/sch -> S, vowels after the first letter dropped, v devoiced to f
    assert phonetic_key("shcherbakov") == "SRPKF"
    assert phonetic_key("scherbakoff") == "SRPKF"
    assert phonetic_key("khabibullin") == phonetic_key("habibulin") == "HPLN"
    assert phonetic_key("tsoy") == phonetic_key("coi")
    # Ukrainian-style h for Russian g, read back as kh: Sergei / Serkhei, Igor / Ikhor
    assert phonetic_key("sergei") == phonetic_key("serkhei") == "SRH"
    assert phonetic_key("gorbachev") == phonetic_key("khorbachev")
    assert phonetic_key("ivanov") != phonetic_key("ivashov")
    assert phonetic_key(None) is None and phonetic_key("") is None and phonetic_key("'--") is None


def test_normalise_unit():
    assert normalise_unit("  155-я Отдельная  бригада ") == "155 я отдельная бригада"
    assert normalise_unit("---") is None and normalise_unit(None) is None
    assert normalise_unit("в/ч 51614") == normalise_unit("military unit 51614") == "#51614"


def test_settings_render_for_duckdb_and_spark():
    creator = settings_creator()
    for dialect in ("duckdb", "spark"):
        d = creator.create_settings_dict(dialect)
        assert [c["output_column_name"] for c in d["comparisons"]] == comparison_names()
        assert len(d["blocking_rules_to_generate_predictions"]) == len(blocking_rules())
    sur = creator.create_settings_dict("duckdb")["comparisons"][0]["comparison_levels"]
    assert sur[1]["tf_adjustment_column"] == "surname_key"      # common surnames count for less
