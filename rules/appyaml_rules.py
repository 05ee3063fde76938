"""GAE406: app.yaml that the python27 runtime (or gcloud) rejects.

Every service yaml of the app directory is checked (app.yaml, and e.g. a
worker.yaml with ``service: worker``). Configuration files that are not
services (dispatch.yaml, cron.yaml, queue.yaml, index.yaml, dos.yaml) are
never read as app configs: discovery only gives service yamls to the app,
and ``yaml_kind`` is asked again here. Lines are those of the offending key
or entry.
"""
from __future__ import annotations

import difflib
import re

from gaelint.app.environment import test_app
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import AppRule, Invalid, Valid

from .handler_scripts import service_configs

FACTS = table("app_yaml")["app_yaml_validation"]
KNOWN_KEYS = tuple(table("app_yaml")["top_level_keys"]["keys"])
SCALING_KEYS = tuple(table("app_yaml")["scaling"]["keys"])
ENV_NAME = re.compile(FACTS["env_variable_name"])
RUNTIME = FACTS["runtime"]
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


class AppYamlInvalid(AppRule):
    reports_on = (".yaml", ".yml")
    code = "GAE406"
    name = "app-yaml-invalid"
    severity = Severity.ERROR
    summary = "app.yaml that the python27 runtime or gcloud rejects."
    message = "{problem}"
    fix = "{hint}"
    what = """
        A service yaml (app.yaml, or another yaml with `runtime:` beside it) that does not
        deploy as a python27 service: malformed YAML (with its line), a document that is
        not a mapping, a missing `runtime`, `runtime: python` or `python-compat`,
        `api_version` other than 1, a missing or non-boolean `threadsafe`, unknown
        top-level keys (with the closest known one), fields gcloud rejects (`application`,
        `version`; info in a test app, one that sits under `tests/`), `env_variables` names
        that are not identifiers, more than 100 handlers, several scaling settings, invalid
        `skip_files` regexes, and `skip_files` together with a `.gcloudignore`.

        A service of another runtime (python3x, go, java, `env: flex`, `vm: true`) is out of
        scope: the run says so in a note, and no rule reports on it.

        dispatch.yaml, cron.yaml, queue.yaml, index.yaml and dos.yaml are configuration
        files, not services: they are not checked as app.yaml.
    """
    why = """
        appcfg/gcloud validate app.yaml before uploading anything (appinfo.py), and gcloud
        adds its own checks: the deploy stops with an error, or (for `runtime: python`)
        the app runs on a retired runtime.
    """
    how_to_fix = "Follow the message: it names the key and what the python27 runtime expects instead."
    fixable = "removes `application:` and `version:`, which gcloud rejects"
    sources = (
        "SDK appinfo.py (MissingThreadsafe, ENV_VARIABLES, MAX_URL_MAPS, TooManyScalingSettingsError) "
        "and VERSION (gae-facts §6)",
        "gcloud api_lib/app/yaml_parsing.py and command_lib/app/source_files_util.py (gae-facts §3)",
    )
    INVALID = (
        Invalid("""
            application: guestbook
            version: 2
            runtime: python27
            api_version: 1
            handler:
            - url: /.*
              script: main.app
            env_variables:
              API-KEY: secret
            """, path="app.yaml", lines=(1, 2, 3, 5, 9), fixed="""
            runtime: python27
            api_version: 1
            handler:
            - url: /.*
              script: main.app
            env_variables:
              API-KEY: secret
            """),
        Invalid("""
            runtime: python27
            api_version: 1
            threadsafe: true
            handlers:
            - url: /.*
              script: main.app
              login: [admin
            """, path="app.yaml", lines=(7,)),
    )
    VALID = (
        Valid("""
            service: worker
            runtime: python27
            api_version: 1
            threadsafe: true
            manual_scaling:
              instances: 1
            env_variables:
              GAE_USE_SOCKETS_HTTPLIB: ''
            handlers:
            - url: /.*
              script: main.app
            """, path="app.yaml",
              files={"dispatch.yaml": "dispatch:\n- url: '*/work/*'\n  service: worker\n",
                     "cron.yaml": "cron:\n- description: daily\n  url: /tasks/daily\n  schedule: every 24 hours\n"}),
    )

    def check_app(self, app) -> None:
        config = app.config
        if config is not None and config.error is not None:
            # service_configs() leaves broken files out: report this one here
            self._broken(app, config)
        for other in getattr(app.app, "service_configs", []):
            if other.error is not None:
                self._broken(app, other)
        deploy = app.deploy
        for config in service_configs(app):
            self._check(app, config, deploy.uses_gcloudignore)

    @classmethod
    def fix_app_yaml(cls, finding, app):
        key = finding.fix_value("remove")
        doc = app.yaml(finding.path)
        if key not in doc.data:
            return None
        doc.delete((), key)
        return f"removed `{key}:`"

    def _broken(self, app, config) -> None:
        err = config.error
        app.report(self, config.path, err.line, column=err.column,
                   problem=(f"`{config.path.name}` is not valid YAML: {err.message} "
                            f"(line {err.line}, column {err.column})"),
                   hint="Fix the YAML syntax: check the indentation, quotes and brackets on that line "
                        "and the one above")

    def _check(self, app, config, gcloudignore: bool) -> None:  # noqa: C901 - one check per appinfo rule
        name = config.path.name
        report = lambda line, problem, hint, severity=None, fix_data=None: app.report(  # noqa: E731
            self, config.path, line or 1, severity=severity, problem=problem, hint=hint, fix_data=fix_data)
        if not isinstance(config.document, dict):
            kind = type(config.document).__name__ if config.document is not None else "an empty document"
            report(1, f"`{name}` must be a mapping of keys (runtime:, handlers: ...), not {kind}",
                   "Write app.yaml as `key: value` lines starting with `runtime: python27`")
            return
        data = config.data
        runtime = config.runtime
        if runtime is None:
            report(1, f"`{name}` has no `runtime:`", "Add `runtime: python27`")
        elif runtime in FACTS["rejected_runtimes"]:
            report(config.line_of("runtime"),
                   f"`runtime: {runtime}` is rejected: {FACTS['rejected_runtimes'][runtime]}",
                   "Use `runtime: python27` (with `api_version: 1` and `threadsafe:`)")
        if runtime == RUNTIME:
            self._python27(config, report, data)
        for key, line in config.top_level_keys:
            if key in FACTS["gcloud_rejected_fields"]:
                if test_app(app.root):
                    # a smoke-test app is deployed by hand, if ever: not a failure of the product
                    report(line, f"`{key}:` is rejected by gcloud [a test app ({test_app(app.root)}): info]",
                           FACTS["gcloud_rejected_fields"][key], Severity.INFO, fix_data={"remove": key})
                else:
                    report(line, f"`{key}:` is rejected by gcloud", FACTS["gcloud_rejected_fields"][key],
                           fix_data={"remove": key})
            elif key not in KNOWN_KEYS:
                close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.6)
                report(line, f"unknown top-level key `{key}`" + (f": did you mean `{close[0]}`?" if close else ""),
                       f"Rename it to `{close[0]}`" if close else "Remove it: appinfo rejects unknown keys")
        self._env(config, report, data)
        self._lists(config, report, data, gcloudignore)

    def _python27(self, config, report, data) -> None:
        if "api_version" in data and config.api_version not in FACTS["api_versions"]:
            shown = config.api_version if config.api_version is not None else data.get("api_version")
            report(config.line_of("api_version"), f"`api_version: {shown}` is not supported by python27",
                   "Use `api_version: 1`")
        if "threadsafe" not in data:
            report(config.line_of("runtime"), "`threadsafe:` is missing: python27 requires it "
                   "('threadsafe must be present and set to a true or false YAML value')",
                   "Add `threadsafe: true` (requests run concurrently) or `threadsafe: false`")
        elif not isinstance(data.get("threadsafe"), bool):
            report(config.line_of("threadsafe"),
                   f"`threadsafe: {data.get('threadsafe')!r}` is not a YAML true or false",
                   "Write `threadsafe: true` or `threadsafe: false`, unquoted")

    def _env(self, config, report, data) -> None:
        if "env_variables" not in data:
            return
        env = data.get("env_variables")
        if env is not None and not isinstance(env, dict):
            report(config.line_of("env_variables"), "`env_variables:` must be a mapping of NAME: value",
                   "Write one `NAME: 'value'` per line under env_variables:")
            return
        for key, var in config.env_variables.items():
            if not ENV_NAME.fullmatch(key):
                report(var.line, f"environment variable name `{key}` is invalid: "
                       f"names must match {FACTS['env_variable_name']}",
                       "Use letters, digits and underscores, not starting with a digit")

    def _lists(self, config, report, data, gcloudignore: bool) -> None:
        if "handlers" in data and not isinstance(data["handlers"], list):
            report(config.line_of("handlers"), "`handlers:` must be a list of `- url: ...` entries",
                   "Start each handler with `- url:`")
        limit = FACTS["max_handlers"]
        if len(config.handlers) > limit:
            report(config.handlers[limit].line, f"{len(config.handlers)} handlers: python27 allows at most {limit}",
                   "Route several URLs to one WSGI application (one `script: main.app` handler with a regex url) "
                   "and let it dispatch")
        scaling = [(k, line) for k, line in config.top_level_keys if k in SCALING_KEYS]
        for key, line in scaling[1:]:
            report(line, f"`{key}:` after `{scaling[0][0]}:` (line {scaling[0][1]}): "
                   "only one scaling setting is allowed",
                   "Keep one of automatic_scaling, manual_scaling, basic_scaling")
        if config.skip_files is None and data.get("skip_files") is not None:
            report(config.line_of("skip_files"), "`skip_files:` must be a regular expression or a list of them",
                   "Write one `- regex` line per pattern under skip_files:")
        if config.skip_files is not None:
            for entry in config.skip_files:
                # Python 2.7 took global flags such as (?i) anywhere; 3.11 only at the start
                try:
                    re.compile(_GLOBAL_FLAGS.sub("", entry.regex))
                except (re.error, ValueError) as exc:
                    report(entry.line, f"skip_files entry `{entry.regex}` is not a valid regular expression ({exc}): "
                           "appcfg and gcloud reject app.yaml",
                           "Fix the regular expression (a Python 2.7 `re` pattern, "
                           "matched against paths relative to the app root)")
            if gcloudignore:
                report(config.line_of("skip_files"), "`skip_files:` together with a `.gcloudignore`: gcloud refuses to "
                       "deploy (SkipFilesError)",
                       "Keep one: move the patterns into .gcloudignore, or delete .gcloudignore")
