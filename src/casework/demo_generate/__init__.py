"""`casework demo generate`: national-scale synthetic data for benchmarking the auditor reports.

It adds, to the demo data (loaded first into an empty database):

- the real unit tree (`casework units import`: 34 provinces, 3,321 communes) if it is not there,
  and receivers, handlers and leaders for every department and for `--communes-per-province`
  real communes of each province (the demo's first, then by official code) that lack them
  (user names `gen.<unit code>.<role>`, the demo password);
- `--dossiers N` dossiers received over the last `--months` months up to now, with the volume of
  a Vietnamese year (busier before Tết, in spring and late autumn; a dip over Tết; only online
  filings on days off), about 40 % online, about 70 % digitised, about 1 % practice dossiers;
- for each dossier its path through the procedure's real state machine: mostly the straight
  path, with supplement requests (a few twice), refusals at reception, refusals of the result,
  withdrawals and stops, send-backs, extensions (Mẫu 04), fee-first procedures whose clock starts
  at the payment; step times drawn around each step's allotment; recent dossiers still open;
- every column, step row, pause row, attachment row and event (with its hash chain) exactly as
  the dossier services would have written them, then the monthly report counters
  (`reports.stats.rebuild`).

PostgreSQL gets COPY in batches (one transaction each) from one forked worker per CPU core;
SQLite gets executemany in this process. See `runner` for how ids and batches are handled.
"""

from casework.demo_generate.runner import Options, Summary, generate

__all__ = ["Options", "Summary", "generate"]
