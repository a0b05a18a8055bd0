"""The crash soak (tests/soak/soak.py), short: SOAK_KILLS kills (20 by default; `make soak`
runs 200) with a seed from SOAK_SEED or a random one, printed so that a failure can be replayed."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "soak"))
import soak  # noqa: E402


def test_random_kills_lose_nothing(tmp_path):
    seed = int(os.environ["SOAK_SEED"]) if os.environ.get("SOAK_SEED") else None
    summary = soak.run(kills=int(os.environ.get("SOAK_KILLS", "20")), seed=seed,
                       workdir=tmp_path / "soak")
    assert summary["jobs"] > 0 and summary["worker_starts"] > 0, summary
    assert summary["statuses"].get("completed", 0) > 0, summary
