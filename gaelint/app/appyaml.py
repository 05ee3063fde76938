"""The app.yaml model: parsed once, shared by every rule.

Rules need two things from app.yaml: the values the python27 runtime sees and
the line of every key and list entry, so a finding can point at the offending
line and a ``# noqa`` on that line can suppress it. ``yaml.compose()`` keeps
both: the node tree carries marks, and the same loader constructs plain data
from it.

Nothing here raises on bad input. A file that is not valid YAML gets
``AppConfig.error`` and an empty model; a file that is valid YAML but not a
valid app.yaml (``libraries: 3``, a list at the top level) gets empty or
``None`` fields while ``node`` and ``document`` keep everything, because
judging validity is GAE406's job, not the parser's.

Longer than 400 lines: the model's classes and the one reader that fills
them from YAML nodes (with the line of every key) belong together; the
reader's helpers only make sense next to the fields they fill.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import yaml

from gaelint import reading
from gaelint.knowledge import table

# A real app.yaml is a few kilobytes; gcloud reads it whole.
MAX_YAML_BYTES = 4_000_000
# Values a document may expand to through aliases (a large real app.yaml
# has a few thousand).
MAX_EXPANDED_VALUES = 100_000

# libyaml is ~10x faster; the pure-Python loader is the fallback.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Key = Union[str, int]

# App Engine configuration files that are not a service (cron, dispatch...).
_CONFIG_KINDS = tuple(table("app_yaml")["config_yaml_kinds"]["kinds"])
SCALING_KEYS = tuple(table("app_yaml")["scaling"]["keys"])


@dataclass(frozen=True)
class YamlProblem:
    """Why a file could not be read as YAML; line and column are 1-based."""

    line: int
    column: int
    message: str


@dataclass
class LibraryEntry:
    name: Optional[str]
    # The scalar exactly as written (``2.10`` stays "2.10"), None when absent
    # or null. The runtime reads an unquoted 2.10 as the float 2.1 and then
    # str()s it (appinfo Library: ``'version': validation.Type(str)``);
    # ``version_runtime`` is that value, so a rule can tell the two apart.
    version: Optional[str]
    version_runtime: Optional[str]
    line: int
    name_line: Optional[int]
    version_line: Optional[int]


@dataclass
class Handler:
    url: Optional[str]
    script: Optional[str]
    line: int
    script_line: Optional[int]
    raw: Dict[str, Any]  # every key of the entry: static_dir, upload, login...


@dataclass
class EnvVar:
    value: str  # the scalar as written; '' for a null value
    line: int  # line of the key
    raw: Any = None  # the constructed value (True for an unquoted `true`)


@dataclass
class SkipEntry:
    # Newlines removed, as appinfo's RegexStr does before compiling, so a
    # block scalar written over several lines is one regex.
    regex: str
    line: int


@dataclass
class RawEntry:
    """A list entry kept as constructed, with its line (builtins, includes...)."""

    value: Any
    line: int


@dataclass
class DuplicateKey:
    path: Tuple[Key, ...]  # keys leading to the mapping; () for top level
    key: str
    lines: List[int]  # every occurrence; the last one wins


@dataclass
class AppConfig:
    path: Path
    error: Optional[YamlProblem] = None
    data: Dict[str, Any] = field(default_factory=dict)
    document: Any = None  # constructed document whatever its type (GAE406)
    node: Optional[yaml.Node] = field(default=None, repr=False)
    runtime: Optional[str] = None
    api_version: Optional[str] = None
    threadsafe: Optional[bool] = None  # None when absent or not a YAML bool
    service: Optional[str] = None  # service:, or the older module:
    libraries: List[LibraryEntry] = field(default_factory=list)
    handlers: List[Handler] = field(default_factory=list)
    env_variables: Dict[str, EnvVar] = field(default_factory=dict)
    skip_files: Optional[List[SkipEntry]] = None  # None: default applies
    scaling: Optional[str] = None  # first scaling key; None means automatic
    scaling_line: Optional[int] = None
    scaling_keys: List[Tuple[str, int]] = field(default_factory=list)
    builtins: List[RawEntry] = field(default_factory=list)
    includes: List[RawEntry] = field(default_factory=list)
    inbound_services: List[RawEntry] = field(default_factory=list)
    top_level_keys: List[Tuple[str, int]] = field(default_factory=list)
    duplicate_keys: List[DuplicateKey] = field(default_factory=list)

    @property
    def effective_scaling(self) -> str:
        """The scaling in force: automatic when app.yaml names none."""
        return self.scaling or "automatic_scaling"

    def node_at(self, *keys: Key) -> Optional[yaml.Node]:
        """The value node reached through mapping keys and list indexes."""
        found = _find(self.node, keys)
        return found[1] if found else None

    def line_of(self, *keys: Key) -> Optional[int]:
        """Line of a mapping key, or of a list entry for an int index."""
        found = _find(self.node, keys)
        return _line(found[0]) if found else None

    def value_line(self, *keys: Key) -> Optional[int]:
        """Line where the value of a key (or the list entry) starts."""
        found = _find(self.node, keys)
        return _line(found[1]) if found else None


def load_app_config(path: Path) -> AppConfig:
    """Read and parse a yaml file; an unreadable file (a FIFO, one over
    MAX_YAML_BYTES) becomes ``error``."""
    path = Path(path)
    try:
        raw = reading.read_bytes(path, MAX_YAML_BYTES)
    except OSError as exc:
        return AppConfig(path=path, error=YamlProblem(1, 1, f"cannot read file: {exc.strerror or exc}"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return AppConfig(path=path, error=YamlProblem(line, column, f"not valid UTF-8: byte 0x{raw[exc.start]:02x}"))
    return parse_app_config(text, path)


def parse_app_config(text: str, path: Path) -> AppConfig:
    """Parse yaml text into an AppConfig; never raises."""
    path = Path(path)
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        node, document, duplicates = _compose_construct(text, _FAST_LOADER)
    except _Unbounded as exc:
        return AppConfig(path=path, error=exc.problem)
    except Exception:  # noqa: BLE001 - any loader failure is a finding
        # Re-read with the pure-Python loader: its messages are the better
        # ones and stay the same whether or not libyaml is installed.
        try:
            node, document, duplicates = _compose_construct(text, yaml.SafeLoader)
        except _Unbounded as exc:
            return AppConfig(path=path, error=exc.problem)
        except Exception as exc:  # noqa: BLE001
            return AppConfig(path=path, error=_problem(exc, text))
    config = AppConfig(path=path, node=node, document=document, duplicate_keys=duplicates)
    if isinstance(node, yaml.MappingNode) and isinstance(document, dict):
        config.data = document
        _fill(config, node)
    return config


# `app.yaml.prod` is a service yaml a deploy script copies into place;
# `app.yaml.example` is a template nobody deploys.
_TEMPLATE_SUFFIXES = frozenset({"example", "sample", "template", "tmpl", "tpl", "dist", "orig", "bak", "in",
                                "j2", "jinja", "jinja2", "default", "skel", "old", "disabled"})


def yaml_file_name(name: str) -> Optional[str]:
    """The yaml name a file stands for (``app.yaml.prod`` -> ``app.yaml``),
    or None when it is not a yaml file or only a template of one."""
    if name.endswith((".yaml", ".yml")):
        return name
    for marker in (".yaml.", ".yml."):
        if marker in name:
            head, _, suffix = name.rpartition(".")
            if suffix.lower() not in _TEMPLATE_SUFFIXES and head.endswith((".yaml", ".yml")):
                return head
    return None


def yaml_kind(path: Path, config: Optional[AppConfig] = None) -> str:
    """'service', one of the non-service config kinds, or 'other'."""
    name = yaml_file_name(Path(path).name)
    if name is None:
        return "other"
    stem, _, ext = name.rpartition(".")
    if stem in _CONFIG_KINDS:
        return stem
    if stem == "app":
        return "service"
    if config is not None and isinstance(config.node, yaml.MappingNode):
        if any(key == "runtime" for key, _ in config.top_level_keys):
            return "service"
    return "other"


# -- parsing -----------------------------------------------------------------

class _Unbounded(Exception):
    def __init__(self, problem: YamlProblem):
        super().__init__(problem.message)
        self.problem = problem


def _check_expansion(node: Optional[yaml.Node]) -> None:
    """Raise _Unbounded when aliases make the document expand to more than
    MAX_EXPANDED_VALUES values (a "billion laughs" file: 1 KB of anchors
    and aliases that would be gigabytes once every alias is written out).
    Each node is sized once, so this is linear in the composed graph."""
    if node is None:
        return
    size: Dict[int, int] = {}
    uses: Dict[int, int] = {}
    stack: List[Tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if children_done:
            if isinstance(current, yaml.MappingNode):
                parts = [n for pair in current.value for n in pair]
            else:
                parts = current.value
            size[key] = 1 + sum(size.get(id(p), 0) for p in parts)
            if size[key] > MAX_EXPANDED_VALUES:
                shared = max((p for p in parts if uses.get(id(p), 0) > 1), key=lambda p: size.get(id(p), 0),
                             default=current)
                raise _Unbounded(YamlProblem(
                    _line(shared), shared.start_mark.column + 1,
                    f"aliases make this document expand to more than {MAX_EXPANDED_VALUES} values (the value "
                    f"anchored on line {_line(shared)} is repeated through aliases, a 'billion laughs' file); "
                    "gaelint does not expand it"))
            continue
        uses[key] = uses.get(key, 0) + 1
        if key in size or uses[key] > 1:
            continue            # an alias of a node already sized (or being sized: a cycle)
        if isinstance(current, yaml.ScalarNode):
            size[key] = 1
            continue
        stack.append((current, True))
        if isinstance(current, yaml.MappingNode):
            stack.extend((n, False) for pair in current.value for n in pair)
        else:
            stack.extend((n, False) for n in current.value)


def _compose_construct(text: str, loader_cls: type) -> Tuple[Optional[yaml.Node], Any, List[DuplicateKey]]:
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        _check_expansion(node)
        # Before constructing: construction folds `<<` merge keys into the
        # node tree, which would make every override look like a duplicate.
        duplicates = _duplicates(node)
        document = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, document, duplicates


def _problem(exc: Exception, text: str) -> YamlProblem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        # An unclosed quote or bracket is only noticed at the end of the
        # file; the line that opened it is the one the user must fix.
        if exc.context_mark is not None and exc.problem and ("end of stream" in exc.problem
                                                             or "<stream end>" in exc.problem):
            mark = exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            message = f"{exc.context}: {exc.problem}"
        if mark is None:
            return YamlProblem(1, 1, message)
        return YamlProblem(mark.line + 1, mark.column + 1, message)
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        column = exc.position - (before.rfind("\n") + 1) + 1
        return YamlProblem(before.count("\n") + 1, column, f"special character {exc.character!r} is not allowed")
    # Constructor failures without a mark, e.g. ValueError for 2020-13-45.
    return YamlProblem(1, 1, f"invalid YAML value: {exc}")


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _find(node: Optional[yaml.Node], keys: Tuple[Key, ...]) -> Optional[Tuple[yaml.Node, yaml.Node]]:
    """(node giving the line, value node) for a key path, last duplicate wins."""
    if node is None:
        return None
    anchor, current = node, node
    for key in keys:
        if isinstance(key, int) and not isinstance(key, bool):
            if not isinstance(current, yaml.SequenceNode) or not -len(current.value) <= key < len(current.value):
                return None
            anchor = current = current.value[key]
        else:
            if not isinstance(current, yaml.MappingNode):
                return None
            match = None
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                    match = (key_node, value_node)
            if match is None:
                return None
            anchor, current = match
    return anchor, current


def _text(node: Optional[yaml.Node]) -> Optional[str]:
    """A scalar exactly as written, None for null or a non-scalar."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        return None
    return node.value


