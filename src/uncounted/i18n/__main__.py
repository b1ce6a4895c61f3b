"""Catalogue upkeep (needs Babel, a development dependency), run from the repository root.

``python -m uncounted.i18n update``   extract the messages and merge them into every ``.po``
``python -m uncounted.i18n compile``  compile each ``.po`` into its ``.mo`` (what runs at run time)
``python -m uncounted.i18n check``    fail if a Russian message is missing, fuzzy or stale
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from . import DOMAIN, LANGUAGES, LOCALES

HERE = Path(__file__).parent
KEYWORDS = ["_", "N_", "ngettext:1,2", "Msg"]  # Msg: exceptions.Msg, messages of errors


def extract(pot: Path) -> None:
    """Write the message template of the sources and report templates to ``pot``."""
    from babel.messages.frontend import CommandLineInterface

    root = HERE.parents[2]  # the repository: src/uncounted/i18n -> .
    args = ["pybabel", "-q", "extract", "-F", str(HERE / "babel.cfg"), "--no-location",
            "--sort-output", "--no-wrap", "--project", "uncounted", "--omit-header",
            *[a for k in KEYWORDS for a in ("-k", k)], "-o", str(pot), str(root / "src")]
    CommandLineInterface().run(args)


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def update() -> None:
    from babel.messages.frontend import CommandLineInterface

    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / f"{DOMAIN}.pot"
        extract(pot)
        for lang in LANGUAGES:
            po = po_path(lang)
            cmd = "update" if po.exists() else "init"
            args = ["pybabel", "-q", cmd, "-i", str(pot), "-d", str(LOCALES), "-D", DOMAIN,
                    "-l", lang, "--no-wrap"]
            if cmd == "update":
                args += ["--ignore-obsolete", "--no-fuzzy-matching"]
            CommandLineInterface().run(args)


def compile_all() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for lang in LANGUAGES:
        po = po_path(lang)
        with open(po, "rb") as fh:
            catalog = read_po(fh, locale=lang)
        with open(po.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


def problems() -> list[str]:
    """Russian messages missing, untranslated or fuzzy, and messages in the sources not in the
    catalogue (or in the catalogue but no longer in the sources)."""
    from babel.messages.pofile import read_po

    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / f"{DOMAIN}.pot"
        extract(pot)
        with open(pot, "rb") as fh:
            wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with open(po_path("ru"), "rb") as fh:
        ru = read_po(fh, locale="ru")
    have = {}
    for m in ru:
        if m.id:
            have[m.id if isinstance(m.id, str) else m.id[0]] = m
    out = [f"not in ru catalogue: {w!r}" for w in sorted(wanted - set(have))]
    out += [f"in ru catalogue but not in the sources: {w!r}" for w in sorted(set(have) - wanted)]
    for key, m in sorted(have.items()):
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not all(strings):
            out.append(f"untranslated in ru: {key!r}")
        elif m.fuzzy:
            out.append(f"fuzzy in ru: {key!r}")
    return out


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "update":
        update()
    elif cmd == "compile":
        compile_all()
    elif cmd == "check":
        found = problems()
        for p in found:
            print(p)
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
