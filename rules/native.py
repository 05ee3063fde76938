"""GAE304: compiled files in the deploy set.

A file is compiled when its name says so (``.so``, ``.so.1``, ``.pyd``,
``.dll``, ``.dylib``) or its first bytes do (ELF, Mach-O, PE): a shared
library or executable under another name is caught too. Files whose
extension marks them as text or media are not opened (gaelint/data/
c_modules.json ``binary_formats``), so the check costs one small read per
other file.
"""
from __future__ import annotations

import re
import struct
from typing import Optional

from gaelint.app import catalogue
from gaelint.findings import Severity
from gaelint.knowledge import table
from gaelint.registry import AppRule, Invalid, Valid
from gaelint.app.vendoring import app_modules

from .imports import THIRD, longest

FORMATS = table("c_modules")["binary_formats"]
_SUFFIX_RE = re.compile(FORMATS["suffix_regex"])
_NOT_OPENED = frozenset(FORMATS["not_opened"])
_FAT_MAX_ARCHS = FORMATS["macho_fat_max_archs"]

ELF_HEADER = b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x03\x00\x3e\x00"   # a 64-bit x86-64 shared object


def kind_of(head: bytes) -> Optional[str]:
    """What the first bytes of a file say it is, None for anything else."""
    if head.startswith(b"\x7fELF"):
        return "ELF"
    if head[:4] in (b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe"):
        return "Mach-O"
    if head[:4] == b"\xca\xfe\xba\xbe" and len(head) >= 8:
        # Java class files share this magic; there the next word is the
        # class version (45 and up), in a fat Mach-O it is the arch count.
        if struct.unpack(">I", head[4:8])[0] <= _FAT_MAX_ARCHS:
            return "Mach-O universal"
    if head[:2] == b"MZ" and len(head) >= 64:
        # 'MZ' alone is two letters; the DOS header points at the PE signature
        offset = struct.unpack("<I", head[60:64])[0]
        return "PE" if head[offset:offset + 4] == b"PE\x00\x00" else None
    return None


def _read_head(path) -> bytes:
    """The first 64 bytes, and for a DOS header the PE signature it points at."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
            if head[:2] == b"MZ" and len(head) == 64:
                offset = struct.unpack("<I", head[60:64])[0]
                if 64 <= offset < 1 << 20:
                    fh.seek(offset)
                    head += b"\x00" * (offset - 64) + fh.read(4)
            return head
    except OSError:
        return b""


_LINUX_EXTENSION_RE = re.compile(r"\.so(\.[0-9.]+)?$", re.I)


class BinaryInDeploy(AppRule):
    code = "GAE304"
    name = "binary-in-deploy"
    severity = Severity.ERROR
    reports_on = ("*",)              # compiled files, never a .py
    summary = "A compiled file (.so, .pyd, .dll, .dylib, or any ELF/Mach-O/PE binary) in the deploy set."
    message = "`{file}` is compiled code ({kind}){owner}: the python27 runtime cannot load it"
    fix = "{fix}"
    what = """
        A compiled file among the files the deployment uploads (what `skip_files` or
        `.gcloudignore` lets through): a C extension or shared library named `.so`
        (also `.so.1` ...), `.pyd`, `.dll` or `.dylib`, and any other file whose first
        bytes are an ELF, Mach-O or PE header (an executable such as `bin/pngquant`, a
        library renamed `.bin`). The message names the package that contains it, for
        example `lib/fastjson/_speedups.so` in package `fastjson` of `lib/`. The finding is
        about the file as a whole (no line). A Linux extension module (`.so`), which an
        import would try and fail to load, is an error; a Windows one (`.pyd`: imports on
        Linux never look for that suffix), an executable or a `.dll`/`.dylib`, which Python
        code never loads there, is a warning: it only costs upload time and quota.

        Files with a text or media extension (`.py`, `.html`, `.png`, ...) are not opened.
    """
    why = """
        "The interpreter cannot load Python modules with C code": the sandbox refuses every
        compiled module that is not on its whitelist or a catalogue library, so an import
        that reaches the file fails (a package with a pure-Python fallback falls back), and
        an executable cannot be run because there are no processes. The upload only costs
        time and quota.
    """
    how_to_fix = """
        Remove the file, or keep it out of the upload with `skip_files`, and rely on the
        package's pure-Python fallback; for a catalogue library (lxml, numpy, PIL, pycrypto
        ...) list it under `libraries:` instead of vendoring it.
    """
    sources = (
        "https://cloud.google.com/appengine/docs/python/runtime ('cannot load Python modules with C code') — gae-facts §1.1",
        "SDK sandbox.py CModuleImportHook refuses any .so/.pyd shipped in the app (gae-facts.json blocked_modules.c_extensions_in_app_dir)",
        "ELF, Mach-O and PE headers: the formats' magic numbers (0x7f 'ELF'; 0xfeedface/0xfeedfacf and byte-swapped, 0xcafebabe fat; 'MZ' + 'PE\\0\\0')",
    )

    VALID = (
        Valid("""
            import markdown
            """, files={"appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\n",
                        "lib/markdown/__init__.py": "def markdown(text):\n    return text\n",
                        "static/logo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
                        "lib/fastjson/_speedups.so": ELF_HEADER,
                        "lib/fastjson/__init__.py": ""},
              app_yaml=("runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n"
                        "skip_files:\n- ^(.*/)?.*\\.so$\n"),
              note="the compiled file is kept out of the upload by skip_files"),
    )
    INVALID = (
        Invalid("""
            import fastjson
            """, files={"appengine_config.py": "from google.appengine.ext import vendor\nvendor.add('lib')\n",
                        "lib/fastjson/__init__.py": "try:\n    from fastjson._speedups import dumps\nexcept ImportError:\n    from json import dumps\n",
                        "lib/fastjson/_speedups.so": ELF_HEADER,
                        "bin/pngquant": ELF_HEADER,
                        "lib/PIL/__init__.py": "",
                        "lib/PIL/_imaging.pyd": b"MZ"},
                lines=(None, None, None)),
    )

    def check_app(self, app) -> None:
        mods = None
        for path in app.deploy.files:
            kind = self._kind(path)
            if kind is None:
                continue
            if mods is None:
                mods = app_modules(app)
            rel = app.relpath(path)
            owner, fix = self._owner(mods, rel)
            # A Linux extension module (.so) is what an import would try and
            # fail to load; a Windows one (.pyd: Linux imports never look for
            # that suffix), an executable or a .dll/.dylib is never loaded by
            # Python code on App Engine, it only costs upload time and quota.
            severity = Severity.ERROR if _LINUX_EXTENSION_RE.search(rel) else Severity.WARNING
            app.report(self, path, None, severity=severity, file=rel, kind=kind, owner=owner, fix=fix)

    @staticmethod
    def _kind(path) -> Optional[str]:
        name = path.name.lower()
        match = _SUFFIX_RE.search(name)
        if match:
            return FORMATS["suffix_kinds"][match.group(1)]
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext in _NOT_OPENED:
            return None
        return kind_of(_read_head(path))

    @staticmethod
    def _owner(mods, rel):
        found = mods.package_of(rel)
        if found is None:
            return "", ("Remove it or add it to skip_files: there are no processes to run an executable and no "
                        "way to load a native library")
        root, package = found
        where = f" in package `{package}`" + (f" of `{root}/`" if root else "")
        hit = catalogue.for_import(package)
        if hit is not None:
            lib = hit[1][0]
            latest = catalogue.LIBRARIES[lib]["latest"]
            return where, (f"Remove the vendored copy and list `- name: {lib}` / `version: \"{latest}\"` "
                           "under `libraries:` (the runtime's copy may load its C code)")
        third = longest(package, THIRD)
        if third is not None:
            return where, f"Remove {THIRD[third][0]} (it cannot run without this file): use {THIRD[third][1]['instead']}"
        return where, (f"Remove the file or add it to skip_files; {package} works on App Engine only if it "
                       "has a pure-Python fallback")
