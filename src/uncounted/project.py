"""A project folder: ``uncounted.toml`` (settings) and ``uncounted.duckdb`` (the store)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._version import __version__
from .exceptions import ConfigError, Msg, ProjectError
from .store import STORE_FILE, Store

CONFIG_FILE = "uncounted.toml"

DEFAULT_CONFIG = """\
# uncounted project settings
[project]
name = "{name}"
created_with = "uncounted {version}"

[linkage]
backend = "duckdb"        # duckdb | spark
threshold = 0.9           # match probability at which records are joined into one person
review_band = [0.3, 0.9]  # pairs with a probability in this band go to the review queue

[estimate]
methods = ["loglinear"]
level = 0.95
seed = 1
"""


@dataclass
class Project:
    """An opened project folder."""

    root: Path
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def store_path(self) -> Path:
        return self.root / STORE_FILE

    @classmethod
    def init(cls, root: str | Path, *, name: str | None = None) -> Project:
        """Create a project in ``root`` (created if missing); refuses to overwrite one."""

        root = Path(root)
        if (root / CONFIG_FILE).exists() or (root / STORE_FILE).exists():
            raise ProjectError(f"{root} already holds an uncounted project")
        root.mkdir(parents=True, exist_ok=True)
        (root / CONFIG_FILE).write_text(
            DEFAULT_CONFIG.format(name=(name or root.resolve().name).replace('"', "'"),
                                  version=__version__), encoding="utf-8")
        with Store.create(root / STORE_FILE) as store, store.transaction():
            store.audit("init", target=str(root))
        return cls.open(root)

    @classmethod
    def open(cls, root: str | Path) -> Project:
        root = Path(root)
        cfg_path = root / CONFIG_FILE
        if not cfg_path.exists():
            raise ProjectError(Msg("{root} is not an uncounted project (no {config}). Create one "
                                   "with 'uncounted init {root}'.", root=str(root),
                                   config=CONFIG_FILE))
        try:
            config = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"not valid TOML: {err}", file=cfg_path) from err
        if not (root / STORE_FILE).exists():
            raise ProjectError(Msg("{root}: {store} is missing", root=str(root), store=STORE_FILE))
        return cls(root, config)

    def store(self, *, read_only: bool = False, wait: float | None = None) -> Store:
        """Open the project's store (close it, or use ``with``); ``wait`` seconds for another
        program's lock (default ``$UNCOUNTED_WAIT`` or 30)."""
        return Store.open(self.store_path, read_only=read_only, wait=wait)

    def setting(self, section: str, key: str, default: Any = None) -> Any:
        return self.config.get(section, {}).get(key, default)
