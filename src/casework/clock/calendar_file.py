"""Calendar files (TOML): parsing and checking, each error naming the file and the key.

Every `[[day_off]]` and `[[workday]]` says where it comes from (docs/legal-clock.md §1):

- its instrument: `instrument` (number and date of the decision, official letter, resolution…),
  `article` if any, a public `url` or the text's `title`, and `checked`, the day someone read
  it; or
- ``unconfirmed = "holidays"``: the day is the ``holidays`` package's and no instrument was
  found yet. The package must list that day with that kind; the admin page shows it as "chưa
  xác nhận" until the ministry confirms or removes it.

A day with neither is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from casework.clock.calendar import (
    DEFAULT_TIMEZONE,
    FROM_PACKAGE,
    WEEKDAY_KEYS,
    Basis,
    CalendarEntry,
    CalendarFileError,
    EntryKind,
    _vn_year,
    fmt_date,
)

TOP_KEYS = {"name", "base", "weekdays", "office_hours", "cutoff", "timezone", "day_off", "workday"}
ENTRY_KEYS = ("date", "name", "instrument", "article", "url", "title", "checked", "note")
PACKAGE = "holidays"
#: an instrument names its date: "… ngày 02/10/2026"
INSTRUMENT_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")
MISSING_BASIS = (
    'thiếu căn cứ: ghi instrument (số và ngày văn bản, ví dụ "Công văn 10065/VPCP-KGVX ngày '
    '02/10/2026"), url hoặc title, checked; hoặc unconfirmed = "holidays" nếu ngày lấy từ gói '
    "holidays và chưa xác nhận được văn bản"
)

Fail = Callable[[str, str], CalendarFileError]


def parse(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The `WorkCalendar` arguments of parsed TOML data."""

    def fail(key: str, problem: str) -> CalendarFileError:
        return CalendarFileError(file=source, key=key, problem=problem)

    for key in data:
        if key not in TOP_KEYS:
            raise fail(key, f"khóa không hợp lệ (được phép: {', '.join(sorted(TOP_KEYS))})")
    out: dict[str, Any] = {}
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str) or not name.strip():
        raise fail("name", "phải là một chuỗi khác rỗng")
    out["name"] = name
    base = data.get("base", "vn")
    if base not in ("vn", "none"):
        raise fail("base", f'phải là "vn" hoặc "none", không phải {base!r}')
    out["base"] = base
    weekdays = data.get("weekdays", list(WEEKDAY_KEYS[:5]))
    if not isinstance(weekdays, list) or not all(w in WEEKDAY_KEYS for w in weekdays):
        raise fail("weekdays", f"phải là danh sách trong {list(WEEKDAY_KEYS)}")
    out["weekdays"] = frozenset(WEEKDAY_KEYS.index(w) for w in weekdays)
    out["office_hours"] = _office_hours(data.get("office_hours"), fail)
    cutoff = data.get("cutoff", "15:00")
    out["cutoff"] = parse_hhmm(cutoff, lambda p: fail("cutoff", p), seconds=True)
    tz = data.get("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(tz)
    except Exception as exc:
        raise fail("timezone", f"múi giờ không hợp lệ: {tz!r}") from exc
    out["timezone"] = tz
    entries: list[CalendarEntry] = []
    for kind in ("day_off", "workday"):
        items = data.get(kind, [])
        if not isinstance(items, list):
            raise fail(kind, f"phải là một mảng bảng [[{kind}]]")
        for i, item in enumerate(items):
            entries.append(_entry(item, kind, f"{kind}[{i}]", base, fail))
    seen: dict[date, str] = {}
    for e in entries:
        if e.date in seen and seen[e.date] != e.kind:
            raise fail(e.kind, f"ngày {fmt_date(e.date)} vừa là ngày nghỉ vừa là ngày làm việc")
        seen[e.date] = e.kind
    entries.sort(key=lambda e: e.date)
    out["entries"] = tuple(entries)
    if not out["weekdays"] and not any(e.kind == "workday" for e in entries):
        raise fail("weekdays", "lịch không có ngày làm việc nào")
    return out


def _office_hours(hours: object, fail: Fail) -> tuple[tuple[int, int], ...]:
    if hours is None:
        hours = ["08:00-12:00", "13:00-17:00"]
    if not isinstance(hours, list) or not hours:
        raise fail("office_hours", 'phải là danh sách dạng ["08:00-12:00", "13:00-17:00"]')
    windows = []
    for i, span in enumerate(hours):
        key = f"office_hours[{i}]"
        if not isinstance(span, str) or span.count("-") != 1:
            raise fail(key, f'phải có dạng "HH:MM-HH:MM", không phải {span!r}')

        def fail_here(problem: str, k: str = key) -> CalendarFileError:
            return fail(k, problem)

        a, b = (parse_hhmm(part, fail_here) for part in span.split("-"))
        windows.append((a.hour * 60 + a.minute, b.hour * 60 + b.minute))
    prev = -1
    for i, (a_min, b_min) in enumerate(windows):
        if a_min >= b_min or a_min < prev:
            raise fail(f"office_hours[{i}]", "các khung giờ phải tăng dần và không chồng lấn")
        prev = b_min
    return tuple(windows)


def _entry(item: object, kind: str, key: str, base: str, fail: Fail) -> CalendarEntry:
    if not isinstance(item, dict):
        raise fail(key, "phải là một bảng có date, name và căn cứ (instrument…)")
    for k in item:
        if k not in ENTRY_KEYS and k != "unconfirmed":
            allowed = ", ".join((*ENTRY_KEYS, "unconfirmed"))
            raise fail(f"{key}.{k}", f"khóa không hợp lệ (được phép: {allowed})")
    d = item.get("date")
    if isinstance(d, datetime) or not isinstance(d, date):
        raise fail(f"{key}.date", f"phải là một ngày TOML (vd 2026-01-02), không phải {d!r}")
    nm = item.get("name")
    if not isinstance(nm, str) or not nm.strip():
        raise fail(f"{key}.name", "thiếu tên ngày (chuỗi khác rỗng)")
    entry_kind: EntryKind = "day_off" if kind == "day_off" else "workday"
    if "unconfirmed" in item:
        basis = _unconfirmed(item, d, entry_kind, key, base, fail)
    else:
        basis = _basis(item, key, fail)
    return CalendarEntry(d, entry_kind, nm.strip(), basis)


def _text(item: Mapping[str, Any], k: str, key: str, fail: Fail, *, limit: int = 500) -> str:
    value = item.get(k, "")
    if not isinstance(value, str):
        raise fail(f"{key}.{k}", f"phải là một chuỗi, không phải {value!r}")
    value = value.strip()
    if len(value) > limit:
        raise fail(f"{key}.{k}", f"dài quá {limit} ký tự")
    return value


def _basis(item: Mapping[str, Any], key: str, fail: Fail) -> Basis:
    instrument = _text(item, "instrument", key, fail, limit=255)
    if not instrument:
        raise fail(f"{key}.instrument", MISSING_BASIS)
    if not INSTRUMENT_DATE.search(instrument):
        raise fail(
            f"{key}.instrument",
            f'ghi cả ngày của văn bản (dd/mm/yyyy), ví dụ "… ngày 02/10/2026": {instrument!r}',
        )
    url = _text(item, "url", key, fail)
    title = _text(item, "title", key, fail)
    if url and not url.startswith(("https://", "http://")):
        raise fail(f"{key}.url", f"phải là địa chỉ http(s) công khai, không phải {url!r}")
    if not url and not title:
        raise fail(f"{key}.url", "ghi url (địa chỉ công khai) hoặc title (tên văn bản)")
    checked = item.get("checked")
    if isinstance(checked, datetime) or not isinstance(checked, date):
        raise fail(
            f"{key}.checked",
            f"ngày kiểm tra căn cứ, một ngày TOML (vd 2026-12-05), không phải {checked!r}",
        )
    return Basis(
        instrument=instrument,
        article=_text(item, "article", key, fail, limit=128),
        url=url,
        title=title,
        checked=checked,
        note=_text(item, "note", key, fail),
    )


def _unconfirmed(
    item: Mapping[str, Any], d: date, kind: str, key: str, base: str, fail: Fail
) -> Basis:
    if item["unconfirmed"] != PACKAGE:
        got = item["unconfirmed"]
        raise fail(f"{key}.unconfirmed", f'chỉ nhận "{PACKAGE}", không phải {got!r}')
    for k in ("instrument", "article", "url", "title"):
        if k in item:
            raise fail(f"{key}.{k}", 'ngày đã có căn cứ thì bỏ dòng unconfirmed = "holidays"')
    if base != "vn":
        raise fail(f"{key}.unconfirmed", 'chỉ dùng được khi base = "vn" (gói holidays)')
    holidays, weekend_work = _vn_year(d.year)
    listed = d.toordinal() in (weekend_work if kind == "workday" else holidays)
    if not listed:
        what = "ngày làm bù" if kind == "workday" else "ngày nghỉ"
        raise fail(f"{key}.unconfirmed", f"gói holidays không có {fmt_date(d)} là {what}")
    checked = item.get("checked")
    if checked is not None and (isinstance(checked, datetime) or not isinstance(checked, date)):
        raise fail(f"{key}.checked", f"phải là một ngày TOML (vd 2026-12-05): {checked!r}")
    return Basis(note=_text(item, "note", key, fail) or FROM_PACKAGE.note, checked=checked)


def parse_hhmm(
    value: object, fail: Callable[[str], CalendarFileError], *, seconds: bool = False
) -> time:
    if not isinstance(value, str):
        raise fail(f"phải là chuỗi giờ dạng HH:MM, không phải {value!r}")
    parts = value.strip().split(":")
    ok = len(parts) == 2 or (seconds and len(parts) == 3)
    try:
        if ok and all(p.isdigit() for p in parts):
            nums = [int(p) for p in parts] + [0]
            return time(nums[0], nums[1], nums[2])
    except ValueError:
        pass
    raise fail(f"giờ không hợp lệ {value!r} (dạng HH:MM)")
