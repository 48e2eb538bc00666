"""Scan captures on a Dask cluster (``pip install bootdiag[dask]``).

Workers run :func:`bootdiag.app.scan.summarize` (a path or URL in, a summary dict out) or
:func:`bootdiag.explain` (text in, a :class:`~bootdiag.core.report.Report` out); both are plain
module-level functions, so Dask ships them by reference and every worker imports bootdiag once.
Paths must be readable from the workers: a shared disk, or object storage URLs through fsspec
(``s3://bucket/captures/x.log.gz`` with ``s3fs`` installed).

    from dask.distributed import Client
    from bootdiag.app.distributed import scan_with_dask
    records = scan_with_dask(["s3://factory-logs/2026-11-20/line3/*.log.gz"], Client("tcp://scheduler:8786"))
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bootdiag.core.errors import InputError


def _client(client_or_address: Any):
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError("--scheduler needs Dask: pip install 'bootdiag[dask]'") from None
    if isinstance(client_or_address, str):
        try:
            return Client(client_or_address, timeout="10s"), True
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {client_or_address}: {exc}") from None
    return client_or_address, False


def scan_with_dask(
    paths: Iterable[str], client: Any, progress: Callable[[dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    """Summary records of ``paths`` (files or fsspec URLs; globs of URLs expanded), in path order.

    ``client`` is a ``dask.distributed.Client`` or a scheduler address such as ``tcp://host:8786``.
    """
    from bootdiag.app.scan import summarize

    client, owned = _client(client)
    try:
        files = _expand_urls(list(paths))
        futures = client.map(summarize, files, pure=False)
        if progress is not None:
            from dask.distributed import as_completed

            by_key = {}
            for future in as_completed(futures):
                by_key[future.key] = future.result()
                progress(by_key[future.key])
            return [by_key[f.key] for f in futures]
        return client.gather(futures)
    finally:
        if owned:
            client.close()


def explain_texts(texts: Iterable[str], client: Any) -> list[Any]:
    """Reports of in-memory captures (for example rows already loaded from a table)."""
    from bootdiag.core.pipeline import explain

    client, owned = _client(client)
    try:
        return client.gather(client.map(explain, list(texts), pure=False))
    finally:
        if owned:
            client.close()


def _expand_urls(paths: list[str]) -> list[str]:
    """Local paths as :func:`bootdiag.app.scan.expand` gives them; URL globs through fsspec."""
    from bootdiag.app.scan import expand

    files: list[str] = []
    for item in paths:
        if "://" in item and any(ch in item for ch in "*?["):
            import fsspec

            fs, _, found = fsspec.get_fs_token_paths(item)
            protocol = fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol
            files.extend(sorted(f"{protocol}://{p}" for p in found))
        else:
            files.extend(expand([item]))
    return files
