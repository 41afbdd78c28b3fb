"""No false alarms: the demo data and a generated national data set (every kind of path the
generator draws: supplements, extensions, refusals, withdrawals, stops, ratings, inspections,
practice runs) pass the whole check — chains, every replayed column, step and pause rows, the
report counters — and a checkpoint of them verifies, on both databases."""

from __future__ import annotations

from casework.checkpoints import keys
from casework.checkpoints import service as checkpoints
from casework.checkpoints import verify as verifier
from casework.dossiers import audit
from tests.reports.test_reconcile import national  # noqa: F401  (the generated data set)


def test_generated_and_demo_data_verify_clean(national, tmp_path):  # noqa: F811
    report = audit.verify(national)
    assert report.dossiers > 200 and report.counters > 100
    assert report.ok, [str(p) for p in report.problems[:20]]
    key = tmp_path / "cp.pem"
    keys.generate(key)
    row = checkpoints.take(national, key_path=key, out_dir=tmp_path / "cps")
    assert row.tree_size == report.dossiers + 1  # and the accounts' history
    signed = verifier.read_file(tmp_path / "cps" / row.file_name)
    result = verifier.verify(national, signed, keys.load_public(keys.public_path(key)))
    assert result.ok and result.chains == report.dossiers + 1, [str(p) for p in result.problems]