def _runtime_str(value: Any) -> Optional[str]:
    """What appinfo's ``validation.Type(str)`` makes of a constructed value."""
    # str(2.10) is '2.1' in Python 2.7 as here (12 significant digits there,
    # shortest repr here: the same for any version number).
    return None if value is None else str(value)


def _pairs(node: yaml.MappingNode):
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            yield key_node.value, key_node, value_node


def _value(top: Dict[str, Tuple[yaml.Node, yaml.Node]], key: str) -> Optional[yaml.Node]:
    pair = top.get(key)
    return pair[1] if pair else None


def _lookup(mapping: Any, key: str) -> Any:
    """data[key] where data keys may be ints or bools (`1: x`, `yes: x`)."""
    if not isinstance(mapping, dict):
        return None
    if key in mapping:
        return mapping[key]
    for data_key, value in mapping.items():
        if str(data_key) == key:
            return value
    return None


def _fill(config: AppConfig, root: yaml.MappingNode) -> None:
    data = config.data
    top: Dict[str, Tuple[yaml.Node, yaml.Node]] = {}
    for key, key_node, value_node in _pairs(root):
        config.top_level_keys.append((key, _line(key_node)))
        top[key] = (key_node, value_node)  # last duplicate wins, as in data
        if key in SCALING_KEYS:
            config.scaling_keys.append((key, _line(key_node)))
    if config.scaling_keys:
        config.scaling, config.scaling_line = config.scaling_keys[0]

    config.runtime = _text(_value(top, "runtime"))
    config.api_version = _text(_value(top, "api_version"))
    if isinstance(data.get("threadsafe"), bool):
        config.threadsafe = data["threadsafe"]
    for key in ("service", "module"):
        if _text(_value(top, key)) is not None:
            config.service = _text(_value(top, key))
            break

    config.libraries = [_library(node, value) for node, value in _zip(top, data, "libraries")]
    config.handlers = [_handler(node, value) for node, value in _zip(top, data, "handlers")]
    env = _value(top, "env_variables")
    if isinstance(env, yaml.MappingNode):
        for key, key_node, value_node in _pairs(env):
            raw = _lookup(data.get("env_variables"), key)
            text = _text(value_node)
            if text is None:
                text = "" if _is_null(value_node) else str(raw)
            config.env_variables[key] = EnvVar(value=text, line=_line(key_node), raw=raw)
    config.skip_files = _skip_files(_value(top, "skip_files"))
    for name in ("builtins", "includes", "inbound_services"):
        setattr(config, name, [RawEntry(value, _line(node)) for node, value in _zip(top, data, name)])


