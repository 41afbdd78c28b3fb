"""What the dossier page reads and keeps (issue 19, item 2): a few statements, however long the
history, and the unchanging parts rendered once per process.

- **One read of the dossier**: the access check (`access.visible_filter`, with the viewer's unit
  joined in rather than read first), the viewer's and the receiving unit, the pinned version (its
  definition deferred: decoded definitions are kept per process by content hash), the number of
  timeline items and the token of the process caches (`casework.caching`: the calendar then
  comes from the process cache with no read of its own).
- **One read of the timeline's window**, as plain rows (a Core select of the columns shown, no
  ORM objects): the latest `shown` items with their actors' names, plus
  every comment and score (they sit under their event; a practice run reads every event: the
  mentor's review needs the whole run) and every attachment event (the attachment list is read
  from them: each upload writes its row and its event together).
- **The clock's rows** (pauses, steps) are kept per process by (database, dossier id,
  `event_count`, latest event hash): every change to them writes an event in the same
  transaction (a calendar change that moves a due too), so a new event is a new entry. The
  clock view
  itself (standing, trace) is computed from them at each view: it depends on the time of day.
- **Each event's HTML** (not its `<li>` nor its review slot, which change) is kept per process by
  (template environment, dossier code, event seq and hash, language, actor's name, procedure
  version). Nothing in it depends on the viewer: every reader of the page sees the same slip
  and replay links, so no one's view can leak into another's.

The Mẫu 06 rows and the action forms are kept per process too (`casework.dossiers.fragments`).

Older timeline items and Mẫu 06 rows are a click away (`?timeline=` / `?steps=`: the latest
that many; htmx swaps in the next batch only). The printed Mẫu 06 reads every row (`slips`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup
from sqlalchemy import Integer, bindparam, case, func, inspect, literal_column, null, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased, make_transient_to_detached
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.caching.kept import Kept
from casework.caching.service import cached, detached_copy, generation_column, seen
from casework.dossiers import fragments
from casework.dossiers.access import BoundViewer, viewer_params, visible_filter
from casework.dossiers.catalog import procedure_of_version
from casework.dossiers.clockwork import StepView, fixed_step_views, pauses_of
from casework.dossiers.fields import is_money
from casework.dossiers.models import ClockPause, Dossier, EventKind, ProcedureVersion, StepRecord
from casework.dossiers.models import Event as EventRow
from casework.errors import NotFound
from casework.findings.conclusion import DATA_LABELS
from casework.numbers import fmt_money, fmt_number
from casework.procedures import Procedure
from casework.reviews.service import INLINE_KINDS
from casework.web import i18n

T = TypeVar("T")

#: timeline items and Mẫu 06 rows shown at first, and added by each «Xem thêm»
BATCH = 20
#: the largest `?timeline=` / `?steps=` (a longer history is shown whole)
MAX_SHOWN = 100_000
#: events the window always reads: shown under their event, or listed as attachments
ALWAYS_READ = frozenset(INLINE_KINDS | {EventKind.attachment.value})
#: entries kept per process: clock rows of this many dossiers (events' HTML: fragments)
CLOCK_ROWS_KEPT = 2_000


@dataclass
class Loaded:
    """The dossier as the page needs it, from one read."""

    dossier: Dossier
    version: ProcedureVersion
    procedure: Procedure
    units: dict[int, Unit]
    #: timeline items in all (events other than comments and scores)
    items: int


def kinds_inline(kinds: frozenset[str]) -> list[Any]:
    """`kinds` as SQL literals for `IN (...)`: written into the statement once, when it is built
    (a set of values as a bound parameter is an "expanding" one, rendered again at every
    execution: ~0.1 ms a statement, py-spy). The kinds are our own constants."""
    assert all(k.isidentifier() for k in kinds)  # noqa: S101 - no quote can reach the SQL
    return [literal_column(f"'{k}'") for k in sorted(kinds)]


@lru_cache(maxsize=64)
def _load_query(roles: frozenset[str]) -> Any:
    """The page's read of the dossier for a viewer with `roles`, built once per process (the
    same statement object each time: SQLAlchemy keeps its compiled form and cache key). The
    viewer's unit is joined for the access check only; the units and the version themselves come
    from the process cache (`casework.caching`), whose token this read brings."""
    viewer = aliased(Unit, name="viewer_unit")
    stand_in = BoundViewer(roles, viewer.path)
    items = (
        select(func.count())
        .select_from(EventRow)
        .where(
            EventRow.dossier_id == Dossier.id,
            col(EventRow.kind).not_in(kinds_inline(INLINE_KINDS)),
        )
        .correlate(Dossier)
        .scalar_subquery()
    )
    return (
        sa_select(Dossier, items, generation_column())
        .join(viewer, col(viewer.id) == stand_in.unit_id)
        .where(Dossier.code == bindparam("code"), visible_filter(stand_in, stand_in))  # type: ignore[arg-type]
    )


def load(session: Session, *, user: User, code: str) -> Loaded:
    """The dossier if `user` may see it (else 404, never saying whether it exists)."""
    query = _load_query(frozenset(user.roles))
    params = {"code": code, **viewer_params(user)}
    row = session.execute(query, params).first() if user.is_active else None
    if row is None:
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    dossier, count, token = row
    seen(session, token)  # the process caches' token for this transaction: no read of its own
    version = _held(session, ProcedureVersion, dossier.procedure_version_id)
    # the definition is decoded only the first time the process meets its content hash
    procedure = procedure_of_version(version)
    units = {
        unit_id: _held(session, Unit, unit_id)
        for unit_id in (user.unit_id, dossier.receiving_unit_id)
        if unit_id is not None
    }
    return Loaded(dossier, version, procedure, units, int(count or 0))


def _held(session: Session, model: type[T], row_id: int) -> T:
    """The unit or procedure version from the process cache (`casework.caching`, the entry
    `row_by_id` uses) as its detached copy, not merged into the session (a merge was ~0.1 ms a
    view): the page only reads them."""

    def read() -> Any:
        row = session.get(model, row_id)
        return detached_copy(row) if row is not None else None

    row = cached(session, (model.__name__, row_id), read)
    if row is None:  # pragma: no cover - the access check joined it, a foreign key holds it
        raise NotFound(f"Không tìm thấy {model.__name__} {row_id}.")
    return row


#: the event columns the page shows (the timeline, its review slots, the attachment list)
EVENT_COLUMNS = ("id", "seq", "at", "actor_id", "kind", "action", "from_state", "to_state")
#: kinds of event whose payload only their timeline line reads (label, data, slip, reason): the
#: window leaves it out (`payload` None; no transfer, no JSON decoding) and the line, kept per
#: process by the event's hash (which covers the payload), reads it only when it is drawn
LINE_ONLY_KINDS = frozenset({EventKind.opened.value, EventKind.action.value, EventKind.clock.value})


@dataclass
class Window:
    """The events the page reads: the latest `shown` items, comments, scores, attachments, as
    plain rows (`Row`s with the attributes of `EVENT_COLUMNS`, `payload` and `hash`; no ORM
    objects: building them and reading their attributes was about a tenth of a view). `payload`
    is None for the kinds of `LINE_ONLY_KINDS` (`payloads` reads them when a line is drawn)."""

    events: list[Any]
    #: actor id -> full name, for every event read
    names: dict[int, str]


@lru_cache(maxsize=2)
def _window_query(whole: bool) -> Any:
    """The window's read (built once per process), for the dossier `dossier_id`: every event
    (`whole`), or those from the `shown`-th latest timeline item on and those always read."""
    table = EventRow.__table__  # type: ignore[attr-defined]
    users = User.__table__  # type: ignore[attr-defined]
    shown = [table.c[name] for name in EVENT_COLUMNS]
    payload = case((table.c.kind.in_(kinds_inline(LINE_ONLY_KINDS)), null()), else_=table.c.payload)
    query = (
        sa_select(*shown, payload.label("payload"), table.c.hash, users.c.full_name)
        .select_from(table.outerjoin(users, users.c.id == table.c.actor_id))
        .where(table.c.dossier_id == bindparam("dossier_id"))
    )
    if not whole:
        latest = (
            sa_select(table.c.seq)
            .where(
                table.c.dossier_id == bindparam("dossier_id"),
                table.c.kind.not_in(kinds_inline(INLINE_KINDS)),
            )
            .order_by(table.c.seq.desc())
            .limit(bindparam("shown", type_=Integer))
            .subquery()
        )
        first = sa_select(func.coalesce(func.min(latest.c.seq), 0)).scalar_subquery()
        query = query.where(or_(table.c.seq >= first, table.c.kind.in_(kinds_inline(ALWAYS_READ))))
    return query.order_by(table.c.seq)


def window(session: Session, dossier: Any, shown: int | None) -> Window:
    """The events from the `shown`-th latest timeline item on (every event when None), with the
    other events the page always shows, in `seq` order, and their actors' names."""
    params = {"dossier_id": dossier.id, "shown": shown}
    rows = session.connection().execute(_window_query(shown is None), params).all()
    names = {row.actor_id: row.full_name for row in rows if row.actor_id and row.full_name}
    return Window(list(rows), names)


