"""The new appointment of an apology and extension (Mẫu 04, DESIGN §5 "Extension").

One rule for the pages and the API (the service calls it before anything is written): the new
appointment comes strictly after the appointment in force (the legal due, or the last
extension's appointment) and after now, in the office hours of a working day of the handling
unit's calendar, so the applicant is told a moment the desk is open.
"""

from __future__ import annotations

from datetime import datetime

from casework.clock import WorkCalendar
from casework.clock.calendar import fmt_day
from casework.dossiers.models import Dossier


def _fmt(at: datetime, cal: WorkCalendar) -> str:
    return f"{at.astimezone(cal.tz):%H:%M %d/%m/%Y}"


def appointment_in_force(dossier: Dossier) -> datetime | None:
    """The later of the legal due and the appointment already given (None before the clock)."""
    known = [d for d in (dossier.due_at, dossier.appointment_at) if d is not None]
    return max(known) if known else None


def refusal(
    dossier: Dossier, new_appointment: datetime, cal: WorkCalendar, *, now: datetime
) -> str | None:
    """Why `new_appointment` cannot be the extension's new appointment, in Vietnamese; or None."""
    current = appointment_in_force(dossier)
    local = new_appointment.astimezone(cal.tz)
    if current is not None and new_appointment <= current:
        return (
            f"Ngày hẹn mới ({_fmt(local, cal)}) phải sau hạn đang áp dụng "
            f"({_fmt(current, cal)}): gia hạn là hẹn muộn hơn, không sớm hơn."
        )
    if new_appointment <= now:
        return (
            f"Ngày hẹn mới ({_fmt(local, cal)}) đã qua; hãy hẹn một thời điểm sau bây giờ "
            f"({_fmt(now, cal)})."
        )
    if not cal.is_working_day(local.date()):
        return (
            f"Ngày hẹn mới ({fmt_day(local.date())}) là ngày nghỉ: "
            f"{cal.skip_reason(local.date())}; "
            "hãy chọn một ngày làm việc."
        )
    if not cal.in_office_hours(local):
        return (
            f"Giờ hẹn mới {local:%H:%M} ngoài giờ làm việc ({cal.office_hours_text()}); "
            "hãy chọn một giờ trong giờ làm việc."
        )
    return None
