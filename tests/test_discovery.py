"""Apps and deploy sets: what gaelint lints is what the deploy uploads."""
import os
import shutil
from pathlib import Path

import pytest

from gaelint.app.deployset import deploy_set
from gaelint.app.discovery import App, find_apps

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"
APP_YAML = "runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n"


def make(root: Path, files: dict) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def app_at(root: Path) -> App:
    targets, _ = find_apps([root])
    (target,) = [t for t in targets if t.app.root == root.resolve()]
    return target.app


def rels(paths, root):
    return [p.relative_to(root.resolve()).as_posix() for p in paths]


@pytest.fixture
def guestbook(tmp_path):
    root = tmp_path / "guestbook"
    shutil.copytree(FIXTURES / "guestbook", root)
    return root


def test_default_skip_files(guestbook):
    make(guestbook, {
        "main.pyc": "", "models.pyo": "", "lib/markdown/__init__.pyc": "",
        ".gitignore": "*.pyc\n", ".git/config": "", ".idea/x.xml": "", "static/.DS_Store": "",
        "#main.py#": "", "main.py~": "", "RCS/main.py,v": "", "lib/RCS/x,v": "",
        "a#b.py": "", "notes~/keep.txt": "",
    })
    deploy = deploy_set(app_at(guestbook))
    assert deploy.mechanism == "default_skip_files"
    assert rels(deploy.files, guestbook) == [
        "RCS/main.py,v",  # (.*/RCS/.*) needs a directory above RCS
        "a#b.py",
        "admin.py", "app.yaml", "lib/markdown/__init__.py", "main.py", "models.py",
        "static/css/main.css", "templates/index.html",
    ]
    assert rels(deploy.skipped, guestbook) == [
        "#main.py#", ".gitignore", "lib/RCS/x,v", "lib/markdown/__init__.pyc", "main.pyc",
        "main.py~", "models.pyo", "static/.DS_Store",
    ]
    # directories are matched too, without a trailing '/', and never entered
    # ('lib/RCS' itself does not match (.*/RCS/.*); the files in it do)
    assert rels(deploy.skipped_dirs, guestbook) == [".git", ".idea", "notes~"]
    assert deploy.is_deployed("main.py") and not deploy.is_deployed("main.pyc")
    assert deploy.relpath(guestbook / "lib" / "markdown" / "__init__.py") == "lib/markdown/__init__.py"
    assert deploy.would_upload("new/module.py") and not deploy.would_upload(".git/new.py")
    assert deploy.problems == []


def test_own_skip_files_replaces_the_default(tmp_path):
    root = tmp_path / "skipfiles"
    shutil.copytree(FIXTURES / "skipfiles", root)
    make(root, {"handlers/home.pyc": "", "handlers/old.pyc": "", ".hidden": "", "home.py~": "",
                "testsuite/x.py": ""})
    deploy = deploy_set(app_at(root))
    assert deploy.mechanism == "skip_files" and deploy.has_explicit_skip_files
    # no .py[co] rule in the app's list: the .pyc files are uploaded
    assert rels(deploy.files, root) == [
        "app.yaml", "handlers/__init__.py", "handlers/home.py", "handlers/home.pyc",
        "handlers/old.pyc", "testsuite/x.py"]
    assert rels(deploy.skipped_dirs, root) == ["tests"]
    assert rels(deploy.skipped, root) == [".hidden", "home.py~"]


def test_skip_files_is_anchored_at_the_start_only(tmp_path):
    # re.match without '$': '^lib' also skips library.py and libs/
    make(tmp_path, {"app.yaml": APP_YAML + "skip_files:\n- ^lib\n", "library.py": "", "libs/a.py": "",
                    "main.py": "", "x/lib.py": ""})
    deploy = deploy_set(app_at(tmp_path))
    assert rels(deploy.files, tmp_path) == ["app.yaml", "main.py", "x/lib.py"]


def test_skip_files_single_string_and_flags(tmp_path):
    make(tmp_path, {"app.yaml": APP_YAML + "skip_files: (?i)^(.*/)?.*\\.BAK$\n", "a.bak": "", "b.py": ""})
    deploy = deploy_set(app_at(tmp_path))
    assert rels(deploy.files, tmp_path) == ["app.yaml", "b.py"]