@lru_cache(maxsize=1)
def _payloads_query() -> Any:
    table = EventRow.__table__  # type: ignore[attr-defined]
    return sa_select(table.c.seq, table.c.payload).where(
        table.c.dossier_id == bindparam("dossier_id"),
        table.c.seq.in_(bindparam("seqs", expanding=True)),
    )


def payloads(session: Session, dossier_id: int, seqs: Sequence[int]) -> dict[int, Any]:
    """The payloads of the dossier's events `seqs` (those the window left out), by seq."""
    params = {"dossier_id": dossier_id, "seqs": list(seqs)}
    rows = session.connection().execute(_payloads_query(), params)
    return {int(row.seq): row.payload for row in rows}


@dataclass(frozen=True)
class AttachmentItem:
    """One attached file as its event recorded it (the attachment list of the page)."""

    id: int
    document_key: str
    filename: str
    size: int
    sha256: str
    uploaded_at: datetime


def attachments(events: Sequence[Any]) -> list[AttachmentItem]:
    found = []
    for ev in events:
        if ev.kind != EventKind.attachment:
            continue
        p = ev.payload
        if isinstance(p.get("attachment_id"), int):
            found.append(
                AttachmentItem(
                    id=p["attachment_id"],
                    document_key=str(p.get("document_key") or ""),
                    filename=str(p.get("filename") or ""),
                    size=int(p.get("size") or 0),
                    sha256=str(p.get("sha256") or ""),
                    uploaded_at=ev.at,
                )
            )
    return found


