"""botocore's field limits, kept between runs in the user's cache folder.

Loading botocore's SageMaker model costs a scan about 0.15 s (importing botocore's model
code and reading a 2.6 MB document), while the controls read a handful of its facts: the
range of InstanceCount, the length of a tag key. The facts are still botocore's: each is
read from the model the first time it is asked for and kept, as JSON, in a file named by the
installed botocore's version, so upgrading botocore reads them afresh. A model botocore
takes from elsewhere (AWS_DATA_PATH, ~/.aws/models/sagemaker) is never cached. A cache file
that cannot be read or written is ignored: the model is read instead.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from sagewarden.usercache import private_folder

Facts = dict[str, Any]  # min, max, pattern, required: what recordable.Limits holds

_loaded: dict[str, Facts] | None = None
_path: str | None = None


def facts(key: str, read_model: Callable[[], Facts]) -> Facts:
    """The facts stored under `key`, or `read_model()`'s, stored for the next run."""
    global _loaded, _path
    if _loaded is None:
        _path = _cache_path()
        _loaded = _read(_path) if _path else {}
    if key in _loaded:
        return _loaded[key]
    found = read_model()
    _loaded[key] = found
    if _path:
        _write(_path, _loaded)
    return found


def _cache_path() -> str | None:
    if os.environ.get("AWS_DATA_PATH") or os.path.exists(
        os.path.join(Path.home(), ".aws", "models", "sagemaker")
    ):
        return None  # botocore reads a model of the user's: read it every time
    folder = private_folder()
    if folder is None:
        return None
    import botocore

    return os.path.join(folder, f"botocore-{botocore.__version__}-sagemaker-limits.json")


def _read(path: str) -> dict[str, Facts]:
    try:
        with open(path, "rb") as fh:
            data = orjson.loads(fh.read())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        return {}
    return data


def _write(path: str, data: dict[str, Facts]) -> None:
    """Replace the file whole, so a reader never sees half of it."""
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".limits-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # no cache this time: the next run reads the model again
