from __future__ import annotations

import pytest

from uncounted.project import Project


@pytest.fixture
def project(tmp_path):
    return Project.init(tmp_path / "proj")


def snapshot(project):
    """Everything an import may touch, for 'the store is unchanged' assertions."""
    with project.store(read_only=True) as s:
        return {t: s.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("lists", "imports", "records", "audit_log")}
