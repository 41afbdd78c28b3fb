"""Interface language: Vietnamese by default whatever the browser asks for, English only through
`?lang=en` (kept in a cookie); procedure data stays Vietnamese; requests never see each other's
language; every interface string of the templates has an English translation."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from casework.accounts import service as accounts
from casework.web import i18n
from tests.factories import fire, open_xray

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locales" / "en" / "LC_MESSAGES" / "messages.po"


def lang_cookie(r) -> str | None:  # type: ignore[no-untyped-def]
    """The `lang` Set-Cookie header of a response, if any."""
    found = [c for c in r.headers.get_list("set-cookie") if c.startswith("lang=")]
    assert len(found) <= 1
    return found[0] if found else None


def html_lang(html: str) -> str:
    m = re.search(r'<html lang="([^"]+)">', html)
    assert m, html[:200]
    return m.group(1)


def test_default_is_vietnamese(client):
    r = client.get("/procedures")
    assert r.status_code == 200
    assert html_lang(r.text) == "vi"
    assert "<h1>Sổ tay thủ tục</h1>" in r.text
    assert "Procedure handbook" not in r.text
    assert 'hreflang="en"' in r.text  # the switch offers English
    assert lang_cookie(r) is None


def test_query_switches_to_english_and_sets_cookie(client):
    r = client.get("/procedures?lang=en")
    assert html_lang(r.text) == "en"
    assert "<h1>Procedure handbook</h1>" in r.text
    assert "Sổ tay thủ tục" not in r.text
    assert 'hreflang="vi"' in r.text and ">Tiếng Việt</a>" in r.text
    cookie = lang_cookie(r)
    assert cookie
    assert cookie.startswith("lang=en;")
    assert "Max-Age=31536000" in cookie
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Path=/" in cookie

    # the cookie persists: later pages are English without ?lang=
    again = client.get("/")
    assert html_lang(again.text) == "en"
    assert "Procedures in force" in again.text
    assert lang_cookie(again) is None

    # and ?lang=vi switches back (and stores it)
    back = client.get("/procedures?lang=vi")
    assert html_lang(back.text) == "vi"
    assert (lang_cookie(back) or "").startswith("lang=vi;")
    assert html_lang(client.get("/procedures").text) == "vi"


def test_switch_link_keeps_the_page_and_its_query(client):
    r = client.get("/procedures?q=do+luong&level=commune")
    m = re.search(r'<a class="lang" href="([^"]+)"', r.text)
    assert m
    href = m.group(1).replace("&amp;", "&")
    assert href.startswith("/procedures?")
    assert "q=do+luong" in href and "level=commune" in href and "lang=en" in href


def test_accept_language_is_ignored_without_a_choice(client):
    # office PCs run English Windows: their browsers ask for English, their users read Vietnamese
    for header in ("en-US,en;q=0.9", "en", "fr-FR,de;q=0.8", "vi-VN,vi;q=0.9,en;q=0.8"):
        r = client.get("/procedures", headers={"Accept-Language": header})
        assert html_lang(r.text) == "vi", header
        assert "<h1>Sổ tay thủ tục</h1>" in r.text
        assert "Procedure handbook" not in r.text
        assert lang_cookie(r) is None


def test_only_an_explicit_choice_gives_english_and_bad_values_are_ignored(client):
    client.cookies.set("lang", "en")
    assert html_lang(client.get("/procedures", headers={"Accept-Language": "vi"}).text) == "en"
    client.cookies.set("lang", "vi")
    r = client.get("/procedures", headers={"Accept-Language": "en"})
    assert html_lang(r.text) == "vi"
    client.cookies.set("lang", "xx")
    assert html_lang(client.get("/procedures", headers={"Accept-Language": "en"}).text) == "vi"
    r = client.get("/procedures?lang=fr", headers={"Accept-Language": "en"})
    assert html_lang(r.text) == "vi"
    assert lang_cookie(r) is None


@pytest.mark.parametrize(
    ("query", "cookie", "expected"),
    [
        (None, None, "vi"),
        ("en", None, "en"),
        ("vi", "en", "vi"),
        (None, "en", "en"),
        ("fr", "en", "en"),
        ("fr", "xx", "vi"),
    ],
)
def test_choose(query, cookie, expected):
    assert i18n.choose(query, cookie) == expected


def test_procedure_data_stays_vietnamese(client, registry):
    procedure = registry.get("2.002131")
    r = client.get("/procedures/2.002131?lang=en")
    assert r.status_code == 200
    assert "Legal basis" in r.text and "Steps and guidance" in r.text
    assert f"<h1>{procedure.name}</h1>" in r.text
    for state in procedure.states.values():
        assert state.label in r.text
    listing = client.get("/procedures")
    assert procedure.name in listing.text


def test_html_in_labels_is_still_escaped(client):
    # LEVEL_LABELS go through the `t` filter: translated, but escaped like any other text
    vi = client.get("/procedures?lang=vi").text
    assert "Cấp tỉnh (Sở KH&amp;CN)" in vi
    en = client.get("/procedures?lang=en").text
    assert "Provincial level (Department of S&amp;T)" in en


def test_two_clients_keep_their_own_language(app):
    with TestClient(app) as vi_client, TestClient(app) as en_client:
        vi_client.get("/?lang=vi")
        en_client.get("/?lang=en")
        for _ in range(5):
            assert "<h1>Sổ tay thủ tục</h1>" in vi_client.get("/procedures").text
            assert "<h1>Procedure handbook</h1>" in en_client.get("/procedures").text
            assert html_lang(en_client.get("/").text) == "en"
            assert html_lang(vi_client.get("/").text) == "vi"


def test_concurrent_requests_keep_their_own_language(app, client):
    """Requests interleaved on threads never swap languages (`client` ran the app's startup)."""
    errors: list[str] = []

    def worker(lang: str, expected: str) -> None:
        c = TestClient(app)
        c.get(f"/?lang={lang}")
        for _ in range(15):
            text = c.get("/procedures").text
            if expected not in text or html_lang(text) != lang:
                errors.append(lang)

    threads = [
        threading.Thread(target=worker, args=args)
        for args in [("vi", "<h1>Sổ tay thủ tục</h1>"), ("en", "<h1>Procedure handbook</h1>")] * 3
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_signed_in_pages_render_in_english(client, session, world, sign_in, xray):
    dossier = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], dossier, "accept")
    admin = accounts.create_user(
        session, username="hni.admin", full_name="Quản trị", unit=world.hni, roles=["admin"]
    )
    for user, pages in [
        (
            world["hni.receiver"],
            ["/dossiers", "/dossiers/new", f"/dossiers/{dossier.code}", "/notifications"],
        ),
        (admin, ["/admin/users", "/admin/units", "/admin/calendar", f"/admin/users/{admin.id}"]),
    ]:
        sign_in(user)
        client.cookies.set("lang", "en")
        for page in pages:
            r = client.get(page)
            assert r.status_code == 200, (page, r.text[:500])
            assert html_lang(r.text) == "en", page
            assert "Log out" in r.text and "Đăng xuất" not in r.text, page
    r = client.get(f"/dossiers/{dossier.code}")
    assert dossier.code in r.text


