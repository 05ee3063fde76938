"""The production model (RULES.md, "Severity follows what production runs"):
on hand-written python27 apps, every finding at its line with the severity
production earns it and, in reached code, the chain from the handler."""
import ast
import json
import os
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli

from gaelint.analysis import facts
from gaelint.config import Config
from gaelint.runner import run, select_rules

APPS = FIXTURES / "production"
SHOP = APPS / "shop"


def findings(app, **kw):
    result = run([app], select_rules(Config()), Config(), jobs=1, **kw)
    return result, {(os.path.relpath(f.path.resolve(), app.resolve()), f.line, f.code): f
                    for f in result.findings}


def chain(finding):
    """The reached-from steps as (file name, line, what)."""
    return [(step.path.name, step.line, step.what) for step in finding.reached_from]


@pytest.fixture(scope="module")
def shop():
    return findings(SHOP)


def test_every_finding_of_the_shop_with_the_severity_production_earns(shop):
    _, got = shop
    assert {key: str(f.severity) for key, f in got.items()} == {
        ("admin/views.py", 8, "GAE103"): "error",             # an included handler's module
        ("handlers/orders.py", 8, "GAE201"): "error",         # a webapp2 lazy route names it
        ("storage.py", 16, "GAE201"): "error",                # called by handlers/orders.py
        ("storage.py", 10, "GAE201"): "info",                 # `except OSError` carries on
        ("main.py", 15, "GAE202"): "info",                    # behind on_appengine() from utils/env.py
        ("lib/feedparser/__init__.py", 10, "GAE201"): "info",  # vendored, the app never calls it
        ("lib/feedparser/__init__.py", 11, "GAE201"): "info",
        ("lib/markdown2/__init__.py", 6, "GAE202"): "info",    # vendored, nothing imports it
        ("tools/reindex.py", 8, "GAE202"): "info",             # a dev tool
        ("tests/test_storage.py", 10, "GAE201"): "info",       # a test module
        ("tests/test_storage.py", 13, "GAE201"): "info",
        ("bot/__main__.py", 6, "GAE202"): "info",              # files the server hands out as a zip
    }


def test_reasons_say_why_production_never_fails_there(shop):
    _, got = shop
    assert got[("tools/reindex.py", 8, "GAE202")].message.endswith(
        "[not reached in production: uploaded, but no handler imports it]")
    assert got[("tests/test_storage.py", 10, "GAE201")].message.endswith(
        "[not reached in production: a test module, which no handler imports]")
    assert got[("lib/feedparser/__init__.py", 11, "GAE201")].message.endswith(
        "[third-party code (vendored in `lib/`) that production imports, but the app's own code never calls "
        "`save_debug_copy`]")
    assert got[("storage.py", 10, "GAE201")].message.endswith(
        "[handled: `except OSError` on line 11 catches the failure and carries on]")
    assert got[("main.py", 15, "GAE202")].message.endswith(
        "[not production code: it is behind an off-App-Engine check on line 14 "
        "(SERVER_SOFTWARE / APPENGINE_RUNTIME / platform)]")


def test_errors_show_how_production_reaches_them(shop):
    _, got = shop
    assert chain(got[("handlers/orders.py", 8, "GAE201")]) == [
        ("app.yaml", 12, "main.app"), ("main.py", 28, "handlers.orders.OrderHandler")]
    assert chain(got[("storage.py", 16, "GAE201")]) == [("app.yaml", 12, "main.app"), ("main.py", 8, "storage")]
    assert chain(got[("admin/views.py", 8, "GAE103")]) == [("include.yaml", 3, "admin.views.app")]
    assert chain(got[("tools/reindex.py", 8, "GAE202")]) == []


def test_google_path_vendoring_and_included_skip_files(shop):
    _, got = shop
    # main.py:6 `from google.protobuf import message`: third_party/protobuf is
    # added to google.__path__ by a helper appengine_config.py calls
    assert not [k for k in got if k[0] == "main.py" and k[2] == "GAE302"]
    # admin/include.yaml's skip_files leaves admin/fixtures/ out of the deploy
    assert not [k for k in got if k[0].startswith("admin/fixtures/")]


