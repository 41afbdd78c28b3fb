"""The Jinja2 environment (with block rendering for htmx fragments) and display filters."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
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
from casework.caching.kept import Kept
from casework.inputs import LIMITS
from casework.numbers import fmt_money, fmt_number, fmt_size
from casework.web import i18n
from casework.web.i18n import N_

#: guidance texts whose Markdown rendering is kept per process
MARKDOWN_KEPT = 1024

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
# LEVEL_LABELS and UNIT_LABELS are interface words (templates show them through `_()`); the
# national statuses and the official forms' names (SLIP_LABELS) are legal text and stay Vietnamese.
LEVEL_LABELS = {
    "commune": N_("Cấp xã"),
    "province": N_("Cấp tỉnh (Sở KH&CN)"),
    "ministry": N_("Cấp Bộ"),
}
UNIT_LABELS = {
    "working_days": N_("ngày làm việc"),
    "days": N_("ngày"),
    "hours": N_("giờ làm việc"),
}
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


#: instants whose local time text is kept (`local_dt`)
LOCAL_DT_KEPT = 8192
#: language links kept (by path and query, `lang_switch`)
LANG_LINKS_KEPT = 4096

#: Sets of menu links kept (a set per combination of roles and language).
NAV_KEPT = 256


def make_templates(directory: Path, timezone: str, *, reload: bool = True) -> Jinja2Blocks:
    """The templates; `reload`: a changed template file is read again (development). Off, Jinja
    no longer looks at every template file's time on every render (~0.2 ms a dossier page,
    py-spy, issue 19)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        auto_reload=reload,
        autoescape=jinja2.select_autoescape(),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # Callables reading the request's language (a ContextVar), installed once on the shared env.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext,
        i18n.ngettext,
        newstyle=True,
        pgettext=i18n.pgettext,
        npgettext=i18n.npgettext,
    )
    # `_`, `gettext` and `ngettext` read only the evaluation context (autoescape): Jinja's own
    # take the whole context, which it copies for every call made inside a loop
    env.globals.update(_=_newstyle_gettext, gettext=_newstyle_gettext, ngettext=_newstyle_ngettext)
    tz = ZoneInfo(timezone)

    @lru_cache(maxsize=LOCAL_DT_KEPT)
    def local_dt_of(value: datetime) -> str:
        return value.astimezone(tz).strftime("%H:%M %d/%m/%Y")

    def local_dt(value: datetime | None) -> str:
        """An instant as local time; each instant's text kept per process (the same instants
        come back on every view of a dossier: ~0.1 ms a dossier page, py-spy, issue 19)."""
        return local_dt_of(value) if value else ""

    def number(value: float, decimals: int = 2) -> str:
        return fmt_number(value, decimals)

    md = MarkdownIt("commonmark", {"html": False, "linkify": False})

    @lru_cache(maxsize=MARKDOWN_KEPT)
    def markdown(text: str | None) -> Markup:
        # html disabled: raw HTML in a procedure file is shown as text, never injected; the
        # texts are the procedures' guidance, so each is rendered once per process
        return Markup(md.render(text or ""))  # noqa: S704

    def vnd(amount: float | None) -> str:
        return fmt_money(amount) if amount is not None else ""

    def event_label(ev: Any) -> str:
        from casework.dossiers.views import event_label as label

        return label(ev)

    env.filters.update(
        local_dt=local_dt, number=number, markdown=markdown, vnd=vnd, event_label=event_label,
        filesize=fmt_size,
    )  # fmt: skip
    # `{{ LEVEL_LABELS[x]|t }}`: translate a string marked with N_() in Python. Unlike `_()`, the
    # result is plain text, so autoescape still applies (e.g. "KH&CN").
    env.filters["t"] = i18n.gettext

    @lru_cache(maxsize=NAV_KEPT)
    def _nav(roles: tuple[str, ...], signed_in: bool, lang: str) -> Markup:
        html = env.get_template("_nav_links.html").render(roles=roles, signed_in=signed_in)
        return Markup(html)  # noqa: S704 - autoescaped by the template

    def nav_links(user: Any) -> Markup:
        """The main menu's links for `user` (None: signed out), drawn once per process for each
        set of roles and language: a page no longer tests some thirty roles and translates
        eighteen labels on each view (issue 19)."""
        roles = tuple(sorted(user.roles)) if user is not None else ()
        return _nav(roles, user is not None, i18n.current_lang.get())

    env.globals.update(
        nav_links=nav_links,
        practice_scenario=practice_scenario,
        STATUS_LABELS=STATUS_LABELS,
        LEVEL_LABELS=LEVEL_LABELS,
        UNIT_LABELS=UNIT_LABELS,
        SLIP_LABELS=SLIP_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        LIMITS=LIMITS,
        current_lang=i18n.current_lang.get,
        lang_switch=lang_switch,
    )
    return Jinja2Blocks(env=env)


@jinja2.pass_eval_context
def _newstyle_gettext(eval_ctx: jinja2.nodes.EvalContext, message: str, /, **variables: Any) -> str:
    """`_()` in templates: Jinja's new-style gettext (translate, mark safe when autoescaping,
    then `% variables`), minus the `%` formatting when there is nothing to format. That step
    escaped and copied every string and was a fifth of a long dossier page's rendering time.
    It takes the evaluation context, not the template's: a context-taking call inside a loop
    makes Jinja copy the whole context for each call."""
    text = i18n.gettext(message)
    rv: str = Markup(text) if eval_ctx.autoescape else text
    if variables or "%" in rv:
        rv = rv % variables
    return rv


@jinja2.pass_eval_context
def _newstyle_ngettext(
    eval_ctx: jinja2.nodes.EvalContext, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    """`ngettext()` in templates: Jinja's new-style ngettext (`num` is always a variable), taking
    the evaluation context only (see `_newstyle_gettext`)."""
    variables.setdefault("num", num)
    text = i18n.ngettext(singular, plural, num)
    rv: str = Markup(text) if eval_ctx.autoescape else text
    return rv % variables


def lang_switch(request: Request) -> tuple[str, str, str]:
    """(language, its name, URL) for the header's language link: the other language of the two.

    The URL is this page with `?lang=` for GET requests; after a POST it is the home page."""
    other = "en" if i18n.current_lang.get() == "vi" else "vi"
    target = _lang_link(request, other) if request.method == "GET" else f"/?lang={other}"
    return other, i18n.LANG_NAMES[other], target


_LANG_LINKS = Kept(LANG_LINKS_KEPT)


def _lang_link(request: Request, other: str) -> str:
    """This GET page's URL with `?lang=other`, kept per process by what it is made of (the
    scope's root path, path and query string): building the request's URL and parsing its query
    at each view was ~0.08 ms a dossier page (py-spy, issue 19)."""
    scope = request.scope
    key = (other, scope.get("root_path", ""), scope["path"], scope.get("query_string", b""))

    def make() -> str:
        url = request.url.include_query_params(lang=other)
        return url.path + ("?" + url.query if url.query else "")

    target: str = _LANG_LINKS.get_or_make(key, make)
    return target


def practice_scenario(request: Request, dossier: Any) -> Any:
    """The scenario a practice dossier plays (for its briefing), or None."""
    scenario_id = (dossier.data or {}).get("_scenario") if dossier.mode == "practice" else None
    registry = getattr(request.app.state, "scenarios", None)
    if not scenario_id or registry is None:
        return None
    return next((s for s in registry.all() if s.id == scenario_id), None)


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

    token = csrf_token(request, create=not is_htmx(request))
    ctx = {"user": user, "csrf_token": token, "request": request, **context}
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
