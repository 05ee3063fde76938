"""GAE501 (request threads) and GAE502 (background threads on automatic
scaling) on two fixture services."""
from conftest import FIXTURES, by_file, check_json

APPS = FIXTURES / "deploy_threads"


def test_threads_on_automatic_scaling():
    code, doc = check_json(APPS / "auto", "--select", "GAE501,GAE502")
    assert code == 1
    # silent: Search joins its worker (line 48-50), Poller joins self.worker
    # (line 58), BackgroundThread subclasses are not request threads
    assert by_file(doc, APPS / "auto") == {"main.py": [
        ("GAE501", 31), ("GAE501", 33), ("GAE501", 34), ("GAE501", 36),
        ("GAE502", 37), ("GAE502", 38), ("GAE501", 71)]}
    got = {f["line"]: f for f in doc["findings"]}
    assert got[31]["message"] == ("`threading.Thread(...).start()` starts a thread in request code: the runtime waits "
                                  "for it before the response is sent, within the 60-second request deadline")
    assert got[31]["severity"] == "warning"
    assert got[33]["message"].startswith("`audit.start()`")            # subclass defined in the file
    assert got[34]["message"].startswith("`thread.start_new_thread()`")
    assert got[36]["message"].startswith("`reminder.start()`")         # threading.Timer
    assert got[37]["message"] == (
        "`background_thread.start_new_background_thread()` uses a background thread, which automatic scaling does "
        "not allow (app.yaml sets no scaling, so automatic scaling applies): it raises FrontendsNotSupported")
    assert got[37]["severity"] == "error"
    assert got[38]["message"].startswith("`Pump()` uses a background thread")
    # under `if __name__ == '__main__':` in a module no CGI handler runs
    assert got[71]["severity"] == "info" and "not production code" in got[71]["message"]


def test_manual_scaling_allows_background_threads():
    _, doc = check_json(APPS / "manual", "--select", "GAE501,GAE502")
    assert by_file(doc, APPS / "manual") == {"main.py": [("GAE501", 17)]}


def test_explicit_automatic_scaling_is_named(tmp_path):
    (tmp_path / "app.yaml").write_text(
        "runtime: python27\napi_version: 1\nthreadsafe: true\nautomatic_scaling:\n  max_instances: 3\n"
        "handlers:\n- url: /.*\n  script: main.app\n")
    (tmp_path / "main.py").write_text(
        "from google.appengine.api.background_thread import start_new_background_thread\n"
        "start_new_background_thread(len, [()])\n")
    _, doc = check_json(tmp_path, "--select", "GAE502")
    assert [(f["line"], f["message"]) for f in doc["findings"]] == [
        (2, "`start_new_background_thread()` uses a background thread, which automatic scaling does not allow "
            "(app.yaml line 4 sets automatic_scaling): it raises FrontendsNotSupported")]
