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
    assert flask.message.endswith("[assumed vendored in `lib/`, which is not in the checkout: a build step fills it]")
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
