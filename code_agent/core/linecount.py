"""Blank, comment and code lines of one file, counted the way cloc counts them.

cloc (the reference the issue names) counts a file in three steps: it drops blank lines, runs
the language's comment filters over what is left (dropping lines that become blank after each
filter), and calls whatever survives "code". Its filters have quirks that decide real numbers:
a Python docstring is a comment, a Python line containing ``/*`` is a comment, a ``//``
comment ending in a backslash swallows the next line, blank lines after a line continuation
are code, the ``#!`` line of a script is code. Agreeing with cloc means reproducing those
filters, so each one below is a transcription of the cloc routine it names, working on bytes
(cloc reads bytes too, so ``\\s`` is ASCII whitespace in both).

Regexes are compiled once per language. Where cloc's Perl regex would backtrack badly in
Python's engine (an unterminated ``/*``), an equivalent pattern that matches the same text is
used instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from code_agent.core.languages import SCRIPT_LANGUAGES

Lines = list[bytes]
Filter = Callable[[Lines], Lines]

# Perl reads "\n"-terminated lines; a trailing "\r" is trimmed per line (read_file).
# Byte-order marks cloc strips from the first line. cloc formats bytes with "%x" (no zero
# padding) before the lookup, so marks starting with a 0x0? byte never match: left out here.
_BOMS = (
    b"\xfe\xff",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xf7\x64\x4c",
    b"\xfb\xee\x28",
    b"\x2b\x2f\x76\x38",
    b"\x2b\x2f\x76\x39",
    b"\x2b\x2f\x76\x2b",
    b"\x2b\x2f\x76\x2f",
    b"\xdd\x73\x66\x73",
    b"\x84\x31\x95\x33",
)

# Regexp::Common comment patterns as cloc uses them. ``/\*.*?\*/`` (DOTALL) matches exactly
# what Regexp::Common's ``/\*(?:[^*]+|\*(?!/))*\*/`` matches, without its exponential
# backtracking on an unterminated comment.
_COMMON = {
    "C": re.compile(rb"/\*.*?\*/", re.DOTALL),
    "C++": re.compile(rb"//[^\n]*\n|/\*.*?\*/", re.DOTALL),
    "HTML": re.compile(rb"<!(?:--[^-]*(?:-[^-]+)*--\s*)*>"),
}


def _blank(line: bytes) -> bool:
    return not line.strip()  # bytes.strip() strips exactly Perl's ASCII \s


def _continues(line: bytes) -> bool:
    return line.endswith((b"\\\n", b"\\"))


def _drop_blanks(lines: Lines, continuation: bool) -> Lines:
    """remove_matches('^\\s*$'), or remove_matches_2re when the language has continuations:
    a blank line right after a line ending in a backslash is kept."""
    if not continuation:
        return [line for line in lines if line.strip()]
    # (previous, line) pairs; the previous line is only looked at when the line is blank.
    return [
        line
        for previous, line in zip([b"", *lines], lines, strict=False)
        if line.strip() or previous.endswith(_BACKSLASH)
    ]


_BACKSLASH = (b"\\\n", b"\\")


def _split(text: bytes) -> Lines:
    """Perl's split("\\n", $text): trailing empty fields are dropped."""
    lines = text.split(b"\n")
    while lines and not lines[-1]:
        lines.pop()
    return lines


# --- cloc's filters ---------------------------------------------------------------------------


def remove_matches(pattern: bytes) -> Filter:
    """Drop lines matching ``pattern`` (case-insensitive), with fast paths for the usual ones."""
    literal = re.fullmatch(rb"\^\\s\*((?:\\[^A-Za-z0-9]|[^\\A-Za-z.^$*+?()\[\]{}|])+)", pattern)
    if literal:  # ^\s*#  ^\s*//  ^\s*--  ...: a prefix after leading whitespace
        prefix = re.sub(rb"\\(.)", rb"\1", literal.group(1))
        return lambda lines: [line for line in lines if not line.lstrip().startswith(prefix)]
    if pattern in (rb"/\*", rb"\*/"):
        needle = pattern.replace(b"\\", b"")

        def without_needle(lines: Lines) -> Lines:
            if needle not in b"".join(lines):  # the usual case: one C-speed scan
                return lines
            return [line for line in lines if needle not in line]

        return without_needle
    regex = re.compile(pattern, re.IGNORECASE)
    return lambda lines: [line for line in lines if not regex.search(line)]


