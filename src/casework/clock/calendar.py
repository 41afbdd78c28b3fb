"""Working calendars: which days count, the office windows, the receipt cut-off.

A `WorkCalendar` is immutable. It is built from a *base* (``"vn"``: Vietnamese public holidays
from the ``holidays`` package, names in Vietnamese; ``"none"``: nothing) plus an ordered list of
`CalendarEntry` overrides (extra days off, weekend days worked in exchange). Later entries win, so
a unit's own calendar is the default calendar ``.with_entries(...)`` its admin overrides.

Every entry of a calendar file carries its legal `Basis` (the instrument, its article, where to
read it, when it was checked) or is marked as taken from the ``holidays`` package and not
confirmed; `casework.clock.calendar_file` parses and checks the files.

Day arithmetic goes through a per-calendar index of working-day ordinals (sorted list + dict),
built year by year on first use, so the deadline functions in `casework.clock.deadlines` do a
few dictionary look-ups and bisections per computation instead of walking days.
"""

from __future__ import annotations

import threading
import tomllib
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar, cast
from zoneinfo import ZoneInfo

from casework.errors import CaseworkError

T = TypeVar("T")

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
DEFAULT_OFFICE_HOURS = ((8 * 60, 12 * 60), (13 * 60, 17 * 60))
DEFAULT_CUTOFF = time(15, 0)
WEEKEND_NAME = "nghỉ cuối tuần"

EntryKind = Literal["day_off", "workday"]
Base = Literal["vn", "none"]


class CalendarFileError(CaseworkError):
    """A calendar file (TOML) is invalid. The message names the file and the key."""

    code = "invalid_calendar"
    status = 500

    def __init__(self, *, file: str, key: str, problem: str) -> None:
        where = f"{file} [{key}]" if key else file
        super().__init__(
            f"Tệp lịch {where}: {problem}", details={"file": file, "key": key, "problem": problem}
        )
        self.file = file
        self.key = key
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Basis:
    """Where a calendar day comes from: the instrument (number and date, e.g. "Công văn
    10065/VPCP-KGVX ngày 02/10/2026"), the article if any, a public `url` or the text's `title`,
    and the day it was `checked`. An empty `instrument` means the day is the ``holidays``
    package's and nobody has confirmed it (`confirmed` is false)."""

    instrument: str = ""
    article: str = ""
    url: str = ""
    title: str = ""
    checked: date | None = None
    note: str = ""

    @property
    def confirmed(self) -> bool:
        return bool(self.instrument)


#: the basis of a day the calendar takes from the `holidays` package with no instrument
FROM_PACKAGE = Basis(note="gói holidays")


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One override: `date` is a day off (``day_off``) or a working day (``workday``).

    `basis` is set for the entries of calendar files; entries built from the database's
    overrides carry theirs in the row, not here (None)."""

    date: date
    kind: EntryKind
    name: str
    basis: Basis | None = None


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A named day of a year as the calendar sees it (for listings such as `calendar show`)."""

    date: date
    working: bool
    name: str


def fmt_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def fmt_day(d: date) -> str:
    """``thứ Hai 23/02/2026``."""
    return f"{WEEKDAY_VI[d.weekday()]} {fmt_date(d)}"


@lru_cache(maxsize=256)
def _vn_year(year: int) -> tuple[dict[int, str], frozenset[int]]:
    """Holidays (ordinal -> Vietnamese name) and compensatory working weekend days of one year."""
    import holidays

    vn = holidays.country_holidays("VN", language="vi", years=[year])
    days = {d.toordinal(): str(name) for d, name in vn.items() if d.year == year}
    workdays = frozenset(d.toordinal() for d in vn.weekend_workdays if d.year == year)
    return days, workdays