# ---- per-process caches ---------------------------------------------------------------------


_CLOCK_ROWS = Kept(CLOCK_ROWS_KEPT)


class ClockRows(NamedTuple):
    """A dossier's clock rows as kept per process, with the Mẫu 06 rows drawn from them that do
    not depend on the time of the view (`clockwork.fixed_step_views`), per procedure version."""

    pauses: list[ClockPause]
    steps: list[StepRecord]
    #: procedure version's content hash -> `fixed_step_views(procedure, steps)`
    fixed: dict[str, list[StepView | None]]

    def fixed_views(self, version: ProcedureVersion, procedure: Procedure) -> list[StepView | None]:
        views = self.fixed.get(version.content_hash)
        if views is None:
            views = self.fixed[version.content_hash] = fixed_step_views(procedure, self.steps)
        return views


def clock_rows(session: Session, dossier: Dossier) -> ClockRows:
    """The dossier's pause and step rows (detached copies), kept per process while its event
    count and latest event hash stay the same (the hash tells two databases' dossiers apart)."""
    database = str(session.get_bind().engine.url)
    key = (database, dossier.id, dossier.event_count, dossier.last_event_hash)
    kept = _CLOCK_ROWS.get(key)
    if kept is not None:
        return kept
    steps = session.exec(
        select(StepRecord)
        .where(StepRecord.dossier_id == dossier.id)
        .order_by(col(StepRecord.ordinal))
    ).all()
    rows = ClockRows([_copy(p) for p in pauses_of(session, dossier)], [_copy(s) for s in steps], {})
    _CLOCK_ROWS.put(key, rows)
    return rows


def _copy(row: T) -> T:
    """A copy of a loaded row that belongs to no session (safe to keep across requests)."""
    mapper = inspect(type(row))
    copy = type(row)(**{attr.key: getattr(row, attr.key) for attr in mapper.column_attrs})
    make_transient_to_detached(copy)
    return copy


