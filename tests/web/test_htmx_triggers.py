"""Every `hx-trigger` in the templates is one the vendored htmx accepts, and the audit log's filters
refresh the list when one changes.

htmx reports a trigger it cannot parse only in the browser (`htmx:syntax:error`) and then simply
does nothing, so the parser of the vendored htmx (2.0.11, `parseAndCacheTrigger` and its
tokenizer) is ported here, step for step, and every trigger of every template goes through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
HTMX = TEMPLATES / "static" / "vendor" / "htmx-2.0.11.min.js"

SYMBOL_START = re.compile(r"[_$a-zA-Z]")
SYMBOL_CONT = re.compile(r"[_$a-zA-Z0-9]")
STRINGISH_START = ('"', "'", "/")
NOT_WHITESPACE = re.compile(r"[^\s]")
WHITESPACE_OR_COMMA = re.compile(r"[\s,]")
COMBINED_SELECTOR_START = re.compile(r"[{(]")
COMBINED_SELECTOR_END = re.compile(r"[})]")
EVENT_NAME_END = re.compile(r"[,\[\s]")


def tokenize(s: str) -> list[str]:
    """htmx's `tokenizeString`: symbols, quoted strings, and every other character alone."""
    tokens: list[str] = []
    n = 0
    while n < len(s):
        if SYMBOL_START.match(s[n]):
            start = n
            while n + 1 < len(s) and SYMBOL_CONT.match(s[n + 1]):
                n += 1
            tokens.append(s[start : n + 1])
        elif s[n] in STRINGISH_START:
            quote, start = s[n], n
            n += 1
            while n < len(s) and s[n] != quote:
                if s[n] == "\\":
                    n += 1
                n += 1
            tokens.append(s[start : n + 1])
        else:
            tokens.append(s[n])
        n += 1
    return tokens


def consume_until(tokens: list[str], pattern: re.Pattern[str]) -> str:
    out = ""
    while tokens and not pattern.match(tokens[0]):
        out += tokens.pop(0)
    return out


def consume_css_selector(tokens: list[str]) -> str:
    if tokens and COMBINED_SELECTOR_START.match(tokens[0]):
        tokens.pop(0)
        selector = consume_until(tokens, COMBINED_SELECTOR_END).strip()
        if tokens:
            tokens.pop(0)
        return selector
    return consume_until(tokens, WHITESPACE_OR_COMMA)


def skip_whitespace(tokens: list[str]) -> None:
    # htmx's `consumeUntil(tokens, NOT_WHITESPACE)`; in JS `tokens[0]` past the end is
    # `undefined`, which the pattern matches, so an empty list just stops
    consume_until(tokens, NOT_WHITESPACE)


def skip_event_filter(tokens: list[str]) -> str | None:
    """`maybeGenerateConditional`: a `[...]` filter right after the event name."""
    if not tokens or tokens[0] != "[":
        return None
    tokens.pop(0)
    depth, source = 1, ""
    while tokens:
        token = tokens.pop(0)
        if token == "[":
            depth += 1
        elif token == "]":
            depth -= 1
            if depth == 0:
                return source
        source += token
    return source


@dataclass
class Trigger:
    event: str
    modifiers: dict[str, str | bool] = field(default_factory=dict)


def parse_trigger(spec: str) -> tuple[list[Trigger], list[str]]:
    """The triggers htmx 2.0.11 reads from `spec`, and the tokens it reports as syntax errors."""
    tokens = tokenize(spec)
    triggers: list[Trigger] = []
    errors: list[str] = []
    while True:
        skip_whitespace(tokens)
        before = len(tokens)
        event = consume_until(tokens, EVENT_NAME_END)
        if event == "every":
            trigger = Trigger("every")
            skip_whitespace(tokens)
            trigger.modifiers["interval"] = consume_until(tokens, EVENT_NAME_END)
            skip_whitespace(tokens)
            skip_event_filter(tokens)
            triggers.append(trigger)
        elif event:
            trigger = Trigger(event)
            skip_event_filter(tokens)
            skip_whitespace(tokens)
            while tokens and tokens[0] != ",":
                token = tokens.pop(0)
                has_arg = bool(tokens) and tokens[0] == ":"
                if token in ("changed", "once", "consume"):
                    trigger.modifiers[token] = True
                elif token == "from" and has_arg:
                    tokens.pop(0)
                    if tokens and COMBINED_SELECTOR_START.match(tokens[0]):
                        source = consume_css_selector(tokens)
                    else:
                        source = consume_until(tokens, WHITESPACE_OR_COMMA)
                        if source in ("closest", "find", "next", "previous"):
                            tokens.pop(0)
                            selector = consume_css_selector(tokens)
                            if selector:
                                source += " " + selector
                    trigger.modifiers["from"] = source
                elif token in ("target", "root") and has_arg:
                    tokens.pop(0)
                    trigger.modifiers[token] = consume_css_selector(tokens)
                elif token in ("delay", "throttle", "queue", "threshold") and has_arg:
                    tokens.pop(0)
                    trigger.modifiers[token] = consume_until(tokens, WHITESPACE_OR_COMMA)
                else:
                    errors.append(token)
                skip_whitespace(tokens)
            triggers.append(trigger)
        if len(tokens) == before:
            errors.append(tokens.pop(0))
        skip_whitespace(tokens)
        if not (tokens and tokens[0] == ","):
            break
        while tokens and tokens[0] == ",":
            tokens.pop(0)
    return triggers, errors


