"""The Jinja2 environment (with block rendering for htmx fragments) and display filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.responses import Response
from jinja2_fragments.fastapi import Jinja2Blocks
from markdown_it import MarkdownIt
from markupsafe import Markup

from casework.accounts.models import ROLE_LABELS, User

STATUS_LABELS = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
LEVEL_LABELS = {"commune": "Cấp xã", "province": "Cấp tỉnh (Sở KH&CN)", "ministry": "Cấp Bộ"}
UNIT_LABELS = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ làm việc"}
SLIP_LABELS = {
    "receipt": "Mẫu 01 — Giấy tiếp nhận và hẹn trả kết quả",
    "supplement_request": "Mẫu 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "refusal": "Mẫu 03 — Phiếu từ chối tiếp nhận",
    "apology_extension": "Mẫu 04 — Văn bản xin lỗi và đề nghị gia hạn",
    "stop_notice": "Mẫu 05 — Thông báo dừng giải quyết hồ sơ",
    "result": "văn bản kết quả",
    "inspection_decision": "quyết định kiểm tra",
    "inspection_record": "biên bản kiểm tra",
    "inspection_report": "báo cáo kết quả kiểm tra",
}


def make_templates(directory: Path, timezone: str) -> Jinja2Blocks:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        autoescape=jinja2.select_autoescape(),
        undefined=jinja2.StrictUndefined,
    )
    tz = ZoneInfo(timezone)

    def local_dt(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%H:%M %d/%m/%Y") if value else ""

    def number(value: float) -> str:
        return f"{value:g}".replace(".", ",")

    md = MarkdownIt("commonmark", {"html": False, "linkify": False})

    def markdown(text: str | None) -> Markup:
        # html disabled: raw HTML in a procedure file is shown as text, never injected
        return Markup(md.render(text or ""))  # noqa: S704

    def vnd(amount: int | None) -> str:
        return f"{amount:,}".replace(",", ".") + " đồng" if amount is not None else ""

    def event_label(ev: Any) -> str:
        from casework.dossiers.views import event_label as label

        return label(ev)

    env.filters.update(
        local_dt=local_dt, number=number, markdown=markdown, vnd=vnd, event_label=event_label
    )
    env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        LEVEL_LABELS=LEVEL_LABELS,
        UNIT_LABELS=UNIT_LABELS,
        SLIP_LABELS=SLIP_LABELS,
        ROLE_LABELS=ROLE_LABELS,
    )
    return Jinja2Blocks(env=env)


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    user: User | None = None,
    status_code: int = 200,
    block_names: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a page (or, for htmx, some of its blocks) with what every page needs."""
    from casework.web.auth import csrf_token

    ctx = {"user": user, "csrf_token": csrf_token(request), "request": request, **context}
    templates: Jinja2Blocks = request.app.state.templates
    if block_names:
        return templates.TemplateResponse(
            request, name, ctx, status_code=status_code, block_names=block_names, headers=headers
        )
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)


def is_htmx(request: Request) -> bool:
    return (
        request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
    )
