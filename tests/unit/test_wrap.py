"""Word wrapping in screen cells (`outputs/wrap.py`), over any text: no line wider than
asked, words broken only between words unless longer than a line, escapes never cut."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from sagewarden.outputs.escaping import clean
from sagewarden.outputs.terminal import Style
from sagewarden.outputs.wrap import Piece, block, words

# ASCII, CJK (two cells each), emoji, a no-break space, and characters `clean` escapes.
ALPHABET = st.sampled_from([*"abcXYZ-_./:", "名", "前", "🙂", "\u00a0", "\x1b", "\u202e"])
WORD = st.text(ALPHABET, min_size=1, max_size=30)
TEXT = st.lists(WORD, min_size=1, max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, width=st.integers(min_value=4, max_value=60))
# A word that fits under the head but not beside it, beside a longer one that fits neither:
# the first was cut beside the head.
@example(text=":\u202e\u202e\u202e\u202e :::::::::::\x1b\x1b\x1b\x1b\x1b", width=34)
def test_lines_fit_and_words_stay_whole(text: str, width: int) -> None:
    shown = clean(text)
    lines = block([Piece("FAILED", (), 2)], words(shown, gap=2), width, Style(False))
    assert all(cell_len(line) <= width for line in lines), lines
    body = [w for w in " ".join(lines).split(" ") if w]
    joined = "".join(body)
    assert joined.replace("FAILED", "", 1) == "".join(shown.split(" "))
    for word in shown.split(" "):
        if word and cell_len(word) <= width - 4:
            assert word in body, (word, lines)
    if width - 4 >= len("\\U000e0041"):  # an escape that fits a line is never cut
        for line in lines:
            assert not line.rstrip().endswith(("\\", "\\x", "\\u")), lines


def test_colour_is_applied_after_wrapping() -> None:
    head = [Piece("FAILED", ("31",), 0)]
    lines = block(head, words("one two three", "2", gap=2), 14, Style(True), beside=True)
    assert lines == [
        "\x1b[31mFAILED\x1b[0m  \x1b[2mone\x1b[0m",
        "        \x1b[2mtwo\x1b[0m",
        "        \x1b[2mthree\x1b[0m",
    ]


def test_no_width_is_one_line_exactly_as_given() -> None:
    text = "a\u00a0b  c\u3000d"
    assert block([], words(text, gap=0), None, Style(False)) == [text]
