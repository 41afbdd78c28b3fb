"""Parts of the dossier page kept per process (issue 19, item 2), each keyed by everything it
is drawn from, so that one key is the same HTML for every viewer:

- each event's line of the timeline (`casework.dossiers.page.EventLines`);
- each Mẫu 06 row, by its content and the language (`StepLines`);
- the action forms, by the procedure version's content hash, the state, the actions (the
  viewer's roles choose them, their names are in the key), whether it is an inspection and the
  language, with markers where the dossier's code, its version and the viewer's CSRF token go,
  put in at each view (`ActionForms`). A page that shows a failed action again (errors, typed
  values) renders its forms afresh and keeps nothing.

Bounded least-recently-used maps, per template environment (a test app's templates are not
another's) and safe across the worker's threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import jinja2
from markupsafe import Markup, escape

from casework.caching.kept import Kept
from casework.procedures import Procedure
from casework.web import i18n

#: entries kept per process: events' lines and Mẫu 06 rows (by content and language), action
#: forms (by procedure version, state, actions and language)
EVENT_HTML_KEPT = 20_000
STEP_HTML_KEPT = 10_000
ACTION_FORMS_KEPT = 1_000


#: per template environment: kind of fragment ("event", "step", "actions") -> its kept HTML
_KEPT_HTML: WeakKeyDictionary[jinja2.Environment, dict[str, Kept]] = WeakKeyDictionary()
_KEPT_HTML_LOCK = threading.Lock()
_KEPT_SIZES = {"event": EVENT_HTML_KEPT, "step": STEP_HTML_KEPT, "actions": ACTION_FORMS_KEPT}


def kept_for(env: jinja2.Environment, kind: str = "event") -> Kept:
    with _KEPT_HTML_LOCK:
        kinds = _KEPT_HTML.get(env)
        if kinds is None:
            kinds = _KEPT_HTML[env] = {}
        kept = kinds.get(kind)
        if kept is None:
            kept = kinds[kind] = Kept(_KEPT_SIZES[kind])
        return kept


def forget_all() -> None:
    """Drop every kept part (tests that change rows behind the services' back)."""
    with _KEPT_HTML_LOCK:
        for kinds in _KEPT_HTML.values():
            for kept in kinds.values():
                kept.clear()


@dataclass
class StepLines:
    """`step_html(s)` in `dossiers/detail.html`: one Mẫu 06 row (`dossiers/_step_row.html`),
    kept per process by everything it shows (label, instants, allotment, bucket) and the
    language: the same key is the same row for every viewer and dossier."""

    @jinja2.pass_environment
    def __call__(self, env: jinja2.Environment, s: Any) -> Markup:
        key = (
            i18n.current_lang.get(),
            s.label,
            s.entered_at,
            s.left_at,
            s.due_at,
            s.allot,
            s.bucket,
        )
        html: Markup = kept_for(env, "step").get_or_make(
            key,
            lambda: Markup(env.get_template("dossiers/_step_row.html").render(s=s)),  # noqa: S704
        )
        return html

    @jinja2.pass_environment
    def rows(self, env: jinja2.Environment, steps: Any) -> Markup:
        """The table's rows of `steps`, with the whitespace a Jinja loop over them drew."""
        return Markup(  # noqa: S704 - kept autoescaped rows
            "".join(f"\n      {self(env, s)}\n    " for s in steps)
        )


#: stand-ins for the dossier's code, its version and the viewer's CSRF token in the kept action
#: forms (NUL never occurs in a rendered template's own text, nor in a procedure's)
CODE_MARK, VERSION_MARK, CSRF_MARK = "\x00code\x00", "\x00version\x00", "\x00csrf\x00"


@dataclass
class ActionForms:
    """`action_forms(csrf_token)` in `dossiers/detail.html`: the forms of the actions the viewer
    may fire (`dossiers/_actions.html`). Without a failed action (errors or typed values to show
    again) the HTML is kept per process by what it is drawn from — the procedure version's
    content hash, the state, the actions (their names: the viewer's roles choose them), whether
    it is an inspection and the language — with markers where the dossier's code, its version and
    the viewer's CSRF token go, put in at each view: nothing of one viewer reaches another."""

    code: str
    version: int
    actions: list[tuple[Any, list[dict[str, Any]]]]
    p: Procedure
    content_hash: str
    state: str
    inspection: bool
    printable_slips: set[str]
    failed_action: str | None
    errors: dict[str, str]
    values: dict[str, Any]

    def _render(self, env: jinja2.Environment, code: str, version: Any, csrf: str) -> str:
        return env.get_template("dossiers/_actions.html").render(
            code=code, version=version, csrf_token=csrf, actions=self.actions, p=self.p,
            inspection=self.inspection, printable_slips=self.printable_slips,
            failed_action=self.failed_action, errors=self.errors, values=self.values,
        )  # fmt: skip

    @jinja2.pass_environment
    def __call__(self, env: jinja2.Environment, csrf_token: str) -> Markup:
        if not self.actions:
            return Markup("")
        if self.failed_action is not None:
            return Markup(self._render(env, self.code, self.version, csrf_token))  # noqa: S704
        names = tuple(t.action for t, _ in self.actions)
        key = (i18n.current_lang.get(), self.content_hash, self.state, names, self.inspection)
        html: str = kept_for(env, "actions").get_or_make(
            key, lambda: self._render(env, CODE_MARK, VERSION_MARK, CSRF_MARK)
        )
        return Markup(  # noqa: S704 - the kept autoescaped HTML, with escaped values put in
            html.replace(CODE_MARK, escape(self.code))
            .replace(VERSION_MARK, str(int(self.version)))
            .replace(CSRF_MARK, escape(csrf_token))
        )


def review_slots(review: Any) -> bool:
    """Whether `event_review` (reviews/_macros.html) draws anything under some timeline item:
    a mentor's comment or score form, a comment thread, a score given."""
    return bool(
        review.is_reviewer
        or review.can_score
        or review.comments
        or any(sc.latest for sc in review.scores.values())
    )
