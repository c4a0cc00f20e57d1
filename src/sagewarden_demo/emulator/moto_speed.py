"""Two lookups moto repeats on every request, memoised.

moto's dispatcher lists its own package directory (one stat per service, about 180) and
inspects the response class's members on every request, which costs several milliseconds
a call and caps a single emulator at a few hundred calls a second. Both answers never
change while the process runs, so they are computed once. Behaviour is unchanged.
"""

from __future__ import annotations

import functools
from typing import Any

_done = False


def speed_up_moto() -> None:
    global _done
    if _done:
        return
    import moto.backends as backends
    import moto.core.responses as responses

    modules = tuple(backends.list_of_moto_modules())
    setattr(backends, "list_of_moto_modules", lambda: modules)  # noqa: B010
    cached = functools.lru_cache(maxsize=None)(getattr(responses, "method_names_from_class"))  # noqa: B009

    def method_names(clazz: Any) -> list[str]:
        return list(cached(clazz))

    setattr(responses, "method_names_from_class", method_names)  # noqa: B010
    _done = True
