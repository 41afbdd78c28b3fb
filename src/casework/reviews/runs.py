"""Where a practice run stands in review, folded from its event log alone (pure: events in).

- **trainee**: an officer who opened the run or fired one of its actions (`opened` / `action`
  events). Several officers playing one run together are each its trainee.
- **submitted** (``submitted`` event, "Nộp để nhận xét"): a trainee asks for a verdict. The run
  *waits* from its latest submission until a verdict (``review`` event) follows it.
- **verdict current**: the latest verdict and no trainee work after it (as before: a redo is
  "current" until the trainee acts again).
- **withdrawn** (``withdrawn`` event, "Rút lại bài nộp"): a trainee takes back the latest
  submission before any mentor started on it (no comment, score or verdict since): the run leaves
  the queue; it can be submitted again.
- **new reply**: a trainee's reply in a comment thread (a ``comment`` whose payload says
  ``"by": "trainee"``) later than everything mentors wrote (comments, scores, verdicts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from casework.dossiers.models import Dossier, Event, EventKind
from casework.procedures import Procedure

#: Event kind of a trainee's submission for review.
SUBMITTED = "submitted"
#: Event kind of a trainee taking back their latest submission.
WITHDRAWN = "withdrawn"
#: Payload marker of a comment written by a trainee (a reply in a mentor's thread).
BY_TRAINEE = "trainee"
#: Events a trainee's work produces: a verdict is "current" until one of these follows it.
WORK_KINDS = (EventKind.opened.value, EventKind.action.value)
MENTOR_KINDS = frozenset({"comment", "score", "review"})


@dataclass(frozen=True)
class RunStatus:
    submitted: Event | None  # the latest submission
    submissions: int
    waiting: bool  # submitted, and no verdict since
    verdict: Event | None  # the latest verdict
    verdict_current: bool
    new_reply: bool
    #: the latest submission was taken back (and nothing submitted since)
    withdrawn: Event | None = None
    #: waiting, and no mentor has commented, scored or judged since the submission
    untouched: bool = False


def is_trainee_reply(ev: Event) -> bool:
    return ev.kind == EventKind.comment and ev.payload.get("by") == BY_TRAINEE


def run_status(events: Sequence[Event]) -> RunStatus:
    """`events` of one dossier in `seq` order."""
    submitted: Event | None = None
    verdict: Event | None = None
    submissions = 0
    verdict_current = False
    last_reply = last_mentor = 0
    withdrawn: Event | None = None
    for ev in events:
        if ev.kind == SUBMITTED:
            submitted, submissions, withdrawn = ev, submissions + 1, None
        elif ev.kind == WITHDRAWN:
            withdrawn = ev
        elif ev.kind == "review":
            verdict, verdict_current = ev, True
        elif ev.kind in WORK_KINDS:
            verdict_current = False
        if is_trainee_reply(ev):
            last_reply = ev.seq
        elif ev.kind in MENTOR_KINDS:
            last_mentor = ev.seq
    waiting = (
        submitted is not None
        and withdrawn is None
        and (verdict is None or verdict.seq < submitted.seq)
    )
    return RunStatus(
        submitted=submitted,
        submissions=submissions,
        waiting=waiting,
        verdict=verdict,
        verdict_current=verdict_current,
        new_reply=last_reply > last_mentor,
        withdrawn=withdrawn,
        untouched=waiting and submitted is not None and last_mentor < submitted.seq,
    )


def trainee_ids(events: Iterable[Event]) -> list[int]:
    """Who did the run's work, in the order they first did some."""
    out: dict[int, None] = {}
    for ev in events:
        if ev.kind in WORK_KINDS and ev.actor_id is not None:
            out.setdefault(ev.actor_id)
    return list(out)


def submit_refusal(dossier: Dossier, procedure: Procedure, status: RunStatus) -> str | None:
    """Why this run cannot be submitted now (None: it can), in Vietnamese."""
    if dossier.data.get("replaced_by"):
        return (
            f"Hồ sơ này đã được làm lại từ đầu thành {dossier.data['replaced_by']}; "
            "hãy nộp hồ sơ mới."
        )
    if status.waiting and status.submitted is not None:
        return "Hồ sơ đã nộp, đang chờ cán bộ hướng dẫn nhận xét."
    if status.verdict is not None and status.verdict_current:
        if status.verdict.action == "pass":
            return "Hồ sơ đã được nhận xét đạt."
        to_state = status.verdict.to_state or ""
        label = procedure.states[to_state].label if to_state in procedure.states else to_state
        return f"Hồ sơ được trả về làm lại từ bước «{label}»: làm lại bước đó rồi nộp lại."
    return None
