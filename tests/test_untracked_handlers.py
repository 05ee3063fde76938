"""GAE407 for a handler module the checkout lacks but the developer's tree
may hold (gaelint.app.untracked): a directory `.gitignore` lists, a git
submodule left empty. Warning, saying why; an error again when
`.gcloudignore` includes the app directory's `.gitignore` (gcloud then
skips what it lists too)."""
from gaelint.config import Config
from gaelint.runner import run, select_rules

APP_YAML = ("runtime: python27\napi_version: 1\nthreadsafe: true\n\nhandlers:\n"
            "- url: /tasks/.*\n  script: taskqueue_lib.main.APP\n  login: admin\n"
            "- url: /.*\n  script: main.app\n")
MAIN = "import webapp2\n\napp = webapp2.WSGIApplication([])\n"


def _gae407(root):
    result = run([root], select_rules(Config()), Config(), jobs=1)
    return [(f.line, str(f.severity), f.message) for f in result.findings if f.code == "GAE407"]


def _app(tmp_path, gitignore=None, gcloudignore=None):
    repo = tmp_path / "repo"
    app = repo / "app"
    app.mkdir(parents=True)
    (repo / ".git").mkdir()
    (app / "app.yaml").write_text(APP_YAML)
    (app / "main.py").write_text(MAIN)
    if gitignore is not None:
        (repo / ".gitignore").write_text(gitignore)
    if gcloudignore is not None:
        (app / ".gcloudignore").write_text(gcloudignore)
    return app


MISSING = ("handler script `taskqueue_lib.main.APP`: no module `taskqueue_lib` where production imports from: "
           "there is no `taskqueue_lib.py` or `taskqueue_lib/__init__.py`")


def test_a_module_the_repository_gitignore_lists_is_a_warning(tmp_path):
    app = _app(tmp_path, gitignore="*.pyc\n/app/taskqueue_lib/\n")
    assert _gae407(app) == [(7, "warning", MISSING + " [`../.gitignore` lists it: it may be in the deploying tree, "
                                                     "untracked by git]")]


def test_it_is_an_error_when_gcloudignore_includes_the_gitignore_that_lists_it(tmp_path):
    app = _app(tmp_path, gcloudignore="#!include:.gitignore\n.git\n")
    (app / ".gitignore").write_text("/taskqueue_lib/\n")
    assert _gae407(app) == [(7, "error", MISSING)]
    (app / ".gitignore").write_text("*.pyc\n")     # only the repository's lists it: gcloud uploads it
    (app.parent / ".gitignore").write_text("/app/taskqueue_lib/\n")
    assert [severity for _, severity, _ in _gae407(app)] == ["warning"]


def test_an_empty_submodule_directory_is_a_warning(tmp_path):
    app = _app(tmp_path)
    (app / "taskqueue_lib").mkdir()
    assert [(line, severity) for line, severity, _ in _gae407(app)] == [(7, "warning")]
    assert _gae407(app)[0][2].endswith(
        "[`taskqueue_lib/` is empty in the checkout (a git submodule not checked out, or a build step fills it)]")


def test_a_module_nothing_explains_stays_an_error(tmp_path):
    app = _app(tmp_path, gitignore="*.pyc\nbuild/\n")
    assert _gae407(app) == [(7, "error", MISSING)]


def test_an_app_inside_a_directory_gitignore_lists_is_the_uploaded_tree(tmp_path):
    """`dist/` is ignored by the repository, and the app is built into it:
    the checkout gaelint reads is what uploads, so a typo stays an error."""
    repo = tmp_path / "repo"
    app = repo / "dist" / "app"
    app.mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / ".gitignore").write_text("dist/\n")
    (app / "app.yaml").write_text(APP_YAML)
    (app / "main.py").write_text(MAIN)
    assert _gae407(app) == [(7, "error", MISSING)]


def test_an_ignored_directory_the_checkout_holds_does_not_explain_what_it_lacks(tmp_path):
    app = _app(tmp_path, gitignore="/app/taskqueue_lib/\n")
    (app / "taskqueue_lib").mkdir()
    (app / "taskqueue_lib" / "__init__.py").write_text("")
    assert _gae407(app) == [(7, "error", "handler script `taskqueue_lib.main.APP`: `taskqueue_lib/__init__.py` "
                                          "defines no `main` at module level, and no module `taskqueue_lib.main` "
                                          "is uploaded: there is no `taskqueue_lib/main.py` or "
                                          "`taskqueue_lib/main/__init__.py`")]
