"""GAE202: process and signal calls, on the fixture app and on every entry of
gaelint/data/processes.json."""
import pytest

from conftest import FIXTURES, by_file, check_json
from gaelint.knowledge import table
from gaelint.registry import Valid, get
from gaelint.testing import run_example

APP = FIXTURES / "imports_app"
CALLS = table("processes")["calls"]


def test_fixture_findings_lines_and_fixes():
    code, doc = check_json(APP, "--select", "GAE202")
    assert code == 1
    assert by_file(doc, APP) == {
        "handlers/tasks.py": [("GAE202", 18), ("GAE202", 24), ("GAE202", 26), ("GAE202", 37), ("GAE202", 41)],
    }
    found = {f["line"]: f for f in doc["findings"]}
    assert found[18]["message"] == ("`subprocess.check_output()` starts a process (on App Engine `subprocess` is an "
                                    "empty module: AttributeError), which the python27 sandbox does not allow")
    assert "task queue" in found[18]["fix"]
    assert "threads inside the request" in found[24]["fix"]          # multiprocessing.Pool
    assert "DeadlineExceededError" in found[37]["fix"]                # signal.signal
    # os.kill under the SERVER_SOFTWARE Development check: info, with the reason
    assert found[41]["severity"] == "info" and "off-App-Engine check on line 39" in found[41]["message"]
    # taskqueue.add, deferred.defer, threading.Thread(...).start(), os.getpid() stay silent
    assert set(found) == {18, 24, 26, 37, 41}


def _call_for(name):
    module, _, func = name.rpartition(".")
    return f"import {module}\n{name}()\n"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_table_entry_is_reported(name):
    found = run_example(get("GAE202"), Valid(_call_for(name)))
    assert [f.line for f in found] == [2], name
    assert CALLS[name]["what"].split(" (")[0] in found[0].message


@pytest.mark.parametrize("code,lines", [
    ("from subprocess import Popen as P, PIPE\nP(['ls'], stdout=PIPE)\n", [2]),
    ("import os as o\nrun = o.system\nrun('ls')\n", [3]),
    ("from multiprocessing import Process\nclass Job(Process):\n    pass\nJob().start()\n", [4]),
    ("from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor\n"
     "ThreadPoolExecutor(4)\nProcessPoolExecutor(4)\n", [3]),
    ("import six\nfrom six.moves import range\nfor i in range(3):\n    pass\n", []),
    ("class Proc(object):\n    def kill(self): pass\n    def wait(self): pass\np = Proc()\np.kill()\np.wait()\n", []),
    ("def system(cmd):\n    return cmd\nsystem('ls')\n", []),
    ("import signal\nhandler = signal.getsignal\nsig = signal.SIGTERM\n", []),
    ("try:\n    import subprocess\nexcept ImportError:\n    subprocess = None\n", []),
])
def test_resolution_and_look_alikes(code, lines):
    assert [f.line for f in run_example(get("GAE202"), Valid(code))] == lines
