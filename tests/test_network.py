"""Network rules GAE101-GAE109 on a realistic python27 app (tests/fixtures/
network_app): every finding at its exact line, every look-alike silent,
off-App-Engine code at info, and the knowledge behind the rules."""
import pytest

from conftest import FIXTURES, by_file, check_json, run_cli

from gaelint import cli
from gaelint.engine import check as engine
from gaelint.rules.network import sockets
from gaelint.config import Config
from gaelint.findings import Severity
from gaelint.runner import run, select_rules

APP = FIXTURES / "network_app"
CODES = [f"GAE10{i}" for i in range(1, 10)]

EXPECTED = {
    "devserver.py": [("GAE101", 7)],            # make_server under __main__ (info)
    "mailsink.py": [                            # no handler imports it: info (below)
        ("GAE109", 2),                          # import asyncore
        ("GAE106", 16),                         # self.request.sendto to multicast 224.0.0.251
        ("GAE101", 20),                         # MailSink(), a subclass of smtpd.SMTPServer
        ("GAE105", 21),                         # AF_UNIX socket
        ("GAE102", 22),                         # bind to a Unix socket path
        ("GAE101", 23),                         # control.listen(1)
    ],
    "main.py": [
        ("GAE106", 51),                         # metadata server 169.254.169.254 (link-local)
        ("GAE107", 53),                         # socket.gethostbyaddr
        ("GAE106", 63),                         # 127.0.0.1 behind a Development check (info)
    ],
    "netclient.py": [
        ("GAE108", 47),                         # SO_BROADCAST on a socket made in open()
        ("GAE102", 48),                         # bind(('', 8125))
        ("GAE106", 51),                         # sendto STATSD = ('10.128.0.7', 8125)
        ("GAE106", 59),                         # create_connection((CACHE_HOST, CACHE_PORT))
        ("GAE108", 61),                         # TCP_KEEPIDLE
    ],
    "tasks.py": [
        ("GAE104", 6),                          # import ftplib
        ("GAE104", 20),                         # ftplib.FTP(SUPPLIER_FTP)
        ("GAE104", 25),                         # urllib2.urlopen(CATALOGUE_URL) with ftp://
        ("GAE109", 32),                         # select.epoll()
    ],
}

# Lines that look like the real thing and must stay silent, with why.
LOOK_ALIKES = {
    ("main.py", 22): "events.listen('deploy', cb): an EventBus, not a socket",
    ("main.py", 30): "UDP to Google Public DNS 8.8.8.8 on 53 (whitelisted)",
    ("main.py", 40): "SMTPS to smtp.gmail.com 465 (whitelisted)",
    ("main.py", 42): "submission to smtp.gmail.com 587 (whitelisted)",
    ("main.py", 44): "IMAPS to imap.gmail.com, default port 993 (whitelisted)",
    ("netclient.py", 35): "Template(...).bind(ok=...): a template, not a socket",
    ("netclient.py", 41): "wildcard bind to port 0 is allowed",
    ("netclient.py", 42): "SO_SNDBUF is supported",
    ("netclient.py", 46): "SO_REUSEADDR is supported, on a socket made in another method",
    ("netclient.py", 60): "TCP_NODELAY is supported",
    ("mailsink.py", 15): "SO_KEEPALIVE on a SocketServer request socket is supported",
    ("tasks.py", 10): "import gevent inside try/except ImportError with a fallback",
}


@pytest.fixture(scope="module")
def report():
    code, doc = check_json(APP, "--select", "GAE1")
    assert code == 1
    return doc


def test_every_finding_at_its_exact_line(report):
    assert by_file(report, APP) == EXPECTED


def test_look_alikes_stay_silent(report):
    found = {(path, line) for path, items in by_file(report, APP).items() for _, line in items}
    for where, why in LOOK_ALIKES.items():
        assert where not in found, why