def test_invalid_skip_files_entry_is_a_problem_with_its_line(tmp_path):
    make(tmp_path, {"app.yaml": APP_YAML + "skip_files:\n- ^docs/.*\n- ^(unclosed\n", "docs/a.py": "", "b.py": ""})
    deploy = deploy_set(app_at(tmp_path))
    assert rels(deploy.files, tmp_path) == ["app.yaml", "b.py"]
    assert [(p.line, "unclosed" in p.message) for p in deploy.problems] == [(9, True)]


def test_empty_skip_files_list_uploads_nothing(tmp_path):
    make(tmp_path, {"app.yaml": APP_YAML + "skip_files: []\n", "main.py": ""})
    deploy = deploy_set(app_at(tmp_path))
    assert deploy.files == []
    assert "nothing is uploaded" in deploy.problems[0].message


def test_gcloudignore_replaces_skip_files(tmp_path):
    make(tmp_path, {
        "app.yaml": APP_YAML, "main.py": "", "main.pyc": "", ".gitignore": "secrets.py\n# comment\n",
        ".gcloudignore": ".gcloudignore\n.git\n#!include:.gitignore\nnode_modules/\n*.md\n!KEEP.md\n",
        "secrets.py": "", "README.md": "", "KEEP.md": "", "node_modules/x/index.js": "", "lib/util.py": "",
    })
    deploy = deploy_set(app_at(tmp_path))
    assert deploy.mechanism == "gcloudignore" and deploy.uses_gcloudignore
    # gitignore semantics: dotfiles and .pyc are uploaded unless listed
    assert rels(deploy.files, tmp_path) == [".gitignore", "KEEP.md", "app.yaml", "lib/util.py", "main.py", "main.pyc"]
    assert rels(deploy.skipped_dirs, tmp_path) == ["node_modules"]
    assert deploy.problems == []


def test_gcloudignore_bad_include_is_a_problem(tmp_path):
    make(tmp_path, {"app.yaml": APP_YAML, "main.py": "", ".gcloudignore": "#!include:.missing\n#!include:sub/.gitignore\n"})
    deploy = deploy_set(app_at(tmp_path))
    messages = [p.message for p in deploy.problems]
    assert len(messages) == 2 and ".missing" in messages[0] and "same directory" in messages[1]


def test_gcloudignore_with_explicit_skip_files_follows_skip_files(tmp_path):
    make(tmp_path, {"app.yaml": APP_YAML + "skip_files:\n- ^tests/.*\n", ".gcloudignore": "*.py\n",
                    "main.py": "", "tests/t.py": ""})
    deploy = deploy_set(app_at(tmp_path))
    assert deploy.uses_gcloudignore and deploy.has_explicit_skip_files
    assert deploy.mechanism == "skip_files"
    assert rels(deploy.files, tmp_path) == [".gcloudignore", "app.yaml", "main.py"]


def test_several_apps_under_one_path():
    targets, problems = find_apps([FIXTURES])
    assert problems == []
    got = {t.app.root.relative_to(FIXTURES.resolve()).as_posix(): rels(t.files, t.app.root) for t in targets}
    assert got == {
        "guestbook": ["admin.py", "app.yaml", "lib/markdown/__init__.py", "main.py", "models.py",
                      "static/css/main.css", "templates/index.html"],
        "multi/default": ["app.yaml", "frontend.py"],
        # a service yaml with runtime: python27 makes its directory an app
        "multi/worker": ["tasks.py", "worker.yaml"],
        "skipfiles": ["app.yaml", "handlers/__init__.py", "handlers/home.py"],
    }
    worker = next(t.app for t in targets if t.app.root.name == "worker")
    assert worker.config_path.name == "worker.yaml" and worker.config.service == "worker"
    assert not any(t.app.implicit or t.explicit for t in targets)


def test_files_outside_apps_are_linted_only_with_all_files():
    targets, _ = find_apps([FIXTURES / "multi"], all_files=True)
    got = {t.app.root.name: (t.app.implicit, rels(t.files, t.app.root)) for t in targets}
    assert got["multi"] == (True, ["dispatch.yaml", "scripts/deploy.py"])
    assert got["worker"] == (False, ["tasks.py", "worker.yaml"])


