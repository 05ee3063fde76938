"""GAE405 on three httplib client apps: without GAE_USE_SOCKETS_HTTPLIB,
with it set to '' (no ssl library), and with it set plus ssl."""
from conftest import FIXTURES, by_file, check_json

APPS = FIXTURES / "deploy_httplib"
VAR = "GAE_USE_SOCKETS_HTTPLIB"


def run(app):
    _, doc = check_json(APPS / app, "--select", "GAE405")
    return doc, {(f["path"].rsplit("/", 1)[1], f["line"]): f for f in doc["findings"]}


def test_without_the_variable_every_unsupported_feature_is_reported():
    doc, got = run("urlfetch")
    # silent: plain HTTPSConnection(host).request(...), urllib2 with a
    # timeout, port 8080 and 8443, an http-only ProxyHandler (main.py 41-48)
    assert by_file(doc, APPS / "urlfetch") == {
        "main.py": [("GAE405", 13), ("GAE405", 20), ("GAE405", 23), ("GAE405", 24), ("GAE405", 28),
                    ("GAE405", 28), ("GAE405", 30), ("GAE405", 34), ("GAE405", 37), ("GAE405", 61)],
        "sockets_env.py": [("GAE405", 4), ("GAE405", 10), ("GAE405", 14), ("GAE405", 15)],
        "late_env.py": [("GAE405", 4)],
    }
    tail = f"; app.yaml sets no {VAR} under env_variables:"
    assert got[("main.py", 13)]["message"] == (
        "`httplib.HTTPSConnection()` with `key_file=`, `cert_file=`: the urlfetch-backed httplib cannot send "
        "client certificates (NotImplementedError)" + tail)
    assert got[("main.py", 20)]["message"].startswith("`conn.set_tunnel()`: the urlfetch-backed httplib does not "
                                                      "support HTTP CONNECT tunnelling")
    assert got[("main.py", 23)]["message"].startswith("`resp.fileno()`: responses of the urlfetch-backed httplib")
    assert got[("main.py", 24)]["message"].startswith("`conn.sock`: connections of the urlfetch-backed httplib")
    assert got[("main.py", 30)]["message"] == (
        "`urllib2.urlopen()` to port 100: URL Fetch, behind the default httplib, only reaches ports 80-90, "
        "440-450, 1024-65535" + tail)
    assert got[("main.py", 30)]["fix"].startswith("Use a port URL Fetch allows")
    line28 = sorted((f["severity"], f["message"]) for f in doc["findings"] if f["line"] == 28)
    assert line28[0][0] == "error" and "to port 8:" in line28[0][1]
    assert line28[1][0] == "warning" and "`source_address=`: the urlfetch-backed httplib silently ignores it" in line28[1][1]
    assert got[("main.py", 34)]["severity"] == "warning" and "`requests.get()` with `cert=`" in got[("main.py", 34)]["message"]
    assert got[("main.py", 37)]["message"].startswith("`urllib2.ProxyHandler()` with an https proxy")
    assert got[("main.py", 61)]["message"].startswith("`httplib.HTTPConnection()` to port 22:")  # 'host:22'
    assert all(VAR in f["fix"] for f in doc["findings"])


def test_setting_the_variable_from_python_is_explained():
    _, got = run("urlfetch")
    early = got[("sockets_env.py", 4)]
    assert early["severity"] == "warning"
    assert early["message"] == (f"{VAR} set in os.environ only takes effect if this runs before anything imports "
                                "httplib (urllib, urllib2, requests and many libraries do)")
    # the client certificate use in the same file is then only a warning
    client = got[("sockets_env.py", 10)]
    assert client["severity"] == "warning" and "only helps if that runs before httplib is first imported" in client["message"]
    assert got[("sockets_env.py", 14)]["message"] == (
        f"{VAR} is set in os.environ after this file imported httplib: too late, httplib has already chosen URL Fetch")
    assert got[("sockets_env.py", 15)]["message"].startswith(f"`os.putenv('{VAR}', ...)` does not change os.environ")
    late = got[("late_env.py", 4)]
    assert late["severity"] == "error" and "after this file imported `urllib2`, which imports httplib" in late["message"]


def test_an_empty_value_switches_to_sockets_but_https_needs_ssl():
    doc, got = run("sockets_empty")
    # client certificates and set_tunnel are fine over sockets; the port-100
    # URL and the plain http call too
    assert by_file(doc, APPS / "sockets_empty") == {"main.py": [("GAE405", 9), ("GAE405", 17)]}
    assert got[("main.py", 9)]["message"] == (
        f"`httplib.HTTPSConnection()` uses HTTPS over the socket-based httplib (app.yaml sets {VAR}), which needs "
        "the `ssl` library: app.yaml lists no `ssl` under libraries:")
    assert got[("main.py", 9)]["fix"] == "Add `- name: ssl` and `version: latest` under libraries: in app.yaml"
    assert got[("main.py", 17)]["message"].startswith("`urllib2.urlopen()` uses HTTPS over the socket-based httplib")


def test_variable_and_ssl_library_silence_everything():
    doc, _ = run("sockets_ssl")
    assert doc["findings"] == []