def docstring_to_c(lines: Lines) -> Lines:
    """Turn triple-quoted strings into C comments (so docstrings count as comments)."""
    marked = [i for i, line in enumerate(lines) if b'"""' in line or b"'''" in line]
    if not marked:
        return lines
    inside = False
    result = list(lines)
    for index in marked:
        line = result[index]
        while _TRIPLE.search(line):
            if not inside:
                line = _TRIPLE_OPEN.sub(b"/*", line, count=1)
                inside = True
            else:
                line = _TRIPLE.sub(b"*/", line, count=1)
                inside = False
        result[index] = line
    return result


_TRIPLE = re.compile(rb'"""|' + rb"'''")
_TRIPLE_OPEN = re.compile(rb'[uU]?(?:"""|' + rb"''')")


def call_regexp_common(kind: str) -> Filter:
    regex = _COMMON[kind]

    def apply(lines: Lines) -> Lines:
        if kind == "C++":
            # cloc adds a newline to every line not ending in a backslash; lines still carry
            # their own, so most end up doubled (harmless: blank lines are dropped later).
            text = b"".join(line if _continues(line) else line + b"\n" for line in lines)
        else:
            text = b"".join(lines)
        return _split(regex.sub(b"", text))

    return apply


def remove_html_comments(lines: Lines) -> Lines:
    kept = []
    inside = False
    for line in lines:
        if _blank(line):
            continue
        if b"<!--" in line:
            line = _HTML_ONE_LINE.sub(b"", line)
            if _blank(line):
                continue
        if inside:
            end = line.find(b"-->")
            if end >= 0:
                line = line[end + 3 :]
                inside = False
        if _blank(line):
            continue
        start = line.find(b"<!--")
        if start >= 0:
            inside = True
            if _blank(line[:start]):
                continue
        if inside:
            continue
        kept.append(line)
    return kept


_HTML_ONE_LINE = re.compile(rb"<!--.*?-->")


def remove_between_general(start: bytes, end: bytes) -> Filter:
    one_line = re.compile(re.escape(start) + rb".*?" + re.escape(end))

    def apply(lines: Lines) -> Lines:
        kept = []
        inside = False
        for line in lines:
            if _blank(line):
                continue
            if start in line:
                line = one_line.sub(b"", line)
                if _blank(line):
                    continue
            if inside:
                position = line.find(end)
                if position < 0:
                    continue
                line = line[position + len(end) :]
                inside = False
            if _blank(line):
                continue
            position = line.find(start)
            if position >= 0:
                inside = True
                if _blank(line[:position]):
                    continue
                line = line[:position] + (b"\n" if line.endswith(b"\n") else b"")
            kept.append(line)
        return kept

    return apply


def remove_between_regex(start: bytes, end: bytes, replacement: bytes | None = None) -> Filter:
    """cloc's remove_between_regex, and replace_between_regex when ``replacement`` is given.

    The patterns are concatenated the way cloc concatenates them, so a back-reference such as
    Java's ``\\1`` refers to the same group it refers to in cloc. ``last_group`` mirrors Perl's
    ``$1``, which keeps the value of the last successful match in the loop body.
    """
    one_line = re.compile(start + rb".*?" + end)
    end_re = re.compile(end)
    through_end = re.compile(rb"^.*?" + end)
    opening = re.compile(rb"^(.*?)" + start)
    before_start = re.compile(rb"^(.*?)" + start + rb".*$")
    substitute = replacement if replacement is not None else b""

    def apply(lines: Lines) -> Lines:
        kept = []
        inside = False
        for line in lines:
            last_group: bytes | None = None
            if _blank(line):
                continue
            matches = list(one_line.finditer(line))
            if matches:
                last_group = matches[-1].group(1) if one_line.groups else None
                line = one_line.sub(lambda _m: substitute, line)
            if _blank(line):
                continue
            if inside:
                found = end_re.search(line)
                if found:
                    last_group = found.group(1) if end_re.groups else None
                    done = through_end.search(line)
                    if done:
                        last_group = done.group(1) if through_end.groups else None
                    line = through_end.sub(lambda _m: substitute, line, count=1)
                    inside = False
                if inside:
                    continue
            if _blank(line):
                continue
            found = opening.search(line)
            if found:
                inside = True
                last_group = found.group(1)
            if last_group is not None and _blank(last_group):
                continue
            if inside:
                line = before_start.sub(lambda m: m.group(1), line, count=1)
            kept.append(line)
        return kept

    return apply


def replace_regex(pattern: bytes, replacement: bytes) -> Filter:
    regex = re.compile(pattern)

    def apply(lines: Lines) -> Lines:
        kept = []
        for line in lines:
            if _blank(line):
                continue
            line = regex.sub(lambda _m: replacement, line)
            if _blank(line):
                continue
            kept.append(line)
        return kept

    return apply