def test_a_python39_service_beside_the_python27_one_is_out_of_scope(shop):
    result, got = shop
    assert not [k for k in got if k[0] == "worker.py"]
    assert [n for n in result.notices if "worker.yaml" in n] == [
        f"{os.path.relpath(SHOP / 'worker.yaml')}: a `runtime: python39` service, not the python27 "
        "standard sandbox: out of scope"]


def test_django_settings_strings_reach_the_installed_apps():
    _, got = findings(APPS / "django_site")
    assert {key: str(f.severity) for key, f in got.items()} == {
        ("polls/models.py", 5, "GAE201"): "error",       # INSTALLED_APPS 'polls' -> polls.models
        ("polls/views.py", 7, "GAE201"): "error",        # ROOT_URLCONF -> mysite.urls -> 'polls.views.export'
    }
    assert chain(got[("polls/views.py", 7, "GAE201")]) == [
        ("app.yaml", 9, "mysite.wsgi.application"), ("wsgi.py", 5, "mysite.settings"),
        ("settings.py", 10, "mysite.urls"), ("urls.py", 4, "polls.views.export")]


def test_old_style_django_a_bare_settings_name_prefixed_views_and_templatetags():
    _, got = findings(APPS / "django_old_style")
    assert {key: str(f.severity) for key, f in got.items()} == {
        ("library/views.py", 20, "GAE202"): "error",        # 'cover' under patterns('library.views', ...)
        ("library/views.py", 36, "GAE202"): "warning",      # rebuild_covers(): no pattern names it
        ("library/syndication.py", 10, "GAE201"): "error",  # include('library.feeds') -> 'latest'
        ("library/templatetags/shelf.py", 15, "GAE201"): "error",   # an installed app's templatetags
        ("drafts/templatetags/draft_tags.py", 8, "GAE201"): "info",  # drafts is not an installed app
    }
    settings = [("app.yaml", 9, "main.application"), ("main.py", 4, "settings")]
    assert chain(got[("library/views.py", 20, "GAE202")]) == settings + [
        ("settings.py", 8, "urls"), ("urls.py", 5, "library.views.index")]
    assert chain(got[("library/syndication.py", 10, "GAE201")]) == settings + [
        ("settings.py", 8, "urls"), ("urls.py", 12, "library.feeds"), ("feeds.py", 5, "library.syndication.latest")]
    assert chain(got[("library/templatetags/shelf.py", 15, "GAE201")]) == settings + [
        ("settings.py", 12, "library.templatetags.shelf")]
    assert got[("library/views.py", 36, "GAE202")].message.endswith(
        "[nothing in the app calls or names `rebuild_covers()`, though production imports this module]")
    assert got[("drafts/templatetags/draft_tags.py", 8, "GAE201")].message.endswith(
        "[not reached in production: uploaded, but no handler imports it]")


def test_django_settings_configured_in_code_and_a_view_given_by_keyword():
    _, got = findings(APPS / "django_configured")
    assert {key: str(f.severity) for key, f in got.items()} == {
        ("pages.py", 11, "GAE201"): "error",                        # url(r'^upload$', view='upload')
        ("widgets/templatetags/footer.py", 11, "GAE202"): "error",  # INSTALLED_APPS of settings.configure()
    }
    assert chain(got[("pages.py", 11, "GAE201")]) == [
        ("app.yaml", 7, "wsgi.application"), ("wsgi.py", 7, "routes"), ("routes.py", 5, "pages.home")]
    assert chain(got[("widgets/templatetags/footer.py", 11, "GAE202")]) == [
        ("app.yaml", 7, "wsgi.application"), ("wsgi.py", 8, "widgets.templatetags.footer")]


