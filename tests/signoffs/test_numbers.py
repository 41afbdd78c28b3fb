"""Certificate numbers: shape, randomness, the check character and reading what people type."""

from __future__ import annotations

import re

from casework.signoffs.numbers import ALPHABET, LENGTH, check_character, new_number, normalize

SHAPE = re.compile(r"^XN-2026-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]$")


def test_shape_and_no_two_alike():
    numbers = {new_number(2026) for _ in range(2000)}
    assert len(numbers) == 2000
    assert all(SHAPE.match(n) and len(n) == LENGTH for n in numbers)
    assert not any(ch in n[8:] for n in numbers for ch in "ILOU")


def test_the_check_character_catches_one_wrong_character_and_swapped_neighbours():
    number = new_number(2026)
    payload = number.replace("-", "")[2:-1]
    check = number[-1]
    for i, ch in enumerate(payload):
        for other in ALPHABET:
            if other != ch:
                assert check_character(payload[:i] + other + payload[i + 1 :]) != check
        if i + 1 < len(payload) and payload[i] != payload[i + 1]:
            swapped = payload[:i] + payload[i + 1] + payload[i] + payload[i + 2 :]
            assert check_character(swapped) != check


def test_normalize_reads_what_people_type():
    number = new_number(2026)
    assert normalize(number) == number
    assert normalize(number.lower()) == number
    assert normalize(number.replace("-", "")) == number
    assert normalize(" " + number.replace("-", " ") + " ") == number
    zeros = "XN-2026-0000-0000-" + check_character("2026" + "0" * 8)
    assert normalize(zeros.replace("0000-0000", "OOOO-oooo")) == zeros
    wrong = number[:-1] + next(c for c in ALPHABET if c != number[-1])
    for bad in (
        wrong,
        "",
        "XN-2026",
        number + "A",
        "KH" + number[2:],
        number[:9] + "U" + number[10:],
    ):
        assert normalize(bad) is None, bad
