"""Layout in a real Chromium (issue 14, defects 7 and 13): no page scrolls sideways at 360 px or
at 1,280 px (a wide table may scroll inside its own box, never the page); the report tables show
their numbers at 1,280 px; the procedure cards of the home page are links with a visible focus;
the step diagram of a procedure stays readable on a phone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_practice_loop import sign_in

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 800}
#: A procedure with documents (its new-dossier form lists them) and a large step diagram.
WITH_DOCUMENTS = "KHCN-BX-CP"

#: The elements that stick out of the viewport (outside any scrolling box), for the message.
STICKING_OUT = """() => {
  const out = [];
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && !inScroller(el)) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className}: ${Math.round(r.right)}`);
    }
  }
  return out.slice(0, 8);
}"""


def visit(page: Page, url: str) -> None:
    """Go to `url` and let its requests (badges, lazy images) finish before the next page."""
    page.goto(url)
    page.wait_for_load_state("networkidle")


def assert_no_sideways_scroll(page: Page, what: str) -> None:
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner:
        culprits = page.evaluate(STICKING_OUT)
        raise AssertionError(f"{what}: the page is {width} px wide at {inner} px; {culprits}")


def test_new_dossier_page_fits_phone_and_desktop(page: Page, base_url: str, screenshot):
    sign_in(page, base_url, "hni.receiver")
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        visit(page, f"{base_url}/dossiers/new")
        expect(page.locator("#procedure")).to_be_visible()
        assert_no_sideways_scroll(page, f"/dossiers/new at {size['width']} px")
        page.locator("#procedure").select_option(WITH_DOCUMENTS)
        expect(page.locator("#documents input[type=file]").first).to_be_attached()
        assert_no_sideways_scroll(page, f"/dossiers/new with documents at {size['width']} px")
        box = page.locator("#procedure").bounding_box()
        assert box is not None and box["x"] + box["width"] <= size["width"]
        screenshot(page, f"new-{size['width']}")


REPORTS = [
    "/reports/timeliness",
    "/reports/timeliness?group=unit",
    "/reports/steps",
    "/reports/steps?group=unit",
    "/reports/steps?group=officer",
    "/reports/indicators",
]

#: Where the last column of the first body row of each report table ends, and where the table's
#: own (scrolling) box ends, in viewport pixels.
LAST_COLUMN = """() => [...document.querySelectorAll("table.report")].map((t) => {
  const cell = t.querySelector("tbody tr:first-child > :last-child");
  const r = cell.getBoundingClientRect();
  const box = t.getBoundingClientRect();
  return [Math.round(r.right), Math.round(box.right), cell.textContent.trim()];
})"""


def test_reports_show_their_numbers_at_1280_and_fit_a_phone(page: Page, base_url: str, screenshot):
    sign_in(page, base_url, "bo.auditor")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        for url in REPORTS:
            visit(page, f"{base_url}{url}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            name = url.strip("/").replace("/", "-").replace("?group=", "-")
            screenshot(page, f"{name}-{size['width']}")
            assert_no_sideways_scroll(page, f"{url} at {size['width']} px")
            if size is DESKTOP:
                for right, box_right, text in page.evaluate(LAST_COLUMN):
                    assert right <= size["width"], f"{url}: the last column ends at {right} px"
                    assert right <= box_right + 1, (
                        f"{url}: the last column ({text}) is scrolled away"
                    )
        # the dossiers behind a number (drill-down list)
        visit(page, f"{base_url}/reports/timeliness")
        page.locator("table.report tbody td a").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Hồ sơ:")
        page.wait_for_load_state("networkidle")
        assert_no_sideways_scroll(page, f"drill-down at {size['width']} px")
        screenshot(page, f"drill-down-{size['width']}")


def test_main_pages_fit_a_phone(page: Page, base_url: str, screenshot):
    sign_in(page, base_url, "hni.receiver")
    page.set_viewport_size(PHONE)
    visit(page, f"{base_url}/dossiers")
    dossier = page.locator("main a[href^='/dossiers/SKHCN']").first.get_attribute("href")
    assert dossier
    pages = {
        "home": "/",
        "queue": "/dossiers",
        "dossier": dossier,
        "handbook": "/procedures",
        "procedure": f"/procedures/{WITH_DOCUMENTS}",
        "questions": "/questions",
        "scenarios": "/scenarios",
        "notifications": "/notifications",
    }
    for name, url in pages.items():
        visit(page, f"{base_url}{url}")
        assert_no_sideways_scroll(page, f"{url} at 360 px")
        screenshot(page, name)


def test_procedure_cards_are_links_with_a_visible_focus(page: Page, base_url: str, screenshot):
    visit(page, f"{base_url}/")
    cards = page.locator("[data-testid=procedures] li.card")
    assert cards.count() > 5
    for i in range(cards.count()):
        link = cards.nth(i).locator("a")
        expect(link).to_have_count(1)
        href = link.get_attribute("href")
        assert href and href.startswith("/procedures/")
        assert page.request.get(f"{base_url}{href}").status == 200
    # the whole card answers a click, not only its title
    first = cards.first
    href = first.locator("a").get_attribute("href")
    box = first.locator(".meta").first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**{href}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    # the keyboard focus on a card is drawn around the whole card
    visit(page, f"{base_url}/")
    link = page.locator("[data-testid=procedures] li.card a").first
    link.focus()
    outline = link.evaluate("(a) => getComputedStyle(a, '::after').outlineStyle")
    assert outline not in ("", "none"), outline
    screenshot(page, "focused-card")


def test_step_diagram_is_readable_on_a_phone(page: Page, base_url: str, screenshot):
    page.set_viewport_size(PHONE)
    visit(page, f"{base_url}/procedures/{WITH_DOCUMENTS}")
    img = page.locator(".diagram img")
    img.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.diagram img').complete")
    shown, natural, box_width, box_scroll, overflow = img.evaluate(
        """(img) => {
          const box = img.closest('.diagram-scroll');
          return [img.clientWidth, img.naturalWidth, box.clientWidth, box.scrollWidth,
                  getComputedStyle(box).overflowX];
        }"""
    )
    assert natural > 360
    assert shown >= natural * 0.95, f"the diagram is shrunk to {shown} px of {natural}"
    assert overflow in ("auto", "scroll") and box_scroll > box_width
    expect(page.locator("ol.steps > li").first).to_be_visible()  # the steps as a list below
    assert_no_sideways_scroll(page, "the procedure page at 360 px")
    path = screenshot(page, "procedure-360")
    page.locator("figure.diagram").screenshot(path=str(path.with_name(f"{path.stem}-diagram.png")))