class _Index:
    """Sorted ordinals of the working days from 1 January of `first_year` on, grown on demand.

    Only ever extended forward, so an index position (the number of working days before a date)
    stays valid for the life of the object; an earlier start year means a new `_Index`.
    """

    __slots__ = ("cal", "first_year", "last_year", "ords", "pos", "lock")

    def __init__(self, cal: WorkCalendar, first_year: int, last_year: int) -> None:
        self.cal = cal
        self.first_year = first_year
        self.last_year = first_year - 1
        self.ords: list[int] = []
        self.pos: dict[int, int] = {}
        self.lock = threading.Lock()
        self.extend_to(last_year)

    def extend_to(self, year: int) -> None:
        if year <= self.last_year:
            return
        with self.lock:
            for y in range(self.last_year + 1, year + 1):
                for o in self.cal._working_ordinals(y):
                    self.pos[o] = len(self.ords)
                    self.ords.append(o)
                self.last_year = y

    def next_index(self, o: int) -> int:
        """Position of the first working day whose ordinal is >= `o`."""
        while True:
            i = bisect_left(self.ords, o)
            if i < len(self.ords):
                return i
            self.extend_to(max(self.last_year + 1, date.fromordinal(o).year))

    def ordinal(self, i: int) -> int:
        """Ordinal of the working day at position `i`."""
        while i >= len(self.ords):
            self.extend_to(self.last_year + 1)
        return self.ords[i]


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """A working calendar. Build with `WorkCalendar(...)`, `from_toml`, `from_mapping`,
    `default_calendar()`, and derive unit calendars with `with_entries` / `with_day_off` /
    `with_workday`."""

    name: str = "Lịch làm việc"
    base: Base = "vn"
    weekdays: frozenset[int] = frozenset(range(5))  # 0 = Monday
    office_hours: tuple[tuple[int, int], ...] = DEFAULT_OFFICE_HOURS  # minutes after midnight
    cutoff: time = DEFAULT_CUTOFF
    timezone: str = DEFAULT_TIMEZONE
    entries: tuple[CalendarEntry, ...] = ()
    _overrides: dict[int, CalendarEntry] = field(init=False, repr=False)
    _tz: ZoneInfo = field(init=False, repr=False)
    _day_seconds: int = field(init=False, repr=False)
    _windows: tuple[tuple[int, int, int], ...] = field(init=False, repr=False)
    _state: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.weekdays and not any(e.kind == "workday" for e in self.entries):
            raise ValueError("lịch không có ngày làm việc nào")
        if not self.office_hours:
            raise ValueError("lịch không có giờ làm việc")
        prev_end = -1
        windows = []
        cum = 0
        for start, end in self.office_hours:
            if not (0 <= start < end <= 24 * 60) or start < prev_end:
                raise ValueError("giờ làm việc phải tăng dần, không chồng lấn, trong một ngày")
            # (window start, window end, working seconds before this window) in seconds
            windows.append((start * 60, end * 60, cum))
            cum += (end - start) * 60
            prev_end = end
        set_ = object.__setattr__
        set_(self, "_overrides", {e.date.toordinal(): e for e in self.entries})
        set_(self, "_tz", ZoneInfo(self.timezone))
        set_(self, "_day_seconds", cum)
        set_(self, "_windows", tuple(windows))
        set_(self, "_state", {})

    def kept(self, name: str, make: Callable[[], T]) -> T:
        """What `make()` gives, made once and kept with this calendar (a change to a calendar
        makes a new one, so nothing kept goes stale): e.g. the dossiers' dues
        (`clockwork.legal_due`)."""
        found = self._state.get(name)
        if found is None:
            found = self._state.setdefault(name, make())
        return cast(T, found)

    # ---- building -----------------------------------------------------------------------

    @classmethod
    def from_toml(cls, path: str | Path) -> WorkCalendar:
        """One calendar file (see `docs/legal-clock.md` for the format)."""
        path = Path(path)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise CalendarFileError(
                file=str(path), key="", problem=f"không đọc được: {exc}"
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise CalendarFileError(
                file=str(path), key="", problem=f"không đúng cú pháp TOML: {exc}"
            ) from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<lịch>") -> WorkCalendar:
        """A calendar from parsed TOML data; errors name `source` and the key."""
        from casework.clock.calendar_file import parse

        return cls(**parse(data, source))

    def with_entries(
        self, entries: Iterable[CalendarEntry], *, name: str | None = None
    ) -> WorkCalendar:
        """A new calendar: this one plus `entries`, applied after the existing ones (they win)."""
        return WorkCalendar(
            name=name or self.name,
            base=self.base,
            weekdays=self.weekdays,
            office_hours=self.office_hours,
            cutoff=self.cutoff,
            timezone=self.timezone,
            entries=self.entries + tuple(entries),
        )

    def with_day_off(self, d: date, name: str) -> WorkCalendar:
        return self.with_entries([CalendarEntry(d, "day_off", name)])

    def with_workday(self, d: date, name: str) -> WorkCalendar:
        return self.with_entries([CalendarEntry(d, "workday", name)])

    # ---- day questions --------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    @property
    def day_minutes(self) -> int:
        """Working minutes in one working day (480 with the default office hours)."""
        return self._day_seconds // 60

    @property
    def opening(self) -> time:
        s = self._windows[0][0]
        return time(s // 3600, s // 60 % 60)

    @property
    def closing(self) -> time:
        s = self._windows[-1][1]
        return time(23, 59, 59) if s >= 86400 else time(s // 3600, s // 60 % 60)

    def day_status(self, d: date) -> tuple[bool, str | None]:
        """(is a working day, name of the day off / working weekend day or None)."""
        entry = self._overrides.get(d.toordinal())
        if entry is not None:
            return entry.kind == "workday", entry.name
        package = self.package_status(d)
        if package is not None:
            return package
        return d.weekday() in self.weekdays, None

    def entry_on(self, d: date) -> CalendarEntry | None:
        """The entry that decides `d`, if one does (the last one listed for that date)."""
        return self._overrides.get(d.toordinal())

    def package_status(self, d: date) -> tuple[bool, str] | None:
        """What the ``holidays`` package alone says of `d` (base ``"vn"``): (working, name) for
        one of its holidays or compensatory working weekend days, else None."""
        if self.base != "vn":
            return None
        hol, weekend_work = _vn_year(d.year)
        o = d.toordinal()
        if o in weekend_work:
            return True, f"Ngày làm bù ({WEEKDAY_VI[d.weekday()]})"
        if o in hol:
            return False, hol[o]
        return None

    def basis_of(self, d: date) -> Basis | None:
        """The basis of a named day as this calendar knows it: its entry's (None for an entry
        from the database), `FROM_PACKAGE` for a day only the package gives, None for a plain
        day."""
        entry = self.entry_on(d)
        if entry is not None:
            return entry.basis
        return FROM_PACKAGE if self.package_status(d) is not None else None

    def is_working_day(self, d: date) -> bool:
        return self._index(d.year).pos.get(d.toordinal()) is not None

    def in_office_hours(self, at: datetime) -> bool:
        """`at` (local time) falls on a working day, inside an office window (ends included:
        17:00 is the close of the day, a valid appointment)."""
        local = at.astimezone(self.tz)
        if not self.is_working_day(local.date()):
            return False
        s = local.hour * 3600 + local.minute * 60 + local.second
        return any(ws <= s <= we for ws, we, _ in self._windows)

    def office_hours_text(self) -> str:
        """'08:00–12:00, 13:00–17:00'."""
        return ", ".join(
            f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}" for a, b in self.office_hours
        )

    def next_working_day(self, d: date, *, strictly_after: bool = False) -> date:
        """`d` itself if it is a working day (unless `strictly_after`), else the next one."""
        o = d.toordinal() + (1 if strictly_after else 0)
        ix = self._index(d.year)
        return date.fromordinal(ix.ordinal(ix.next_index(o)))

    def add_working_days(self, d: date, n: int) -> date:
        """The `n`th working day after `d` (n >= 0; n = 0 gives `d` if working, else the next)."""
        ix = self._index(d.year)
        o = d.toordinal()
        i = ix.pos.get(o)
        if i is None:
            i = ix.next_index(o) - 1 if n else ix.next_index(o)
        return date.fromordinal(ix.ordinal(i + n))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the half-open range [start, end)."""
        if end <= start:
            return 0
        ix = self._index(start.year)
        return ix.next_index(end.toordinal()) - ix.next_index(start.toordinal())

    def special_days(self, year: int) -> list[SpecialDay]:
        """Named days off and working weekend days of `year`, by date."""
        out = []
        d = date(year, 1, 1)
        while d.year == year:
            working, name = self.day_status(d)
            if name is not None:
                out.append(SpecialDay(d, working, name))
            d += timedelta(days=1)
        return out

    def skip_reason(self, d: date) -> str:
        """Why a non-working day is not counted, in Vietnamese (the holiday's name)."""
        working, name = self.day_status(d)
        if working:
            return ""
        return name if name is not None else WEEKEND_NAME

    # ---- index ----------------------------------------------------------------------------

    def _working_ordinals(self, year: int) -> list[int]:
        out = []
        o = date(year, 1, 1).toordinal()
        end = date(year + 1, 1, 1).toordinal()
        weekdays = self.weekdays
        overrides = self._overrides
        hol: Mapping[int, str]
        weekend_work: frozenset[int]
        if self.base == "vn":
            hol, weekend_work = _vn_year(year)
        else:
            hol, weekend_work = {}, frozenset()
        while o < end:
            entry = overrides.get(o)
            if entry is not None:
                working = entry.kind == "workday"
            elif o in weekend_work:
                working = True
            elif o in hol:
                working = False
            else:
                working = (o - 1) % 7 in weekdays  # date.fromordinal(1) is a Monday
            if working:
                out.append(o)
            o += 1
        return out

    def _index(self, year: int) -> _Index:
        """The working-day index covering `year` (and a few years after it)."""
        ix = self._state.get("ix")
        if ix is None or year < ix.first_year:
            first = year - 1 if ix is None else min(year - 1, ix.first_year - 5)
            last = max(year + 2, ix.last_year if ix is not None else year + 2)
            ix = _Index(self, first, last)
            self._state["ix"] = ix
        elif year + 1 > ix.last_year:
            ix.extend_to(year + 1)
        return ix


# ---- the project's calendars -----------------------------------------------------------------


def calendar_files(workflows_dir: Path | None = None) -> list[Path]:
    """The shipped yearly schedules: `workflows/calendars/*.toml`, by file name."""
    if workflows_dir is None:
        from casework.settings import get_settings

        workflows_dir = get_settings().workflows_dir
    return sorted((Path(workflows_dir) / "calendars").glob("*.toml"))


def merge_calendars(calendars: Sequence[WorkCalendar], *, name: str) -> WorkCalendar:
    """One calendar with the entries of all `calendars`, which must agree on everything else."""
    if not calendars:
        return WorkCalendar(name=name)
    first = calendars[0]
    for cal in calendars[1:]:
        for attr in ("base", "weekdays", "office_hours", "cutoff", "timezone"):
            if getattr(cal, attr) != getattr(first, attr):
                raise CalendarFileError(
                    file=cal.name,
                    key=attr,
                    problem=f"khác với lịch {first.name!r}; các tệp lịch mặc định phải thống nhất",
                )
    entries = tuple(e for cal in calendars for e in cal.entries)
    return first.with_entries(entries[len(first.entries) :], name=name)


@lru_cache(maxsize=8)
def _default_calendar(workflows_dir: Path | None) -> WorkCalendar:
    cals = [WorkCalendar.from_toml(p) for p in calendar_files(workflows_dir)]
    return merge_calendars(cals, name="Lịch làm việc mặc định (ngày lễ + lịch nghỉ của Chính phủ)")


def default_calendar(workflows_dir: Path | None = None) -> WorkCalendar:
    """The project calendar: VN public holidays + every schedule in `workflows/calendars/`.

    Cached per directory; the same object is returned each time (its day index is shared)."""
    return _default_calendar(Path(workflows_dir) if workflows_dir is not None else None)