def test_single_files_map_to_their_app_root():
    files = [FIXTURES / "guestbook" / "main.py", FIXTURES / "guestbook" / "templates" / "index.html",
             FIXTURES / "multi" / "worker" / "tasks.py", FIXTURES / "skipfiles" / "tests" / "check_home.py"]
    targets, problems = find_apps(files)
    assert problems == []
    got = {t.app.root.name: (t.explicit, rels(t.files, t.app.root), rels(t.excluded, t.app.root)) for t in targets}
    assert got == {
        "guestbook": (True, ["main.py", "templates/index.html"], []),
        "worker": (True, ["tasks.py"], []),
        "skipfiles": (True, [], ["tests/check_home.py"]),  # skip_files has ^tests$
    }
    targets, _ = find_apps([FIXTURES / "skipfiles" / "tests" / "check_home.py"], all_files=True)
    assert rels(targets[0].files, targets[0].app.root) == ["tests/check_home.py"]


def test_subdirectory_of_an_app_lints_that_part_with_the_app_config():
    targets, _ = find_apps([FIXTURES / "guestbook" / "lib"])
    (target,) = targets
    assert target.app.root.name == "guestbook" and not target.app.implicit
    assert rels(target.files, target.app.root) == ["lib/markdown/__init__.py"]


def test_nested_app_is_its_own_app(tmp_path):
    make(tmp_path, {"app.yaml": APP_YAML, "main.py": "", "admin/app.yaml": APP_YAML + "service: admin\n",
                    "admin/main.py": "", "other.yaml": "runtime: go\n", "backend.yaml": "runtime: python27\nservice: b\n"})
    targets, _ = find_apps([tmp_path])
    got = {t.app.root.name: rels(t.files, t.app.root) for t in targets}
    assert got == {tmp_path.name: ["app.yaml", "backend.yaml", "main.py", "other.yaml"],
                   "admin": ["app.yaml", "main.py"]}
    outer = next(t.app for t in targets if t.app.root == tmp_path.resolve())
    assert sorted(c.path.name for c in outer.service_configs) == ["backend.yaml", "other.yaml"]
    # the outer deploy still uploads admin/, so its DeploySet has it
    assert "admin/main.py" in rels(deploy_set(outer).files, tmp_path)


def test_implicit_app_without_app_yaml(tmp_path):
    make(tmp_path, {"main.py": "", "main.pyc": "", "pkg/mod.py": "", "settings.yaml": "debug: true\n"})
    targets, problems = find_apps([tmp_path])
    (target,) = targets
    assert target.app.implicit and target.app.config is None and problems == []
    assert rels(target.files, tmp_path) == ["main.py", "pkg/mod.py", "settings.yaml"]
    targets, _ = find_apps([tmp_path / "pkg" / "mod.py"])
    assert targets[0].app.implicit and targets[0].app.root == (tmp_path / "pkg").resolve()


def test_symlink_loops_and_dangling_links(tmp_path):
    make(tmp_path, {"app.yaml": APP_YAML, "main.py": "", "pkg/mod.py": ""})
    os.symlink("..", tmp_path / "pkg" / "up")  # back to the app root
    os.symlink("self", tmp_path / "self")  # resolves to itself (ELOOP)
    os.symlink("missing.py", tmp_path / "gone.py")
    os.symlink("missing", tmp_path / ".hidden_link")  # skipped anyway: not reported
    targets, problems = find_apps([tmp_path])
    assert rels(targets[0].files, tmp_path) == ["app.yaml", "main.py", "pkg/mod.py"]
    found = sorted((p.path.name, p.message.split(" ")[0]) for p in problems)
    assert found == [("gone.py", "dangling"), ("self", "symlink"), ("up", "symlink")]
    for mode in (True, False):  # no hang with --all-files either
        assert find_apps([tmp_path], all_files=mode)[0]


def test_symlinked_directory_inside_the_app_is_followed(tmp_path):
    app = make(tmp_path / "app", {"app.yaml": APP_YAML, "vendor/util.py": ""})
    os.symlink(app / "vendor", app / "lib")
    deploy = deploy_set(app_at(app))
    assert rels(deploy.files, app) == ["app.yaml", "lib/util.py", "vendor/util.py"]
    assert deploy.problems == []
    # a file argument through the link is named as the deploy walk names it
    targets, _ = find_apps([app / "lib" / "util.py"])
    assert targets[0].files == [app.resolve() / "lib" / "util.py"]


