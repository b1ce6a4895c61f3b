"""Review decisions: the one writer, and the decision in force on each pair.

Decisions are append-only: :meth:`Decisions.record` only ever INSERTs, and the decision in force
on a pair is the latest one recorded (the ``decision_in_force`` view; why "latest" means the
highest ``decision_id`` is in :mod:`uncounted.store.schema`). Every decision carries
``based_on_decision``, the decision in force that the reviewer saw; when that is no longer the
latest (someone decided in between) the new decision is still recorded, and is *stale*; a stale
decision that disagrees with the one it replaced is a *conflict*, flagged in the answer, the audit
log and the ``decision_conflict`` view, until someone decides again having seen it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ..exceptions import InputError, ProjectError
from .base import Queries, default_actor, now
from .schema import DECISIONS

#: Longest note a reviewer may attach to a decision.
MAX_NOTE = 2000


@dataclass(frozen=True)
class RecordedDecision:
    """A decision as recorded, with what it replaced.

    ``previous_*`` describe the decision in force just before this one (None for the first);
    ``stale`` is True when that was not the decision the reviewer saw (``based_on``), and
    ``conflict`` when, moreover, the two disagree.
    """

    decision_id: int
    uid_l: str
    uid_r: str
    decision: str
    reviewer: str
    based_on: int | None
    previous: int | None
    previous_decision: str | None
    previous_reviewer: str | None
    stale: bool
    conflict: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Decisions(Queries):
    """``store.decisions``: review decisions on pairs of records."""

    def record(self, uid_l: str, uid_r: str, decision: str, *, reviewer: str | None = None,
               note: str | None = None, based_on: int | None = None,
               candidate_of: int | None = None, action: str = "decision",
               extra: Callable[[RecordedDecision], None] | None = None) -> RecordedDecision:
        """Append a decision on a pair (uids in either order) and audit it, in one transaction.

        Parameters
        ----------
        uid_l, uid_r
            The two records, ``"<list>/<record_id>"``.
        decision
            ``"match"``, ``"non-match"`` or ``"unsure"``.
        reviewer
            Who decides (default: ``$UNCOUNTED_USER`` or the login name).
        note
            Free text, at most :data:`MAX_NOTE` characters.
        based_on
            The id of the decision in force that the reviewer saw (None: none was).
        candidate_of
            A link run id: refuse the decision unless the pair was scored in that run (the
            review server passes its latest run, so only candidate pairs are decided there).
        action
            The audit-log action (``"decision"``; ``"manual_link"`` for a link of two records
            that no run proposed).
        extra
            Called with the recorded decision inside the same transaction (the review server
            stores its idempotent answer there, so both or neither are kept).

        Raises
        ------
        InputError
            A decision outside the three, the same record twice, a note too long, or a
            ``based_on`` that is not a decision on this pair.
        ProjectError
            A uid that is not a record of the store (was its list replaced?), or, with
            ``candidate_of``, a pair that run did not score.
        """
        a, b = _check(uid_l, uid_r, decision, note, based_on)
        reviewer = reviewer or default_actor()
        with self._store.transaction():
            missing = sorted({a, b} - self._store.records.known([a, b]))
            if missing:
                raise ProjectError(f"no such record in the store: {', '.join(missing)}. A uid is "
                                   "'<list>/<record_id>'; reload the page if a list was replaced.")
            if candidate_of is not None and not self._scalar(
                    "SELECT count(*) FROM pairs WHERE run_id = ? AND uid_l = ? AND uid_r = ?",
                    [candidate_of, a, b]):
                raise ProjectError(f"{a} | {b} is not a candidate pair of link run {candidate_of}: "
                                   "decisions are made on pairs the linkage proposed (reload the "
                                   "page if a new run was made); to join two other records, make "
                                   "a manual link with a note")
            prev = self._row(
                "SELECT decision_id, decision, reviewer FROM decision_in_force WHERE uid_l = ? "
                "AND uid_r = ?", [a, b])
            if based_on is not None and not self._on_pair(based_on, a, b):
                raise InputError(f"decision {based_on} is not a decision on {a} | {b}; give the "
                                 "id of the decision in force you saw, or none",
                                 column="based_on_decision", value=based_on)
            did = int(self._scalar(
                "INSERT INTO decisions VALUES (nextval('decision_seq'), ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING decision_id", [a, b, decision, reviewer, now(), note, based_on]))
            stale = prev is not None and based_on != prev[0]
            out = RecordedDecision(did, a, b, decision, reviewer, based_on,
                                   None if prev is None else int(prev[0]),
                                   None if prev is None else prev[1],
                                   None if prev is None else prev[2],
                                   stale, stale and prev[1] != decision)
            self._store.audit(action, actor=reviewer, target=f"{a} | {b}",
                              detail={"decision_id": did, "decision": decision,
                                      "based_on": based_on, "previous": out.previous,
                                      "stale": out.stale, "conflict": out.conflict,
                                      "note": note})
            if extra is not None:
                extra(out)
        return out

    def undo(self, decision_id: int, *, reviewer: str | None = None,
             extra: Callable[[RecordedDecision], None] | None = None) -> RecordedDecision:
        """Undo a decision by recording a new one that supersedes it (nothing is deleted).

        The new decision restores the decision in force before the undone one, or ``"unsure"``
        when there was none (an unsure decision leaves the pair to the model, as before, and
        puts it back in the review queue). It is audited as ``undo``, with ``based_on`` the undone
        decision and the note ``"undo of decision N"``.

        Raises
        ------
        ProjectError
            No such decision, or it is no longer in force (someone decided since: undo that one,
            having seen it).
        """
        with self._store.transaction():
            undone = self.get(decision_id)
            if undone is None:
                raise ProjectError(f"there is no decision {decision_id}")
            a, b = undone["uid_l"], undone["uid_r"]
            now_id = self._scalar("SELECT decision_id FROM decision_in_force WHERE uid_l = ? AND "
                                  "uid_r = ?", [a, b])
            if now_id != decision_id:
                raise ProjectError(f"decision {decision_id} on {a} | {b} is no longer in force "
                                   f"(decision {now_id} replaced it); reload and decide again")
            before = self._scalar("SELECT decision FROM decisions WHERE uid_l = ? AND uid_r = ? "
                                  "AND decision_id < ? ORDER BY decision_id DESC LIMIT 1",
                                  [a, b, decision_id])
            return self.record(a, b, before or "unsure", reviewer=reviewer,
                               note=f"undo of decision {decision_id}", based_on=decision_id,
                               action="undo", extra=extra)

    def _on_pair(self, decision_id: int, a: str, b: str) -> bool:
        return self._scalar("SELECT count(*) FROM decisions WHERE decision_id = ? AND "
                            "uid_l = ? AND uid_r = ?", [decision_id, a, b]) == 1

    # ------------------------------------------------------------------ reading
    def in_force(self):
        """The decision in force on every decided pair (a DataFrame of ``decision_in_force``:
        ``uid_l`` < ``uid_r``, ``decision``, ``decision_id``, ``reviewer``, ``decided_at``,
        ``note``, ``based_on_decision``), ordered by ``decision_id``."""
        return self._df("SELECT * FROM decision_in_force ORDER BY decision_id")

    def among(self, uids) -> list[dict[str, Any]]:
        """The decisions in force on pairs of records both in ``uids``, oldest first."""
        return self._dicts(
            "WITH q AS (SELECT unnest(?::VARCHAR[]) AS uid) SELECT uid_l, uid_r, decision, "
            "decision_id, reviewer, decided_at, note FROM decision_in_force "
            "WHERE uid_l IN (SELECT uid FROM q) AND uid_r IN (SELECT uid FROM q) "
            "ORDER BY decision_id", [list(uids)])

    def involving(self, uids) -> list[dict[str, Any]]:
        """The decisions in force on pairs with at least one record in ``uids``, oldest first."""
        return self._dicts(
            "WITH q AS (SELECT unnest(?::VARCHAR[]) AS uid) SELECT uid_l, uid_r, decision, "
            "decision_id, reviewer, decided_at, note FROM decision_in_force "
            "WHERE uid_l IN (SELECT uid FROM q) OR uid_r IN (SELECT uid FROM q) "
            "ORDER BY decision_id", [list(uids)])

    def get(self, decision_id: int) -> dict[str, Any] | None:
        """One recorded decision by id (None when there is no such decision)."""
        rows = self._dicts("SELECT decision_id, uid_l, uid_r, decision, reviewer, decided_at, note, "
                           "based_on_decision FROM decisions WHERE decision_id = ?", [decision_id])
        return rows[0] if rows else None

    def history(self, uid_l: str, uid_r: str) -> list[dict[str, Any]]:
        """Every decision on a pair (uids in either order), oldest first."""
        a, b = sorted((uid_l, uid_r))
        return self._dicts(
            "SELECT decision_id, decision, reviewer, decided_at, note, based_on_decision "
            "FROM decisions WHERE uid_l = ? AND uid_r = ? ORDER BY decision_id", [a, b])

    def conflicts(self) -> list[dict[str, Any]]:
        """Pairs in conflict (the ``decision_conflict`` view): ``uid_l``, ``uid_r``,
        ``decision_id``, ``decision``, ``reviewer``, ``previous_id``, ``previous``."""
        return self._dicts("SELECT * FROM decision_conflict ORDER BY decision_id")

    def last_id(self) -> int:
        """The highest decision id (0 before any decision): changes with every decision."""
        return int(self._scalar("SELECT coalesce(max(decision_id), 0) FROM decisions"))

    def count(self) -> int:
        """Decisions recorded, superseded ones included."""
        return int(self._scalar("SELECT count(*) FROM decisions"))


def _check(uid_l, uid_r, decision, note, based_on) -> tuple[str, str]:
    if decision not in DECISIONS:
        raise InputError(f"a decision is one of {', '.join(DECISIONS)}", column="decision",
                         value=decision)
    if not uid_l or not uid_r or uid_l == uid_r:
        raise InputError("a decision needs two different record uids ('<list>/<record_id>')",
                         column="uid", value=f"{uid_l} | {uid_r}")
    if note is not None and len(note) > MAX_NOTE:
        raise InputError(f"the note is longer than {MAX_NOTE} characters", column="note")
    if based_on is not None and (isinstance(based_on, bool) or not isinstance(based_on, int)
                                 or not 0 < based_on < 2 ** 63):
        raise InputError("based_on_decision is the id of a decision (a positive 64-bit integer) "
                         "or none", column="based_on_decision", value=based_on)
    a, b = sorted((str(uid_l), str(uid_r)))
    return a, b
