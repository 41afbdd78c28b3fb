"""Interface language: Vietnamese (the source language) with an English switch.

Catalogs are read once per process from `locales/<lang>/LC_MESSAGES/messages.po` and compiled in
memory, so no `.mo` file is committed and there is no build step. The msgids are the Vietnamese
strings of the templates, so Vietnamese needs no catalog (`NullTranslations`).

The Jinja environment is shared by every request, so it gets gettext *callables* that look up the
request's language in a ContextVar; `LocaleMiddleware` sets that ContextVar per request. Never call
`install_gettext_translations` per request: that would race between concurrent requests.

Language choice: Vietnamese for everyone unless English was chosen explicitly: `?lang=vi|en`
(also stored in the `lang` cookie), then the cookie, then Vietnamese. The browser's
`Accept-Language` is deliberately ignored: office PCs run English Windows, and their users still
read Vietnamese.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextvars import ContextVar
from functools import cache
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casework.settings import PROJECT_ROOT

#: Where the catalogs are read from: the `locales_dir` setting, given by `configure()`.
_locales_dir = PROJECT_ROOT / "locales"
DEFAULT_LANG = "vi"
LANGUAGES = ("vi", "en")
LANG_NAMES = {"vi": "Tiếng Việt", "en": "English"}
COOKIE_NAME = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

current_lang: ContextVar[str] = ContextVar("casework_lang", default=DEFAULT_LANG)


def N_(message: str) -> str:
    """Mark a Python string for extraction (`pybabel extract -k N_`) without translating it."""
    return message


def catalog_path(lang: str, locales_dir: Path) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / "messages.po"


def configure(locales_dir: Path) -> None:
    """Read the catalogs from `locales_dir` (the app calls this at start-up). A missing catalog
    is a configuration error, not an English page that silently stays Vietnamese."""
    global _locales_dir
    for lang in LANGUAGES:
        po = catalog_path(lang, locales_dir)
        if lang != DEFAULT_LANG and not po.is_file():
            raise ValueError(
                f"Không tìm thấy tệp dịch {po}: đặt CASEWORK_LOCALES_DIR là thư mục locales/ "
                "của dự án."
            )
    if locales_dir != _locales_dir:
        _locales_dir = locales_dir
        translations.cache_clear()


def load_translations(lang: str, locales_dir: Path | None = None) -> NullTranslations:
    """Compile `locales/<lang>/LC_MESSAGES/messages.po` in memory (no `.mo` on disk)."""
    po = catalog_path(lang, locales_dir or _locales_dir)
    if lang == DEFAULT_LANG or not po.is_file():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain="messages")


@cache
def translations(lang: str) -> NullTranslations:
    """The catalog for `lang`, loaded once per process."""
    return load_translations(lang if lang in LANGUAGES else DEFAULT_LANG)


def gettext(message: str) -> str:
    return translations(current_lang.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_lang.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return str(translations(current_lang.get()).pgettext(context, message))


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current_lang.get()).npgettext(context, singular, plural, n)


def choose(query_lang: str | None, cookie_lang: str | None) -> str:
    """The explicit choice (`?lang=`, then the cookie) if it names a language, else Vietnamese."""
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANG


def _header(scope: Scope, name: bytes) -> str | None:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", [])
    for k, v in headers:
        if k == name:
            return v.decode("latin-1")
    return None


class LocaleMiddleware:
    """Sets `current_lang` for the request; `?lang=` also sets the `lang` cookie (1 year)."""

    def __init__(self, app: ASGIApp, *, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        query_lang = query.get("lang")
        cookie_lang = None
        if raw := _header(scope, b"cookie"):
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(raw)
            except Exception:  # a malformed cookie header must not break the page
                jar = SimpleCookie()
            if COOKIE_NAME in jar:
                cookie_lang = jar[COOKIE_NAME].value
        lang = choose(query_lang, cookie_lang)
        store = query_lang in LANGUAGES

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = (
                    f"{COOKIE_NAME}={lang}; Max-Age={COOKIE_MAX_AGE}; Path=/; "
                    "SameSite=Lax; HttpOnly" + ("; Secure" if self.secure else "")
                )
                MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        token = current_lang.set(lang)
        try:
            await self.app(scope, receive, send_with_cookie if store else send)
        finally:
            current_lang.reset(token)
