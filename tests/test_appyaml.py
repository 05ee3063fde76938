"""app.yaml model: values the runtime sees, lines of keys and entries, and
broken files that must not crash anything."""
from pathlib import Path

import pytest

from gaelint.app.appyaml import load_app_config, parse_app_config, yaml_kind

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"

APP_YAML = """\
runtime: python27
api_version: 1
threadsafe: yes
module: backend

libraries:
- name: jinja2
  version: 2.6
- name: yaml
  version: 3.10
- name: ssl
  version: "2.7.11"
- name: webob

handlers:
- url: /static
  static_dir: static
- url: /cgi
  script: legacy/cgi.py
- url: /.*
  script: main.app
  login: admin

env_variables:
  GAE_USE_SOCKETS_HTTPLIB: true
  EMPTY:
  BLANK: ''

builtins:
- deferred: on
inbound_services:
- mail
- warmup
includes:
- lib/include.yaml

basic_scaling:
  max_instances: 2
"""


def parse(text, name="app.yaml"):
    return parse_app_config(text, Path(name))


@pytest.fixture
def config():
    return parse(APP_YAML)


def test_scalars(config):
    assert config.error is None
    assert config.runtime == "python27"
    assert config.api_version == "1"
    assert config.threadsafe is True
    assert config.service == "backend"  # module: is the old name of service:
    assert config.scaling == "basic_scaling"
    assert config.scaling_line == 37
    assert config.effective_scaling == "basic_scaling"


def test_libraries_keep_the_version_text_and_the_runtime_view(config):
    libs = [(l.name, l.version, l.version_runtime, l.line, l.name_line, l.version_line) for l in config.libraries]
    assert libs == [
        ("jinja2", "2.6", "2.6", 7, 7, 8),
        # unquoted 3.10 is the float 3.1 for the runtime: a rule can say so
        ("yaml", "3.10", "3.1", 9, 9, 10),
        ("ssl", "2.7.11", "2.7.11", 11, 11, 12),
        ("webob", None, None, 13, 13, None),
    ]


def test_handlers(config):
    got = [(h.url, h.script, h.line, h.script_line) for h in config.handlers]
    assert got == [
        ("/static", None, 16, None),
        ("/cgi", "legacy/cgi.py", 18, 19),
        ("/.*", "main.app", 20, 21),
    ]
    assert config.handlers[0].raw == {"url": "/static", "static_dir": "static"}
    assert config.handlers[2].raw["login"] == "admin"


def test_env_variables(config):
    env = {k: (v.value, v.line, v.raw) for k, v in config.env_variables.items()}
    assert env == {
        "GAE_USE_SOCKETS_HTTPLIB": ("true", 25, True),
        "EMPTY": ("", 26, None),
        "BLANK": ("", 27, ""),
    }


def test_raw_lists_and_top_level_keys(config):
    assert [(e.value, e.line) for e in config.builtins] == [({"deferred": True}, 30)]
    assert [(e.value, e.line) for e in config.inbound_services] == [("mail", 32), ("warmup", 33)]
    assert [(e.value, e.line) for e in config.includes] == [("lib/include.yaml", 35)]
    assert [k for k, _ in config.top_level_keys] == [
        "runtime", "api_version", "threadsafe", "module", "libraries", "handlers",
        "env_variables", "builtins", "inbound_services", "includes", "basic_scaling"]
    assert dict(config.top_level_keys)["handlers"] == 15


def test_line_of_and_value_line(config):
    assert config.line_of("threadsafe") == 3
    assert config.line_of("libraries") == 6
    assert config.value_line("libraries") == 7
    assert config.line_of("libraries", 1) == 9
    assert config.line_of("libraries", 1, "version") == 10
    assert config.line_of("libraries", -1, "name") == 13
    assert config.line_of("handlers", 2, "login") == 22
    assert config.line_of("env_variables", "BLANK") == 27
    assert config.line_of("basic_scaling", "max_instances") == 38
    assert config.line_of("nope") is None
    assert config.line_of("libraries", 9) is None
    assert config.line_of("runtime", "x") is None


def test_threadsafe_spellings():
    for text, expected in [("yes", True), ("true", True), ("True", True), ("on", True),
                           ("no", False), ("false", False), ("off", False)]:
        assert parse(f"runtime: python27\nthreadsafe: {text}\n").threadsafe is expected
    assert parse("runtime: python27\n").threadsafe is None
    # a string is not a YAML bool: left to GAE406, visible in data
    quoted = parse("threadsafe: 'true'\n")
    assert quoted.threadsafe is None and quoted.data["threadsafe"] == "true"


def test_float_versions_keep_their_text():
    config = parse("libraries:\n- name: django\n  version: 1.11\n- name: x\n  version: 2.10\n- name: y\n  version: 1\n")
    assert [l.version for l in config.libraries] == ["1.11", "2.10", "1"]
    assert [l.version_runtime for l in config.libraries] == ["1.11", "2.1", "1"]
    assert parse("api_version: 1.0\n").api_version == "1.0"


def test_skip_files_forms():
    assert parse("runtime: python27\n").skip_files is None
    assert parse("skip_files:\n").skip_files is None  # null: the default applies
    single = parse("skip_files: ^(.*/)?.*\\.bak$\n").skip_files
    assert [(e.regex, e.line) for e in single] == [("^(.*/)?.*\\.bak$", 1)]
    listed = parse("a: 1\nskip_files:\n- ^tests/.*\n- ^(.*/)?\\..*$\n").skip_files
    assert [(e.regex, e.line) for e in listed] == [("^tests/.*", 3), ("^(.*/)?\\..*$", 4)]
    assert parse("skip_files: []\n").skip_files == []
    # appinfo removes newlines, so a block scalar is one regex
    block = parse("skip_files: |\n  .svn.*|\n  #.*#\n").skip_files
    assert [e.regex for e in block] == [".svn.*|#.*#"]


