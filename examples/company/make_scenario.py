#!/usr/bin/env python3
"""Writes examples/scenarios/company-demo.json: the scripted model for `make demo`.

Every role of the company talks to the same fake model server (mh-fake-llm). Each turn
below answers one request: `contains` picks the session by the text of its task
("Work item #5 (task)" or "Review the change for #5") and `tool_results` by how far the
session has got. Work items are numbered in the order they are filed: #1 spec, #2 design,
#3 acceptance, #4 release (the opening plan), then #5 and #6, the tasks the product lead
files. Run it again after editing: python3 examples/company/make_scenario.py
"""
import json
import os

TEXTSTAT = '''"""textstat: statistics of the text read on standard input."""
import sys

import counts
import top

USAGE = "usage: textstat.py words | lines | top N   (text on standard input)"


def main(argv):
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        print(USAGE)
        return 0
    if len(argv) == 2 and argv[1] in ("words", "lines"):
        text = sys.stdin.read()
        print(counts.words(text) if argv[1] == "words" else counts.lines(text))
        return 0
    if len(argv) == 3 and argv[1] == "top" and argv[2].isdigit():
        for word, count in top.top(sys.stdin.read(), int(argv[2])):
            print(f"{count} {word}")
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
'''

COUNTS_STUB = '''"""Counting words and lines: work item "Count words and lines"."""


def words(text):
    raise NotImplementedError("words")


def lines(text):
    raise NotImplementedError("lines")
'''

TOP_STUB = '''"""The most frequent words: work item "Most frequent words"."""


def top(text, n):
    raise NotImplementedError("top")
'''

COUNTS = '''"""Counting words and lines."""


def words(text):
    """The number of words, separated by white space."""
    return len(text.split())


def lines(text):
    """The number of lines; a last line without a newline counts too."""
    if not text:
        return 0
    return text.count("\\n") + (0 if text.endswith("\\n") else 1)
'''

TOP = '''"""The most frequent words."""
import collections


def top(text, n):
    """The n most frequent words (lower case) with their counts, ties alphabetical."""
    counts = collections.Counter(word.lower() for word in text.split())
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
'''

TEST_CLI = '''import subprocess
import sys
import unittest


def run(*args, stdin=""):
    return subprocess.run([sys.executable, "textstat.py", *args], input=stdin,
                          capture_output=True, text=True)


class CliTest(unittest.TestCase):
    def test_help(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("usage", result.stdout)

    def test_wrong_command_exits_2(self):
        result = run("bogus")
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage", result.stderr)
'''

TEST_COUNTS = '''import unittest

import counts


class CountsTest(unittest.TestCase):
    def test_words(self):
        self.assertEqual(counts.words("a b  c\\nd"), 4)
        self.assertEqual(counts.words(""), 0)

    def test_lines(self):
        self.assertEqual(counts.lines("a\\nb\\n"), 2)
        self.assertEqual(counts.lines("a\\nb"), 2)
        self.assertEqual(counts.lines(""), 0)
'''

TEST_TOP = '''import unittest

import top


class TopTest(unittest.TestCase):
    def test_most_frequent_first(self):
        self.assertEqual(top.top("b a B c a b", 2), [("b", 3), ("a", 2)])

    def test_ties_alphabetical(self):
        self.assertEqual(top.top("y x", 5), [("x", 1), ("y", 1)])
'''

SPEC = '''# textstat: specification

textstat reads text on standard input and prints statistics about it.

## Interface
- `python3 textstat.py words`: the number of words (runs of non-space characters).
- `python3 textstat.py lines`: the number of lines; a last line without a newline counts.
- `python3 textstat.py top N`: the N most frequent words, lower-cased, one per line as
  `COUNT WORD`, most frequent first, ties alphabetical.
- `--help` prints the usage; anything else prints it on standard error, exit status 2.

## Acceptance criteria
1. `printf 'a b  c\\nd' | python3 textstat.py words` prints `4`.
2. `printf 'a\\nb' | python3 textstat.py lines` prints `2`.
3. `printf 'b a B c a b' | python3 textstat.py top 2` prints `3 b` then `2 a`.
4. `python3 textstat.py bogus` exits with status 2.
5. `python3 -m unittest discover -s tests -t .` passes.
'''

DESIGN = '''# textstat: design

- `textstat.py`: the command line; reads standard input and calls the modules below.
- `counts.py`: `words(text)` and `lines(text)` (task "Count words and lines").
- `top.py`: `top(text, n)` -> list of (word, count) (task "Most frequent words").
- `tests/`: one unittest module per module.

Build: `python3 -m py_compile textstat.py counts.py top.py`.
Test: `python3 -m unittest discover -s tests -t . -v`.
The two tasks touch different files, so they can be done in parallel.
'''