@pytest.mark.parametrize("code, refs", [
    ("os.environ['DJANGO_SETTINGS_MODULE'] = 'settings'", [[1, "settings"]]),
    ("os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')", [[1, "settings"]]),
    ("os.putenv('DJANGO_SETTINGS_MODULE', 'config')", [[1, "config"]]),
    ("defaults.setdefault('DJANGO_SETTINGS_MODULE', 'settings')", []),     # not the environment
    ("os.environ['SETTINGS'] = 'settings'", []),
    ("settings.configure(ROOT_URLCONF='urls', DEBUG='yes')", [[1, "urls"]]),
    ("urlpatterns = patterns('', (r'^$', 'index'))", []),                    # no prefix: not a module
    ("urlpatterns = patterns('blog.views',\n    (r'^$', 'index'),\n    url(r'^(\\d+)$', 'entry'),\n"
     "    (r'^feed/', include('blog.feeds')),\n    (r'^about$', about_page))",
     [[2, "blog.views.index"], [3, "blog.views.entry"], [1, "blog.views"], [4, "blog.feeds"]]),
    ("INSTALLED_APPS = ('blog',)", [[1, "blog"], *[[1, f"blog.{m}"] for m in ("models", "admin", "apps", "signals")],
                                    [1, "blog.templatetags.*"]]),
    # a file name is not a module path: settings that point at the client offered as a download
    ("UPLOAD_PY = os.path.join(ROOT, 'upload.py')\nTEMPLATE = 'review/index.html'\n"
     "HANDLER = 'handlers.review.ReviewPage'", [[3, "handlers.review.ReviewPage"]]),
])
def test_the_names_django_imports_are_module_references(code, refs):
    assert sorted(r[:2] for r in facts.extract(ast.parse(code))["refs"]) == sorted(refs)


def test_a_vendored_directory_that_a_build_step_fills():
    result, got = findings(APPS / "vendored_later")
    flask = got[("main.py", 1, "GAE302")]
    assert str(flask.severity) == "info"
    assert flask.message.endswith("[assumed vendored in `lib/`, which is not in the checkout: a build step fills it; "
                                  "requirements.txt lists `Flask`]")
    # numpy needs compiled code: vendoring cannot provide it
    assert str(got[("main.py", 2, "GAE302")].severity) == "error"
    assert any("lib/ is put on sys.path but is not in the checkout" in n for n in result.notices)


def test_a_deploy_root_above_app_yaml():
    app = APPS / "bazel" / "src" / "shop" / "web"
    result, _ = findings(app)
    [finding] = result.findings
    assert finding.path == (APPS / "bazel/src/shop/storage/disk.py").resolve()
    assert (finding.code, finding.line, str(finding.severity)) == ("GAE201", 2, "error")
    assert chain(finding) == [("app.yaml", 7, "shop.web.urls.app"), ("urls.py", 3, "shop.storage.disk")]
    assert any("its handlers name modules from" in n and n.endswith("imports are followed from there")
               for n in result.notices)


