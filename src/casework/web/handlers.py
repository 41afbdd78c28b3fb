"""The one place where domain errors become HTTP responses.

API paths get JSON `{"error": {"code", "message", "details"}}` with a Vietnamese message; pages get
an HTML error page. Refused accesses are logged (who, what, why) without the data.

Every request gets an id (`X-Request-ID` on the response). A server error (5xx) shows it to the
person — on the page, and as `details.request_id` in the API's JSON — and its one log line carries
it, so what someone reports can be found in the log.
"""

from __future__ import annotations

import errno
import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casework.errors import CaseworkError, NotAuthenticated, NotFound, PermissionDenied
from casework.web.auth import LoginRequired, login_url

log = logging.getLogger("casework.access")

HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ: không đọc được nội dung gửi lên (biểu mẫu hoặc JSON hỏng, "
    "sai bảng mã UTF-8, lồng quá sâu hoặc quá lớn). Chưa lưu gì.",
    401: "Cần đăng nhập hoặc mã truy cập (token).",
    403: "Bạn không có quyền thực hiện việc này.",
    404: "Không tìm thấy trang hoặc dữ liệu yêu cầu.",
    405: "Phương thức không được hỗ trợ cho địa chỉ này.",
    409: "Dữ liệu vừa bị thay đổi, hãy tải lại.",
    422: "Dữ liệu gửi lên chưa đúng.",
    500: "Lỗi hệ thống. Dữ liệu chưa bị thay đổi; hãy thử lại hoặc báo quản trị.",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def request_id(request: Request) -> str:
    """The id `CrashGuard` gave this request ("-" outside it)."""
    return str(request.scope.get("state", {}).get("request_id", "-"))


def _respond(
    request: Request, status: int, code: str, message: str, details: Any = None
) -> Response:
    rid = request_id(request) if status >= 500 else None
    if _wants_json(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if rid:
            details = {**(details or {}), "request_id": rid}
        return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)
    html = (
        "<!doctype html><html lang=vi><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>Lỗi {status}</title><main role=alert><h1>Lỗi {status}</h1><p>{_esc(message)}</p>"
        f"{BACK_HINT if status >= 500 and request.method not in ('GET', 'HEAD') else ''}"
        f"{REQUEST_ID_HINT.format(rid=_esc(rid)) if rid else ''}"
        "<p><a href='/'>Về trang chủ</a></p></main></html>"
    )
    return HTMLResponse(html, status_code=status)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = login_url(exc.next_url)
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(CaseworkError)
    async def _domain(request: Request, exc: CaseworkError) -> Response:
        if isinstance(exc, PermissionDenied | NotFound | NotAuthenticated):
            log.warning(
                "access_refused status=%s path=%s user=%s reason=%s",
                exc.status,
                request.url.path,
                getattr(request.state, "username", None),
                exc.code,
            )
        return _respond(request, exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if any(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
            # an id in the address that cannot exist (a word, negative, past 2³¹−1): not found,
            # as an id that does not exist (casework.ids.IdPath)
            return _respond(request, 404, NotFound.code, HTTP_MESSAGES[404])
        fields: dict[str, str] = {}
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
            fields[".".join(loc) or "body"] = _vi_validation(err)
        return _respond(request, 422, "validation_failed", HTTP_MESSAGES[422], {"fields": fields})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return _respond(request, exc.status_code, f"http_{exc.status_code}", message)

    @app.exception_handler(OSError)
    async def _storage(request: Request, exc: OSError) -> Response:
        """The server's disk is full (e.g. while a large upload is spooled): say so, not 500."""
        if exc.errno not in STORAGE_FULL:
            return await _crash(request, exc)
        logging.getLogger("casework").error(
            "storage_full path=%s request_id=%s error=%s",
            request.url.path,
            request_id(request),
            exc,
        )
        return _respond(request, 507, "storage_full", STORAGE_FULL_MESSAGE)

    @app.exception_handler(DataError)
    async def _bad_data(request: Request, exc: DataError) -> Response:
        """A value the database cannot hold (e.g. a NUL character on PostgreSQL): the sender's
        input, not a crash; the transaction is rolled back, nothing is kept."""
        log.warning("bad_data path=%s error=%s", request.url.path, str(exc.orig)[:200])
        return _respond(request, 422, "bad_data", BAD_DATA_MESSAGE)

    async def _database_trouble(request: Request, exc: Exception) -> Response:
        """The database went away, is restarting, is locked past the busy timeout, or every pooled
        connection is taken (503); or two transactions deadlocked (409). Either way the
        transaction is gone: nothing was half-written. Anything else (a missing table, bad SQL, a
        full disk) is a bug or an operator's matter: a 500 with its traceback in the log."""
        kind = database_trouble(exc)
        if kind is None:
            return await _crash(request, exc)
        cause = getattr(exc, "orig", None) or exc
        logging.getLogger("casework").error(
            "database_%s path=%s request_id=%s error=%s: %s",
            kind,
            request.url.path,
            request_id(request),
            type(cause).__name__,
            (str(cause).strip().splitlines() or [""])[0][:200],
        )
        if kind == "conflict":
            return _respond(request, 409, "conflict", DATABASE_CONFLICT_MESSAGE)
        response = _respond(request, 503, "database_unavailable", DATABASE_UNAVAILABLE_MESSAGE)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for kind in DATABASE_ERRORS:
        app.add_exception_handler(kind, _database_trouble)

    # inside the security headers' middleware (installed after this), so its 500 gets them too
    app.add_middleware(CrashGuard)


async def _crash(request: Request, exc: Exception) -> Response:
    """A bug: the 500 page with the request id, and the traceback logged once with it."""
    logging.getLogger("casework").error(
        "unhandled_error path=%s request_id=%s", request.url.path, request_id(request), exc_info=exc
    )
    return _respond(request, 500, "internal_error", HTTP_MESSAGES[500])


class CrashGuard:
    """Answers an exception no handler took with the 500 page and keeps the connection.

    Not `@app.exception_handler(Exception)`: Starlette runs that in `ServerErrorMiddleware`, which
    re-raises after answering, so uvicorn logged the traceback a second time ("Exception in ASGI
    application") and closed the keep-alive connection. Here the exception ends. Once a response
    has started nothing else can be sent: that one is re-raised for the server to close.

    It also gives each request its id (`request.state.request_id`, the `X-Request-ID` header)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        rid = secrets.token_hex(6)
        scope.setdefault("state", {})["request_id"] = rid

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-request-id", rid.encode())]}  # fmt: skip
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            response = await _crash(Request(scope), exc)
            await response(scope, receive, watch)


#: The errors a database that went away (or a full pool) raises; `database_trouble` sorts them.
DATABASE_ERRORS = (OperationalError, InterfaceError, PoolTimeout)
#: PostgreSQL error codes of a server that is gone or cannot take the connection: class 08
#: (connection exception), admin/crash shutdown, cannot connect now, too many connections.
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
#: Deadlock, serialization failure: the transaction was rolled back and may simply be retried.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})
#: SQLite's words for a file it cannot use right now.
SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "unable to open database")


def database_trouble(exc: BaseException) -> str | None:
    """'unavailable', 'conflict' or None (not the database's availability: a bug to report)."""
    if isinstance(exc, PoolTimeout):
        return "unavailable"
    if not isinstance(exc, OperationalError | InterfaceError):
        return None
    if exc.connection_invalidated:
        return "unavailable"
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        if sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES:
            return "unavailable"
        return "conflict" if sqlstate in RETRY_SQLSTATES else None
    if type(orig).__module__.startswith("psycopg"):
        return "unavailable"  # no server code: the connection itself failed
    message = str(orig).lower()
    return "unavailable" if any(m in message for m in SQLITE_UNAVAILABLE) else None


REQUEST_ID_HINT = (
    "<p class=hint>Mã yêu cầu: <code>{rid}</code> — hãy ghi lại mã này khi báo quản trị, để tìm "
    "đúng lỗi trong nhật ký máy chủ.</p>"
)
BAD_DATA_MESSAGE = (
    "Dữ liệu gửi lên có ký tự hoặc giá trị không lưu được (ví dụ ký tự NUL). Chưa có gì được lưu; "
    "hãy sửa rồi gửi lại."
)
#: On the error page of a failed form post: the browser still holds what was typed.
BACK_HINT = (
    "<p class=hint>Nếu bạn vừa gửi một biểu mẫu, bấm <b>Quay lại</b> (←) trên trình duyệt: "
    "những gì đã nhập vẫn còn trên biểu mẫu, để gửi lại.</p>"
)
RETRY_AFTER_SECONDS = 30
DATABASE_UNAVAILABLE_MESSAGE = (
    "Tạm thời không làm việc được với cơ sở dữ liệu (mất kết nối, máy chủ cơ sở dữ liệu đang khởi "
    "động lại hoặc đang bận), nên yêu cầu này chưa thực hiện được. Không có gì bị ghi dở: một thao "
    "tác hoặc được lưu trọn vẹn, hoặc chưa được lưu. Hãy thử lại sau ít phút (tải lại hồ sơ để xem "
    "thao tác đã được ghi nhận chưa); nếu lỗi kéo dài, hãy báo quản trị."
)
DATABASE_CONFLICT_MESSAGE = (
    "Yêu cầu này vướng một thao tác khác trên cùng dữ liệu nên cơ sở dữ liệu đã huỷ nó; chưa có gì "
    "được lưu. Hãy tải lại trang rồi làm lại."
)
#: No space left, file too large for the process's limit, disk quota exceeded.
STORAGE_FULL = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
STORAGE_FULL_MESSAGE = (
    "Máy chủ hết chỗ lưu trữ (ổ đĩa đầy), nên chưa nhận được nội dung gửi lên. Chưa có gì được "
    "lưu; hãy báo quản trị rồi gửi lại."
)


def _vi_validation(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "Thiếu trường bắt buộc."
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "Số nằm ngoài khoảng cho phép."
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"Sai kiểu dữ liệu ({err.get('msg', '')})."
    return f"Giá trị không hợp lệ ({err.get('msg', '')})."
