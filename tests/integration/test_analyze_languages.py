"""Every language analyze counts agrees with the real cloc on a sample with its comment forms.

The machine-built tree in test_analyze_cli.py covers the common languages with real files;
these samples cover the rest, each with the comment syntax cloc's filters look for.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from code_agent.core.linecount import RULES
from tests.conftest import skip_or_fail

CLOC = shutil.which("cloc") or "/usr/bin/cloc"

# fmt: off
SAMPLES = {
    'x.py': '#!/usr/bin/env python3\n"""Doc."""\n\nx = 1  # c\n# c2\ny = """\ntext\n"""\n',
    'x.c': '/* c */\nint main(void) { return 0; } // t\n',
    'x.cpp': '// c\nint f() { return 1; }\n',
    'x.h': '#ifndef X\n/* c */\n#define X \\\n  1\n#endif\n',
    'x.js': '// c\nconst a = "//"; /* x */\n',
    'x.sh': '#!/bin/sh\n# c\necho a \\\n\n  b\n',
    'x.bash': '# c\necho bash\n',
    'x.txt': 'text\n\nmore\n',
    'x.svg': '<svg>\n<!-- c -->\n</svg>\n',
    'x.xml': '<?xml version="1.0"?>\n<!-- c -->\n<a>\n</a>\n',
    'App.java': 'package x;\n/** doc */\npublic class A {\n  String s = "a/*b";\n  String t = "c*/d"; // end\n  int x = 1; \\\n}\n"/* starts */ line\n',
    'App.vue': '<template>\n<!-- c -->\n<div/>\n</template>\n<script>\n// c\nexport default {}\n/* x */\n</script>\n',
    'BUILD': '# c\ncc_library(name = "a")\n',
    'CMakeLists.txt': '# c\ncmake_minimum_required(VERSION 3.0)\n',
    'Containerfile': 'FROM a\n# c\n',
    'Dockerfile': 'FROM x\n# c\nRUN a \\\n\n  && b\n',
    'Makefile': '# c\nall:\n\techo a \\\n\t  b # t\n\n',
    'a.lua': '-- c\nprint(1)\n--[[ block\n still ]] print(2)\n--[==[ x\n]==]\n',
    'app.ts': 'const a = 1; // c\nlet b = "/*";\n/* x */ class C {}\n\n',
    'b.bat': 'REM c\n:: c2\necho a\nrem lower\n',
    'c.clj': '; c\n(def a 1)\n#_ (ignored)\n',
    'c.ini': '; c\n[a]\nb=1\n# not comment in cloc INI\n',
    'c.toml': '# c\n[a]\nb = 1 # t\n',
    'conf.properties': '# c\n! c2\na=b\n',
    'd.diff': '--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n context\n',
    'doc.rst': 'Title\n=====\n\n.. comment\n   more\n\ntext\n..\nx\n',
    'e.erl': '% c\n-module(a).\n',
    'g.graphql': '# c\n"""doc"""\ntype A { a: Int }\n',
    'h.hbs': '{{!-- c --}}\n{{a}}\n<!-- h -->\n',
    'index.html': '<!DOCTYPE html>\n<html>\n<!-- a -- b -->\n<body>\n<!--\n-->\n</body>\n</html>\n',
    'j.jinja2': '{# c #}\n{{ a }}\n{# multi\n line #}\n',
    'k.kt': '// c\nfun main() {\n  val s = """\n  /* in string */\n  """\n}\n',
    'l.el': '; c\n(setq a 1)\n#| block\n |#\n',
    'lib.rs': '//! crate doc\n/// item doc\nfn main() {\n    let s = "http://x"; /* c */\n    /* nested /* x */ y */\n}\n',
    'm.scss': '// c\n$a: 1;\n/* x */\n',
    'main.go': 'package main\n\n// comment\nimport "fmt"\n/* block\n comment */\nfunc main() { // trailing\n\tfmt.Println("a /* not */ b") \n\ts := `raw // string`\n}\n',
    'main.tf': '# c\n// c2\n/* c3 */\nresource "a" "b" {\n  x = "y" # t\n}\n',
    'meson.build': "# c\nproject('a')\n",
    'n.md': '# T\n[//]: # (hidden)\n<!-- c -->\ntext\n',
    'n.nix': '# c\n{ a = 1; /* x */ }\n',
    'p.php': '<?php\n# c\n// c2\necho 1; /* c3 */\n?>\n',
    'q.sql': '-- c\nSELECT 1; /* x */\n/* multi\nline */\nSELECT 2; -- t\n',
    'r.R': '# c\nx <- 1\n',
    's.css': '/* c */\na { b: c; } /* t */\n/*\n*/\n',
    't.tcl': '# c\nputs hi\n',
    'u.proto': '// c\nsyntax = "proto3";\n',
    'w.yml': '# c\na: 1 # t\nb: |\n  # not a comment really\n',
    'x.awk': '# c\n{ print }\n',
    'x.bzl': '# c\n"""doc"""\ndef f(): pass\n',
    'x.cs': 'using System;\n// c\nnamespace A { class B { } }\n',
    'x.csh': '# c\necho csh\n',
    'x.dart': '// c\nvoid main() {}\n',
    'x.dtd': '<!-- c -->\n<!ELEMENT a (b)>\n',
    'x.fish': '# c\necho a\n',
    'x.hcl': '# c\na = 1\n',
    'x.json': '{\n\n "a": 1\n}\n',
    'x.jsx': '/* c */\nconst a = 1;\n',
    'x.ksh': '#!/bin/ksh\n# c\necho\n',
    'x.less': '// c\n@a: 1;\n',
    'x.m4': 'dnl c\ndefine(a)\ndnl\n',
    'x.mustache': '{{! c }}\n{{a}}\n',
    'x.pl': '#!/usr/bin/perl\nuse strict;\n# c\nprint 1;\n=pod\n\ndoc\n=cut\n',
    'x.rb': '# c\nputs 1\n=begin\ndoc\n=end\nputs 2 # t\n',
    'x.sass': '// c\na\n  b: c\n',
    'x.scala': '// c\nobject A\n',
    'x.sed': '# c\ns/a/b/\n',
    'x.svelte': '<script>\nlet a;\n</script>\n<!-- c -->\n',
    'x.swift': '// c\nlet a = 1 /* b */\n',
    'x.tsx': 'const a = <div/>; // c\n',
    'x.xsd': '<?xml version="1.0"?>\n<!-- c -->\n<a/>\n',
    'x.xsl': '<!-- c -->\n<x/>\n',
    'x.zsh': '# c\necho\n',
    'z.zig': '// c\nconst a = 1;\n',
}
# fmt: on


def test_every_counted_language_agrees_with_cloc_on_its_sample(run_cli, tmp_path):
    if not os.access(CLOC, os.X_OK):
        skip_or_fail("cloc is not installed (Debian package cloc)")
    for name, text in SAMPLES.items():
        (tmp_path / name).write_text(text)
    result = run_cli("analyze", "--format", "json", str(tmp_path))
    assert result.returncode == 0, result.stderr
    ours = {
        s["language"]: [s["files"], s["blank"], s["comment"], s["code"]]
        for s in json.loads(result.stdout)["languages"]
    }
    report = json.loads(
        subprocess.run(
            [CLOC, "--json", "--quiet", str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        ).stdout
    )
    theirs = {
        language: [v["nFiles"], v["blank"], v["comment"], v["code"]]
        for language, v in report.items()
        if language not in ("header", "SUM")
    }
    assert ours == theirs
    # Every language we count is exercised (identical samples would be counted once).
    assert set(ours) == set(RULES)