def test_off_app_engine_code_is_info_and_says_why(report):
    by_place = {(f["path"].rsplit("/", 1)[-1], f["line"]): f for f in report["findings"]}
    main_guard = by_place[("devserver.py", 7)]
    assert main_guard["severity"] == "info"
    assert "if __name__ == '__main__'" in main_guard["message"]
    dev_branch = by_place[("main.py", 63)]
    assert dev_branch["severity"] == "info"
    assert "off-App-Engine check on line 62" in dev_branch["message"]
    # mailsink.py ("from the old VM setup, still imported by tools") is
    # uploaded, but no handler imports it: every finding there is info
    dormant = [f for place, f in by_place.items() if place[0] == "mailsink.py"]
    assert len(dormant) == 6
    assert all(f["severity"] == "info" and f["message"].endswith(
        " [not reached in production: uploaded, but no handler imports it]") for f in dormant)
    others = [f for place, f in by_place.items()
              if place not in {("devserver.py", 7), ("main.py", 63)} and place[0] != "mailsink.py"]
    assert {f["severity"] for f in others} == {"error"}


def test_messages_name_the_concrete_thing(report):
    messages = {(f["path"].rsplit("/", 1)[-1], f["line"]): f["message"] for f in report["findings"]}
    assert messages[("netclient.py", 47)] == (
        "`self.sock.setsockopt()` uses the socket option SO_BROADCAST, which App Engine does not support")
    assert messages[("netclient.py", 48)] == (
        "`self.sock.bind()` binds to port 8125 on every interface; "
        "App Engine sockets cannot bind to a specific address or port")
    assert messages[("netclient.py", 51)] == (
        "`self.sock.sendto()` sends to 10.128.0.7 port 8125, a private address that App Engine blocks")
    assert messages[("main.py", 51)] == (
        "`socket.create_connection()` connects to 169.254.169.254 port 80, a link-local address that App Engine blocks")
    dormant = " [not reached in production: uploaded, but no handler imports it]"
    assert messages[("mailsink.py", 20)] == (
        "`MailSink()` (a subclass of smtpd.SMTPServer) starts a server that listens for inbound "
        "connections; App Engine sockets are outbound only" + dormant)
    assert messages[("mailsink.py", 21)] == (
        "`socket.socket()` creates a socket with address family AF_UNIX; "
        "App Engine sockets can only be TCP or UDP over IPv4/IPv6" + dormant)
    assert messages[("tasks.py", 20)] == (
        "`ftplib.FTP()` opens an FTP connection to ftp.supplier.example.com; FTP is not supported on App Engine")
    assert "'ftp://ftp.supplier.example.com/export/catalogue.csv'" in messages[("tasks.py", 25)]
    assert messages[("main.py", 53)].startswith("`socket.gethostbyaddr()` is not implemented on App Engine")
    assert messages[("tasks.py", 32)].startswith("`select.epoll()` creates an event poller (select.epoll)")
    assert "on port 8080" in messages[("devserver.py", 7)]
    assert all(f["fix"] for f in report["findings"])


def test_fix_hints_say_what_to_do_instead(report):
    fixes = {f["code"]: f["fix"] for f in report["findings"]}
    assert "WSGI" in fixes["GAE101"]
    assert "Drop the bind" in fixes["GAE102"]
    assert "HTTPS" in fixes["GAE104"] and "Cloud Storage" in fixes["GAE104"]
    assert "AF_INET" in fixes["GAE105"]
    assert "Serverless VPC Access" in fixes["GAE106"]
    assert "reverse lookup" in fixes["GAE107"]
    assert "SO_KEEPALIVE" in fixes["GAE108"]
    assert "make_fetch_call" in fixes["GAE109"]


def test_explain_gives_the_documentation(capsys):
    status, out, _ = run_cli("explain", "GAE106")          # the installed CLI, once
    assert status == 0 and out.startswith("## GAE106 blocked-address")
    for code in CODES:                                      # in-process for the rest: fast
        assert cli.main(["explain", code]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"## {code} ")
        for heading in ("What it flags", "Why it fails on App Engine", "How to fix", "Example",
                        "Instead:", "Sources"):
            assert heading in out, (code, heading)


