"""Sign-off fixtures: those of tests/progress (provinces on the world's units, bo.mentor assigned
to Hà Nội, an admin of Sở KH&CN Hà Nội), and the X-ray procedure the trainees practise."""

from __future__ import annotations

from tests.progress.conftest import assigned, hni_admin, provinces  # noqa: F401  (fixtures)
