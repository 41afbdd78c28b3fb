"""The priority rule as a pure function: each step of `ranking.RULE` decides when the ones
before it tie, and `suggest` fills a capacity with whole requests in rank order."""

from __future__ import annotations

from datetime import UTC, datetime

from casework.classes.ranking import RULE, Candidate, rank, suggest


def c(name: str, *, certified: int = 0, inspections: int = 0, est: int | None = None,
      day: int | None = None, seats: int = 1) -> Candidate:  # fmt: skip
    at = datetime(2026, 12, day, tzinfo=UTC) if day else None
    return Candidate(
        commune_id=hash(name) % 10_000, name=name, certified=certified, inspections=inspections,
        establishments=est, demand_at=at, seats=seats, demand_id=hash(name) % 10_000,
    )  # fmt: skip


def names(cands: list[Candidate]) -> list[str]:
    return [r.candidate.name for r in rank(cands)]


def test_nobody_certified_comes_first_whatever_else():
    trained = c("A", certified=1, inspections=9, est=99, day=1)
    untrained = c("B", certified=0, inspections=0, est=0, day=9)
    assert names([trained, untrained]) == ["B", "A"]


def test_then_more_inspections_planned_or_open():
    assert names([c("A", inspections=1, est=50), c("B", inspections=3, est=1)]) == ["B", "A"]


def test_then_more_establishments():
    assert names([c("A", est=2, day=1), c("B", est=7, day=5)]) == ["B", "A"]


def test_without_establishment_data_the_demand_date_decides():
    ranked = rank([c("A", day=5), c("B", day=2), c("C")])
    assert [r.candidate.name for r in ranked] == ["B", "A", "C"]  # no demand: last
    assert all("cơ sở" not in r.reason for r in ranked)  # the skipped step is not claimed


def test_a_commune_without_data_counts_as_none_when_others_have_some():
    ranked = rank([c("A", day=1), c("B", est=3, day=9)])
    assert [r.candidate.name for r in ranked] == ["B", "A"]
    assert "chưa có số liệu cơ sở" in ranked[1].reason


def test_positions_and_reasons():
    ranked = rank([c("Xã Một", certified=2, inspections=1), c("Xã Hai")])
    assert [r.position for r in ranked] == [1, 2]
    assert ranked[0].reason.startswith("chưa ai có chứng chỉ")
    assert ranked[1].reason.startswith("2 người có chứng chỉ")


def test_the_rule_is_written_in_four_steps():
    assert len(RULE) == 4 and "chưa có ai" in RULE[0]


def test_suggest_takes_whole_requests_in_order_and_skips_what_does_not_fit():
    ranked = rank([c("A", seats=3, day=1), c("B", seats=4, day=2), c("C", seats=2, day=3)])
    assert [r.candidate.name for r in suggest(ranked, 5)] == ["A", "C"]
    assert [r.candidate.name for r in suggest(ranked, 9)] == ["A", "B", "C"]
    assert suggest(ranked, 0) == []
    assert suggest(rank([c("Z", seats=0)]), 5) == []
