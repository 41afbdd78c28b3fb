"""Request and response bodies of the JSON API (documented in the OpenAPI description)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from casework.inputs import LIMITS


class ErrorDetail(BaseModel):
    code: str = Field(examples=["conflict"])
    message: str = Field(description="Thông báo tiếng Việt cho người dùng.")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorOut(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Thiếu hoặc sai mã truy cập."},
    403: {"model": ErrorOut, "description": "Không đủ quyền (vai trò, đơn vị)."},
    404: {"model": ErrorOut, "description": "Không tìm thấy (hoặc không được xem)."},
    409: {
        "model": ErrorOut,
        "description": "Xung đột: hồ sơ đã đổi hoặc thao tác không hợp lệ ở bước này.",
    },
    422: {
        "model": ErrorOut,
        "description": "Dữ liệu gửi lên chưa đúng; details.fields nêu từng trường.",
    },
    503: {
        "model": ErrorOut,
        "description": "Tạm thời không làm việc được với cơ sở dữ liệu (mất kết nối, đang khởi "
        "động lại, đang bận); không có gì bị ghi dở. Thử lại sau số giây ở tiêu đề Retry-After.",
    },
}

#: routes with a JSON body: a body that cannot even be decoded (not UTF-8) is refused before
#: validation, with 400
BODY_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Thân yêu cầu không đọc được (không phải UTF-8)."},
}


class LimitFirstOut(BaseModel):
    """The part of a two-part limit that runs first, from the receipt (docs/legal-clock.md §5b)."""

    value: float
    unit: Literal["working_days", "days", "hours"]
    label: str


class LimitOut(BaseModel):
    """The legal time limit; with `first`, a two-part limit: `first` runs from the receipt, then
    `value` `unit` from the end of it (`label` names that main part)."""

    value: float
    unit: Literal["working_days", "days", "hours"]
    first: LimitFirstOut | None = None
    label: str | None = None


class StateOut(BaseModel):
    id: str
    label: str
    national_status: int
    roles: list[str]
    allot: float | None
    paused: bool
    final: bool


class ActionOut(BaseModel):
    action: str
    label: str
    source: list[str]
    target: str
    roles: list[str]
    requires: list[str]
    slip: str | None


class DocumentOut(BaseModel):
    key: str
    name: str
    required: bool


class ProcedureSummary(BaseModel):
    code: str
    version: int
    name: str
    level: str
    kind: str
    field: str
    limit: LimitOut
    needs_recheck: bool


class ProcedureOut(ProcedureSummary):
    legal_basis: list[str]
    clock_starts: str
    documents: list[DocumentOut]
    states: list[StateOut]
    actions: list[ActionOut]
    source: str | None
    verified_on: date | None


def _text(limit: str, description: str | None = None, **kwargs: Any) -> Any:
    """A text field whose limits are checked by `casework.inputs` (the same rule and message as
    the form's), and only documented here: pydantic's own check would answer differently."""
    extra: dict[str, Any] = {
        "maxLength": LIMITS[limit],
        **({"minLength": 1} if kwargs.pop("required", False) else {}),
    }
    return Field(description=description, json_schema_extra=extra, **kwargs)


# Checked by `dossiers.service.APPLICANT_RULES`, as the form is: no control characters, no bidi
# controls, at most `maxLength` characters after trimming (a comment: a docstring would be the
# schema's description in the OpenAPI document).
class ApplicantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = _text("name", "Tên cá nhân hoặc tổ chức.", required=True)
    kind: Literal["person", "organisation"] = "person"
    id_number: str = _text("id_number", "Số định danh / CCCD / MST.", default="")
    address: str = _text("address", default="")
    phone: str = _text("phone", default="")
    email: str = _text("email", default="")


class OpenDossierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    procedure_code: str = Field(max_length=64, examples=["2.002131"])
    mode: Literal["real", "practice"] = "real"
    channel: Literal["in_person", "online", "post"] = "in_person"
    received_at: datetime | None = Field(
        default=None, description="Mặc định: bây giờ. Không có múi giờ = giờ Việt Nam."
    )
    applicant: ApplicantIn


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any] = Field(default_factory=dict, description="Các trường thao tác yêu cầu.")
    expected_version: int | None = Field(
        default=None,
        description="Phiên bản hồ sơ mà người dùng đang xem; khác phiên bản hiện tại → 409.",
    )


class AllowedActionOut(BaseModel):
    action: str
    label: str
    target: str
    requires: list[str]
    slip: str | None


class ApplicantOut(BaseModel):
    kind: str
    name: str
    id_number: str
    address: str
    phone: str
    email: str


class PauseOut(BaseModel):
    state: str
    started_at: datetime
    ended_at: datetime | None
    reason: str
    legal_basis: str


class StepOut(BaseModel):
    ordinal: int
    state: str
    label: str
    entered_at: datetime
    left_at: datetime | None
    left_action: str | None
    allot: float | None = Field(description="Thời gian của bước, ngày làm việc.")
    due_at: datetime | None
    bucket: str | None = Field(
        description="early | on_time | late (đã xong); overdue | due_soon | on_track."
    )


class ClockOut(BaseModel):
    """The legal clock (DESIGN §5): due, status, pauses, steps, and how the due was reached."""

    started_at: datetime | None = Field(description="Bắt đầu tính hạn (nhận hồ sơ hoặc nộp phí).")
    effective_receipt_day: date | None
    due: datetime | None = Field(
        description="Hạn giải quyết theo luật (đã cộng thời gian tạm dừng)."
    )
    appointment: datetime | None = Field(
        description="Ngày hẹn trả cho người nộp (sau gia hạn nếu có)."
    )
    extended: bool
    status: str | None = Field(
        description="Đã xong: early/on_time/late. Đang giải quyết: overdue/due_soon/on_track."
    )
    status_label: str | None = Field(
        description="Tình trạng so với hạn, để đọc: đã xong 'Trước hạn'/'Đúng hạn'/'Trễ hạn'; "
        "đang giải quyết 'Còn 3 ngày làm việc', 'Quá hạn 2 ngày làm việc', 'Đang tạm dừng' "
        "hoặc 'Chưa tính hạn'."
    )
    waiting_on_applicant: bool
    paused: bool
    paused_working_minutes: int
    supplement_requests: int
    extensions: int
    processing_ended_at: datetime | None
    trace: list[str] = Field(description="Giải thích bằng tiếng Việt hạn được tính thế nào.")
    pauses: list[PauseOut]
    steps: list[StepOut]


class DossierOut(BaseModel):
    code: str
    procedure_code: str
    procedure_version: int
    procedure_name: str
    mode: str
    practice: bool
    state: str
    state_label: str
    national_status: int
    finished: bool
    channel: str
    applicant: ApplicantOut
    receiving_unit: str
    handling_unit: str
    received_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    version: int
    data: dict[str, Any]
    clock: ClockOut
    allowed_actions: list[AllowedActionOut]


class DossierPage(BaseModel):
    items: list[DossierOut]
    total: int
    page: int
    per_page: int
    pages: int


class EventOut(BaseModel):
    seq: int
    at: datetime
    actor: str | None
    kind: str
    action: str | None
    from_state: str | None
    to_state: str | None
    payload: dict[str, Any]
    hash: str
    prev_hash: str


class SnapshotOut(BaseModel):
    code: str
    after_seq: int
    at: datetime
    state: str | None
    state_label: str | None
    national_status: int | None
    finished: bool
    mode: str | None
    channel: str | None
    received_at: str | None
    applicant: dict[str, Any] | None
    procedure: dict[str, Any] | None
    data: dict[str, Any]


class MeOut(BaseModel):
    username: str
    full_name: str
    unit_code: str
    unit_name: str
    roles: list[str]