def _zip(top: Dict[str, Tuple[yaml.Node, yaml.Node]], data: Dict[str, Any], key: str) -> List[Tuple[yaml.Node, Any]]:
    """(item node, constructed item) pairs of a top-level list; [] otherwise."""
    node = _value(top, key)
    values = data.get(key)
    if not isinstance(node, yaml.SequenceNode) or not isinstance(values, list):
        return []
    # A sequence constructs to a list of the same length, item for item.
    return list(zip(node.value, values))


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _library(item: yaml.Node, value: Any) -> LibraryEntry:
    name = version = None
    name_line = version_line = None
    if isinstance(item, yaml.MappingNode):
        for key, key_node, value_node in _pairs(item):
            if key == "name":
                name, name_line = _text(value_node), _line(key_node)
            elif key == "version":
                version, version_line = _text(value_node), _line(key_node)
    version_runtime = _runtime_str(_lookup(value, "version")) if version is not None else None
    return LibraryEntry(name, version, version_runtime, _line(item), name_line, version_line)


def _handler(item: yaml.Node, value: Any) -> Handler:
    url = script = None
    script_line = None
    if isinstance(item, yaml.MappingNode):
        for key, key_node, value_node in _pairs(item):
            if key == "url":
                url = _text(value_node)
            elif key == "script":
                script, script_line = _text(value_node), _line(key_node)
    raw = {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}
    return Handler(url=url, script=script, line=_line(item), script_line=script_line, raw=raw)


