"""Published versions written back as YAML files (`casework workflows export`).

A version's stored definition is the normalized procedure (shared parts already expanded), so the
exported file has no `include:` and loads to the same content hash. A version published from the
workshop keeps the YAML its editor wrote (`ProcedureVersion.yaml_text`, with its includes and
comments); that text is written when it still loads to the version's hash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from casework.dossiers.models import ProcedureVersion
from casework.procedures import Procedure

HEADER = (
    "# Xuất từ cơ sở dữ liệu (casework workflows export): {code} phiên bản {version}.\n"
    "# Sửa thủ tục trong xưởng thủ tục (/workshop); tệp khác bản đã công bố sẽ được nhập\n"
    "# thành bản nháp khi khởi động, không tự công bố.\n"
)


def to_yaml(definition: dict[str, Any]) -> str:
    """The normalized definition as YAML, keys in the schema's order, Vietnamese kept as is;
    fields at their default are left out (loading fills them in again: the same hash)."""
    data = Procedure.model_validate(definition).model_dump(
        mode="json", by_alias=True, exclude_defaults=True
    )
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def version_yaml(row: ProcedureVersion) -> str:
    """The YAML text of a published version: the editor's own text when it was published from the
    workshop, else the stored definition."""
    if row.yaml_text:
        return row.yaml_text
    return HEADER.format(code=row.code, version=row.version) + to_yaml(row.definition)


def file_name(procedure: Procedure, existing: dict[str, Path]) -> str:
    """The file's name in `workflows/`: the one the repository already uses for this code, else
    the code itself (dots and slashes made safe)."""
    if procedure.code in existing:
        return existing[procedure.code].name
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in procedure.code)
    return f"{safe}.yaml"


def export_published(
    out_dir: Path,
    current: dict[str, ProcedureVersion],
    *,
    existing: dict[str, Path],
    workflows_dir: Path,
) -> tuple[list[Path], list[Path]]:
    """Write each published version in `current` (code → row) to `out_dir`; returns the files
    written and the files left as they are because they already hold that version (their
    comments and includes kept). `existing`: code → the repository file holding it now (its
    name is kept)."""
    from casework.dossiers.catalog import procedure_of_version
    from casework.workshop.validation import check_procedure_text

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    kept: list[Path] = []
    for code in sorted(current):
        row = current[code]
        path = out_dir / file_name(procedure_of_version(row), existing)
        if path.is_file():
            same = check_procedure_text(path.read_text("utf-8"), workflows_dir).procedure
            if same is not None and same.content_hash == row.content_hash:
                kept.append(path)
                continue
        text = row.yaml_text if row.yaml_text and not _includes(row.yaml_text) else None
        body = text or version_yaml(row.model_copy(update={"yaml_text": None}))
        path.write_text(body, encoding="utf-8")
        written.append(path)
    return written, kept


def _includes(text: str) -> bool:
    """Whether a YAML text includes shared parts (written out expanded instead, so the file does
    not depend on `common/` being the same as when it was published)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return True
    return isinstance(data, dict) and bool(data.get("include"))
