"""The learning path in Chromium: a commune handler opens /learning from the menu, reads the
handbook page of the đo lường inspection, takes its quiz with one wrong answer (whose explanation
and legal source show on the result), and sees the đo lường progress bar move — on a desktop and
on a 360 px phone (each with its own demo handler: the server is shared by the tests)."""

from __future__ import annotations

import shutil
from typing import Any

from playwright.sync_api import Page, expect

from casework.learning.quizzes import QuizRegistry
from casework.procedures import ProcedureRegistry
from casework.settings import PROJECT_ROOT
from tests.e2e.conftest import no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in

CODE = "XA-DL-KTNN"


def _quiz() -> Any:
    registry = ProcedureRegistry.from_directory(PROJECT_ROOT / "workflows")
    return QuizRegistry.from_directory(PROJECT_ROOT / "workflows" / "quizzes", registry).get(CODE)


def _percent(page: Page) -> int:
    """The đo lường field's progress (the first field of a commune handler's path)."""
    expect(page.locator("#h-field-1")).to_contain_text("Đo lường")
    value = page.locator('[data-testid="bar-1"]').get_attribute("value")
    assert value is not None
    return int(value)


def _walk(page: Page, base_url: str, username: str, screenshot: Any, phone: bool) -> list[Any]:
    shots = []
    sign_in(page, base_url, username)
    if phone:  # the menu wraps on a phone: the same link, further down
        page.goto(f"{base_url}/learning")
    else:
        page.get_by_role("navigation").get_by_role("link", name="Lộ trình học").click()
    expect(page.locator("h1")).to_have_text("Lộ trình học")
    start = _percent(page)
    item = page.locator(f'[data-testid="path-procedure-{CODE}"]')
    expect(item).to_contain_text("Đọc sổ tay")

    # read the handbook page: the read stage is done, the bar moves
    item.get_by_role("link", name="Đọc sổ tay", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Kiểm tra nhà nước về đo lường")
    page.goto(f"{base_url}/learning")
    read = _percent(page)
    assert read > start, (start, read)
    expect(item.locator(".stages li.done").first).to_contain_text("Đọc sổ tay")

    # the quiz, with the first answer wrong
    item.get_by_role("link", name=f"Làm bài trắc nghiệm {CODE}").click()
    quiz = _quiz()
    for i, q in enumerate(quiz.questions, start=1):
        choice = (q.answer_index + 1) % len(q.choices) if i == 1 else q.answer_index
        page.locator(f'[data-testid="question-{i}"] input[value="{choice}"]').check()
    if phone:
        no_horizontal_scroll(page)
    shots.append(screenshot(page, "quiz"))
    page.get_by_role("button", name="Nộp bài").click()
    n = len(quiz.questions)
    expect(page.get_by_test_id("attempt-score")).to_contain_text(f"Đúng {n - 1}/{n} câu")
    expect(page.get_by_test_id("attempt-score")).to_contain_text("Đạt")
    wrong = page.get_by_test_id("answer-1")
    expect(wrong).to_contain_text("Sai")
    expect(wrong).to_contain_text(f"Đáp án đúng: {quiz.questions[0].answer}")
    expect(wrong).to_contain_text(quiz.questions[0].explanation[:40])
    expect(wrong).to_contain_text("Căn cứ:")
    expect(page.get_by_test_id("answer-2")).to_contain_text("Đúng")
    if phone:
        no_horizontal_scroll(page)
    shots.append(screenshot(page, "result"))

    # back on the path: the quiz stage is done, the bar moved again
    page.get_by_role("link", name="Về lộ trình học").click()
    passed = _percent(page)
    assert passed > read, (read, passed)
    expect(item).to_contain_text("(cao nhất 85%)")
    if phone:
        no_horizontal_scroll(page)
    shots.append(screenshot(page, "path"))
    return shots


def test_a_commune_handler_follows_the_path(
    page: Page, base_url: str, screenshot: Any, docs_screenshots: Any
) -> None:
    # a handler no other test signs in as: a handbook page counts once a day per reader, and
    # badinh.handler reads the đo lường page in other walks sharing this server
    quiz, result, path = _walk(page, base_url, "dth.hongngu.handler", screenshot, phone=False)
    shutil.copy(path, docs_screenshots / "learning-desktop.png")


def test_the_same_on_a_phone(
    phone: Any, base_url: str, screenshot: Any, docs_screenshots: Any
) -> None:
    quiz, result, path = _walk(phone, base_url, "thuannam.handler", screenshot, phone=True)
    shutil.copy(result, docs_screenshots / "learning-quiz-result-360.png")
