#!/usr/bin/env python3
"""Writes the scripted model of the company benchmark (bench/company/run.sh).

usage: make_scenario.py OUT.json [--tasks N] [--delay-ms MS]

The product lead files N independent tasks in one reply (task k writes its own module
mods/mod_k.py, so no two changes touch the same file); the architect records real but
quick build and test commands; each engineer writes its module and submits; each reviewer
approves; QA accepts; the release manager writes CHANGELOG.md. Every turn waits
--delay-ms before answering, like a real model would.

Work items are numbered in the order they are filed: #1 spec, #2 design, #3 acceptance,
#4 release, then the tasks #5 .. #N+4. Turns are matched by the text of the session's task
("Work item #7 (task)", "Review the change for #7 (task") and by how many tool results
the request holds. Prints the number of model turns on the critical path.
"""
import argparse
import json

FIRST_TASK = 5

SPEC = """# bench: specification

A package of N small modules, mods/mod_K.py, each with value() returning K.

## Acceptance criteria
1. Every module compiles (the test command).
"""

DESIGN = """# bench: design

- `mods/`: one module per task, `mods/mod_K.py` defines `value()` returning K.
- Build: `true`. Test: every `mods/*.py` compiles with Python's compile().
The tasks touch different files, so they can all be done in parallel.
"""

BUILD_CMD = "true"
TEST_CMD = ("python3 -c \"import glob; "
            "[compile(open(f).read(), f, 'exec') for f in glob.glob('mods/*.py')]\"")


def call(name, **arguments):
    return {"name": name, "arguments": arguments}


def write(path, content):
    return call("write_file", path=path, content=content)


def module(k):
    return f'"""Module {k} of the benchmark."""\n\n\ndef value():\n    return {k}\n'


def build(tasks, delay_ms):
    def turn(contains, results, text, *calls):
        return {"when": {"contains": contains, "tool_results": results}, "text": text,
                "tool_calls": list(calls), "delay_ms": delay_ms}

    ids = range(FIRST_TASK, FIRST_TASK + tasks)
    filings = [call("file_work_item", kind="task", title=f"Module {k}",
                    body=f"Write mods/mod_{k}.py with value() returning {k}; the test "
                         f"command compiles every module.") for k in ids]
    turns = [
        turn("Work item #1 (spec)", 0, f"SPEC.md and {tasks} independent tasks.",
             write("SPEC.md", SPEC), *filings),
        turn("Work item #1 (spec)", 1 + tasks, "",
             call("submit", summary=f"SPEC.md; {tasks} tasks filed.")),
        turn("Work item #2 (design)", 0, "Design notes, the package and the commands.",
             write("DESIGN.md", DESIGN), write("mods/__init__.py", ""),
             call("set_commands", build=BUILD_CMD, test=TEST_CMD)),
        turn("Work item #2 (design)", 3, "",
             call("submit", summary="DESIGN.md, mods/ and the build and test commands.")),
    ]
    # Reviews first: a review's task names its item too, so the more specific text wins.
    turns += [turn(f"Review the change for #{k} (task", 0, "It does what the item asks.",
                   call("review", decision="approve", comments="Fine.")) for k in ids]
    for k in ids:
        turns.append(turn(f"Work item #{k} (task)", 0, f"Writing mods/mod_{k}.py.",
                          write(f"mods/mod_{k}.py", module(k))))
        turns.append(turn(f"Work item #{k} (task)", 1, "",
                          call("submit", summary=f"mods/mod_{k}.py: value() returns {k}.")))
    turns += [
        turn("Work item #3 (acceptance)", 0, "",
             call("submit", summary="1 passed: the test command compiles every module.")),
        turn("Work item #4 (release)", 0, "Writing the changelog.",
             write("CHANGELOG.md", f"# Changelog\n\n## 0.1.0\n- {tasks} modules.\n")),
        turn("Work item #4 (release)", 1, "", call("submit", summary="CHANGELOG.md for 0.1.0.")),
    ]
    # Product lead 2, architect 2, one engineer 2, its reviewer 1, QA 1, release manager 2.
    critical_turns = 2 + 2 + 2 + 1 + 1 + 2
    scenario = {"name": "company-bench",
                "description": f"A company of {tasks} engineers builds {tasks} modules.",
                "model": "fake-model", "turns": turns}
    return scenario, critical_turns


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--delay-ms", type=int, default=2000)
    args = parser.parse_args()
    scenario, critical_turns = build(args.tasks, args.delay_ms)
    with open(args.out, "w") as f:
        json.dump(scenario, f, indent=1)
        f.write("\n")
    print(critical_turns)


if __name__ == "__main__":
    main()
