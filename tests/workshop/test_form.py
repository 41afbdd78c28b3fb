"""The structured form's lists, written into the YAML text in place (`workshop.form`): a document
taken out, checklist items edited, taken out and added — block and flow lists, a list left empty,
a table the file does not have yet — with the rest of the file (comments, order) untouched."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from casework.workshop import form

TEXT = """\
code: "9.999"
# the documents, from the portal record
documents:
  - key: don
    name: Đơn đề nghị
    required: true
  - {key: ban_sao, name: Bản sao giấy phép}  # no «required»: true by default
  - key: bien_lai
    name: Biên lai
    copies: 01 bản
states:
  received: {label: Tiếp nhận}
  reviewing: {label: Thẩm định}
  done: {label: Trả kết quả}
checklists:
  received:
    - Đủ giấy tờ
    - Đúng mẫu   # the form 01 check
  reviewing: [Đối chiếu, Ghi lý do]
sources:
  - {what: [limit], cite: "QĐ 1", checked: 2026-01-01}
"""


def _data(text: str) -> Any:
    return yaml.safe_load(text)


def test_the_form_lists_the_checklists_and_the_documents_with_their_index() -> None:
    values = form.values_of(TEXT)
    assert values["chk-received-1"] == "Đúng mẫu" and values["chk-reviewing-0"] == "Đối chiếu"
    assert values["doc-1-required"] == "on"  # unwritten: the schema's default
    assert [i for i, _ in form.documents_of(TEXT)] == [0, 1, 2]
    lists = form.checklists_of(TEXT)
    assert list(lists) == ["received", "reviewing", "done"] and lists["done"] == []


def test_a_document_taken_out_of_a_block_list_loses_its_lines_only() -> None:
    out = form.apply(TEXT, {}, {"docdel-0": "on"})
    docs = _data(out)["documents"]
    assert [d["key"] for d in docs] == ["ban_sao", "bien_lai"]
    assert "# the documents, from the portal record" in out and "# no «required»" in out
    assert out == TEXT.replace("  - key: don\n    name: Đơn đề nghị\n    required: true\n", "")


def test_an_edit_of_a_document_taken_out_is_not_written() -> None:
    out = form.apply(TEXT, {"doc-2-name": "Biên lai mới"}, {"docdel-2": "on"})
    assert "Biên lai" not in out and [d["key"] for d in _data(out)["documents"]] == [
        "don",
        "ban_sao",
    ]


def test_every_document_taken_out_leaves_an_empty_list_and_a_new_one_takes_its_place() -> None:
    marks = {f"docdel-{i}": "on" for i in range(3)}
    emptied = form.apply(TEXT, {}, marks)
    assert _data(emptied)["documents"] == [] and "documents: []\n" in emptied
    replaced = form.apply(TEXT, {}, marks | {"new_doc_key": "moi", "new_doc_name": "Giấy mới"})
    assert [d["key"] for d in _data(replaced)["documents"]] == ["moi"]


def test_a_required_box_unticked_on_a_document_without_the_key_writes_it() -> None:
    out = form.apply(TEXT, {"doc-1-required": ""}, {})
    assert _data(out)["documents"][1] == {
        "key": "ban_sao",
        "name": "Bản sao giấy phép",
        "required": False,
    }


def test_checklist_items_edited_taken_out_and_added() -> None:
    out = form.apply(
        TEXT,
        {"chk-received-0": "Đủ giấy tờ theo danh mục"},
        {
            "chkdel-received-1": "on",
            "chk-received-new": "Hẹn đúng ngày",
            "chkdel-reviewing-0": "on",
            "chk-reviewing-new": "Ký nháy",
            "chk-done-new": "Đã trả kết quả",
        },
    )
    lists = _data(out)["checklists"]
    assert lists == {
        "received": ["Đủ giấy tờ theo danh mục", "Hẹn đúng ngày"],
        "reviewing": ["Ghi lý do", "Ký nháy"],
        "done": ["Đã trả kết quả"],
    }
    assert "# the form 01 check" not in out  # the comment on the line taken out goes with it
    assert "# the documents, from the portal record" in out


def test_a_step_checklist_emptied_and_a_file_without_checklists() -> None:
    out = form.apply(TEXT, {}, {"chkdel-reviewing-0": "on", "chkdel-reviewing-1": "on"})
    assert _data(out)["checklists"]["reviewing"] == []
    bare = TEXT[: TEXT.index("checklists:")] + TEXT[TEXT.index("sources:") :]
    added = form.apply(bare, {}, {"chk-received-new": "Đủ giấy tờ"})
    assert _data(added)["checklists"] == {"received": ["Đủ giấy tờ"]}
    assert _data(added)["sources"] == _data(bare)["sources"]


def test_an_emptied_checklist_item_is_refused_with_its_field() -> None:
    with pytest.raises(form.FormProblem) as refused:
        form.apply(TEXT, {"chk-received-0": "  "}, {})
    assert refused.value.field == "chk-received-0" and "xóa" in str(refused.value)
    # emptied and marked «xóa»: taken out, no refusal
    out = form.apply(TEXT, {"chk-received-0": ""}, {"chkdel-received-0": "on"})
    assert _data(out)["checklists"]["received"] == ["Đúng mẫu"]