def remove_below(marker: bytes) -> Filter:
    regex = re.compile(marker)

    def apply(lines: Lines) -> Lines:
        for index, line in enumerate(lines):
            if regex.search(line):
                return lines[:index]
        return lines

    return apply


def remove_below_above(below: bytes, above: bytes) -> Filter:
    start, stop = re.compile(below), re.compile(above)

    def apply(lines: Lines) -> Lines:
        kept = []
        inside = False
        for line in lines:
            if not inside and start.search(line):
                inside = True
                continue
            if inside and stop.search(line):
                inside = False
                continue
            if not inside:
                kept.append(line)
        return kept

    return apply


# --- languages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentRules:
    filters: tuple[Filter, ...]
    continuation: bool = False  # cloc's end_of_line_continuation "\\$"
    script: bool = False  # the first #! line counts as code


def _rules(*filters: Filter, continuation: bool = False) -> CommentRules:
    return CommentRules(tuple(filters), continuation)


_HASH = remove_matches(rb"^\s*#")
_C = call_regexp_common("C")
_CPP = call_regexp_common("C++")
_HTML = call_regexp_common("HTML")
_XMLISH = (remove_html_comments, _HTML)

_C_FAMILY = _rules(_CPP, continuation=True)
_C_FAMILY_NO_CONT = _rules(_CPP)
_HASH_CONT = _rules(_HASH, continuation=True)
_HASH_ONLY = _rules(_HASH)

# Transcribed from cloc's %Filters_by_Language and %EOL_Continuation_re. Filters cloc skips by
# default (rm_comments_in_strings without --strip-str-comments, remove_inline without
# --inline) are left out: they do not change default counts.
RULES: dict[str, CommentRules] = {
    "Python": _rules(
        remove_matches(rb"/\*"),
        remove_matches(rb"\*/"),
        _HASH,
        docstring_to_c,
        _C,
        continuation=True,
    ),
    "C": _C_FAMILY,
    "C++": _C_FAMILY,
    "C/C++ Header": _C_FAMILY,
    "C#": _C_FAMILY,
    "JavaScript": _C_FAMILY,
    "TypeScript": _C_FAMILY,
    "JSX": _C_FAMILY,
    "Go": _C_FAMILY,
    "Swift": _C_FAMILY,
    "Dart": _C_FAMILY,
    "LESS": _C_FAMILY,
    "Rust": _C_FAMILY_NO_CONT,
    "Kotlin": _C_FAMILY_NO_CONT,
    "Scala": _C_FAMILY_NO_CONT,
    "SCSS": _C_FAMILY_NO_CONT,
    "Sass": _C_FAMILY_NO_CONT,
    "Protocol Buffers": _C_FAMILY_NO_CONT,
    "Java": _rules(
        replace_regex(rb"\\$", b" "),
        remove_between_regex(rb"([\"'])(.*?/\*)\1", rb"(.*?)", b"xx"),
        remove_between_regex(rb"([\"'])(.*?\*/)\1", rb"(.*?)", b"xx"),
        _CPP,
    ),
    "PHP": _rules(_HASH, _CPP),
    "HCL": _rules(_HASH, _CPP),
    "CSS": _rules(_C),
    "Nix": _rules(_C, _HASH),
    "SQL": _rules(_C, remove_matches(rb"^\s*--")),
    "GraphQL": _rules(_HASH, docstring_to_c, _C),
    "Starlark": _rules(_HASH, docstring_to_c, _C, continuation=True),
    "Ruby": _rules(_HASH, remove_below_above(rb"^=begin", rb"^=end"), continuation=True),
    "Perl": _rules(
        remove_below(rb"^__(END|DATA)__"), _HASH, remove_below_above(rb"^=head1", rb"^=cut")
    ),
    "Lua": _rules(
        *(
            remove_between_general(b"--[" + b"=" * n + b"[", b"]" + b"=" * n + b"]")
            for n in (5, 4, 3, 2, 1, 0)
        ),
        remove_matches(rb"^\s*\-\-"),
        continuation=True,
    ),
    "Bourne Shell": _HASH_CONT,
    "Bourne Again Shell": _HASH_CONT,
    "zsh": _HASH_CONT,
    "Korn Shell": _HASH_CONT,
    "C Shell": _HASH_CONT,
    "awk": _HASH_CONT,
    "sed": _HASH_CONT,
    "Tcl/Tk": _HASH_CONT,
    "make": _HASH_CONT,
    "CMake": _HASH_CONT,
    "Meson": _HASH_CONT,
    "R": _HASH_CONT,
    "Fish Shell": _HASH_ONLY,
    "Dockerfile": _HASH_ONLY,
    "Containerfile": _HASH_ONLY,
    "YAML": _HASH_ONLY,
    "TOML": _HASH_ONLY,
    "Bazel": _HASH_ONLY,
    "Erlang": _rules(remove_matches(rb"^\s*%")),
    "Zig": _rules(remove_matches(rb"^\s*//")),
    "INI": _rules(remove_matches(rb"^\s*;")),
    "Properties": _rules(_HASH, remove_matches(rb"^\s*!")),
    "Clojure": _rules(remove_matches(rb"^\s*;"), remove_matches(rb"^\s*#_")),
    "Lisp": _rules(remove_matches(rb"^\s*;"), remove_between_general(b"#|", b"|#")),
    "DOS Batch": _rules(remove_matches(rb"^\s*rem"), remove_matches(rb"^\s*::")),
    "m4": _rules(remove_matches(rb"^dnl\s")),
    "diff": _rules(
        remove_matches(rb"^#"),
        remove_matches(rb"^\-\-\-"),
        remove_matches(rb"^\+\+\+"),
        remove_matches(rb"^\s"),
    ),
    "JSON": _rules(),
    "Text": _rules(),
    "XML": _rules(*_XMLISH),
    "XSD": _rules(*_XMLISH),
    "XSLT": _rules(*_XMLISH),
    "DTD": _rules(*_XMLISH),
    "SVG": _rules(*_XMLISH),
    "HTML": _rules(*_XMLISH),
    "Svelte": _rules(*_XMLISH),
    "Vuejs Component": _rules(*_XMLISH, _CPP),
    "Markdown": _rules(
        remove_between_general(b"<!--", b"-->"),
        remove_between_regex(rb"\[(comment|\/\/)?\]\s*:?\s*(<\s*>|#)?\s*\(.*?", rb".*?\)"),
    ),
    "reStructuredText": _rules(remove_between_regex(rb"^\.\.", rb"^[^ \n\t\r\f\.]")),
    "Jinja Template": _rules(remove_between_general(b"{#", b"#}")),
    "Mustache": _rules(remove_between_general(b"{{!", b"}}")),
    "Handlebars": _rules(
        remove_between_general(b"{{!--", b"--}}"),
        remove_between_general(b"{{!", b"}}"),
        remove_html_comments,
    ),
}


