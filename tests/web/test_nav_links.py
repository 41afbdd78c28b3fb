"""The main menu's links are drawn once per set of roles and language (templating.nav_links),
and one reader's set never shows for another (issue 19)."""

from __future__ import annotations

from types import SimpleNamespace

from casework.settings import PROJECT_ROOT
from casework.web import i18n
from casework.web.templating import make_templates


def _links(env, roles: list[str] | None, lang: str) -> str:  # type: ignore[no-untyped-def]
    token = i18n.current_lang.set(lang)
    try:
        user = SimpleNamespace(roles=roles) if roles is not None else None
        return str(env.globals["nav_links"](user))
    finally:
        i18n.current_lang.reset(token)


def test_each_reader_gets_the_links_of_their_roles_and_language():
    i18n.configure(PROJECT_ROOT / "locales")
    env = make_templates(PROJECT_ROOT / "templates", "Asia/Ho_Chi_Minh").env
    admin = _links(env, ["admin"], "vi")
    mentor = _links(env, ["mentor"], "vi")
    anonymous = _links(env, None, "vi")
    assert 'href="/admin/users"' in admin and 'href="/admin/users"' not in mentor
    assert 'href="/reviews"' in mentor and 'href="/reviews"' not in admin
    assert 'href="/dossiers"' not in anonymous and 'href="/procedures"' in anonymous
    assert "/questions/badge" in admin and "/questions/badge" not in anonymous
    english = _links(env, ["admin"], "en")
    assert "Hồ sơ" in admin and "Hồ sơ" not in english
    assert _links(env, ["admin"], "vi") == admin  # the Vietnamese set again, after English
    assert _links(env, ["handler", "leader"], "vi") == _links(env, ["leader", "handler"], "vi")


def test_a_set_is_drawn_once():
    env = make_templates(PROJECT_ROOT / "templates", "Asia/Ho_Chi_Minh").env
    nav = env.globals["nav_links"]
    assert nav(SimpleNamespace(roles=["auditor"])) is nav(SimpleNamespace(roles=["auditor"]))
