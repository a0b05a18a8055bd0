"""The seed's fixture files: imported into the embedded feed, or read directly as the feed."""
import json
import shutil

from conftest import scripted_worker_command, wait_for


def write_fixture(directory, job_id, ingested_at, n, entity_type="indicator"):
    records = [{"entity_type": entity_type, "confidence": i % 100, "severity": 1 + i % 9,
                "label": i % 2, "name": f"{job_id}-{i}"} for i in range(n)]
    (directory / f"{job_id}.json").write_text(json.dumps({"job_id": job_id, "ingested_at": ingested_at,
                                                          "records": records}))


def configure(make_retrain, extra_feed=None, min_records=10):
    r = make_retrain([], start=False)
    model = {"id": "scripted", "minRecords": min_records, "command": scripted_worker_command(),
             "maxAttempts": 1, "params": {"control": str(r.control)}}
    text = r._config_text([model])
    if extra_feed:
        text = text.replace("feed: {source: embedded}", extra_feed)
    r.config.write_text(text)
    return r


def test_import_fixtures(make_retrain, tmp_path):
    r = configure(make_retrain, min_records=25)
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    write_fixture(fixtures, "ingest-43", "2026-11-26T06:35:10Z", 15)
    write_fixture(fixtures, "ingest-42", "2026-11-26T06:30:00Z", 12, "malware")
    out = r.cli("feed", "import", str(fixtures)).stdout
    assert "imported 27 records from 2 ingestion jobs" in out
    again = r.cli("feed", "import", str(fixtures))
    assert "imported 0 records" in again.stdout and "already in the feed" in again.stderr
    (fixtures / "broken.json").write_text('{"job_id": "x", "records": []}')
    bad = r.cli("feed", "import", str(fixtures), check=False)
    assert bad.returncode == 1 and "broken.json" in bad.stderr and "ingested_at" in bad.stderr
    r.start()
    job = wait_for(lambda: (r.jobs() or [None])[0], what="the automatic job")
    assert job["records"] == 27
    assert job["ingestionJobs"] == ["ingest-42", "ingest-43"]
    assert job["ingestionJobCounts"] == {"ingest-42": 12, "ingest-43": 15}
    assert job["dataWindowStart"] == "2026-11-26T06:30:00.000Z"
    assert job["dataWindowEnd"] == "2026-11-26T06:35:10.000Z"


def test_fixture_directory_as_the_feed_and_readiness(make_retrain, tmp_path):
    fixtures = tmp_path / "seed-fixtures"
    fixtures.mkdir()
    r = configure(make_retrain, extra_feed=f"feed: {{source: fixtures, path: {fixtures}, pollInterval: 100ms}}")
    r.start()
    assert r.get("/readyz").status == 200
    write_fixture(fixtures, "ingest-1", "2026-11-26T06:00:00Z", 11)
    job = wait_for(lambda: (r.jobs() or [None])[0], what="a job from the fixture directory")
    assert job["records"] == 11 and job["ingestionJobs"] == ["ingest-1"]
    shutil.rmtree(fixtures)
    ready = r.get("/readyz")
    assert ready.status == 503 and ready.json["error"]["code"] == "not_ready"
    assert "gone" in ready.json["error"]["details"]["feed"]
    assert ready.json["error"]["details"]["store"] == "ok"