@dataclass
class EventLines:
    """`event_html(ev)` in `dossiers/detail.html`: the event's line of the timeline
    (`dossiers/_event.html`), rendered once per process. It holds what the line reads, so the
    template calls it with the environment only (a context-taking call inside a loop makes Jinja
    copy the whole context for each event). An event the window read without its payload
    (`LINE_ONLY_KINDS`) has it read here when its line is not kept: those of all the `events`
    in one statement, the first time."""

    d: Dossier
    p: Procedure
    version: ProcedureVersion
    names: dict[int, str]
    tz: ZoneInfo
    printable_slips: set[str]
    session: Session | None = None
    events: Sequence[Any] = ()
    _payloads: dict[int, Any] | None = None

    def _payload(self, ev: Any) -> Any:
        if ev.payload is not None or self.session is None:
            return ev.payload
        if self._payloads is None or ev.seq not in self._payloads:
            seqs = {e.seq for e in self.events if e.payload is None} | {ev.seq}
            self._payloads = {
                **(self._payloads or {}),
                **payloads(self.session, self.d.id, sorted(seqs)),  # type: ignore[arg-type]
            }
        return self._payloads[ev.seq]

    @jinja2.pass_environment
    def __call__(self, env: jinja2.Environment, ev: Any) -> Markup:
        name = self.names.get(ev.actor_id) if ev.actor_id is not None else None
        lang = i18n.current_lang.get()
        key = (self.d.code, ev.seq, ev.hash, lang, name, self.version.content_hash)
        kept = fragments.kept_for(env)
        html = kept.get(key)
        if html is None:
            payload = self._payload(ev)
            if payload is not ev.payload:
                ev = SimpleNamespace(**{**ev._asdict(), "payload": payload})
            html = Markup(  # noqa: S704 - the output of an autoescaping template
                env.get_template("dossiers/_event.html").render(
                    ev=ev, d=self.d, p=self.p, actor=name, printable_slips=self.printable_slips,
                    rows=data_rows(self.p, payload.get("data", {}), self.tz),
                )
            )  # fmt: skip
            kept.put(key, html)
        return html

    @jinja2.pass_environment
    def items(
        self, env: jinja2.Environment, rows: Sequence[Any], after: int | None, review: Any
    ) -> Markup:
        """The timeline's `<li>`s of `rows` (the one of event `after` marked), each with its
        line and, when `review` (the `event_review` macro) is given, its review slot: what a
        Jinja loop over them drew, joined here (a loop and a call a row were ~0.3 ms a view)."""
        out = []
        for ev in rows:
            here = ' class="here"' if after and ev.seq == after else ""
            slot = review(ev) if review is not None else ""
            out.append(f'\n    <li id="ev-{int(ev.seq)}"{here}>\n      ')
            out.append(f"{self(env, ev)}\n      {slot}\n    </li>\n  ")
        return Markup("".join(out))  # noqa: S704 - kept autoescaped lines and macro output


def forget_all() -> None:
    """Drop the per-process caches (tests that change rows behind the services' back)."""
    _CLOCK_ROWS.clear()
    fragments.forget_all()


# ---- paging ----------------------------------------------------------------------------------


def shown_count(asked: int | None) -> int:
    """How many of the latest rows to show: `asked` rounded up to a whole batch, at least one."""
    if asked is None:
        return BATCH
    return min(max(BATCH, -(-asked // BATCH) * BATCH), MAX_SHOWN)


@dataclass
class Paged:
    """The latest `shown` of `rows` (in their order), and the batch a «Xem thêm» swaps in."""

    rows: list[Any]
    shown: int
    older: int

    @property
    def next_shown(self) -> int:
        return self.shown + BATCH

    def batch(self) -> list[Any]:
        """The rows the htmx request for `shown` adds: the oldest `BATCH` of those shown."""
        return (
            self.rows[: len(self.rows) - (self.shown - BATCH)] if self.shown > BATCH else self.rows
        )


def paged(rows: Sequence[Any], shown: int) -> Paged:
    latest = list(rows[-shown:]) if shown < len(rows) else list(rows)
    return Paged(latest, shown, max(0, len(rows) - len(latest)))


def items_from(events: Sequence[Any], total: int, shown: int) -> Paged:
    """The latest `shown` timeline items among `events` (a window may hold fewer than `total`)."""
    items = [e for e in events if e.kind not in INLINE_KINDS]
    latest = items[-shown:] if shown < len(items) else items
    return Paged(latest, shown, max(0, total - len(latest)))


# ---- an event's recorded data ------------------------------------------------------------------


def data_rows(procedure: Procedure, data: dict[str, Any], tz: ZoneInfo) -> list[tuple[str, str]]:
    """An action's recorded data as (label, text) lines: document names, local date-times."""
    names = {d.key: d.name for d in procedure.documents}
    rows = []
    for key, value in data.items():
        try:
            spec = procedure.field_spec(key)
        except KeyError:  # e.g. the findings' conclusion added when the record is signed
            rows.append((DATA_LABELS.get(key, key), str(value)))
            continue
        if spec.type == "documents" and isinstance(value, list):
            text = "; ".join(str(names.get(v, v)) for v in value)
        elif spec.type == "datetime" and isinstance(value, str):
            text = datetime.fromisoformat(value).astimezone(tz).strftime("%H:%M %d/%m/%Y")
        elif spec.type == "date" and isinstance(value, str):
            text = date.fromisoformat(value).strftime("%d/%m/%Y")
        elif spec.type == "number" and isinstance(value, int | float):
            text = fmt_money(value) if is_money(spec) else fmt_number(value)
        else:
            text = str(value)
        rows.append((spec.label, text))
    return rows