for _name in SCRIPT_LANGUAGES & RULES.keys():
    RULES[_name] = CommentRules(RULES[_name].filters, RULES[_name].continuation, script=True)


def split_lines(data: bytes) -> Lines:
    """cloc's read_file: "\\n"-terminated lines, BOM stripped, one trailing "\\r" trimmed."""
    if not data:
        return []
    if b"\r" in data:
        lines = [line + b"\n" for line in data.split(b"\n")]
        last = lines.pop()  # the text after the final "\n" (empty when the file ends with one)
        if last != b"\n":
            lines.append(last)
        lines = [line[:-2] + b"\n" if line.endswith(b"\r\n") else line for line in lines]
    else:
        lines = data.splitlines(keepends=True)  # splits on "\n" only when there is no "\r"
        if not lines[-1].endswith(b"\n"):
            lines[-1] += b"\n"
    if data == b"0" or data.endswith(b"\n0"):
        lines[-1] = b"0"  # cloc leaves a Perl-false last line "0" without its newline
    first = lines[0]
    for bom in _BOMS:
        if first.startswith(bom):
            lines[0] = first[len(bom) :]
            break
    return lines


def count(data: bytes, language: str) -> tuple[int, int, int]:
    """(blank, comment, code) lines of ``data`` written in ``language`` (a key of RULES)."""
    rules = RULES[language]
    lines = split_lines(data)
    total = len(lines)
    lines = _drop_blanks(lines, rules.continuation)
    blank = total - len(lines)
    if not lines:
        return blank, 0, 0
    first = lines[0]
    for apply in rules.filters:
        lines = _drop_blanks(apply(lines), rules.continuation)
    code = len(lines)
    if rules.script:
        first = first[:-1] if first.endswith(b"\n") else first
        if first.startswith(b"#!"):
            head = lines[0][:-1] if lines and lines[0].endswith(b"\n") else (lines or [b""])[0]
            if not lines or head != first:
                code += 1
    return blank, total - blank - code, code
