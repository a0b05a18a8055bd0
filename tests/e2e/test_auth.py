"""API tokens end to end: `retrain token create`, a server with server.auth.tokensFile (401, 403,
what each role may do, the CLI's --token and RETRAIN_TOKEN), and the refusal to serve an open API
on a non-loopback address."""
import subprocess

from conftest import BIN, free_port, http


def with_auth(r, auth):
    r.config.write_text(r.config.read_text().replace("  threads: 4\n", f"  threads: 4\n  auth: {auth}\n"))


def create(r, role, name):
    p = r.cli("token", "create", "--role", role, "--name", name, "--file", str(r.dir / "tokens"))
    lines = p.stdout.splitlines()
    token = next(l.strip() for l in lines if l.strip().startswith("rt_"))
    line = next(l.strip() for l in lines if l.strip().startswith(f"{role}:{name}:"))
    return token, line


def test_tokens_roles_and_the_cli(make_retrain):
    r = make_retrain([{"id": "m", "minRecords": 1000}], start=False)
    admin, admin_line = create(r, "admin", "ops")
    viewer, _ = create(r, "read", "viewer")
    assert admin_line in (r.dir / "tokens").read_text()
    assert admin not in (r.dir / "tokens").read_text(), "only the hash is on disk"
    assert (r.dir / "tokens").stat().st_mode & 0o077 == 0
    with_auth(r, f"{{tokensFile: {r.dir / 'tokens'}}}")
    r.start()
    r.generate(3)

    assert r.get("/healthz").status == 200
    assert r.get("/retraining/jobs").status == 401
    assert r.get("/retraining/jobs", headers={"Authorization": "Bearer " + viewer}).status == 200
    no = r.post("/models/m/retrain", {}, headers={"Authorization": "Bearer " + viewer})
    assert no.status == 403 and no.json["error"]["code"] == "forbidden", no.text
    gql = http("POST", r.url + "/graphql", body={"query": "{ mlModels { id } }"})
    assert gql.status == 401 and gql.json["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    # The CLI: without a token it says what is wrong; with --token or RETRAIN_TOKEN it works.
    p = r.cli("jobs", check=False)
    assert p.returncode == 1 and "token" in p.stderr, p.stderr
    assert r.cli("jobs", "--token", viewer).returncode == 0
    p = r.cli("trigger", "m", "--token", viewer, check=False)
    assert p.returncode == 1 and "has role read" in p.stderr, p.stderr
    env = dict(r.env, RETRAIN_TOKEN=admin)
    p = subprocess.run([BIN, "trigger", "m", "--force", "--server", r.url], capture_output=True,
                       text=True, env=env)
    assert p.returncode == 0, p.stderr
    listed = http("GET", r.url + "/retraining/jobs", headers={"Authorization": "Bearer " + admin})
    assert [j["trigger"] for j in listed.json["jobs"]] == ["manual"], listed.text


def test_a_bad_tokens_file_is_named_at_start(make_retrain):
    r = make_retrain([{"id": "m", "minRecords": 3}], start=False)
    (r.dir / "tokens").write_text("# ok\nadmin:ops:not-a-hash\n")
    with_auth(r, f"{{tokensFile: {r.dir / 'tokens'}}}")
    p = subprocess.run([BIN, "serve", "--config", str(r.config), "--data-dir", str(r.data),
                        "--listen", f"127.0.0.1:{free_port()}"], capture_output=True, text=True,
                       env=r.env, timeout=30)
    assert p.returncode == 2, p.stderr
    assert "server.auth.tokensFile" in p.stderr and "tokens:2" in p.stderr, p.stderr


def test_an_open_api_is_refused_off_loopback_unless_asked_for(make_retrain):
    r = make_retrain([{"id": "m", "minRecords": 3}], start=False)
    port = free_port()
    cmd = [BIN, "serve", "--config", str(r.config), "--data-dir", str(r.data), "--listen", f"0.0.0.0:{port}"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=r.env, timeout=30)
    assert p.returncode == 2, p.stderr
    assert "server.auth.tokensFile" in p.stderr and "server.auth.mode: none" in p.stderr, p.stderr
    # mode none: open on purpose, and it says so.
    with_auth(r, "{mode: none}")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=r.env)
    try:
        from conftest import wait_for
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=20, what="the open server")
        assert http("GET", f"http://127.0.0.1:{port}/retraining/jobs").status == 200
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
    assert "open to anyone" in out, out


def _answers(url):
    try:
        return http("GET", url, timeout=1).status == 200
    except OSError:
        return False
