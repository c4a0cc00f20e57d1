"""sagewarden's demo and test account: not the product.

`emulator` is a local AWS (moto's server plus the SageMaker operations and fields moto
lacks) on 127.0.0.1, and `estate` is the realistic SageMaker account built on it through
the real API. `sagewarden demo` and the test suite use them; the product package
(`sagewarden`) imports this package only lazily, inside the `demo` command, so a scan or a
fix never loads it. It ships in the same distribution; its third-party dependency (moto)
comes with the `demo` extra: `pip install 'sagewarden[demo]'`.
"""

from importlib.util import find_spec

# The emulator imports moto only when it starts: without the `demo` extra, fail here, as an
# ImportError the demo command turns into one line, rather than with a traceback mid-run.
if find_spec("moto") is None:
    raise ImportError("sagewarden_demo needs moto: pip install 'sagewarden[demo]'", name="moto")
