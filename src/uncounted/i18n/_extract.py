"""A Babel extraction method for the command line: the usual ``_()`` messages, plus the help texts
Typer reads when the commands are declared.

Typer takes a command's help from its docstring and an option's from ``help="..."``; both are
English text fixed at import, before ``--lang`` is known, and :mod:`uncounted.cli` translates them
when a help page is drawn. So that they are in the catalogue without wrapping 180 strings in
``N_()``, this method (named in ``babel.cfg`` for ``cli.py`` and ``commands/``) adds every literal
``help=`` argument and the docstring of every function decorated with ``@....command(...)`` or
``@....callback(...)``, cleaned as :func:`inspect.cleandoc` cleans it (as Typer does).

Needs Babel (a development dependency); only ``python -m uncounted.i18n`` imports it.
"""

from __future__ import annotations

import ast
import io


def _decorated_as_command(node: ast.FunctionDef) -> bool:
    for dec in node.decorator_list:
        func = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(func, ast.Attribute) and func.attr in ("command", "callback"):
            return True
    return False


def help_texts(source: str) -> list[tuple[int, str]]:
    """``(line, text)`` of every literal ``help=`` argument and command docstring in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == "help" and \
                isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found.append((node.value.lineno, node.value.value))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                _decorated_as_command(node):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                found.append((node.body[0].lineno, doc))
    return found


def extract_commands(fileobj, keywords, comment_tags, options):
    """Babel extraction method: :func:`babel.messages.extract.extract_python`, then the help
    texts of :func:`help_texts`."""
    from babel.messages.extract import extract_python

    data = fileobj.read()
    yield from extract_python(io.BytesIO(data), keywords, comment_tags, options)
    encoding = options.get("encoding", "utf-8")
    for lineno, text in help_texts(data.decode(encoding)):
        if text.strip():
            yield lineno, None, text, []