def _write(root: Path, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


APP_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: server.app\n"
SERVER = "import os\nimport webapp2\n\n\nclass Purge(webapp2.RequestHandler):\n    def post(self):\n" \
         "        os.remove('/tmp/cache')\n\n\napp = webapp2.WSGIApplication([('/purge', Purge)])\n"


def test_a_yaml_kept_apart_from_its_code_is_placed_by_a_repository_search(tmp_path):
    (tmp_path / ".git").mkdir()
    _write(tmp_path, {"configs/prod/app.yaml": APP_YAML, "src/appengine/server.py": SERVER})
    result, _ = findings(tmp_path)
    [finding] = result.findings
    assert finding.path == (tmp_path / "src/appengine/server.py").resolve()
    assert (finding.code, finding.line, str(finding.severity)) == ("GAE201", 7, "error")
    assert any(f"they all resolve in {(tmp_path / 'src/appengine').resolve()}, which gaelint takes as the "
               "deploy root" in n for n in result.notices)


def test_the_deploy_roots_setting_chooses_among_several(tmp_path):
    (tmp_path / ".git").mkdir()
    _write(tmp_path, {"configs/prod/app.yaml": APP_YAML, "src/appengine/server.py": SERVER,
                      "old/appengine/server.py": SERVER})
    result, _ = findings(tmp_path)
    [unplaced] = result.findings
    assert (unplaced.code, str(unplaced.severity)) == ("GAE407", "info")
    assert unplaced.message.endswith("[no handler of this yaml resolves beside it: where its code deploys "
                                     "from is unknown]")
    assert any("resolve in several directories" in n and "set `deploy-roots`" in n for n in result.notices)
    (tmp_path / "gaelint.toml").write_text('deploy-roots = {"configs/prod/app.yaml" = "src/appengine"}\n')
    code, out, _ = run_cli("check", tmp_path, "--format", "json", "--no-cache", cwd=tmp_path)
    assert code == 1
    assert [(f["path"], f["line"], f["code"]) for f in json.loads(out)["findings"]] == [
        ("src/appengine/server.py", 7, "GAE201")]


ENDPOINTS_V2 = ("`import endpoints` needs Endpoints Frameworks v2 (`google-endpoints`) vendored in the app: the "
                "runtime no longer serves its `endpoints` library (Cloud Endpoints Frameworks v1 was shut down on "
                "September 3, 2018)")


def test_a_placeholder_lib_that_a_build_script_fills_is_a_vendored_directory():
    app = APPS / "placeholder_lib"
    result, got = findings(app)
    assert {key: str(f.severity) for key, f in got.items()} == {
        ("api.py", 1, "GAE302"): "info",        # Endpoints v2, installed into lib/ from deploy_requirements.txt
        ("main.py", 1, "GAE302"): "info",       # Flask, likewise
        ("feed.py", 1, "GAE302"): "error",      # lxml is compiled: only `libraries:` provides it
    }
    filled = ("[assumed vendored in `lib/`, which holds no Python in the checkout: pavement.py fills it from "
              "deploy_requirements.txt, which lists `{}`]")
    assert got[("api.py", 1, "GAE302")].message == f"{ENDPOINTS_V2} {filled.format('google-endpoints')}"
    assert got[("main.py", 1, "GAE302")].message == (
        "`from flask import Flask, Response` needs the `flask` library, which app.yaml does not enable under "
        f"`libraries:` {filled.format('Flask')}")
    lxml = got[("feed.py", 1, "GAE302")]
    assert lxml.message == "`from lxml import etree` needs the `lxml` library, which app.yaml does not enable " \
                           "under `libraries:`"
    assert chain(lxml) == [("app.yaml", 9, "main.app"), ("main.py", 3, "feed")]
    assert [n for n in result.notices if "lib/" in n] == [
        f"{os.path.relpath(app)}: lib/ is put on sys.path and holds no Python in the checkout (pavement.py fills "
        "it from deploy_requirements.txt): imports of libraries it may hold are assumed vendored"]


VENDORING_APP = {
    "app.yaml": APP_YAML,
    "appengine_config.py": "from google.appengine.ext import vendor\n\nvendor.add('lib')\n",
    "server.py": "from flask import Flask\nimport endpoints\n\napp = Flask(__name__)\n",
    "lib/README.md": "Installed by the deploy script.\n",
}


def test_a_placeholder_lib_nothing_is_known_to_fill_is_taken_as_it_is(tmp_path):
    (tmp_path / ".git").mkdir()
    _write(tmp_path, dict(VENDORING_APP, **{"requirements-dev.txt": "mock==2.0.0\nFlask==0.12.4\n"}))
    result, got = findings(tmp_path)
    assert {key: str(f.severity) for key, f in got.items()} == {
        ("server.py", 1, "GAE302"): "error", ("server.py", 2, "GAE302"): "error"}
    assert got[("server.py", 2, "GAE302")].message == ENDPOINTS_V2
    assert not [n for n in result.notices if "lib/" in n]


def test_a_requirements_file_beside_app_yaml_or_a_makefile_fills_a_placeholder(tmp_path):
    (tmp_path / ".git").mkdir()
    _write(tmp_path, dict(VENDORING_APP, **{"requirements.txt": "Flask==0.12.4  # the web app\n"}))
    _, got = findings(tmp_path)
    assert {key: str(f.severity) for key, f in got.items()} == {
        ("server.py", 1, "GAE302"): "info", ("server.py", 2, "GAE302"): "info"}
    assert got[("server.py", 1, "GAE302")].message.endswith(
        "[assumed vendored in `lib/`, which holds no Python in the checkout: a build step fills it; "
        "requirements.txt lists `Flask`]")
    assert got[("server.py", 2, "GAE302")].message == (
        f"{ENDPOINTS_V2} [assumed vendored in `lib/`, which holds no Python in the checkout: a build step fills it]")

    (tmp_path / "requirements.txt").unlink()
    _write(tmp_path, {"Makefile": "vendor:\n\tpip install --target=lib -r requirements/prod.txt\n",
                      "requirements/prod.txt": "-i https://pypi.org/simple\ngoogle_endpoints==4.8.0\n"})
    _, got = findings(tmp_path)
    assert got[("server.py", 2, "GAE302")].message == (
        f"{ENDPOINTS_V2} [assumed vendored in `lib/`, which holds no Python in the checkout: Makefile fills it "
        "from requirements/prod.txt, which lists `google_endpoints`]")


BAZEL_APP = APPS / "bazel_workspace" / "guestbook" / "gae"


def test_a_bazel_workspace_makes_packages_of_directories_and_supplies_third_party_code():
    result, got = findings(BAZEL_APP)
    assert {key: str(f.severity) for key, f in got.items()} == {
        ("lib/store.py", 24, "GAE201"): "error",    # reached: guestbook.gae.lib has no __init__.py in the checkout
        ("web/main.py", 1, "GAE302"): "info",       # futures comes from the WORKSPACE's http_archive
        ("app.yaml", 10, "GAE407"): "error",        # guestbook/gae/admin/ does not exist at all
    }
    assert chain(got[("lib/store.py", 24, "GAE201")]) == [
        ("app.yaml", 7, "guestbook.gae.cron.main.app"), ("main.py", 3, "guestbook.gae.lib.store")]
    assert got[("web/main.py", 1, "GAE302")].message == (
        "`from concurrent import futures` needs the `futures` library, which app.yaml does not enable under "
        "`libraries:` [assumed supplied by the Bazel build (`../../WORKSPACE`): its third-party packages come "
        "from the workspace, not the checkout]")
    assert got[("app.yaml", 10, "GAE407")].message == (
        "handler script `guestbook.gae.admin.main.app`: no module `guestbook.gae.admin` where production imports "
        "from: there is no `guestbook/gae/admin.py` or `guestbook/gae/admin/__init__.py`")
    assert f"{os.path.relpath(BAZEL_APP)}: built with Bazel (`../../WORKSPACE`): the build creates the missing " \
           "`__init__.py` files, so directories holding Python are packages, and imports of libraries the " \
           "checkout lacks are assumed to come from the workspace" in result.notices


def test_without_a_workspace_a_directory_without_init_is_no_package(tmp_path):
    import shutil
    shutil.copytree(APPS / "bazel_workspace", tmp_path / "repo")
    (tmp_path / "repo" / ".git").mkdir()
    (tmp_path / "repo" / "WORKSPACE").unlink()
    result, got = findings(tmp_path / "repo" / "guestbook" / "gae")
    assert {key: str(f.severity) for key, f in got.items() if key[2] != "GAE201"} == {
        ("app.yaml", 7, "GAE407"): "error", ("app.yaml", 10, "GAE407"): "error",
        ("app.yaml", 13, "GAE407"): "error", ("web/main.py", 1, "GAE302"): "error"}
    assert got[("app.yaml", 13, "GAE407")].message == (
        "handler script `guestbook.gae.web.main.app`: no module `guestbook` where production imports from: "
        "there is no `guestbook.py` or `guestbook/__init__.py`")
    assert not [n for n in result.notices if "Bazel" in n]


def test_a_warm_run_sees_a_build_script_change_outside_the_deploy(tmp_path):
    """pavement.py is skipped from the deploy, yet it says what fills lib/:
    the whole-app cache must not answer from before it changed."""
    import shutil
    import subprocess
    import sys
    app = tmp_path / "app"
    shutil.copytree(APPS / "placeholder_lib", app)
    (app / ".git").mkdir()
    env = {**os.environ, "GAELINT_CACHE_DIR": str(tmp_path / "cache")}

    def endpoints_reason():
        proc = subprocess.run([sys.executable, "-m", "gaelint", "check", "--format", "json", "--exit-zero", str(app)],
                              capture_output=True, text=True, env=env, cwd=tmp_path)
        [found] = [f for f in json.loads(proc.stdout)["findings"] if f["path"] == "app/api.py"]
        return found["severity"], found["message"][len(ENDPOINTS_V2):]

    assert endpoints_reason() == ("info", " [assumed vendored in `lib/`, which holds no Python in the checkout: "
                                          "pavement.py fills it from deploy_requirements.txt, which lists "
                                          "`google-endpoints`]")
    (app / "pavement.py").write_text("from paver.easy import sh, task\n\n\n@task\ndef lint():\n"
                                     "    sh('flake8 .')\n")
    assert endpoints_reason() == ("info", " [assumed vendored in `lib/`, which holds no Python in the checkout: "
                                          "a build step fills it; deploy_requirements.txt lists "
                                          "`google-endpoints`]")


def test_a_helper_that_appengine_config_calls_with_sys_path_puts_its_directory_on_it():
    """`_add_third_party(sys.path, _ROOT)`: the helper's `path_list.insert(0, ...)`
    is a sys.path edit, with the caller's arguments."""
    _, got = findings(APPS / "path_helper")
    assert {key: str(f.severity) for key, f in got.items()} == {
        ("third_party/reportcache/__init__.py", 9, "GAE201"): "error",
        ("third_party/reportcache/__init__.py", 10, "GAE201"): "error",
    }
    finding = got[("third_party/reportcache/__init__.py", 10, "GAE201")]
    assert finding.message.endswith("[third-party code (in `third_party/`); the app uses `store` at main.py:10]")
    assert chain(finding) == [("app.yaml", 7, "main.app"), ("main.py", 3, "reportcache")]


def test_the_fallback_of_an_import_python27_always_has_is_not_production_code(tmp_path):
    """`try: import json` / `except ImportError:` ... on python27 json imports,
    so what the except branch imports (django's simplejson) never loads."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.yaml").write_text("runtime: python27\napi_version: 1\nthreadsafe: true\n"
                                  "handlers:\n- url: /.*\n  script: main.app\n")
    (app / "main.py").write_text(
        "import webapp2\n\n"
        "try:\n    import json as simplejson\nexcept ImportError:\n"
        "    try:\n        import simplejson\n    except ImportError:\n"
        "        from django.utils import simplejson\n\n"
        "try:\n    from lxml import etree\nexcept ImportError:\n    from xml.etree import cElementTree as etree\n\n"
        "try:\n    import ujson as fast_json\nexcept ImportError:\n    from django.utils import simplejson as fast_json\n\n"
        "app = webapp2.WSGIApplication([])\n")
    _, got = findings(app)
    assert {key: str(f.severity) for key, f in got.items()} == {
        ("main.py", 9, "GAE302"): "info",     # behind `import json`, which python27 has
        ("main.py", 19, "GAE302"): "error",   # behind ujson, which it does not: this fallback runs
    }
    assert got[("main.py", 9, "GAE302")].message.endswith(
        "[not production code: it only runs if the imports of the `try` on line 3 fail, "
        "and the python27 runtime provides those modules]")
