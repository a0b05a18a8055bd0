"""The API over HTTPS (server.tls) with a certificate made by openssl: a whole job whose worker
reports over TLS, the CLI with --ca-file / RETRAIN_CA_FILE, and a certificate reload on SIGHUP."""
import signal
import ssl
import subprocess

from conftest import BIN, http, wait_for


def make_cert(dir, name):
    crt, key = dir / f"{name}.crt", dir / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN=retrain-{name}", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    return crt, key


def served_certificate(port):
    pem = ssl.get_server_certificate(("127.0.0.1", port))
    return ssl.PEM_cert_to_DER_cert(pem)


def test_a_job_over_https_the_cli_and_a_reload(make_retrain, tmp_path, monkeypatch):
    a_crt, a_key = make_cert(tmp_path, "a")
    b_crt, b_key = make_cert(tmp_path, "b")
    live_crt, live_key = tmp_path / "live.crt", tmp_path / "live.key"
    live_crt.write_bytes(a_crt.read_bytes())
    live_key.write_bytes(a_key.read_bytes())
    r = make_retrain([{"id": "tls-model", "minRecords": 50}], start=False)
    r.config.write_text(r.config.read_text().replace(
        "  threads: 4\n",
        f"  threads: 4\n  tls: {{cert: {live_crt}, key: {live_key}, ca: {a_crt}}}\n"))
    r.url = f"https://127.0.0.1:{r.port}"
    monkeypatch.setenv("SSL_CERT_FILE", str(a_crt))  # what this test's own client trusts
    r.start()

    assert served_certificate(r.port) == ssl.PEM_cert_to_DER_cert(a_crt.read_text())
    try:
        plain = http("GET", f"http://127.0.0.1:{r.port}/healthz", timeout=3)
        assert plain.status != 200
    except OSError:
        pass  # no HTTP answer on the TLS port

    # A whole job: the worker posts its events to the https:// callback URL, trusting server.tls.ca.
    r.generate(60)
    job = wait_for(lambda: (r.jobs() or [None])[0], what="the automatic job")
    done = r.wait_status(job["id"], ("completed", "failed"), timeout=90)
    assert done["status"] == "completed", done
    assert 0.5 < done["metrics"]["auc"] <= 1.0

    # The CLI verifies the server with the CA it is given, and says what is wrong without it.
    r.env["RETRAIN_CA_FILE"] = str(a_crt)
    assert job["id"][:8] in r.cli("jobs").stdout
    del r.env["RETRAIN_CA_FILE"]
    r.env.pop("SSL_CERT_FILE", None)
    refused = r.cli("jobs", check=False)
    assert refused.returncode != 0 and "cannot reach" in refused.stderr, refused.stderr
    ok = r.cli("jobs", "--ca-file", str(a_crt), check=False)
    assert ok.returncode == 0, ok.stderr

    # A renewed certificate takes effect on SIGHUP, for new connections.
    live_crt.write_bytes(b_crt.read_bytes())
    live_key.write_bytes(b_key.read_bytes())
    assert served_certificate(r.port) == ssl.PEM_cert_to_DER_cert(a_crt.read_text())
    r.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: served_certificate(r.port) == ssl.PEM_cert_to_DER_cert(b_crt.read_text()),
             what="the renewed certificate")
    assert "reloaded the TLS certificate" in r.log.read_text()
    # A broken renewal keeps the certificate in use.
    live_key.write_text("not a key\n")
    r.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "still serving the previous certificate" in r.log.read_text(),
             what="the refused reload in the log")
    assert served_certificate(r.port) == ssl.PEM_cert_to_DER_cert(b_crt.read_text())
    assert r.proc.poll() is None


def test_unusable_tls_files_stop_start_up_naming_them(make_retrain, tmp_path):
    a_crt, _ = make_cert(tmp_path, "a")
    r = make_retrain([{"id": "m", "minRecords": 1000}], start=False)
    r.config.write_text(r.config.read_text().replace(
        "  threads: 4\n", f"  threads: 4\n  tls: {{cert: {a_crt}, key: {tmp_path}/missing.key}}\n"))
    serve = [BIN, "serve", "--config", str(r.config), "--data-dir", str(r.data),
             "--listen", f"127.0.0.1:{r.port}"]
    p = subprocess.run(serve, capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, p.stderr
    assert "missing.key" in p.stderr and "No such file" in p.stderr, p.stderr
    r.config.write_text(r.config.read_text().replace(f", key: {tmp_path}/missing.key", ""))
    p = subprocess.run(serve, capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "server.tls" in p.stderr and "key" in p.stderr, p.stderr