def test_the_port_is_of_the_vendored_htmx():
    """If htmx is upgraded, look at its trigger parser again and update the port."""
    source = HTMX.read_text(encoding="utf-8")
    assert 'version:"2.0.11"' in source
    # the branches the port relies on
    assert 'f==="from"&&o[0]===":"' in source
    assert "const Qe=/[{(]/;" in source and "const Ke=/[\\s,]/;" in source


@pytest.mark.parametrize(
    ("spec", "errors"),
    [
        ("change from:#log-filters select", ["select"]),  # the defect: the space ends `from`
        ("submit, change from:(#log-filters select)", []),
        ("input changed delay:400ms from:#q, change from:select, submit", []),
        ("change from:input[type=date]", []),
        ("keyup[key=='Enter'] from:body", []),
        ("every 1s", []),
        ("load", []),
        ("click from:closest form", []),
        ("click bogus", ["bogus"]),
    ],
)
def test_the_port_agrees_with_htmx(spec, errors):
    assert parse_trigger(spec)[1] == errors


def test_from_with_a_parenthesised_selector_keeps_the_whole_selector():
    triggers, errors = parse_trigger("submit, change from:(#log-filters select)")
    assert errors == []
    assert [(t.event, t.modifiers.get("from")) for t in triggers] == [
        ("submit", None),
        ("change", "#log-filters select"),
    ]


def template_triggers() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'hx-trigger="([^"]*)"', text):
            line = text.count("\n", 0, m.start()) + 1
            found.append((f"{path.relative_to(TEMPLATES)}:{line}", m.group(1)))
    return found


@pytest.mark.parametrize(("where", "spec"), template_triggers())
def test_every_template_trigger_is_valid_htmx(where, spec):
    assert "{{" not in spec and "{%" not in spec, f"{where}: a computed trigger, check it by hand"
    triggers, errors = parse_trigger(spec)
    assert triggers and not errors, f"{where}: htmx:syntax:error on {errors} in {spec!r}"


def test_changing_an_audit_filter_refreshes_the_list(client, world, sign_in):
    sign_in(world["hni.auditor"])
    page = client.get("/audit")
    assert page.status_code == 200
    form = re.search(r'<form[^>]*id="log-filters"[^>]*>(.*?)</form>', page.text, re.S)
    assert form, "the filter form"
    tag = form.group(0)[: form.group(0).index(">") + 1]
    spec = re.search(r'hx-trigger="([^"]*)"', tag)
    assert spec
    triggers, errors = parse_trigger(spec.group(1))
    assert not errors
    sources = {t.event: t.modifiers.get("from") for t in triggers}
    changes = {t.modifiers.get("from") for t in triggers if t.event == "change"}
    # a change of any select of this form (or of the form itself, events bubble) sends it, and
    # so does a unit chosen in the unit picker (its hidden value)
    assert changes & {"#log-filters select", "#log-filters", None}
    assert "#log-filters .unit-value" in changes
    assert 'class="unit-value"' in form.group(1) or "unit-value" in form.group(1)
    assert "submit" in sources
    assert re.search(r"<select ", form.group(1))
    assert 'hx-get="/audit"' in tag and 'hx-target="#results"' in tag
    # and what it asks for is the list alone, filtered
    frag = client.get("/audit", params={"kind": "comment"}, headers={"HX-Request": "true"})
    assert frag.status_code == 200
    assert frag.text.lstrip().startswith('<section id="results"')
    assert "<html" not in frag.text
