"""The command line in Russian: help pages, and errors said in the user's language while the
library keeps raising English exceptions for Python callers."""

from __future__ import annotations

import pickle

import pytest
from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.exceptions import DependencyError, InputError, Lines, Msg
from uncounted.i18n import translations, using
from uncounted.i18n.errors import describe, say

from .conftest import DATA

runner = CliRunner()
KOSOVO = str(DATA / "mse" / "lcmcr_kosovo_aggregate.csv")
EN = {"UNCOUNTED_LANG": "en", "COLUMNS": "100"}


def _commands():
    import typer.main

    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():
        subs = getattr(cmd, "commands", None)
        if subs:
            yield [name], cmd
            yield from (([name, sub], c) for sub, c in subs.items())
        else:
            yield [name], cmd


def test_every_help_text_has_a_russian_translation():
    """Typer reads help when the commands are declared; each text (command and option) is a
    message id with a Russian string, so `--lang ru CMD --help` has no English left but names."""
    ru = translations("ru")
    seen = 0
    for path, cmd in _commands():
        texts = [cmd.help] + [p.help for p in cmd.params if getattr(p, "help", None)]
        for text in filter(None, texts):
            assert ru.gettext(text) != text, (path, text)
            seen += 1
    assert seen > 150  # every command and option, not a sample


@pytest.mark.parametrize("command", [["lists"], ["estimate"], ["import"], ["user", "add"], []])
def test_help_pages_in_russian_and_back(command):
    r = runner.invoke(app, ["--lang", "ru", *command, "--help"], env=EN)
    assert r.exit_code == 0, r.output
    assert "Использование:" in r.output and "Параметры" in r.output
    assert "Show this message and exit." not in r.output and "Показать эту справку" in r.output
    if command == ["estimate"]:
        assert "Оценить численность совокупности по таблице поимок." in r.output
        assert "[по умолчанию: loglinear]" in r.output
    if command == ["import"]:
        assert "Импортировать список погибших" in r.output and "[обязательно]" in r.output
    # English again at once: the help texts were put back, and --lang held for one call only
    r = runner.invoke(app, [*command, "--help"], env=EN)
    assert "Usage:" in r.output and "Show this message and exit." in r.output
    assert "Параметры" not in r.output


@pytest.mark.parametrize(("args", "english", "russian"), [
    (["estimate"], "Missing argument 'table'.", "Не указан аргумент 'table'."),
    (["estimate", "--lsts", "x"], "No such option: --lsts (Possible options: --lists)",
     "Нет такого параметра: --lsts (возможно, имелось в виду: --lists)"),
    (["estimat"], "No such command 'estimat'. Did you mean 'estimate'",
     "Нет такой команды: 'estimat'. Может быть, 'estimate'"),
    (["estimate", KOSOVO, "--level"], "Option '--level' requires an argument.",
     "Параметру '--level' нужно значение."),
    (["estimate", KOSOVO, "--level", "abc"], "Invalid value for '--level'",
     "Недопустимое значение '--level': здесь нужно число"),
    (["estimate", KOSOVO, "extra"], "Got unexpected extra argument", "Лишние аргументы (extra)"),
])
def test_usage_errors_in_russian_and_back(args, english, russian):
    # Click and Typer said these in English under --lang ru: the panel, the hint and the message
    r = runner.invoke(app, ["--lang", "ru", *args], env=EN)
    assert r.exit_code == 2
    ru = " ".join(r.output.replace("│", " ").split())
    assert russian in ru and "Ошибка" in ru
    assert "Error" not in ru and "for help" not in ru
    r = runner.invoke(app, args, env=EN)   # English again, in the same process
    en = " ".join(r.output.replace("│", " ").split())
    assert english in en and "Error" in en and "Ошибка" not in en
    # the 'Try ... for help.' line, where Click gives one (not for a bare option at the end)
    assert ("Справка: 'uncounted" in ru) == ("for help." in en)


def test_the_list_of_commands_wraps_each_summary_as_one_paragraph(monkeypatch):
    from typer import rich_utils

    # wide enough that no summary wraps: a line break left is the docstring's (Typer reads
    # TERMINAL_WIDTH once, at import)
    monkeypatch.setattr(rich_utils, "MAX_WIDTH", 300)
    # the first paragraph of a command's docstring kept its line break in the list of commands:
    # 'or depends on' ended a row and 'definition, with ...' began the next, mid-sentence
    for lang, words in (("en", ("depends on", "definition")),
                        ("ru", ("зависит от", "определения"))):
        r = runner.invoke(app, ["--lang", lang, "--help"], env=EN)
        assert r.exit_code == 0, r.output
        lines = [line for line in r.output.splitlines() if words[0] in line]
        assert lines and words[1] in lines[0], (lang, lines)


BAD_LIST = "surname,birth_date,death_date\nИванов,31.02.1990,2023\nПетров,1990,1985\n"