def test_symlinked_directory_of_the_same_repository_is_followed(tmp_path):
    # Apps of one repository share code through links to sibling directories
    # (luci-py's `components -> ../components`): the deploy uploads it.
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    make(repo / "components", {"util.py": ""})
    app = make(repo / "app", {"app.yaml": APP_YAML, "main.py": ""})
    os.symlink(repo / "components", app / "components")
    os.symlink("/usr", app / "usr")
    deploy = deploy_set(app_at(app))
    assert rels(deploy.files, app) == ["app.yaml", "components/util.py", "main.py"]
    assert [(p.path.name, p.message) for p in deploy.problems] == [
        ("usr", f"symlink to {os.path.realpath('/usr')}, outside {repo.resolve()}: the deploy would upload "
                f"everything under it; gaelint does not follow links out of {repo.resolve()}, so none of it "
                "is linted")]


def test_symlinks_are_followed_within_the_path_checked(tmp_path):
    # Without a checkout, the path on the command line bounds the walk.
    make(tmp_path / "shared", {"util.py": "import os\nos.remove('x')\n"})
    app = make(tmp_path / "app", {"app.yaml": APP_YAML, "main.py": ""})
    os.symlink(tmp_path / "shared", app / "shared")
    targets, problems = find_apps([tmp_path])
    assert rels(targets[0].files, app) == ["app.yaml", "main.py", "shared/util.py"] and problems == []
    targets, problems = find_apps([app])
    assert rels(targets[0].files, app) == ["app.yaml", "main.py"]
    assert [p.path.name for p in problems] == ["shared"]


def test_symlinked_directory_outside_the_app_is_reported_not_walked(tmp_path):
    # A link to /usr or /etc would make gaelint walk (and lint) the system.
    shared = make(tmp_path / "shared", {"util.py": ""})
    app = make(tmp_path / "app", {"app.yaml": APP_YAML, "main.py": ""})
    os.symlink(shared, app / "shared")
    os.symlink("/usr", app / "usr")
    deploy = deploy_set(app_at(app))
    assert rels(deploy.files, app) == ["app.yaml", "main.py"]
    assert sorted((p.path.name, p.message) for p in deploy.problems) == [
        ("shared", f"symlink to {shared.resolve()}, outside the app: the deploy would upload everything under it; "
                   "gaelint does not follow links out of the app, so none of it is linted"),
        ("usr", f"symlink to {os.path.realpath('/usr')}, outside the app: the deploy would upload everything under "
                "it; gaelint does not follow links out of the app, so none of it is linted")]
    targets, problems = find_apps([tmp_path / "app"])
    assert rels(targets[0].files, app) == ["app.yaml", "main.py"]
    assert sorted(p.path.name for p in problems) == ["shared", "usr"]


def test_unreadable_directory_is_a_problem(tmp_path, monkeypatch):
    make(tmp_path, {"app.yaml": APP_YAML, "main.py": "", "private/x.py": ""})
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("private"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    targets, problems = find_apps([tmp_path])
    assert rels(targets[0].files, tmp_path) == ["app.yaml", "main.py"]
    assert [(p.path.name, p.message) for p in problems] == [("private", "cannot read directory: Permission denied")]


def test_missing_path_and_duplicates(tmp_path):
    make(tmp_path, {"app.yaml": APP_YAML, "main.py": ""})
    targets, problems = find_apps([tmp_path, tmp_path / "main.py", tmp_path / "nope.py"])
    (target,) = targets
    assert rels(target.files, tmp_path) == ["app.yaml", "main.py"] and not target.explicit
    assert [p.message for p in problems] == ["no such file or directory"]


def test_all_files_lints_everything_but_vcs_metadata(guestbook):
    make(guestbook, {"main.pyc": "", ".hidden.py": "", ".git/HEAD": "", "x~": ""})
    deploy = deploy_set(app_at(guestbook), all_files=True)
    assert deploy.mechanism == "all_files"
    assert {".hidden.py", "main.pyc", "x~"} <= set(rels(deploy.files, guestbook))
    assert rels(deploy.skipped_dirs, guestbook) == [".git"]
