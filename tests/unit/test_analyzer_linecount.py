"""cloc's counting rules, one behaviour per test (expected values checked against cloc 1.96)."""

from __future__ import annotations

import pytest

from code_agent.core.analyzer import is_binary
from code_agent.core.languages import (
    NEEDS_CONTENT,
    OTHER,
    SKIP,
    classify_content,
    classify_name,
)
from code_agent.core.linecount import count, split_lines


def test_python_docstrings_and_hash_lines_are_comments():
    source = b'"""Module doc."""\n\nimport os  # inline stays code\n\n# a comment\ndef f():\n'
    source += b"    '''Multi\n    line.\n    '''\n    return 1\n"
    assert count(source, "Python") == (2, 5, 3)


def test_python_line_containing_c_comment_marker_counts_as_comment():
    # cloc drops any Python line containing "/*" or "*/" before anything else.
    assert count(b'GLOB = "src/*"\nx = 1\n', "Python") == (0, 1, 1)


def test_python_shebang_line_is_code():
    assert count(b"#!/usr/bin/env python3\n# comment\nprint(1)\n", "Python") == (0, 1, 2)


def test_blank_line_after_a_continuation_is_code():
    assert count(b"x = 1 + \\\n\ny = 2\n", "Python") == (0, 0, 3)
    assert count(b"a=1 \\\n\nb=2\n", "YAML") == (1, 0, 2)  # YAML has no continuation rule


def test_c_comments_block_line_and_string_quirk():
    source = (
        b"int a; /* x */ int b; // y\n"
        b"/* multi\n line */ int c;\n"
        b'char *s = "/*"; int d;\n'  # cloc: the "/*" in the string opens a comment...
        b"int e; /* z */\n"  # ...closed here
        b"// c \\\n"
        b"int f;\n"  # a // comment ending in a backslash swallows this line
    )
    assert count(source, "C") == (0, 3, 4)


def test_unterminated_block_comment_is_not_slow():
    # cloc's Perl regex backtracks here until its per-file alarm fires, and then it reports
    # every line as a comment (with an error); we finish at once and count the code.
    source = b"int x; /*" + b" word" * 200_000 + b"\nint y;\n"
    assert count(source, "C") == (0, 0, 2)


def test_shell_comments_and_shebang():
    source = b"#!/bin/sh\n# comment\n\necho hi # trailing\n"
    assert count(source, "Bourne Shell") == (1, 1, 2)


def test_html_comments_spanning_lines():
    source = b"<p>a</p>\n<!-- one -->\n<!--\nmany\n-->\n<p>b</p> <!-- c -->\n"
    assert count(source, "HTML") == (0, 4, 2)


def test_markdown_html_comments_are_comments():
    assert count(b"# Title\n\n<!-- hidden\nstill -->\ntext\n", "Markdown") == (1, 2, 2)


def test_perl_pod_and_data_section():
    source = b"use strict;\n=head1 NAME\n\nFoo\n\n=cut\nprint 1;\n__END__\nignored\n"
    assert count(source, "Perl") == (2, 5, 2)


def test_crlf_and_bom_are_trimmed():
    assert split_lines(b"\xef\xbb\xbfa\r\nb\r\n") == [b"a\n", b"b\n"]
    assert count(b"\xef\xbb\xbf# c\r\n\r\nx = 1\r\n", "Python") == (1, 1, 1)


def test_unterminated_last_line_is_a_line():
    assert count(b"x = 1\ny = 2", "Python") == (0, 0, 2)


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("app.py", "Python"),
        ("Makefile", "make"),
        ("types.h", "C/C++ Header"),
        ("main.C", "C++"),
        ("Dockerfile", "Dockerfile"),
        ("Dockerfile.dev", "Dockerfile"),
        ("CMakeLists.txt", "CMake"),
        ("notes.txt", "Text"),
        ("values.yaml", "YAML"),
        ("README", SKIP),
        ("logo.png", SKIP),
        ("backup.py~", SKIP),
        ("script.py.bak", SKIP),
        ("view.m", OTHER),  # MATLAB/Objective-C: known to cloc, not counted here
        ("run", NEEDS_CONTENT),
        ("tool.pl", NEEDS_CONTENT),
    ],
)
def test_classify_by_name_follows_cloc(name, language):
    assert classify_name(name) == language


def test_classify_by_shebang_and_ambiguous_extension():
    assert classify_content("run", b"#!/usr/bin/env python3\nprint(1)\n") == "Python"
    assert classify_content("run", b"#! /bin/bash -e\r\necho\n") == "Bourne Again Shell"
    assert classify_content("data", b'<?xml version="1.0"?>\n<a/>\n') == "XML"
    assert classify_content("data", b"just words\n") == SKIP
    assert classify_content("tool.pl", b"use strict;\nsub f { 1; }\n") == "Perl"
    assert classify_content("facts.pl", b"parent(a, b).\nanc(X) :- parent(X, _).\n") == OTHER
    assert classify_content("app.ts", b"const x = 1;\nlet y = 2;\n") == "TypeScript"


def test_binary_detection_follows_perl_minus_b():
    assert is_binary(b"abc\0def")
    assert not is_binary(b"a" * 512 + b"\0")  # only the first 512 bytes are looked at
    assert not is_binary("café naïve\n".encode() * 10)  # valid UTF-8 is text
    assert not is_binary("é".encode() * 255 + b"\xc3")  # a character cut at the block end
    assert is_binary(b"a\x80" * 10)  # not UTF-8, half the bytes odd
    assert not is_binary(b"text with \x1b[1m escapes\x08\n")
