"""An action says "— in <slip>" only when the dossier page then offers that slip to print
(issue 14, found by the staff journeys: "Không xác nhận — in văn bản kết quả" and the
inspection's "in quyết định / biên bản / báo cáo kiểm tra" promised slips nothing printed)."""

from __future__ import annotations

from tests.dossiers.test_pages import act, open_via_form, version_on_page


def test_only_printable_slips_are_promised(client, world, sign_in):
    token = sign_in(world["hni.receiver"])
    code = open_via_form(client, token).headers["location"].split("?")[0].rsplit("/", 1)[1]
    assert "— in Mẫu 01" in client.get(f"/dossiers/{code}").text
    act(client, token, code, "accept", expected_version=version_on_page(client, code))
    sign_in(world["hni.handler"])
    page = client.get(f"/dossiers/{code}").text
    assert 'id="action-refuse"' in page  # its slip, the result letter, is not printed here
    assert "— in Mẫu 02" in page
    assert "in văn bản kết quả" not in page
    assert f'href="/dossiers/{code}/slips/receipt"' in page  # what was promised is there
