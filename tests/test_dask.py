"""The Dask integration gives what `bootdiag scan` gives, on a LocalCluster bound to loopback."""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

distributed = pytest.importorskip("dask.distributed", reason="the dask extra is not installed")

from bootdiag.app.distributed import explain_texts, scan_with_dask  # noqa: E402
from bootdiag.core.pipeline import explain  # noqa: E402
from bootdiag.app.scan import scan  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import capture_bytes  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_dask_scan_gives_the_same_records_as_scan(client, tmp_path: Path) -> None:
    for i in range(3):
        (tmp_path / f"healthy{i}.log").write_bytes(capture_bytes("healthy", 150, seed=i))
        (tmp_path / f"loop{i}.log.gz").write_bytes(gzip.compress(capture_bytes("bootloop", 100, seed=i)))
    (tmp_path / "broken.gz").write_bytes(b"\x1f\x8bnot gzip")
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    local = list(scan([str(tmp_path)], jobs=1))
    seen: list[str] = []
    remote = scan_with_dask([str(tmp_path)], client, progress=lambda r: seen.append(r["path"]))
    assert remote == local
    assert sorted(seen) == sorted(r["path"] for r in local)
    assert {r["status"] for r in remote} == {"healthy", "diagnosed", "error"}


def test_dask_explains_texts_like_explain(client) -> None:
    texts = [capture_bytes("bootloop", 80, seed=s).decode() for s in (1, 2)]
    assert explain_texts(texts, client) == [explain(t) for t in texts]
