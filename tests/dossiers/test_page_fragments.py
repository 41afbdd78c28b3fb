"""The dossier page's parts kept per process (issue 19, item 2): the action forms (by procedure
version, state, actions and language, with the dossier's code, version and the viewer's CSRF
token put in at each view) and the Mẫu 06 rows (by their content and language). On both
databases: what a viewer gets from the kept parts is exactly what a fresh rendering gives them —
after another viewer (other roles, other session), in another language, and after an action."""

from __future__ import annotations

import re

from casework.accounts.models import Unit
from casework.accounts.service import create_user
from casework.dossiers import page
from tests.factories import accepted_xray


def part(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def actions_of(html: str) -> str:
    return part(html, '<section aria-labelledby="h-actions">', "</section>")


def steps_of(html: str) -> str:
    return part(html, '<tbody id="steps">', "</tbody>")


def fresh(client, url: str) -> str:  # type: ignore[no-untyped-def]
    """The page rendered with every per-process part dropped first."""
    page.forget_all()
    return client.get(url).text


def test_kept_action_forms_are_each_viewers_own(client, session, world, sign_in, xray):
    d = accepted_xray(session, xray, world["hni.receiver"])
    url = f"/dossiers/{d.code}"
    page.forget_all()
    first_token = sign_in(world["hni.handler"])
    first = client.get(url).text  # fills the kept forms for (version, state, actions, vi)
    assert 'id="action-request_supplement"' in first
    forms = actions_of(first)
    assert forms.count(f'name="csrf_token" value="{first_token}"') == forms.count("<form")
    assert f'name="expected_version" value="{d.version}"' in forms
    assert f'action="/dossiers/{d.code}/actions/request_supplement"' in forms
    assert "\x00" not in first

    # another handler of the unit: the same kept forms, their own token, nothing of the first's
    other = create_user(
        session, username="hni.handler2", full_name="Cán bộ thụ lý hai",
        unit=session.get(Unit, world["hni.handler"].unit_id), roles=["handler"],
    )  # fmt: skip
    second_token = sign_in(other)
    assert second_token != first_token
    second = client.get(url).text
    assert first_token not in second
    assert actions_of(second) == actions_of(fresh(client, url))
    assert actions_of(second) == forms.replace(first_token, second_token)

    # the receiver (other roles): other actions, not the handler's forms
    sign_in(world["hni.receiver"])
    client.get(url)
    receiver = client.get(url).text
    assert 'id="action-request_supplement"' not in receiver
    assert actions_of(receiver) == actions_of(fresh(client, url))


def test_kept_parts_follow_the_language(client, session, world, sign_in, xray):
    d = accepted_xray(session, xray, world["hni.receiver"])
    url = f"/dossiers/{d.code}"
    sign_in(world["hni.handler"])
    page.forget_all()
    vietnamese = client.get(f"{url}?lang=vi").text
    english = client.get(f"{url}?lang=en").text  # kept Vietnamese parts must not be served
    assert "Chọn" in actions_of(vietnamese) and "Chọn" not in actions_of(english)
    assert "Trong hạn" in steps_of(vietnamese) or "Đúng hạn" in steps_of(vietnamese)
    assert actions_of(english) == actions_of(fresh(client, f"{url}?lang=en"))
    assert steps_of(english) == steps_of(fresh(client, f"{url}?lang=en"))
    again = client.get(f"{url}?lang=vi").text
    assert actions_of(again) == actions_of(vietnamese)
    assert steps_of(again) == steps_of(vietnamese)


def test_kept_parts_are_not_stale_after_an_action(client, session, world, sign_in, xray):
    d = accepted_xray(session, xray, world["hni.receiver"])
    url = f"/dossiers/{d.code}"
    page.forget_all()
    token = sign_in(world["hni.handler"])
    before = client.get(url).text
    version = int(re.search(r'name="expected_version" value="(\d+)"', before).group(1))
    r = client.post(
        f"{url}/actions/submit_for_signing",
        data={
            "csrf_token": token, "expected_version": str(version),
            "ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo", "result_summary": "Xác nhận",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    after = client.get(url).text
    # the handler has nothing to do while the leader signs: no kept form of the last step
    assert 'id="action-submit_for_signing"' not in after
    assert f'value="{version}"' not in actions_of(after)
    assert steps_of(after) != steps_of(before)  # the step left, the signing step entered
    assert actions_of(after) == actions_of(fresh(client, url))
    assert steps_of(after) == steps_of(fresh(client, url))
    # the leader: the new step's forms carry the new version
    sign_in(world["hni.leader"])
    leader = client.get(url).text
    assert f'name="expected_version" value="{version + 1}"' in leader
    assert actions_of(leader) == actions_of(fresh(client, url))


def test_a_failed_action_keeps_what_was_typed_and_is_not_kept(
    client, session, world, sign_in, xray
):
    d = accepted_xray(session, xray, world["hni.receiver"])
    url = f"/dossiers/{d.code}"
    token = sign_in(world["hni.handler"])
    client.get(url)
    r = client.post(
        f"{url}/actions/request_supplement",
        data={"csrf_token": token, "expected_version": str(d.version), "reason": "Lý do riêng 123"},
    )
    assert r.status_code == 422
    assert "Lý do riêng 123" in actions_of(r.text)
    assert "Lý do riêng 123" not in client.get(url).text  # the typed text stays in that answer
