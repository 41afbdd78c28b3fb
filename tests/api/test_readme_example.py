"""The README's API example works as pasted on a fresh database: no dossier code written into it,
the code taken from the POST's answer by its own one-liner, and each call answered as shown."""

from __future__ import annotations

import re
import subprocess
import sys

from casework.settings import PROJECT_ROOT


def readme_example() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## API trong vài dòng") :]
    m = re.search(r"```sh\n(.*?)```", section, re.S)
    assert m, "the README's API example"
    return m.group(1)


def test_the_readme_api_example_runs_on_a_fresh_database(client, world, token_for):
    script = readme_example()
    # nothing that exists only on someone's database: the dossier code comes from the answer
    assert not re.search(r"[A-Z]+(\.[A-Z]+)*-\d{6}-\d{4}", script), script
    assert "$API/dossiers/$CODE/actions/accept" in script
    bodies = re.findall(r"-d '(\{.*?\})'", script)
    assert len(bodies) == 2, script
    headers = {**token_for(world["hni.receiver"]), "Content-Type": "application/json"}

    assert client.get("/api/v1/me", headers=headers).json()["username"] == "hni.receiver"
    opened = client.post("/api/v1/dossiers", content=bodies[0].encode(), headers=headers)
    assert opened.status_code == 201, opened.text
    one_liner = re.search(r"\.venv/bin/python -c '([^']+)'", script)
    assert one_liner
    code = subprocess.run(
        [sys.executable, "-c", one_liner.group(1)],
        input=opened.text,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert code == opened.json()["code"]
    assert opened.json()["version"] == 1  # what the example sends as expected_version
    accepted = client.post(
        f"/api/v1/dossiers/{code}/actions/accept", content=bodies[1].encode(), headers=headers
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "reviewing"