def test_a_bad_import_is_russian_under_lang_ru_and_english_in_python(tmp_path):
    pytest.importorskip("duckdb")
    from uncounted.records import ImportFailed, import_list

    project = tmp_path / "p"
    assert runner.invoke(app, ["init", str(project)], env=EN).exit_code == 0
    bad = tmp_path / "list.csv"
    bad.write_text(BAD_LIST, encoding="utf-8")
    r = runner.invoke(app, ["--lang", "ru", "import", str(project), str(bad), "--list", "a"],
                      env=EN)
    assert r.exit_code == 2
    err = " ".join(r.output.split())  # Rich may wrap the long lines
    assert "ошибка: list.csv: ошибочных значений: 2 в 2 строках; ничего не импортировано." in err
    assert ("list.csv, строка 1, столбец 'birth_date': '31.02.1990' — не дата: в месяце 02.1990 "
            "28 дн., а не 31.") in err
    assert ("list.csv, строка 2, столбец 'birth_date': '1990': дата рождения позже даты смерти "
            "(1985).") in err
    assert "Исправьте файл" in err and "not a date" not in err
    # the same failure for a Python caller: English, with the rows as data
    with pytest.raises(ImportFailed) as info:
        import_list(project, bad, "a")
    text = str(info.value)
    assert "list.csv, row 1, column 'birth_date': '31.02.1990' is not a date: February 1990 has " \
           "28 days, not 31." in text
    assert [(e.row, e.column) for e in info.value.errors] == [(1, "birth_date"), (2, "birth_date")]
    r = runner.invoke(app, ["import", str(project), str(bad), "--list", "a"], env=EN)
    assert "row 1, column 'birth_date'" in " ".join(r.output.split())


@pytest.mark.parametrize(("args", "russian"), [
    (["estimate", "{tmp}/missing.csv"], "missing.csv: файл не найден. Проверьте путь."),
    (["estimate", "{tmp}/table.csv"], "table.csv, строка 2, столбец 'A': в столбцах списков бывает "
                                      "0 или 1 (учтён этим списком или нет); получено '2'."),
    (["estimate", KOSOVO, "-m", "magic"], "неизвестный метод 'magic'. Выберите один из:"),
    (["estimate", KOSOVO, "--format", "xml"], "столбец '--format': --format должен быть одним "
                                              "из: table, csv, json"),
    (["estimate", KOSOVO, "-m", "lcmcr", "--thin", "0"], "thin=0 недопустимо"),
    (["lists", "{tmp}/nowhere"], "nowhere — не проект uncounted (нет uncounted.toml)"),
])
def test_errors_a_new_user_meets_first_are_russian(tmp_path, args, russian):
    (tmp_path / "table.csv").write_text("A,B,count\n1,0,3\n2,1,4\n")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    r = runner.invoke(app, ["--lang", "ru", *args], env=EN)
    assert r.exit_code == 2, r.output
    out = " ".join(r.output.split())
    assert out.startswith("ошибка:") and russian in out, out
    english = runner.invoke(app, args, env=EN)
    assert english.exit_code == 2 and "error:" in english.output
    assert "ошибка" not in english.output


def test_missing_extra_in_russian():
    err = DependencyError.for_extra("lists", "duckdb", what="uncounted link")
    assert str(err) == ("uncounted link needs the 'lists' extra: pip install 'uncounted[lists]' "
                        "(duckdb is not installed)")
    with using("ru"):
        assert describe(err) == ("uncounted link: нужен дополнительный набор 'lists': pip install "
                                 "'uncounted[lists]' (duckdb не установлен)")


def test_messages_keep_their_template_and_values():
    msg = Msg("{total:,} bad value(s) in {n_rows:,} rows; nothing was imported.\n{shown}{more}\n"
              "Fix the file and import again, or pass --skip-invalid to import the good rows and "
              "write the rejects to a CSV beside the file.", total=1200, n_rows=3500000,
              shown=Lines([Msg("the record id is empty.")]), more="")
    assert isinstance(msg, str) and msg.startswith("1,200 bad value(s) in 3,500,000 rows")
    assert "\n  the record id is empty.\n" in msg
    assert pickle.loads(pickle.dumps(msg)).template == msg.template  # across worker processes
    with using("ru"):
        text = say(msg)
    # Russian numbers: a narrow no-break space groups thousands
    assert text.startswith("ошибочных значений: 1\u202f200 в 3\u202f500\u202f000 строках")
    assert "\n  номер записи пуст.\n" in text
    err = InputError(Msg("counts must be non-negative integers; got {value!r}", value="-1"),
                     file="t.csv", row=4, column="count")
    assert str(err) == "t.csv, row 4, column 'count': counts must be non-negative integers; got '-1'"
    with using("ru"):
        assert describe(err) == ("t.csv, строка 4, столбец 'count': числа должны быть целыми "
                                 "неотрицательными; получено '-1'")
    with using("en"):
        assert describe(err) == str(err)


def test_a_message_without_a_template_or_a_translation_stays_english():
    with using("ru"):
        assert describe(InputError("a plain message", file="f.csv", row=2)) == \
            "f.csv, строка 2: a plain message"
        assert say(Msg("not in the catalogue {x}", x=1)) == "not in the catalogue 1"