def _skip_files(node: Optional[yaml.Node]) -> Optional[List[SkipEntry]]:
    # Absent and null both mean "use DEFAULT_SKIP_FILES" (validation applies
    # the default for None). A mapping is invalid; GAE406 reports it and the
    # default stays the best guess of what gets uploaded.
    if node is None or _is_null(node):
        return None
    if isinstance(node, yaml.ScalarNode):
        return [SkipEntry(_clean_regex(node.value), _line(node))]
    if isinstance(node, yaml.SequenceNode):
        return [SkipEntry(_clean_regex(item.value), _line(item)) for item in node.value
                if isinstance(item, yaml.ScalarNode)]
    return None


def _clean_regex(value: str) -> str:
    return value.replace("\n", "").replace("\r", "")


def _duplicates(node: Optional[yaml.Node]) -> List[DuplicateKey]:
    """Keys given twice in one mapping; aliases are visited once (no bombs)."""
    found: List[DuplicateKey] = []
    seen = set()
    stack: List[Tuple[Tuple[Key, ...], yaml.Node]] = [((), node)] if node is not None else []
    while stack:
        path, current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            lines: Dict[str, List[int]] = {}
            for key, key_node, value_node in _pairs(current):
                lines.setdefault(key, []).append(_line(key_node))
                stack.append((path + (key,), value_node))
            found.extend(DuplicateKey(path, k, v) for k, v in lines.items() if len(v) > 1)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((path + (i,), item) for i, item in enumerate(current.value))
    found.sort(key=lambda d: d.lines[0])
    return found


_RUNTIME_LINE = re.compile(r"^[\"']?runtime[\"']?[ \t]*:", re.MULTILINE)


def might_be_service(text: str) -> bool:
    """Cheap pre-check before parsing: a service yaml has a top-level runtime."""
    return _RUNTIME_LINE.search(text) is not None
