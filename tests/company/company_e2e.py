#!/usr/bin/env python3
"""End-to-end tests of a whole company: the real macrohard binary, real git, the
bubblewrap sandbox, SQLite, and mh-fake-llm as the only stand-in (for the model).

Usage: company_e2e.py MACROHARD FAKE_LLM [unittest args, e.g. CompanyTest.test_serve]

Each test writes a scenario for the scripted model (turns matched by the text of a
session's task and by how many tool results its request holds, docs/fake-llm.md), makes a
company with `macrohard new --no-run`, runs it, and checks what a user would: the tag,
main's contents and tests, the tracker's history in the store, and the model server's
request log (a step that was recorded is never asked for again).
"""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

MACROHARD = FAKE_LLM = None
TEST_CMD = "python3 -m unittest discover -s tests -t . -q"


def call(name, **arguments):
    return {"name": name, "arguments": arguments}


def write(path, content):
    return call("write_file", path=path, content=content)


def turn(contains, results, *calls, last=None, delay_ms=0, text=""):
    when = {"contains": contains, "tool_results": results}
    if last:
        when["last_contains"] = last
    t = {"when": when, "text": text, "tool_calls": list(calls)}
    if delay_ms:
        t["delay_ms"] = delay_ms
    return t


def module(name, value):
    """A python module `name` with f() returning `value`, and its test."""
    return [write(f"{name}.py", f"def f():\n    return {value!r}\n"),
            write(f"tests/test_{name}.py",
                  f"import unittest\nimport {name}\n\n\nclass T(unittest.TestCase):\n"
                  f"    def test_f(self):\n        self.assertEqual({name}.f(), 'ok')\n")]


def opening_turns(tasks):
    """The product lead files `tasks` (title, body) as #5, #6, ...; the architect records
    the test command; QA accepts; the release manager writes the changelog."""
    filed = [call("file_work_item", kind="task", title=t, body=b) for t, b in tasks]
    return [
        turn("Work item #1 (spec)", 0, write("SPEC.md", "# Spec\n1. tests pass\n"), *filed),
        turn("Work item #1 (spec)", 1 + len(tasks), call("submit", summary="spec and backlog")),
        turn("Work item #2 (design)", 0, write("tests/__init__.py", ""),
             write("shared.txt", "base\n"), call("set_commands", build="true", test=TEST_CMD)),
        turn("Work item #2 (design)", 3, call("submit", summary="skeleton and commands")),
        turn("Work item #3 (acceptance)", 0, call("run_command", command=TEST_CMD)),
        turn("Work item #3 (acceptance)", 1, call("submit", summary="criterion 1 passed")),
        turn("Work item #4 (release)", 0, write("CHANGELOG.md", "# Changelog\n\n## 0.1.0\n")),
        turn("Work item #4 (release)", 1, call("submit", summary="changelog")),
    ]


