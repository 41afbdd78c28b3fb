"""A crawler that walks the app as a signed-in user would, through the test client.

From a start page it follows every same-site link (`a[href]`), every htmx GET (`hx-get`, sent
with `HX-Request: true` and, for a select, once per option — as htmx sends the chosen value with
what `hx-include` names), and every GET form (once as filled in, and once per option of each of
its selects). Every HTML page it reaches is also requested as htmx would request it. It records
what went wrong: a 5xx, a fragment that is not a part of its page, a link that leads nowhere.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

HX = {"HX-Request": "true"}
#: An out-of-band part of a fragment (swapped elsewhere, so not inside the fragment's own place).
OOB = re.compile(r"<(\w+)\b[^>]*\bhx-swap-oob=[^>]*>.*?</\1>", re.S)
#: Links a crawl does not follow: sign-out and language switches change the session itself.
SKIP = re.compile(r"^/logout|[?&]lang=|^/static/vendor/")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    options: list[str] = field(default_factory=list)  # a select's option values
    form: int | None = None  # index of the enclosing form


@dataclass
class Form:
    action: str
    method: str
    attrs: dict[str, str]
    fields: list[Element] = field(default_factory=list)


class PageParser(HTMLParser):
    """Links, htmx GET elements, forms and their fields of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.hx: list[Element] = []
        self.forms: list[Form] = []
        self.inputs: list[Element] = []  # every named field, for hx-include
        self._form: int | None = None
        self._select: Element | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag in ("link", "script", "img") and (src := attrs.get("href") or attrs.get("src")):
            self.links.append(src)
        if tag == "form":
            self.forms.append(
                Form(attrs.get("action", ""), attrs.get("method", "get").lower(), attrs)
            )
            self._form = len(self.forms) - 1
        el = Element(tag, attrs, form=self._form)
        if "hx-get" in attrs:
            self.hx.append(el)
        if tag in ("input", "select", "textarea") and attrs.get("name"):
            self.inputs.append(el)
            if self._form is not None:
                self.forms[self._form].fields.append(el)
        if tag == "select":
            self._select = el
        if tag == "option" and self._select is not None and "disabled" not in attrs:
            self._select.options.append(attrs.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if tag == "select":
            self._select = None


def field_value(el: Element) -> str | None:
    """What a browser would send for this field as the page stands, or None for nothing."""
    a = el.attrs
    if el.tag == "select":
        return el.options[0] if el.options else ""
    kind = a.get("type", "text")
    if kind in ("checkbox", "radio"):
        return a.get("value", "on") if "checked" in a else None
    if kind in ("file", "submit", "button", "image", "reset"):
        return None
    return a.get("value", "")


def form_values(fields: Iterable[Element]) -> list[tuple[str, str]]:
    out = []
    for el in fields:
        v = field_value(el)
        if v is not None and el.attrs.get("name") not in (None, "csrf_token"):
            out.append((el.attrs["name"], v))
    return out


def with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    merged = dict(parse_qsl(parts.query, keep_blank_values=True))
    merged.update(dict(pairs))
    query = urlencode(list(merged.items()))
    return parts.path + ("?" + query if query else "")


def variants(fields: list[Element], limit: int) -> list[list[tuple[str, str]]]:
    """The form as it stands, then once per option of each select (and value of each radio)."""
    base = form_values(fields)
    out = [base]
    for el in fields:
        name = el.attrs.get("name", "")
        choices = el.options if el.tag == "select" else []
        if el.attrs.get("type") == "radio":
            choices = [el.attrs.get("value", "on")]
        for value in choices[:limit]:
            out.append([(k, v) for k, v in base if k != name] + [(name, value)])
    return out


def normalise(html: str) -> str:
    """Whitespace collapsed and per-request values (CSRF tokens) blanked, for comparisons."""
    html = re.sub(r'(name="csrf_token" value=")[^"]*"', r'\1"', html)
    html = re.sub(r'("X-CSRF-Token": ?")[^"]*"', r'\1"', html)
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


@dataclass
class Crawl:
    """One user's walk. `route_of(path)` names the route template a path belongs to."""

    client: Any
    route_of: Callable[[str], str | None]
    per_route: int = 12  # distinct pages of one route template that one walk requests
    per_fragment: int = 40  # distinct htmx requests of one route (a select's every option)
    options: int = 30  # options of one select tried (a unit picker may list 3,356)
    compared: int = 4  # fragments of one route compared with their page, per walk
    problems: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    routes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)

    def run(self, starts: Iterable[str]) -> None:
        queue: deque[tuple[str, str, str]] = deque((u, "page", "start") for u in starts)
        while queue:
            url, kind, via = queue.popleft()
            htmx = kind != "page"
            key = ("HX " if htmx else "") + url
            if key in self.seen:
                continue
            route = self.route_of(urlsplit(url).path)
            if route is None:
                self.problems.append(f"{url} (from {via}): no route serves it")
                self.seen.add(key)
                continue
            counted = route + (" HX" if htmx else "")
            if self.routes[counted] >= (self.per_fragment if kind == "hx" else self.per_route):
                continue
            self.seen.add(key)
            self.routes[counted] += 1
            r = self.client.get(url, headers=HX if htmx else {}, follow_redirects=False)
            self.statuses[r.status_code] += 1
            if r.status_code >= 500:
                self.problems.append(f"{'HX ' if htmx else ''}{url} (from {via}): {r.status_code}")
                continue
            if r.status_code in (301, 302, 303, 307, 308):
                target = r.headers.get("location", "")
                if target and self._ours(target):
                    queue.append((self._path(url, target), kind, url))
                continue
            if "text/html" not in r.headers.get("content-type", "") or r.status_code >= 400:
                continue
            if kind == "page" and self.routes[f"{route} hx-page"] < self.compared:
                # the same page as htmx would ask for it must not fail either
                self.routes[f"{route} hx-page"] += 1
                queue.appendleft((url, "hx-page", url))
            elif kind == "hx" and self.routes[f"{route} compared"] < self.compared:
                self.routes[f"{route} compared"] += 1
                self._check_fragment(url, r.text)
            self._parse(url, r.text, queue)

    def _ours(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.netloc in ("", "testserver") and parts.scheme in ("", "http", "https")

    def _path(self, base: str, href: str) -> str:
        parts = urlsplit(urljoin(base, href))
        return parts.path + ("?" + parts.query if parts.query else "")

    def _parse(self, url: str, html: str, queue: deque[tuple[str, str, str]]) -> None:
        p = PageParser()
        p.feed(html)
        for href in p.links:
            if href.startswith(("#", "mailto:", "tel:", "javascript:")) or not self._ours(href):
                continue
            target = self._path(url, href.split("#")[0])
            if not SKIP.search(target):
                queue.append((target, "page", url))
        for el in p.hx:
            self._hx(url, el, p, queue)
        for form in p.forms:
            if form.method != "get" or "hx-get" in form.attrs:
                continue
            action = self._path(url, form.action or url)
            for pairs in variants(form.fields, self.options):
                queue.append((with_query(action, pairs), "page", url))

    def _hx(self, url: str, el: Element, p: PageParser, queue: deque[Any]) -> None:
        target = self._path(url, el.attrs["hx-get"] or url)
        if SKIP.search(target):
            return
        if el.tag == "form" and el.form is not None:
            fields = p.forms[el.form].fields
        else:
            # a GET sends the element's own value and what hx-include names (not its form's)
            own = [el] if el.attrs.get("name") else []
            fields = own + self._included(el.attrs.get("hx-include", ""), p)
        for pairs in variants(fields, self.options):
            queue.append((with_query(target, pairs), "hx", url))

    def _included(self, selector: str, p: PageParser) -> list[Element]:
        names = re.findall(r"\[name=['\"]?([\w-]+)['\"]?\]", selector)
        return [el for el in p.inputs if el.attrs.get("name") in names]

    def _check_fragment(self, url: str, fragment: str) -> None:
        """A fragment must be exactly a part of the page it is swapped into."""
        if "<html" in fragment[:500].lower():
            return  # this route serves htmx the whole page
        page = self.client.get(url, follow_redirects=False)
        if page.status_code >= 500:
            self.problems.append(f"{url}: the page answered {page.status_code}")
        elif normalise(OOB.sub("", fragment)) not in normalise(page.text):
            self.problems.append(f"HX {url}: the fragment differs from its part of the page")
