"""The app.yaml editor behind --fix: one change at a time, every other
byte as the author wrote it (comments, order, quoting, indentation, line
endings), or no change at all."""
import pytest

from gaelint.app.yamledit import YamlEditError, YamlEditor

APP = """\
# Guestbook, deployed since 2012
application: guestbook   # appcfg needed it
version: 3
# the runtime
runtime: python27
api_version: 1
threadsafe: yes

handlers:
  - url: /.*
    script: main.app   # everything

libraries:
  - name: jinja2   # templates
    version: '2.6'
  # numbers
  - name: numpy
    version: 1.6.1

# Environment
env_variables:
    MAIL_HOST: 'smtp.example.com'   # relay

# the end
"""


def edited(text, change):
    editor = YamlEditor(text)
    change(editor)
    return editor.result()


def test_append_to_an_indented_sequence_before_the_next_sections_comments():
    out = edited(APP, lambda e: e.append(("libraries",), {"name": "lxml", "version": "3.7.3"}, quote={"version": "'"}))
    assert out == APP.replace("    version: 1.6.1\n", "    version: 1.6.1\n  - name: lxml\n    version: '3.7.3'\n")


def test_set_in_a_mapping_indented_by_four():
    out = edited(APP, lambda e: e.set(("env_variables",), "GAE_USE_SOCKETS_HTTPLIB", "true", quote="'"))
    assert out == APP.replace("   # relay\n", "   # relay\n    GAE_USE_SOCKETS_HTTPLIB: 'true'\n")


def test_deleting_keys_keeps_the_comment_lines_around_them():
    out = edited(APP, lambda e: (e.delete((), "application"), e.delete((), "version")))
    assert out == APP.replace("application: guestbook   # appcfg needed it\nversion: 3\n", "")


def test_deleting_a_sequence_entry_keeps_the_comment_after_it():
    text = "libraries:\n- name: ssl\n  version: latest\n- name: ssl\n  version: latest\n\n# keep me\nruntime: python27\n"
    out = edited(text, lambda e: e.delete(("libraries",), 1))
    assert out == "libraries:\n- name: ssl\n  version: latest\n\n# keep me\nruntime: python27\n"


def test_replacing_a_value_keeps_the_space_before_its_comment():
    text = "libraries:\n- name: pycrypto\n  version: \"2.3\"    # pinned\n"
    out = edited(text, lambda e: e.set(("libraries", 0), "version", "2.6.1", quote='"'))
    assert out == "libraries:\n- name: pycrypto\n  version: \"2.6.1\"    # pinned\n"


def test_a_new_section_goes_at_the_end_after_a_blank_line_in_the_files_style():
    text = "runtime: python27\n\nhandlers:\n  - url: /.*\n    script: main.app\n"
    out = edited(text, lambda e: e.append(("libraries",), {"name": "lxml", "version": "3.7.3"}, quote={"version": '"'}))
    assert out == text + "\nlibraries:\n  - name: lxml\n    version: \"3.7.3\"\n"


def test_line_endings_bom_and_a_missing_final_newline_are_kept():
    text = "\ufeffruntime: python27\r\nenv_variables:\r\n  A: 'b'"
    out = edited(text, lambda e: e.set(("env_variables",), "C", "d", quote="'"))
    assert out == "\ufeffruntime: python27\r\nenv_variables:\r\n  A: 'b'\r\n  C: 'd'"
    out = edited(text, lambda e: e.delete((), "runtime"))
    assert out == "\ufeffenv_variables:\r\n  A: 'b'"


def test_a_scalar_becomes_a_list_when_it_needs_a_second_entry():
    text = "runtime: python27\nskip_files: ^(.*/)?\\..*$\n"
    out = edited(text, lambda e: e.set((), "skip_files", ["^(.*/)?\\..*$", "^(.*/)?.*\\.py[co]$"]))
    assert out == "runtime: python27\nskip_files:\n- ^(.*/)?\\..*$\n- ^(.*/)?.*\\.py[co]$\n"


def test_an_edit_that_would_reformat_other_lines_is_refused():
    # a comment as the first line of a mapping, and a space before a colon:
    # the editor cannot write them back the same way, so it changes nothing
    text = ("env_variables:\n  # Replace with your project ID.\n  PROJECT_ID: 'x'\n"
            "  GAE_USE_SOCKETS_HTTPLIB : 'true'\n")
    editor = YamlEditor(text)
    with pytest.raises(YamlEditError, match="written differently"):
        editor.set(("env_variables",), "MORE", "y", quote="'")
    assert editor.result() == text


@pytest.mark.parametrize("text,why", [
    ("runtime: python27\nhandlers: [\n", "cannot read it as YAML"),
    ("- a\n- b\n", "not a mapping"),
    ("runtime: python27\nenv_variables: 3\n", "not the kind of collection"),
])
def test_what_cannot_be_edited_says_why(text, why):
    with pytest.raises(YamlEditError, match=why):
        YamlEditor(text).set(("env_variables",), "A", "b")


def test_each_edit_is_checked_against_what_it_means():
    """The result reads (with PyYAML, as App Engine's tools do) as the
    original data plus the change, and keeps every comment line."""
    import yaml
    editor = YamlEditor(APP)
    editor.append(("libraries",), {"name": "ssl", "version": "2.7.16"}, quote={"version": '"'})
    editor.delete((), "application")
    data = yaml.safe_load(editor.result())
    want = yaml.safe_load(APP)
    want.pop("application")
    want["libraries"].append({"name": "ssl", "version": "2.7.16"})
    assert data == want
    assert [line for line in editor.result().splitlines() if line.lstrip().startswith("#")] == \
        [line for line in APP.splitlines() if line.lstrip().startswith("#")]