def _template_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every string `make i18n` would extract (babel.cfg)."""
    method_map, options_map = parse_mapping_cfg((ROOT / "babel.cfg").open())
    found: set[tuple[str | None, str]] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={
            "_": None,
            "gettext": None,
            "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3),
            "N_": None,
        },
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


def test_every_template_string_has_an_english_translation():
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    translated = {}
    for m in catalog:
        if not m.id:
            continue
        msgid = m.id[0] if isinstance(m.id, tuple) else m.id
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        translated[(m.context, msgid)] = all(strings) and not m.fuzzy
    extracted = _template_messages()
    assert len(extracted) > 100
    assert any(msgid == "Sổ tay thủ tục" for _c, msgid in extracted)
    missing = sorted(str(k) for k in extracted if k not in translated)
    empty = sorted(str(k) for k in extracted if k in translated and not translated[k])
    assert not missing, f"not in the English catalog (run `make i18n`): {missing}"
    assert not empty, f"empty or fuzzy English translation: {empty}"


def test_slips_are_not_extracted():
    files = {
        f
        for f, *_ in extract_from_dir(
            str(ROOT), *parse_mapping_cfg((ROOT / "babel.cfg").open()), keywords={"_": None}
        )
    }
    assert not any("slips" in f for f in files)


def test_placeholders_match_between_msgid_and_translation():
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    pattern = re.compile(r"%\((\w+)\)s")
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set(pattern.findall(ids[0]))
        for s in strings:
            assert set(pattern.findall(s)) == want, m.id
            # newstyle gettext %-formats every string: a lone % would break rendering
            assert "%" not in pattern.sub("", s), m.id


def test_catalog_loads_in_memory_and_vietnamese_needs_none():
    en = i18n.load_translations("en")
    assert en.gettext("Sổ tay thủ tục") == "Procedure handbook"
    assert en.ngettext("%(num)s hồ sơ", "%(num)s hồ sơ", 2) == "%(num)s dossiers"
    vi = i18n.load_translations("vi")
    assert vi.gettext("Sổ tay thủ tục") == "Sổ tay thủ tục"
    assert not list((ROOT / "locales").rglob("*.mo"))


def lang_link(html: str) -> str:
    return html.split('<a class="lang" href="', 1)[1].split('"', 1)[0]


def test_the_switch_links_to_this_page_and_query_in_the_other_language(client):
    # the links are kept per process (issue 19): each path and query still gets its own
    assert lang_link(client.get("/procedures?q=abc").text) == "/procedures?q=abc&amp;lang=en"
    assert lang_link(client.get("/procedures?q=xyz").text) == "/procedures?q=xyz&amp;lang=en"
    assert lang_link(client.get("/procedures").text) == "/procedures?lang=en"
    assert (
        lang_link(client.get("/procedures?q=abc&lang=en").text) == "/procedures?q=abc&amp;lang=vi"
    )
    assert lang_link(client.get("/procedures?q=abc").text) == "/procedures?q=abc&amp;lang=vi"
    assert lang_link(client.get("/questions").text) == "/questions?lang=vi"