CHANGELOG = '''# Changelog

## 0.1.0
- `textstat words` and `textstat lines` count the words and lines of standard input.
- `textstat top N` lists the most frequent words.
'''

TEST_CMD = "python3 -m unittest discover -s tests -t . -v"


def call(name, **arguments):
    return {"name": name, "arguments": arguments}


def turn(contains, results, text, *calls):
    return {"when": {"contains": contains, "tool_results": results},
            "text": text, "tool_calls": list(calls)}


def write(path, content):
    return call("write_file", path=path, content=content)


turns = [
    # The product lead: the spec, then the backlog.
    turn("Work item #1 (spec)", 0, "I will write the spec first.", write("SPEC.md", SPEC)),
    turn("Work item #1 (spec)", 1, "Now the backlog: two tasks that touch different files.",
         call("file_work_item", kind="task", title="Count words and lines",
              body="Implement words(text) and lines(text) in counts.py as SPEC.md says, "
                   "with tests in tests/test_counts.py."),
         call("file_work_item", kind="task", title="Most frequent words",
              body="Implement top(text, n) in top.py as SPEC.md says, with tests in "
                   "tests/test_top.py.")),
    turn("Work item #1 (spec)", 3, "",
         call("submit", summary="SPEC.md with five acceptance criteria; tasks #5 and #6.")),
    # The architect: design notes, skeleton, commands, a check.
    turn("Work item #2 (design)", 0, "Design notes and a skeleton the tasks fill in.",
         write("DESIGN.md", DESIGN), write("textstat.py", TEXTSTAT),
         write("counts.py", COUNTS_STUB), write("top.py", TOP_STUB),
         write("tests/__init__.py", ""), write("tests/test_cli.py", TEST_CLI),
         call("set_commands", build="python3 -m py_compile textstat.py counts.py top.py",
              test=TEST_CMD)),
    turn("Work item #2 (design)", 7, "Checking that the tests run.",
         call("run_command", command=TEST_CMD)),
    turn("Work item #2 (design)", 8, "",
         call("submit", summary="DESIGN.md, the skeleton and the build and test commands.")),
    # Two engineers in parallel.
    turn("Work item #5 (task)", 0, "Implementing the counts with tests.",
         write("counts.py", COUNTS), write("tests/test_counts.py", TEST_COUNTS)),
    turn("Work item #5 (task)", 2, "", call("run_command", command=TEST_CMD)),
    turn("Work item #5 (task)", 3, "",
         call("submit", summary="words() and lines() with tests for empty input and a "
                                "last line without a newline.")),
    turn("Work item #6 (task)", 0, "Implementing top with tests.",
         write("top.py", TOP), write("tests/test_top.py", TEST_TOP)),
    turn("Work item #6 (task)", 2, "", call("run_command", command=TEST_CMD)),
    turn("Work item #6 (task)", 3, "",
         call("submit", summary="top() counts lower-cased words, ties alphabetical.")),
    # The reviewer.
    turn("Review the change for #5", 0, "The change does what #5 asks and is tested.",
         call("review", decision="approve", comments="Clear and tested.")),
    turn("Review the change for #6", 0, "The change does what #6 asks and is tested.",
         call("review", decision="approve", comments="Good tie-breaking test.")),
    # QA checks the acceptance criteria on main.
    turn("Work item #3 (acceptance)", 0, "Checking each acceptance criterion.",
         call("run_command", command="printf 'a b  c\\nd' | python3 textstat.py words"),
         call("run_command", command="printf 'a\\nb' | python3 textstat.py lines"),
         call("run_command", command="printf 'b a B c a b' | python3 textstat.py top 2"),
         call("run_command", command="python3 textstat.py bogus; echo status=$?"),
         call("run_command", command=TEST_CMD)),
    turn("Work item #3 (acceptance)", 5, "",
         call("submit", summary="1 passed (4), 2 passed (2), 3 passed (3 b, 2 a), "
                                "4 passed (status 2), 5 passed (tests OK).")),
    # The release manager.
    turn("Work item #4 (release)", 0, "Writing the changelog.",
         write("CHANGELOG.md", CHANGELOG)),
    turn("Work item #4 (release)", 1, "",
         call("submit", summary="CHANGELOG.md for 0.1.0.")),
]

scenario = {
    "name": "company-demo",
    "description": "A whole company builds textstat (examples/company/brief.md) to v0.1.0.",
    "model": "fake-model",
    "turns": turns,
}

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "scenarios", "company-demo.json")
with open(out, "w") as f:
    json.dump(scenario, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(out))