def test_scaling_default_and_several():
    assert parse("runtime: python27\n").scaling is None
    assert parse("runtime: python27\n").effective_scaling == "automatic_scaling"
    both = parse("manual_scaling:\n  instances: 1\nautomatic_scaling:\n  max_instances: 2\n")
    assert both.scaling == "manual_scaling"
    assert both.scaling_keys == [("manual_scaling", 1), ("automatic_scaling", 3)]


def test_duplicate_keys_last_wins_and_both_lines_kept():
    config = parse("runtime: python27\nthreadsafe: true\nhandlers: []\nthreadsafe: false\n")
    assert config.threadsafe is False
    assert config.line_of("threadsafe") == 4
    assert [(d.path, d.key, d.lines) for d in config.duplicate_keys] == [((), "threadsafe", [2, 4])]


@pytest.mark.parametrize("text, line, words", [
    ("runtime: python27\nthreadsafe: true\n  handlers:\n- url: /\n", 3, "mapping values are not allowed"),
    ("runtime: python27\nhandlers:\n-\turl: /\n", 3, "'\\t'"),
    ("runtime: python27\nlibraries:\n- name: ssl\n\tversion: latest\n", 4, "'\\t'"),
    # the line that opened the quote, not the end of the file
    ("runtime: python27\napi_version: '1\nthreadsafe: true\nhandlers:\n- url: /\n", 2, "quoted scalar"),
    ("a: 1\n---\nb: 2\n", 2, "another document"),
    ("handlers: !!python/object:os.system x\n", 1, "constructor"),
    ("a: \x07\n", 1, "special character"),
])
def test_malformed_yaml(text, line, words):
    config = parse(text)
    assert config.error is not None
    assert config.error.line == line
    assert words in config.error.message
    assert config.data == {} and config.libraries == [] and config.runtime is None


def test_wrong_types_are_tolerated():
    config = parse("runtime: python27\nlibraries: 3\nhandlers: {url: /}\nenv_variables: [A]\nthreadsafe: 1\n")
    assert config.error is None
    assert config.libraries == [] and config.handlers == [] and config.env_variables == {}
    assert config.threadsafe is None
    assert config.data["libraries"] == 3
    assert config.line_of("libraries") == 2
    top_list = parse("- runtime: python27\n")
    assert top_list.error is None and top_list.data == {} and top_list.document == [{"runtime": "python27"}]
    assert top_list.node is not None
    odd = parse("libraries:\n- jinja2\n- {name: lxml, version: 2.3}\n")
    assert [(l.name, l.version, l.line) for l in odd.libraries] == [(None, None, 2), ("lxml", "2.3", 3)]


def test_empty_and_comment_only_files():
    for text in ("", "# nothing here\n", "\n\n"):
        config = parse(text)
        assert config.error is None and config.data == {} and config.top_level_keys == []


def test_load_handles_bom_and_bad_bytes(tmp_path):
    bom = tmp_path / "app.yaml"
    bom.write_bytes(b"\xef\xbb\xbfruntime: python27\nthreadsafe: true\n")
    config = load_app_config(bom)
    assert config.error is None and config.runtime == "python27" and config.line_of("threadsafe") == 2
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"runtime: python27\n# caf\xe9\n")
    problem = load_app_config(latin).error
    assert problem is not None and problem.line == 2 and "UTF-8" in problem.message
    missing = load_app_config(tmp_path / "nope.yaml")
    assert missing.error is not None and missing.error.line == 1


def test_large_file_is_fine():
    handlers = "".join(f"- url: /h{i}\n  script: main.app\n" for i in range(5000))
    config = parse("runtime: python27\nhandlers:\n" + handlers)
    assert len(config.handlers) == 5000
    assert config.handlers[-1].line == 2 + 2 * 4999 + 1


def test_aliases_are_resolved_without_blowup():
    text = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: [*c, *c, *c, *c]\n"
    config = parse(text)
    assert config.error is None and config.duplicate_keys == []


@pytest.mark.parametrize("name, text, kind", [
    ("dispatch.yaml", "dispatch: []\n", "dispatch"),
    ("cron.yaml", "cron: []\n", "cron"),
    ("queue.yml", "queue: []\n", "queue"),
    ("index.yaml", "indexes: []\n", "index"),
    ("dos.yaml", "blacklist: []\n", "dos"),
    ("app.yaml", "", "service"),
    ("worker.yaml", "service: worker\nruntime: python27\n", "service"),
    ("backend.yml", "runtime: python27\nmodule: backend\n", "service"),
    ("settings.yaml", "debug: true\n", "other"),
    ("notes.txt", "runtime: python27\n", "other"),
])
def test_yaml_kind(name, text, kind):
    assert yaml_kind(Path(name), parse(text, name)) == kind


def test_fixture_app_yaml():
    config = load_app_config(FIXTURES / "guestbook" / "app.yaml")
    assert config.error is None
    assert [h.script for h in config.handlers] == [None, "admin.app", "main.app"]
    assert [(l.name, l.version) for l in config.libraries] == [("webapp2", "2.5.2"), ("jinja2", "latest")]
    assert config.line_of("libraries", 1, "version") == 20