def test_python3_and_six_spellings_count(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n"
                                  "handlers:\n- url: /.*\n  script: main.app\n")
    (app / "main.py").write_text(
        "import socketserver\n"
        "from http.server import HTTPServer\n"
        "from xmlrpc.server import SimpleXMLRPCServer\n"
        "from six.moves import socketserver as compat\n"
        "from six.moves.urllib.request import urlopen\n"
        "import urllib.request\n"
        "a = socketserver.ForkingTCPServer(('', 9000), None)\n"
        "b = HTTPServer(('', 8000), None)\n"
        "c = SimpleXMLRPCServer(('', 8001))\n"
        "d = compat.UDPServer(('', 9001), None)\n"
        "urlopen('ftp://mirror.example.com/a')\n"
        "urllib.request.urlopen('ftp://mirror.example.com/b')\n")
    _, doc = check_json(app, "--select", "GAE1")
    assert by_file(doc, app) == {"main.py": [("GAE101", 7), ("GAE101", 8), ("GAE101", 9), ("GAE101", 10),
                                             ("GAE104", 11), ("GAE104", 12)]}


def test_triggers_never_change_results():
    """The prefilter only skips work: with every rule forced onto every
    file the findings are the same."""
    def findings(ruleset):
        result = run([APP], ruleset, Config(), jobs=1)
        return sorted((f.path.name, f.line, f.code, f.message) for f in result.active)

    ruleset = select_rules(Config(), ["GAE1"])
    fast = findings(ruleset)
    assert fast, "the app must produce findings"
    assert findings(engine.RuleSet(ruleset.rules, prefilter=False)) == fast


@pytest.mark.parametrize("host,kind", [
    ("10.0.0.5", "private"), ("192.168.1.20", "private"), ("172.16.0.1", "private"),
    ("127.0.0.1", "loopback"), ("localhost", "loopback"), ("LOCALHOST.", "loopback"), ("::1", "loopback"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.251", "multicast"), ("ff02::1", "multicast"),
    ("255.255.255.255", "broadcast"), ("fd12:3456::1", "private"), ("::ffff:10.0.0.1", "private"),
    ("0.0.0.0", "unspecified (this host)"),
    ("8.8.8.8", None), ("api.example.com", None), ("2001:4860:4860::8888", None), (None, None),
])
def test_address_classification(host, kind):
    assert sockets.classify(host) == kind


def test_whitelisted_google_endpoints():
    assert sockets.whitelisted("2001:4860:4860:0:0:0:0:8844")["ports"] == [53]
    assert sockets.whitelisted("SMTP.gmail.com")["ports"] == [465, 587]
    assert sockets.whitelisted("imap.gmail.com")["ports"] == [993]
    assert sockets.whitelisted("mail.google.com") is None


@pytest.mark.parametrize("origin,is_socket", [
    ("socket.socket", True), ("socket.create_connection", True), ("ssl.wrap_socket", True),
    ("socket.socket#accept[0]", True), ("socket.socket#accept[1]", False), ("socket.socket#accept", False),
    ("socket.socketpair[1]", True), ("socket.socketpair", False),
    ("ssl.create_default_context#wrap_socket", True), ("ssl.create_default_context", False),
    ("socket.socket#makefile", False), ("jinja2.Template", False), (None, False),
])
def test_socket_origins(origin, is_socket):
    assert sockets.is_socket_origin(origin) is is_socket


def test_unknown_bind_address_is_a_warning_that_says_so(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.py").write_text("import socket\ndef attach(port):\n    s = socket.socket()\n    s.bind(('', port))\n")
    _, doc = check_json(app, "--select", "GAE102")
    [finding] = doc["findings"]
    assert finding["line"] == 4 and finding["severity"] == "warning"
    assert "cannot resolve" in finding["message"]
    assert Severity.parse(finding["severity"]) < Severity.ERROR
