"""Which creation-stack frame is the user's code, in each form CDK has written."""

from __future__ import annotations

import pytest

from sagewarden.sources.cdk_metadata import user_frame


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        # aws-cdk-lib 2.x (folded): library and Node frames already summarised
        (
            ["new MlPlatform (/tmp/t/lib/ml.js:22:5)", "<anonymous> (/tmp/t/app.js:38:1)"],
            ("/tmp/t/lib/ml.js", 22, 5),
        ),
        (
            ["...aws-cdk-lib...", "<anonymous> (/tmp/t/app.js:7:1)", "...node internals..."],
            ("/tmp/t/app.js", 7, 1),
        ),
        # raw V8 frames (older releases' `trace`, CDK_DEBUG)
        (
            [
                "at new CfnModel (/w/node_modules/aws-cdk-lib/aws-sagemaker/lib/x.js:1:9)",
                "at Module._compile (node:internal/modules/cjs/loader:1554:14)",
                "at Object.<anonymous> (/w/bin/app.ts:12:3)",
            ],
            ("/w/bin/app.ts", 12, 3),
        ),
        # a frame without a function name, one without a column, a Windows path
        (["at /w/app.js:5:2"], ("/w/app.js", 5, 2)),
        (["f (/w/app.js:5)"], ("/w/app.js", 5, None)),
        (["new Stack (C:\\work\\app\\bin\\app.js:3:9)"], ("C:\\work\\app\\bin\\app.js", 3, 9)),
        # no user code at all
        (["...aws-cdk-lib...", "(no user code in 10 frames, use --stack-trace-limit)"], None),
        (["at internal/main/run_main_module.js:1:1", 7, None], None),
    ],
)
def test_user_frame(stack: list[object], expected: tuple[str, int, int | None] | None) -> None:
    frame = user_frame(stack)
    got = None if frame is None else (frame.file, frame.line, frame.column)
    assert got == expected
