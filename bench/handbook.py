"""Benchmark of the handbook's full-text search (issue 18, item 5).

    .venv/bin/python bench/handbook.py [--queries 100] [--answers 2000] [--repeat 5] [--seed 18]

The index holds every passage of the procedures in workflows/ plus `--answers` published answers
made up from the procedures' own sentences (the national FAQ after a few years; today there are
none). It then runs `--queries` queries an officer would type — one to four words lifted from a
step's guidance, a document or a name, half of them without diacritics, a third with the last word
unfinished, and «tem kiem dinh» — and times, as the median of `--repeat` runs of all the queries
after a warm-up:

- search: `Index.search` (every match ranked) plus the snippets of the first page (20 hits), as
  the page does;
- baseline: a plain substring scan of the same passages, folded once beforehand (every word of
  the query `in` the folded text; no ranking, no snippets), the least any search must do.

It also times building the index (what a worker does at start and after an answer is published).
The figures go to bench/out/handbook.json. The target: a page of results in well under 50 ms.
"""

from __future__ import annotations

import argparse
import random
import time

from harness import registry, say, timed, write_json

from casework.handbook.index import Index, Passage, words_of
from casework.handbook.passages import procedure_passages
from casework.text import fold

TARGET_MS = 50.0
PER_PAGE = 20


def made_up_answers(
    procedure_passages_: list[Passage], n: int, rng: random.Random
) -> list[Passage]:
    """`n` answers, each a question and an answer stitched from the procedures' sentences."""
    sentences = [
        s.strip()
        for p in procedure_passages_
        for s in p.body.replace("\n", ". ").split(". ")
        if len(s.split()) >= 5
    ]
    steps = [p for p in procedure_passages_ if p.kind == "step"]
    out = []
    for i in range(n):
        about = rng.choice(steps)
        question = rng.choice(sentences).rstrip(".") + " thì làm thế nào?"
        answer = ". ".join(rng.sample(sentences, 3)) + "."
        out.append(
            Passage(
                "faq",
                about.code,
                about.procedure,
                about.level,
                about.field,
                question,
                answer,
                f"/questions/{i + 1}",
            )  # fmt: skip
        )
    return out


def queries(passages: list[Passage], n: int, rng: random.Random) -> list[str]:
    out = ["tem kiem dinh"]
    texts = [p.title + " " + p.body for p in passages if p.kind != "faq"]
    while len(out) < n:
        text = rng.choice(texts)
        words = [text[s:e] for s, e, _ in words_of(text)]
        if len(words) < 4:
            continue
        size = rng.choice((1, 2, 2, 3, 3, 4))
        start = rng.randrange(0, len(words) - size + 1)
        q = " ".join(words[start : start + size])
        if rng.random() < 0.5:
            q = fold(q)
        if rng.random() < 0.33 and len(q.split()[-1]) > 2:
            q = q[: -rng.randint(1, len(q.split()[-1]) - 1)]
        out.append(q)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    procs = registry().all()
    own = [x for p in procs for x in procedure_passages(p)]
    passages = own + made_up_answers(own, args.answers, rng)
    qs = queries(passages, args.queries, rng)
    say(f"{len(procs)} procedures, {len(own)} passages of theirs + {args.answers} answers")

    def build() -> Index:
        return Index(passages)

    # words_of is kept per passage (as in the app after the first build): time both
    start = time.perf_counter()
    index = build()
    first_build = time.perf_counter() - start
    rebuild = timed(build, args.repeat)

    def search() -> None:
        for q in qs:
            found = index.search(q)
            for hit in found.hits[:PER_PAGE]:
                index.mark(hit, found.expansions)

    folded = [fold(p.title + " " + p.body) for p in passages]

    def scan() -> None:
        for q in qs:
            words = fold(q).split()
            [i for i, text in enumerate(folded) if all(w in text for w in words)]

    searched = timed(search, args.repeat)
    scanned = timed(scan, args.repeat)
    hits = [len(index.search(q).hits) for q in qs]
    stamp = Index(own).search("tem kiem dinh").hits[0].passage.url
    say(f"index build: first {first_build * 1000:.0f} ms, again {rebuild * 1000:.0f} ms")
    say(
        f"{len(qs)} queries: search + snippets {searched * 1000:.0f} ms "
        f"({searched / len(qs) * 1000:.2f} ms each); baseline substring scan "
        f"{scanned * 1000:.0f} ms ({scanned / len(qs) * 1000:.2f} ms each)"
    )
    say(f"«tem kiem dinh» first among the procedures' passages: {stamp}")
    write_json(
        "handbook",
        {
            "command": "python bench/handbook.py "
            f"--queries {args.queries} --answers {args.answers} --repeat {args.repeat}",
            "target_ms": TARGET_MS,
            "sizes": {
                "procedures": len(procs),
                "passages": len(passages),
                "answers": args.answers,
                "queries": len(qs),
                "hits_median": sorted(hits)[len(hits) // 2],
            },
            "ms_per_query": {
                "search, ranked, with the first page's snippets": searched / len(qs) * 1000,
                "baseline: substring scan of the folded passages": scanned / len(qs) * 1000,
            },
            "build_ms": {"first": first_build * 1000, "again (words kept)": rebuild * 1000},
            "tem_kiem_dinh_first": stamp,
        },
    )


if __name__ == "__main__":
    main()
