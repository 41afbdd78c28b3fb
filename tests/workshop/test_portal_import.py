"""Import of a portal record (issue 20 item 6): the saved pages in fixtures/ are rebuilt from the
layouts seen on the portal (each says where and when); nothing here needs a database."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from casework.errors import ValidationFailed
from casework.workshop.portal_import import PortalDraft, draft_from_portal
from casework.workshop.portal_page import read_record
from casework.workshop.validation import check_procedure_text

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 12, 5)
GIA_HAN = "dichvucong_263341_gia_han_x_quang.html"
PHONG_XA = "dichvucong_2.000169_san_xuat_chat_phong_xa.html"
CSDL = "csdl_mirror_1.009844_cap_lai_giay_phep_buc_xa.html"
TIEN_GIANG = "tiengiang_2.002131_khai_bao_x_quang.html"


def imported(name: str, **kw: object) -> PortalDraft:
    return draft_from_portal((FIXTURES / name).read_bytes(), today=TODAY, **kw)  # type: ignore[arg-type]


def data_of(result: PortalDraft) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(result.yaml_text)


def unmapped(result: PortalDraft) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for u in result.unmapped:
        out.setdefault(u.field, []).append(u.raw)
    return out


def test_national_portal_popup_maps_limit_fee_documents_and_lists_the_rest() -> None:
    result = imported(GIA_HAN)
    data = data_of(result)
    assert data["name"] == (
        "Thủ tục gia hạn giấy phép tiến hành công việc bức xạ - Sử dụng thiết bị X-quang chẩn "
        "đoán trong y tế"
    )
    assert data["limit"] == {"value": 25, "unit": "days"}  # «25 Ngày» on every channel
    assert data["clock_starts"] == "on_fee_paid"  # «… hồ sơ hợp lệ và phí, lệ phí»
    # «Phí : Đồng (75% phí thẩm định cấp giấy phép mới.)»: no amount is invented
    assert data["fee"] == {"amount_vnd": None, "note": "Phí: 75% phí thẩm định cấp giấy phép mới."}
    assert [(d["name"], d["copies"]) for d in data["documents"]] == [
        ("Đơn đề nghị gia hạn Giấy phép tiến hành công việc bức xạ", "01 bản chính"),
        ("Bản sao giấy phép đã được cấp và sắp hết hạn", "01 bản sao"),
        (
            "Kết quả đo liều kế cá nhân trong thời gian hiệu lực của giấy phép đề nghị gia hạn",
            "01 bản chính",
        ),
        ("Bản sao kết quả kiểm xạ", "01 bản sao"),
        ("Bản sao Giấy chứng nhận kiểm định thiết bị", "01 bản sao"),
    ]
    assert len({d["key"] for d in data["documents"]}) == 5
    # the page's internal id is not a TTHC code; level, field, legal basis are not on the page
    assert "code" not in data and "level" not in data and "legal_basis" not in data
    assert result.code is None
    assert result.missing == ["Mã thủ tục", "Cấp thực hiện", "Lĩnh vực", "Căn cứ pháp lý"]
    listed = unmapped(result)
    assert listed["code"] == ["263341"]
    assert listed["forms"] == [
        "Đơn đề nghị gia hạn Giấy phép tiến hành công việc bức xạ: Mau 6_Don gia han GP.doc "
        "<https://dichvucong.gov.vn/p/home/dvc-tai-file.html?fileId=263341-mau6>"
    ]
    assert "fee" in listed and "channels" in listed
    # the portal's chrome (menu, footer) is not read as a record part
    assert "Trang chủ" not in result.yaml_text and "Văn phòng Chính phủ" not in result.yaml_text


def test_sources_carry_the_page_and_the_import_date() -> None:
    data = data_of(imported(GIA_HAN))
    (source,) = data["sources"]
    assert source["checked"] == TODAY
    assert source["cite"].endswith(
        "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=263341"
    )
    assert source["cite"].startswith("Cổng Dịch vụ công quốc gia, «Thủ tục gia hạn")
    assert "05/12/2026" in source["note"]
    assert source["what"] == ["name", "limit", "fee", "documents"]


def test_steps_are_a_marked_skeleton_with_the_portal_text_beside_it() -> None:
    result = imported(PHONG_XA)
    data = data_of(result)
    assert data["needs_recheck"][0] == {
        "steps": "Các bước, vai trò và thao tác là khung tối thiểu do công cụ nhập tạo, không lấy "
        "từ Cổng: người biên tập viết lại theo «Trình tự thực hiện» (chép ở đầu tệp)."
    }
    assert "CẦN BIÊN TẬP" in result.yaml_text.splitlines()[1]
    steps = unmapped(result)["steps"][0]
    assert steps.startswith("Bước 1: Tổ chức, cá nhân sản xuất, chế biến chất phóng xạ")
    assert "#   Bước 3: Bộ KHCN cấp Giấy phép tiến hành công việc bức xạ" in result.yaml_text
    assert set(data["states"]) == {
        "received", "reviewing", "awaiting_supplement", "signing", "result_ready", "returned",
    }  # fmt: skip


def test_two_fee_amounts_are_not_merged_and_an_unstated_clock_is_flagged() -> None:
    result = imported(PHONG_XA)
    data = data_of(result)
    assert data["code"] == "2.000169"  # dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc=<code>
    assert data["code_kind"] == "national"
    assert data["limit"] == {"value": 60, "unit": "days"}
    assert data["fee"] == {
        "amount_vnd": None,
        "note": "Phí: 50.000.000 đồng; Phí: 20.000.000 đồng",
    }
    assert "clock_starts" not in data
    assert any("clock_starts" in item for item in data["needs_recheck"] if isinstance(item, str))
    listed = unmapped(result)
    assert listed["agency"] == ["Bộ Khoa học và Công nghệ"]
    assert [d["copies"] for d in data["documents"]] == ["01 bản chính"] * 3


def test_database_record_maps_code_level_field_and_lists_decision_and_agency() -> None:
    result = imported(CSDL)
    data = data_of(result)
    assert (data["code"], data["level"], data["field"]) == (
        "1.009844",
        "ministry",
        "An toàn bức xạ và hạt nhân",
    )
    listed = unmapped(result)
    assert listed["decision"] == ["3950/QĐ-BKHCN"]
    assert listed["type"] == ["TTHC được luật giao quy định chi tiết"]
    assert listed["result"] == ["Giấy phép tiến hành công việc bức xạ (cấp lại)."]
    # «Không có thông tin» / «Chưa có thông tin» are not listed as content
    assert "authority" not in listed and "conditions" not in listed
    assert "quyết định công bố 3950/QĐ-BKHCN" in data["sources"][0]["cite"]
    steps = listed["steps"][0].splitlines()
    assert steps[0].startswith("Bước 1: Tổ chức, cá nhân có yêu cầu cấp lại")
    assert not any(line.startswith("Tên bước") for line in steps)
    assert result.missing == ["Căn cứ pháp lý", "Thời hạn giải quyết", "Thành phần hồ sơ"]


def test_province_page_gives_the_national_code_and_a_draft_that_only_lacks_its_level(
    workflows_dir: Path,
) -> None:
    result = imported(TIEN_GIANG)
    data = data_of(result)
    assert data["code"] == "2.002131"  # 2.002131.000.00.00.H58 on the page
    assert data["limit"] == {"value": 5, "unit": "working_days"}
    assert data["clock_starts"] == "on_valid_dossier"  # «kể từ ngày nhận đủ hồ sơ khai báo»
    assert data["fee"] == {"amount_vnd": 0, "note": "Lệ phí: 0 đồng; Phí: 0 đồng"}
    # the unlabelled steps list after «Căn cứ pháp lý» is not read as legal basis
    assert data["legal_basis"] == [
        "Luật 18/2008/QH12-Năng lượng nguyên tử Số: 18/2008/QH12",
        "Thông tư 08/2010/TT-BKHCN Số: 08/2010/TT-BKHCN",
    ]
    assert [d["name"] for d in data["documents"]] == [
        "Phiếu khai báo thiết bị X quang chẩn đoán y tế"
    ]
    assert unmapped(result)["subjects"] == ["Tổ chức hoặc cá nhân"]  # «Ðối tượng» with Ð (U+00D0)
    # the same checks as `casework workflows check`: only the level is missing
    checked = check_procedure_text(result.yaml_text, workflows_dir)
    assert len(checked.errors) == 1
    assert "«level»" in checked.errors[0].message
    fixed = result.yaml_text.replace("kind: application\n", "level: province\nkind: application\n")
    assert check_procedure_text(fixed, workflows_dir).errors == []


def test_every_fixture_draft_validates_once_the_missing_values_are_typed(
    workflows_dir: Path,
) -> None:
    filled = {
        "code": "KHCN-THU-NHAP",
        "level": "province",
        "field": "An toàn bức xạ và hạt nhân",
        "legal_basis": ["Văn bản sẽ ghi khi biên tập"],
        "limit": {"value": 5, "unit": "working_days"},
        "documents": [{"key": "don", "name": "Đơn đề nghị"}],
    }
    for name in (GIA_HAN, PHONG_XA, CSDL, TIEN_GIANG):
        data = data_of(imported(name))
        for key, value in filled.items():
            data.setdefault(key, value)
        data.setdefault("code_kind", "local")
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        assert check_procedure_text(text, workflows_dir).errors == [], name


def test_a_given_code_is_used_when_the_page_has_none() -> None:
    data = data_of(imported(GIA_HAN, code="KHCN-BX-GH-NHAP"))
    assert (data["code"], data["code_kind"]) == ("KHCN-BX-GH-NHAP", "local")
    assert "code" not in data["sources"][0]["what"]  # the editor's code is not the page's


def test_url_option_names_the_source_of_a_page_saved_without_its_address() -> None:
    html = "<h1>Thủ tục thử</h1><p>Lĩnh vực: Đo lường</p>"
    result = draft_from_portal(html, today=TODAY, filename="trang.html")
    assert (
        result.source == "Trang thủ tục đã lưu (không rõ địa chỉ), «Thủ tục thử» — tệp «trang.html»"
    )
    result = draft_from_portal(
        html,
        today=TODAY,
        source_url="https://csdl.dichvucong.gov.vn/web/jsp/x.jsp?ma_thu_tuc=1.000001",
    )
    assert result.source.startswith("Cơ sở dữ liệu quốc gia về thủ tục hành chính, «Thủ tục thử»")
    assert data_of(result)["code"] == "1.000001"
    assert data_of(result)["field"] == "Đo lường"


@pytest.mark.parametrize(
    ("level", "expected"),
    [("Cấp Bộ", "ministry"), ("Cấp Tỉnh", "province"), ("Cấp Xã", "commune"),
     ("Cấp Tỉnh, Cấp Xã", None), ("Cấp Huyện", None)],
)  # fmt: skip
def test_level_is_mapped_only_when_it_is_one_known_level(level: str, expected: str | None) -> None:
    html = f"<table><tr><td>Cấp thực hiện:</td><td>{level}</td></tr></table>"
    result = draft_from_portal(html, today=TODAY)
    assert data_of(result).get("level") == expected
    assert (unmapped(result).get("level") == [level]) is (expected is None)


def test_limits_that_differ_by_channel_are_listed_not_chosen() -> None:
    html = (
        "<h2>Cách thức thực hiện</h2><table>"
        "<tr><th>Hình thức nộp</th><th>Thời hạn giải quyết</th><th>Phí, lệ phí</th><th>Mô tả</th></tr>"
        "<tr><td>Trực tiếp</td><td>10 Ngày làm việc</td><td>Lệ phí: 100.000 Đồng</td>"
        "<td>kể từ ngày nhận đủ hồ sơ hợp lệ</td></tr>"
        "<tr><td>Trực tuyến</td><td>8 Ngày làm việc</td><td>Lệ phí: 100.000 Đồng</td>"
        "<td>kể từ ngày nhận đủ hồ sơ hợp lệ</td></tr></table>"
    )
    result = draft_from_portal(html, today=TODAY)
    data = data_of(result)
    assert "limit" not in data
    assert unmapped(result)["limit"] == ["Trực tiếp: 10 Ngày làm việc\nTrực tuyến: 8 Ngày làm việc"]
    assert data["fee"] == {"amount_vnd": 100000, "note": "Lệ phí: 100.000 đồng"}
    assert data["clock_starts"] == "on_valid_dossier"


def test_binary_word_export_is_refused_with_a_way_out() -> None:
    with pytest.raises(ValidationFailed) as exc:
        draft_from_portal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, today=TODAY)
    assert "Trang web (.htm)" in exc.value.message
    assert exc.value.fields == {
        "file": "Tệp Word nhị phân: lưu thành trang web (.htm) rồi nhập lại."
    }


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Word writes it: a base letter (with its horn or breve) and a tone mark."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", parts[:-1])
            out += base.encode("cp1258") + parts[-1].encode("cp1258")
    return out


def test_an_export_saved_in_another_charset_is_read() -> None:
    html = '<meta charset="windows-1258"><p>Mã thủ tục: 1.004473</p><p>Lĩnh vực: Đo lường</p>'
    record = read_record(_cp1258(html))
    assert record.first("code") is not None
    field = record.first("field")
    assert field is not None and field.lines == ["Đo lường"]  # composed again (NFC)


def test_cli_prints_the_draft_and_the_unmapped_list() -> None:
    from casework.cli import app

    result = CliRunner().invoke(app, ["workshop", "import-portal", str(FIXTURES / TIEN_GIANG)])
    assert result.exit_code == 0, result.output
    assert "code: '2.002131'" in result.stdout
    assert "Chưa chuyển: [subjects] Ðối tượng thực hiện: Tổ chức hoặc cá nhân" in result.stderr
    assert "Trang nguồn không ghi: Cấp thực hiện." in result.stderr


def test_legal_basis_table_rows_become_one_line_each() -> None:
    html = (
        "<h3>Căn cứ pháp lý</h3><table>"
        "<tr><th>Số ký hiệu</th><th>Trích yếu</th><th>Ngày ban hành</th><th>Cơ quan ban hành</th></tr>"
        "<tr><td>94/2025/QH15</td><td>Luật Năng lượng nguyên tử</td><td>27-06-2025</td>"
        "<td>Quốc hội</td></tr></table>"
    )
    data = data_of(draft_from_portal(html, today=TODAY))
    assert data["legal_basis"] == [
        "94/2025/QH15 — Luật Năng lượng nguyên tử (27-06-2025, Quốc hội)"
    ]


def test_a_record_of_a_published_procedure_is_compared_value_by_value(xray) -> None:  # type: ignore[no-untyped-def]
    from casework.workshop.portal_compare import compare

    found = {d.label: d for d in compare(imported(TIEN_GIANG), xray)}
    # the limit (5 working days) and the fee (0) agree: not listed
    assert set(found) == {"Tên thủ tục", "Lĩnh vực", "Thành phần hồ sơ", "Căn cứ pháp lý"}
    assert found["Lĩnh vực"].portal == "An toàn bức xạ hạt nhân"
    assert found["Lĩnh vực"].published == "An toàn bức xạ và hạt nhân"
    assert found["Thành phần hồ sơ"].portal == "Phiếu khai báo thiết bị X quang chẩn đoán y tế"
    assert "Luật 18/2008/QH12" in found["Căn cứ pháp lý"].portal


def test_cli_compares_with_the_file_of_the_same_code() -> None:
    from casework.cli import app

    result = CliRunner().invoke(app, ["workshop", "import-portal", str(FIXTURES / TIEN_GIANG)])
    assert "So với 2.002131 trong workflows/: 4 giá trị khác." in result.stderr
    assert (
        "Lĩnh vực: trang ghi «An toàn bức xạ hạt nhân»; tệp ghi «An toàn bức xạ và hạt nhân»"
        in result.stderr
    )


def test_a_typed_page_address_must_be_a_web_address() -> None:
    with pytest.raises(ValidationFailed) as exc:
        draft_from_portal("<h1>Thủ tục thử</h1>", today=TODAY, source_url="dichvucong.gov.vn")
    assert exc.value.fields == {"url": "Ghi đủ địa chỉ, bắt đầu bằng https://"}


def _mhtml(html: bytes, url: str) -> bytes:
    """A page saved «as a single file» the way Chrome writes it (quoted-printable HTML)."""
    from email import charset as charsets
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    utf8 = charsets.Charset("utf-8")
    utf8.body_encoding = charsets.QP
    message = MIMEMultipart("related", type="text/html")
    message["Snapshot-Content-Location"] = url
    message["Subject"] = "Cổng Dịch vụ công Quốc gia"
    page = MIMEText(html.decode("utf-8"), "html", utf8)
    page["Content-Location"] = url
    message.attach(page)
    return message.as_bytes()


def test_a_page_saved_as_a_single_file_is_unwrapped() -> None:
    url = (
        "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc=2.000169"
    )
    html = (FIXTURES / PHONG_XA).read_bytes().replace(b"<!-- saved from url=(0087)", b"<!-- ")
    saved = _mhtml(html, url)
    assert b"=C3=" in saved  # quoted-printable, as browsers write it
    result = draft_from_portal(saved, today=TODAY)
    assert result.yaml_text == imported(PHONG_XA).yaml_text
    assert result.source.endswith(url)


def test_control_characters_and_bidi_overrides_never_reach_the_draft() -> None:
    html = (
        "<h1>Thủ tục\x00 thử\u202e</h1><table><tr><td>Lĩnh vực:</td><td>Đo\x0b lường</td></tr>"
        "<tr><td>Mã thủ tục:</td><td>1.000\x07001</td></tr></table>"
    )
    result = draft_from_portal(html.encode("utf-8"), today=TODAY)
    data = data_of(result)
    assert (data["name"], data["field"], data["code"]) == ("Thủ tục thử", "Đo lường", "1.000001")
    assert not any(c in result.yaml_text for c in "\x00\x0b\x07\u202e")


@pytest.mark.parametrize("code", ["KHCN BX", "Ha\x00Noi", "-X", "x" * 65, "mã-có-dấu"])
def test_a_typed_code_has_the_shape_of_a_procedure_code(code: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        draft_from_portal("<h1>Thủ tục thử</h1>", today=TODAY, code=code)
    assert set(exc.value.fields) == {"code"}
