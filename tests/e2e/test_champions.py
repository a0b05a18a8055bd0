"""The champion alias end to end: the reference worker registers versions and its gate moves
`champion`; the history records those moves; a manual promote and a rollback move the alias in
the MLflow file store and appear in the history (REST and CLI)."""
import json

from conftest import wait_for

MODEL = "threat-scorer"


def champion_file(r):
    path = r.data / "mlruns" / "models" / MODEL / "aliases" / "champion"
    return path.read_text() if path.exists() else None


def history(r):
    resp = r.get(f"/models/{MODEL}/champions")
    assert resp.status == 200, resp.text
    return resp.json


def run_job(r, seed):
    before = {j["id"] for j in r.jobs()}
    r.generate(300, seed=seed)
    job = wait_for(lambda: next((j for j in r.jobs() if j["id"] not in before), None), what="a job")
    done = r.wait_status(job["id"], ("completed", "failed"), timeout=60)
    assert done["status"] == "completed", done
    return done


def test_history_promote_and_rollback(make_retrain):
    r = make_retrain([{"id": MODEL, "minRecords": 200, "params": {"num_round": "10"}}])
    first = run_job(r, seed=11)
    # Recorded before the next worker can move the alias again (the first version always wins).
    wait_for(lambda: history(r)["champions"], what="the first automatic move")
    second = run_job(r, seed=12)
    versions = r.data / "mlruns" / "models" / MODEL
    assert sorted(p.name for p in versions.glob("version-*")) == ["version-1", "version-2"]

    # The first version always becomes champion; the second only when its gate says so.
    promoted = [j for j in (first, second)
                if j["metrics"].get("promoted", j["metrics"].get("champion_promoted")) == 1]
    assert promoted and promoted[0]["id"] == first["id"]
    h = wait_for(lambda: (lambda x: x if len(x["champions"]) == len(promoted) else None)(history(r)),
                 what="the automatic moves in the history")
    assert [e["jobId"] for e in h["champions"]] == [j["id"] for j in reversed(promoted)]
    assert all(e["source"] == "automatic" for e in h["champions"])
    assert h["champions"][0]["current"] is True and h["champions"][0]["to"] is None
    current = champion_file(r)
    assert h["champion"] == current
    other = "1" if current == "2" else "2"

    # A manual promote moves the alias in the registry files and tags the version.
    p = r.post(f"/models/{MODEL}/promote", {"version": other, "reason": "e2e: hand-picked"})
    assert p.status == 200, p.text
    assert p.json["changed"] is True and p.json["champion"]["previousVersion"] == current
    assert champion_file(r) == other
    tags = versions / f"version-{other}" / "tags"
    assert (tags / "retrain.promoted_by").read_text() == "manual"
    assert (tags / "retrain.promotion_reason").read_text() == "e2e: hand-picked"
    same = r.post(f"/models/{MODEL}/promote", {"version": other, "reason": "again"})
    assert same.status == 200 and same.json["changed"] is False
    h = history(r)
    assert h["champion"] == other
    newest = h["champions"][0]
    assert (newest["version"], newest["source"], newest["reason"]) == (other, "manual", "e2e: hand-picked")
    assert h["champions"][1]["to"] == newest["from"]

    # Rollback returns to the champion before, through the CLI.
    cli = r.cli("models", "rollback", MODEL, "--reason", "e2e: undo")
    assert f"version {current} of {MODEL} is now the champion" in cli.stdout
    assert champion_file(r) == current
    assert (versions / f"version-{current}" / "tags" / "retrain.promoted_by").read_text() == "rollback"
    table = r.cli("models", "history", MODEL).stdout
    assert "rollback" in table and "e2e: undo" in table and "manual" in table
    as_json = json.loads(r.cli("models", "history", MODEL, "--json").stdout)
    assert [e["source"] for e in as_json["champions"][:2]] == ["rollback", "manual"]

    # Refusals.
    bad = r.post(f"/models/{MODEL}/promote", {"version": "99", "reason": "nope"})
    assert bad.status == 404 and bad.json["error"]["code"] == "version_not_found"
    no_reason = r.post(f"/models/{MODEL}/promote", {"version": "1"})
    assert no_reason.status == 422 and no_reason.json["error"]["details"]["field"] == "reason"
    assert r.post(f"/models/{MODEL}/rollback", {}).status == 422
    missing = r.cli("models", "promote", MODEL, "99", "--reason", "x", check=False)
    assert missing.returncode == 1 and "version_not_found" in missing.stderr
    assert r.cli("models", "promote", MODEL, "1", check=False).returncode == 2
    assert r.get("/models/nope/champions").status == 404