def approve(item, round_=1):
    return turn(f"Review the change for #{item} (task, round {round_})", 0,
                call("review", decision="approve", comments="fine"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeServer:
    def __init__(self, directory, turns, port=0):
        self.scenario = os.path.join(directory, "scenario.json")
        self.log = os.path.join(directory, "requests.jsonl")
        with open(self.scenario, "w") as f:
            json.dump({"name": "company-e2e", "turns": turns}, f)
        self.proc = subprocess.Popen([FAKE_LLM, "--scenario", self.scenario, "--port", str(port),
                                      "--log", self.log], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("listening on "), line
        self.model = "http://" + line.split()[-1] + "/v1#fake-model"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()

    def requests(self):
        with open(self.log) as f:
            return [r for r in map(json.loads, f) if r.get("protocol")]


class CompanyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="mh-company-e2e-")
        self.root = self.tmp.name
        if os.environ.get("MH_KEEP"):  # Keep the company to look at.
            self.root = tempfile.mkdtemp(prefix="mh-company-e2e-kept-")
        self.dir = os.path.join(self.root, "acme")
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.stop()
        if os.environ.get("MH_KEEP"):
            print("kept", self.root)
        self.tmp.cleanup()

    # --- helpers ---

    def start(self, turns, extra_toml=""):
        self.server = FakeServer(self.root, turns)
        out = self.mh("new", self.dir, "--brief-text", "A product with tests.", "--model",
                      self.server.model, "--no-run")
        self.assertEqual(out.returncode, 0, out.stderr)
        if extra_toml:
            with open(os.path.join(self.dir, "company.toml"), "a") as f:
                f.write(extra_toml)

    def mh(self, *args, timeout=180):
        return subprocess.run([MACROHARD, *args], capture_output=True, text=True, timeout=timeout)

    def git(self, *args):
        return subprocess.run(["git", "-C", os.path.join(self.dir, "repo"), *args],
                              capture_output=True, text=True).stdout

    def db(self):
        return sqlite3.connect(os.path.join(self.dir, ".macrohard", "store.db"))

    def events(self, kind):
        with self.db() as db:
            rows = db.execute("SELECT payload FROM events WHERE kind = ? AND session_id IS NULL "
                              "ORDER BY seq", (kind,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def states(self):
        with self.db() as db:
            return dict(db.execute("SELECT id, state FROM work_items").fetchall())

    def assert_released(self, tag):
        self.assertIn(tag, self.git("tag").split())
        self.assertEqual(self.git("rev-parse", "main"), self.git("rev-parse", tag + "^{commit}"))
        tests = subprocess.run(TEST_CMD.split(), cwd=os.path.join(self.dir, "repo"),
                               capture_output=True, text=True)
        self.assertEqual(tests.returncode, 0, tests.stderr)
        self.assertTrue(all(s in ("done", "closed") for s in self.states().values()),
                        self.states())

    def assert_once_each(self):
        """Each merge and tag happened once, and each scripted step was asked for once."""
        merged = [e["item"] for e in self.events("merged")]
        self.assertEqual(len(merged), len(set(merged)), merged)
        tags = [e["tag"] for e in self.events("tagged")]
        self.assertEqual(len(tags), len(set(tags)), tags)
        turns = [r["turn"] for r in self.server.requests()]
        self.assertEqual(len(turns), len(set(turns)), sorted(turns))

    # --- tests ---

    def test_parallel_engineers_failed_ci_review_and_merge_conflict(self):
        self.parallel_failed_ci_review_and_conflict("")

    def test_the_same_with_a_merge_train(self):
        # Cars that conflict with each other in a train are merged alone afterwards.
        self.parallel_failed_ci_review_and_conflict("\n[policy]\nmerge_train = 8\n")

    def parallel_failed_ci_review_and_conflict(self, extra_toml):
        tasks = [("Alpha module", "alpha.py returns 'ok'"),
                 ("Six module", "six.py; add 'six' to shared.txt"),
                 ("Seven module", "seven.py; add 'seven' to shared.txt")]
        resolved = "base\nsix\nseven\n"
        turns = opening_turns(tasks) + [
            # #5: a failing first try, CI sends it back; then the reviewer asks for a change.
            turn("Work item #5 (task)", 0, *module("alpha", "broken"), delay_ms=400),
            turn("Work item #5 (task)", 2, call("submit", summary="alpha")),
            turn("Work item #5 (task)", 3, *module("alpha", "ok")[:1], last="CI failed"),
            turn("Work item #5 (task)", 4, call("submit", summary="alpha fixed")),
            turn("Review the change for #5 (task, round 1)", 0,
                 call("review", decision="request_changes", comments="add a docstring")),
            turn("Work item #5 (task)", 5,
                 write("alpha.py", '"""Alpha."""\n\n\ndef f():\n    return \'ok\'\n'),
                 last="requested changes"),
            turn("Work item #5 (task)", 6, call("submit", summary="docstring")),
            approve(5, 2),
            # #6 and #7 both change shared.txt: whichever lands second gets the conflict.
            turn("Work item #6 (task)", 0, *module("six", "ok"),
                 write("shared.txt", "base\nsix\n"), delay_ms=400),
            turn("Work item #6 (task)", 3, call("submit", summary="six")),
            turn("Work item #6 (task)", 4, write("shared.txt", resolved), last="conflicted in"),
            turn("Work item #6 (task)", 5, call("submit", summary="conflict resolved")),
            turn("Work item #7 (task)", 0, *module("seven", "ok"),
                 write("shared.txt", "base\nseven\n"), delay_ms=400),
            turn("Work item #7 (task)", 3, call("submit", summary="seven")),
            turn("Work item #7 (task)", 4, write("shared.txt", resolved), last="conflicted in"),
            turn("Work item #7 (task)", 5, call("submit", summary="conflict resolved")),
            approve(6), approve(7), approve(6, 2), approve(7, 2),
        ]
        self.start(turns, extra_toml)
        out = self.mh("run", self.dir)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assert_released("v0.1.0")
        self.assert_once_each()
        with open(os.path.join(self.dir, "repo", "shared.txt")) as f:
            self.assertEqual(f.read(), resolved)
        # The engineers worked at the same time: all three tasks were in progress at once.
        busy, most = set(), 0
        for e in self.events("item_state"):
            if e["item"] in ("5", "6", "7"):
                (busy.add if e["to"] == "in_progress" else busy.discard)(e["item"])
                most = max(most, len(busy))
        self.assertEqual(most, 3)
        ci5 = [e["result"] for e in self.events("ci_run") if e["item"] == "5"]
        self.assertEqual(ci5[0], "failed")
        self.assertEqual(ci5[-1], "passed")
        reviews5 = [e["decision"] for e in self.events("review") if e["item"] == "5"]
        self.assertEqual(reviews5, ["request_changes", "approve"])
        conflicts = [e for e in self.events("item_state") if "conflict" in e["reason"]]
        self.assertEqual(len(conflicts), 1, conflicts)
        self.assertIn("back to the engineer: merge conflict", out.stdout)

    def test_budget_runs_out_and_run_resumes_after_it_is_raised(self):
        turns = opening_turns([("Alpha module", "alpha")]) + [
            turn("Work item #5 (task)", 0, *module("alpha", "ok")),
            turn("Work item #5 (task)", 2, call("submit", summary="alpha")),
            approve(5),
        ]
        self.start(turns, "\n[budget]\ntokens = 4000\n")
        out = self.mh("run", self.dir)
        self.assertEqual(out.returncode, 4, out.stdout + out.stderr)
        self.assertIn("budget exhausted: the company spent", out.stdout)
        self.assertIn("[budget] tokens", out.stdout)
        self.assertNotIn("v0.1.0", self.git("tag"))
        toml = os.path.join(self.dir, "company.toml")
        with open(toml) as f:
            text = f.read().replace("tokens = 4000", "tokens = 10000000")
        with open(toml, "w") as f:
            f.write(text)
        out = self.mh("run", self.dir)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assert_released("v0.1.0")
        merged = [e["item"] for e in self.events("merged")]
        self.assertEqual(len(merged), len(set(merged)))

    def test_an_unreachable_model_is_waited_for_and_the_run_goes_on(self):
        """No model server at first: the company waits and tries again by itself (status
        says so, no item waits for a person); once the server is up the run finishes."""
        port = free_port()
        model = f"http://127.0.0.1:{port}/v1#fake-model"
        out = self.mh("new", self.dir, "--brief-text", "A product with tests.", "--model", model,
                      "--no-run")
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(os.path.join(self.dir, "company.toml"), "a") as f:
            f.write("\n[policy]\nmodel_retry_seconds = 1\n")
        config = os.path.join(self.root, "config.toml")
        with open(config, "w") as f:
            f.write("[llm]\nmax_attempts = 1\n")
        run = subprocess.Popen([MACROHARD, "run", self.dir, "--config", config],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 60
            status = ""
            while time.time() < deadline and "unreachable since" not in status:
                time.sleep(0.2)
                status = self.mh("status", self.dir).stdout
            self.assertRegex(status, r"model endpoint unreachable since \d\d:\d\d, "
                                     r"next try in \d+ s \(http://127\.0\.0\.1:\d+/v1#fake-model")
            self.assertNotIn("blocked", self.states().values())
            self.server = FakeServer(self.root, opening_turns([]), port=port)
            stdout, stderr = run.communicate(timeout=120)
        finally:
            run.kill()
            run.wait()
        self.assertEqual(run.returncode, 0, stdout + stderr)
        self.assertIn("does not answer", stdout)
        self.assertIn("answers again", stdout)
        self.assert_released("v0.1.0")
        self.assertGreaterEqual(len(self.events("model_unreachable")), 1)
        self.assertEqual(len(self.events("model_reachable")), 1)
        self.assertNotIn("unreachable", self.mh("status", self.dir).stdout)
        self.assert_once_each()

    def test_sigkill_mid_run_then_run_finishes_without_repeating_anything(self):
        turns = opening_turns([("Alpha module", "alpha"), ("Beta module", "beta")]) + [
            turn("Work item #5 (task)", 0, *module("alpha", "ok")),
            turn("Work item #5 (task)", 2, call("run_command", command="sleep 2.5; echo slept")),
            turn("Work item #5 (task)", 3, call("submit", summary="alpha")),
            turn("Work item #6 (task)", 0, *module("beta", "ok")),
            turn("Work item #6 (task)", 2, call("submit", summary="beta")),
            approve(5), approve(6),
        ]
        self.start(turns)
        # Kill 1: while #5's engineer runs a slow command (its reply is recorded).
        run = subprocess.Popen([MACROHARD, "run", self.dir], stdout=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if any(r["turn"] is not None and "sleep" in json.dumps(turns[r["turn"]])
                   for r in self.server.requests()):
                break
            time.sleep(0.05)
        time.sleep(0.5)
        run.send_signal(signal.SIGKILL)
        run.wait(10)
        run.stdout.close()
        # Kill 2: as soon as the first change is merged.
        run = subprocess.Popen([MACROHARD, "run", self.dir], stdout=subprocess.PIPE, text=True)
        for line in run.stdout:
            if ": merged " in line:
                run.send_signal(signal.SIGKILL)
                break
        run.wait(30)
        run.stdout.close()
        out = self.mh("run", self.dir)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assert_released("v0.1.0")
        merged = [e["item"] for e in self.events("merged")]
        self.assertEqual(sorted(merged), ["1", "2", "4", "5", "6"])
        tags = [e["tag"] for e in self.events("tagged")]
        self.assertEqual(tags, ["v0.1.0"])
        # Each scripted step was asked for once, except a request in flight at a kill
        # (its reply was never recorded), which is asked again: at most one per kill here,
        # since model replies are immediate and at most one other session runs.
        turns_seen = [r["turn"] for r in self.server.requests()]
        repeats = len(turns_seen) - len(set(turns_seen))
        self.assertLessEqual(repeats, 2, sorted(turns_seen))
        # And no recorded step was asked for again: every session recorded each step once.
        with self.db() as db:
            rows = db.execute("SELECT session_id, payload FROM events "
                              "WHERE kind = 'model_reply'").fetchall()
        steps = [(sid, json.loads(p)["step"]) for sid, p in rows]
        self.assertEqual(len(steps), len(set(steps)), sorted(steps))
        self.assertEqual(len(set(turns_seen)), len(turns))
        # The engineer of #5 was killed mid-session and resumed, not started over.
        with self.db() as db:
            kinds = [r[0] for r in db.execute(
                "SELECT kind FROM events WHERE session_id = '5-engineer' ORDER BY seq")]
        self.assertIn("session_resumed", kinds)
        self.assertEqual(kinds.count("session_started"), 1)

    def test_serve_takes_an_issue_from_a_person_to_a_release(self):
        turns = opening_turns([("Alpha module", "alpha")]) + [
            turn("Work item #5 (task)", 0, *module("alpha", "ok")),
            turn("Work item #5 (task)", 2, call("submit", summary="alpha")),
            approve(5),
            # The person's issue is #6: support triages it as a bug; an engineer fixes it.
            turn("Work item #6 (issue)", 0,
                 call("triage", kind="bug", title="alpha.f has no docstring",
                      body="Add a docstring to alpha.f.")),
            turn("Work item #6 (bug)", 0,
                 write("alpha.py", 'def f():\n    """Says ok."""\n    return \'ok\'\n')),
            turn("Work item #6 (bug)", 1, call("submit", summary="docstring")),
            turn("Review the change for #6 (bug, round 1)", 0,
                 call("review", decision="approve", comments="fine")),
            # The maintenance release #7.
            turn("Work item #7 (release)", 0, write("CHANGELOG.md", "## 0.1.1\n- docstring\n")),
            turn("Work item #7 (release)", 1, call("submit", summary="changelog 0.1.1")),
        ]
        self.start(turns)
        serve = subprocess.Popen([MACROHARD, "serve", self.dir], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        try:
            self.wait_for_tag("v0.1.0", serve)
            filed = self.mh("issue", "file", self.dir, "alpha needs docs", "--body",
                            "Please document alpha.f")
            self.assertEqual(filed.returncode, 0, filed.stderr)
            self.assertIn("#6", filed.stdout)
            self.wait_for_tag("v0.1.1", serve)
        except AssertionError:
            serve.send_signal(signal.SIGTERM)
            print(serve.communicate(timeout=30)[0])  # What serve said, to see why.
            raise
        serve.send_signal(signal.SIGTERM)
        output = serve.communicate(timeout=30)[0]
        self.assertEqual(serve.returncode, 0, output)
        self.assert_released("v0.1.1")
        self.assertEqual(self.states()["6"], "done")
        with self.db() as db:
            kind = db.execute("SELECT kind FROM work_items WHERE id = '6'").fetchone()[0]
        self.assertEqual(kind, "bug")
        self.assert_once_each()

    def test_qa_accepts_a_gui_on_the_desktop_and_files_a_bug_with_a_screenshot(self):
        turns = opening_turns([("Calculator launcher", "calc.sh starts the calculator")])
        turns = [t for t in turns if "acceptance" not in t["when"]["contains"]] + [
            turn("Work item #5 (task)", 0, write("calc.sh", "exec xcalc\n"),
                 *module("alpha", "ok")),
            turn("Work item #5 (task)", 3, call("submit", summary="launcher")),
            approve(5),
            # QA runs the GUI on its desktop, finds a fault, files it with a screenshot.
            turn("Work item #3 (acceptance)", 0,
                 call("computer", action="launch", argv=["sh", "calc.sh"])),
            turn("Work item #3 (acceptance)", 1, call("computer", action="screenshot")),
            turn("Work item #3 (acceptance)", 2,
                 call("file_bug", title="No title in the calculator window",
                      body="1. sh calc.sh\nExpected: a title. Actual: none.", screenshot=True)),
            turn("Work item #3 (acceptance)", 3, call("submit", summary="1 bug filed (#6)")),
            turn("Work item #6 (bug)", 0, write("calc.sh", "exec xcalc -title Calculator\n")),
            turn("Work item #6 (bug)", 1, call("submit", summary="title")),
            turn("Review the change for #6 (bug, round 1)", 0,
                 call("review", decision="approve", comments="fine")),
            turn("Work item #7 (acceptance)", 0, call("submit", summary="all criteria pass")),
        ]
        self.start(turns)
        out = self.mh("run", self.dir)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assert_released("v0.1.0")
        with self.db() as db:
            body, parent = db.execute(
                "SELECT body, parent_id FROM work_items WHERE id = '6'").fetchone()
            labels = db.execute("SELECT labels FROM work_items WHERE id = '3'").fetchone()[0]
        self.assertEqual(parent, "3")
        self.assertIn("rejected", labels)
        shot = body.split("Screenshot: ")[1].strip()
        self.assertTrue(shot.startswith(os.path.join(self.dir, "artifacts")), shot)
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        # The desktop session's own actions were recorded as artifacts too.
        qa_dir = os.path.join(self.dir, "artifacts", "3-qa")
        self.assertTrue(any(n.endswith(".png") for n in os.listdir(qa_dir)), os.listdir(qa_dir))
        self.assertIn("exec xcalc -title Calculator", self.git("show", "main:calc.sh"))

    def test_a_company_reaches_its_release_over_each_wire_protocol(self):
        """The same opening plan over OpenAI Responses, Gemini and Ollama's native API."""
        forms = {"responses": "responses+http://{}/v1#fake-model",
                 "gemini": "gemini+http://{}/v1beta#fake-model",
                 "ollama": "ollama+http://{}#fake-model"}
        for protocol, form in forms.items():
            with self.subTest(protocol=protocol):
                directory = os.path.join(self.root, protocol)
                os.mkdir(directory)
                server = FakeServer(directory, opening_turns([]))
                try:
                    company = os.path.join(directory, "acme")
                    address = server.model.split("//")[1].split("/")[0]
                    out = self.mh("new", company, "--brief-text", "A product with tests.",
                                  "--model", form.format(address))
                    self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
                    tags = subprocess.run(["git", "-C", os.path.join(company, "repo"), "tag"],
                                          capture_output=True, text=True).stdout.split()
                    self.assertIn("v0.1.0", tags)
                    requests = server.requests()
                    self.assertTrue(requests)
                    self.assertTrue(all(r["protocol"] == protocol for r in requests), requests[0])
                finally:
                    server.stop()

    def test_a_question_waits_for_a_person_and_the_answer_goes_on(self):
        turns = opening_turns([("Alpha module", "alpha")]) + [
            turn("Work item #5 (task)", 0,
                 call("ask_for_help", question="Should f return 'ok' or 'OK'?")),
            turn("Work item #5 (task)", 1, *module("alpha", "ok"), last="A person answered"),
            turn("Work item #5 (task)", 3, call("submit", summary="alpha")),
            approve(5),
        ]
        self.start(turns)
        out = self.mh("run", self.dir)
        self.assertEqual(out.returncode, 3, out.stdout + out.stderr)
        self.assertIn("#5 task [blocked] Alpha module", out.stdout)
        self.assertIn("the engineer asks: Should f return", out.stdout)
        answered = self.mh("issue", "comment", self.dir, "5", "'ok', lower case.")
        self.assertEqual(answered.returncode, 0, answered.stderr)
        out = self.mh("run", self.dir)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assert_released("v0.1.0")
        self.assert_once_each()

    def test_merge_train_lands_approved_changes_together(self):
        tasks = [(f"Module {k}", f"m{k}.py") for k in range(5, 9)]
        turns = opening_turns(tasks)
        for k in range(5, 9):
            turns += [turn(f"Work item #{k} (task)", 0, *module(f"m{k}", "ok")),
                      turn(f"Work item #{k} (task)", 2, call("submit", summary=f"m{k}")),
                      # The approvals arrive together, so the queue finds several waiting.
                      turn(f"Review the change for #{k} (task, round 1)", 0,
                           call("review", decision="approve", comments="fine"),
                           delay_ms=800)]
        self.start(turns, "\n[policy]\nmerge_train = 8\n[roles.reviewer]\ncount = 4\n")
        out = self.mh("run", self.dir)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assert_released("v0.1.0")
        self.assert_once_each()
        merged = self.events("merged")
        trains = {}
        for e in merged:
            if "train" in e:
                trains.setdefault(e["train"], []).append(e["item"])
        self.assertTrue(any(len(cars) >= 2 for cars in trains.values()), merged)
        self.assertIn("merge train:", out.stdout)
        for k in range(5, 9):
            self.assertIn(f"m{k}.py", self.git("ls-tree", "--name-only", "main"))

    # --- the folder: copies, moves, lost stores, doctor ---

    def question_turns(self):
        return opening_turns([("Alpha module", "alpha")]) + [
            turn("Work item #5 (task)", 0,
                 call("ask_for_help", question="Should f return 'ok' or 'OK'?")),
            turn("Work item #5 (task)", 1, *module("alpha", "ok"), last="A person answered"),
            turn("Work item #5 (task)", 3, call("submit", summary="alpha")),
            approve(5),
        ]

    def run_to_the_question(self):
        # Plain directories for workspaces: a copy of mounted workspace disks is not tested.
        self.start(self.question_turns(), "\n[policy]\nworkspace_disk_mib = 0\n")
        out = self.mh("run", self.dir)
        self.assertEqual(out.returncode, 3, out.stdout + out.stderr)

    @staticmethod
    def snapshot(root):
        """Every path under `root` with its type, mode and content (or link target)."""
        seen = {}
        for base, dirs, files in os.walk(root):
            for name in dirs + files:
                path = os.path.join(base, name)
                st = os.lstat(path)
                if os.path.islink(path):
                    seen[path] = ("link", os.readlink(path))
                elif os.path.isfile(path):
                    with open(path, "rb") as f:
                        seen[path] = ("file", st.st_mode, st.st_mtime_ns, f.read())
                else:
                    seen[path] = ("dir", st.st_mode)
        return seen

    def test_a_copy_runs_as_a_separate_company_and_never_writes_into_the_original(self):
        self.run_to_the_question()
        original = self.dir
        copy = os.path.join(self.root, "acme-copy")
        subprocess.run(["cp", "-a", original, copy], check=True)
        before = self.snapshot(original)
        refused = self.mh("run", copy)
        self.assertEqual(refused.returncode, 2, refused.stdout + refused.stderr)
        self.assertIn("is a copy of " + original, refused.stderr)
        self.assertIn("--as-copy", refused.stderr)
        separate = self.mh("doctor", copy, "--as-copy")
        self.assertIn("identity of its own", separate.stdout)
        self.dir = copy
        answered = self.mh("issue", "comment", copy, "5", "'ok', lower case.")
        self.assertEqual(answered.returncode, 0, answered.stderr)
        out = self.mh("run", copy)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assert_released("v0.1.0")
        self.assert_once_each()
        self.assertIn("alpha.py", self.git("ls-tree", "--name-only", "v0.1.0"))
        # Every merge the copy's store records is in the copy's own repository.
        for e in self.events("merged"):
            self.assertEqual(self.git("merge-base", "--is-ancestor", e["commit"], "main"), "")
        after = self.snapshot(original)
        self.assertEqual(sorted(before), sorted(after))
        changed = [p for p in before if before[p] != after[p]]
        self.assertEqual(changed, [])
        # The original goes on by itself too.
        self.dir = original
        self.assertEqual(self.mh("status", original).returncode, 0)
        self.assertNotIn("v0.1.0", self.git("tag").split())
        healthy = self.mh("doctor", copy)
        self.assertEqual(healthy.returncode, 0, healthy.stdout)

    def test_a_moved_company_resumes_its_sessions(self):
        self.run_to_the_question()
        moved = os.path.join(self.root, "elsewhere", "acme")
        os.makedirs(os.path.dirname(moved))
        os.rename(self.dir, moved)
        self.dir = moved
        answered = self.mh("issue", "comment", moved, "5", "'ok', lower case.")
        self.assertEqual(answered.returncode, 0, answered.stderr)
        out = self.mh("run", moved)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("company moved here from", out.stdout)
        self.assert_released("v0.1.0")
        self.assert_once_each()

    def test_a_lost_emptied_or_foreign_store_is_refused(self):
        self.run_to_the_question()
        state = os.path.join(self.dir, ".macrohard")
        store = os.path.join(state, "store.db")
        saved = os.path.join(self.root, "store.db.saved")
        subprocess.run(["cp", "-a", store, saved], check=True)

        def refused(what):
            for command in (["run", self.dir], ["status", self.dir]):
                out = self.mh(*command)
                self.assertNotEqual(out.returncode, 0, what + ": " + out.stdout)
                self.assertIn("macrohard doctor", out.stderr, what)
                self.assertNotIn("finished", out.stdout, what)
            doctor = self.mh("doctor", self.dir)
            self.assertEqual(doctor.returncode, 1, what + ": " + doctor.stdout)

        os.remove(store)
        refused("missing store")
        self.assertFalse(os.path.exists(store), "a missing store was made again")
        open(store, "w").close()
        refused("empty store")
        subprocess.run(["cp", "-a", saved, store], check=True)
        with open(os.path.join(state, "company_id"), "w") as f:
            f.write("another\n")
        refused("another company's id")
        with open(os.path.join(state, "company_id"), "w") as f:
            f.write("acme\n")
        self.assertEqual(self.mh("status", self.dir).returncode, 0)

    def test_doctor_finds_and_repairs_planted_problems(self):
        self.run_to_the_question()
        git_dir = os.path.join(self.dir, "repo", ".git")
        worktrees = os.path.join(self.dir, ".macrohard", "worktrees")
        healthy = self.mh("doctor", self.dir)
        self.assertEqual(healthy.returncode, 0, healthy.stdout)
        self.assertIn("healthy", healthy.stdout)
        open(os.path.join(git_dir, "index.lock"), "w").close()
        open(os.path.join(worktrees, "item-5", ".git", "index.lock"), "w").close()
        with open(os.path.join(git_dir, "MERGE_HEAD"), "w") as f:
            f.write(self.git("rev-parse", "main"))
        os.makedirs(os.path.join(worktrees, "item-1", "leftover"))   # #1 is done
        os.makedirs(os.path.join(worktrees, "item-77", "work"))     # no such item
        with self.db() as db:
            db.execute("INSERT INTO leases VALUES ('company:acme', ?, ?)",
                       (socket.gethostname() + ":999999:run-x", int(time.time() * 1000) + 60000))
        found = self.mh("doctor", self.dir)
        self.assertEqual(found.returncode, 1, found.stdout)
        for what in ("stale git lock: repo/.git/index.lock",
                     "stale git lock: .macrohard/worktrees/item-5/.git/index.lock",
                     "merge was left half done in the repository",
                     "orphan workspace: item-1", "orphan workspace: item-77",
                     "lease held by a dead process"):
            self.assertIn(what, found.stdout)
        self.assertNotIn("repaired:", found.stdout)
        fixed = self.mh("doctor", self.dir, "--repair")
        self.assertEqual(fixed.returncode, 1, fixed.stdout)  # MERGE_HEAD is a person's to settle
        self.assertEqual(fixed.stdout.count("repaired:"), 5, fixed.stdout)
        self.assertFalse(os.path.exists(os.path.join(git_dir, "index.lock")))
        self.assertFalse(os.path.exists(os.path.join(worktrees, "item-1")))
        self.assertFalse(os.path.exists(os.path.join(worktrees, "item-77")))
        self.assertTrue(os.path.exists(os.path.join(worktrees, "item-5", "alpha.py")) or
                        os.path.exists(os.path.join(worktrees, "item-5", ".git")))
        os.remove(os.path.join(git_dir, "MERGE_HEAD"))
        self.assertEqual(self.mh("doctor", self.dir).returncode, 0)
        answered = self.mh("issue", "comment", self.dir, "5", "'ok', lower case.")
        self.assertEqual(answered.returncode, 0, answered.stderr)
        out = self.mh("run", self.dir)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assert_released("v0.1.0")

    def wait_for_tag(self, tag, proc, seconds=90):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if tag in self.git("tag").split():
                return
            self.assertIsNone(proc.poll(), "serve ended early")
            time.sleep(0.2)
        self.fail(f"no tag {tag} after {seconds} s")


if __name__ == "__main__":
    MACROHARD, FAKE_LLM = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[3:]])
