"""``uncounted user add``: argon2-hashed accounts from the command line, clear errors."""

from __future__ import annotations

from typer.testing import CliRunner

from uncounted.cli import app
from uncounted.project import Project

from ..project_fixture import make_project

runner = CliRunner()


def test_user_add_from_stdin(tmp_path):
    root = tmp_path / "p"
    make_project(root, with_link_run=False)
    r = runner.invoke(app, ["user", "add", str(root), "carol", "--password-stdin"],
                      input="s3cret-enough\n")
    assert r.exit_code == 0, r.output
    with Project.open(root).store(read_only=True) as store:
        digest = store.con.execute("SELECT password_hash FROM users WHERE username = 'carol'").fetchone()[0]
        audit = store.con.execute("SELECT target FROM audit_log WHERE action = 'user_add'").fetchall()
    assert digest.startswith("$argon2id$") and "s3cret" not in digest
    assert audit == [("carol",)]
    from uncounted.web.auth import verify_password

    assert verify_password(digest, "s3cret-enough") and not verify_password(digest, "wrong-one")
    again = runner.invoke(app, ["user", "add", str(root), "carol", "--password-stdin"],
                          input="another-password\n")
    assert again.exit_code == 2 and "already exists" in again.output
    short = runner.invoke(app, ["user", "add", str(root), "dave", "--password-stdin"], input="abc\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    bad = runner.invoke(app, ["user", "add", str(root), "<b>", "--password-stdin"],
                        input="long-enough-pw\n")
    assert bad.exit_code == 2 and "user names are" in bad.output


def test_serve_listens_on_loopback_by_default():
    import inspect

    from uncounted.cli import app as cli_app

    cmd = next(c for c in cli_app.registered_commands if c.callback.__name__ == "serve")
    host = inspect.signature(cmd.callback).parameters["host"].default
    assert host.default == "127.0.0.1"
    bad = runner.invoke(app, ["serve", "/nonexistent/project"])
    assert bad.exit_code == 2 and "not an uncounted project" in bad.output
