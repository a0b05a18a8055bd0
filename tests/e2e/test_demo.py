"""`retrain demo` on the shipped configuration: the gate decides on holdouts of hundreds of
records, and every finished job's line names the decision and its interval."""
import re
import subprocess

from conftest import BIN

FINAL = re.compile(
    r"^job\s+(\w+)\s+(\S+)\s+completed .*Registered \S+ version (\d+)\. .*"
    r"holdout (\d+)\s+(PROMOTED|kept champion)(?: \((\w+) (-?[\d.]+) vs champion, "
    r"CI \[(-?[\d.]+), (-?[\d.]+)\]\))?$")


def test_demo_shows_the_gate_deciding_on_evidence(tmp_path):
    out = subprocess.run(
        [BIN, "demo", "--data-dir", str(tmp_path / "demo"), "--listen", "127.0.0.1:0",
         "--jobs", "7"],
        capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    finals = [FINAL.match(line) for line in out.stdout.splitlines()
              if " completed " in line and line.startswith("job ")]
    assert finals and all(finals), out.stdout[-4000:]
    scorer = [m for m in finals if m.group(2) == "threat-scorer"]
    assert len(scorer) >= 3, out.stdout[-4000:]
    # The first version becomes champion without a comparison.
    assert scorer[0].group(5) == "PROMOTED" and scorer[0].group(6) is None
    # Cumulative training: the holdout grows with every job, and from 500 records on the gate
    # decides on its interval, which is printed with the decision.
    holdouts = [int(m.group(4)) for m in scorer]
    assert holdouts == sorted(holdouts) and holdouts[-1] >= 500, holdouts
    for m in scorer[1:]:
        assert m.group(6) == "auc", m.group(0)
        delta, low, high = float(m.group(7)), float(m.group(8)), float(m.group(9))
        assert low <= delta <= high
        if int(m.group(4)) < 500:
            assert m.group(5) == "kept champion", m.group(0)
        else:
            assert (m.group(5) == "PROMOTED") == (low > 0), m.group(0)
    # The champion alias points at the last promoted version.
    promoted = [m.group(3) for m in scorer if m.group(5) == "PROMOTED"]
    alias = (tmp_path / "demo" / "mlruns" / "models" / "threat-scorer" / "aliases" / "champion")
    assert alias.read_text().strip() == promoted[-1]
