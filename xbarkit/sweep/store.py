"""The results store of a sweep: one SQLite row per finished point, written as it finishes.

Each row is committed in its own transaction, so a sweep killed at any moment keeps every
point that finished before the kill and none half-written; a restarted sweep skips them. The
key is the digest of the point's full training config (seed included): changing the base
config or a setting makes new points, never silently reuses old results.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

__all__ = ["ResultStore", "RESULTS"]

RESULTS = "results.sqlite"

_COLUMNS = (
    ("digest", "TEXT PRIMARY KEY"),
    ("status", "TEXT NOT NULL"),  # done | failed
    ("baseline", "INTEGER NOT NULL"),
    ("seed", "INTEGER NOT NULL"),
    ("point", "TEXT NOT NULL"),  # JSON of the axis values
    ("algorithm", "TEXT"),
    ("test_accuracy", "REAL"),
    ("averaged_test_accuracy", "REAL"),
    ("train_seconds", "REAL"),
    ("wall_seconds", "REAL"),
    ("finished", "REAL"),  # Unix time the driver stored the row
    ("worker", "TEXT"),
    ("error", "TEXT"),
)


class ResultStore:
    """``DIR/results.sqlite``: table ``points`` with the fixed columns above plus one column
    per axis (named like the axis, e.g. ``"algorithm.fast_lr"``)."""

    def __init__(self, path: Path, axis_columns: tuple[str, ...] = ()):
        self.path = Path(path)
        self.axis_columns = tuple(axis_columns)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        cols = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
        self.db.execute(f"CREATE TABLE IF NOT EXISTS points ({cols})")
        have = {row[1] for row in self.db.execute("PRAGMA table_info(points)")}
        for name in self.axis_columns:
            if name not in have:
                self.db.execute(f"ALTER TABLE points ADD COLUMN {_quote(name)}")
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def statuses(self) -> dict[str, str]:
        """digest -> status of every stored point."""
        return dict(self.db.execute("SELECT digest, status FROM points"))

    def put(self, row: dict[str, Any]) -> None:
        """Store (or replace, for a retried failure) one point in one transaction."""
        row = dict(row)
        values = row.pop("values", {})
        row["point"] = json.dumps(values, sort_keys=True)
        for name in self.axis_columns:
            row[name] = _sql_value(values.get(name))
        names = list(row)
        marks = ", ".join("?" for _ in names)
        with self.db:
            self.db.execute(
                f"INSERT OR REPLACE INTO points ({', '.join(map(_quote, names))}) VALUES ({marks})",
                [row[n] for n in names],
            )

    def rows(self) -> list[dict[str, Any]]:
        """Every stored row as a dict, with ``values`` parsed back from JSON."""
        cur = self.db.execute("SELECT * FROM points ORDER BY finished")
        names = [d[0] for d in cur.description]
        out = []
        for rec in cur:
            row = dict(zip(names, rec, strict=True))
            row["values"] = json.loads(row["point"])
            out.append(row)
        return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_value(v: Any) -> Any:
    return v if v is None or isinstance(v, int | float | str) else json.dumps(v)
