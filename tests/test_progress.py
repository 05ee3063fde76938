"""The progress bar: on stderr in a terminal, after a second, never in CI,
when piped or with --quiet, and gone when the report is printed."""
import io

from conftest import FIXTURES, run_cli
from gaelint.report.progress import ProgressBar, wanted


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_bar_appears_only_once_the_run_took_a_second(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    stream, clock = _Terminal(), _Clock()
    bar = ProgressBar(stream, delay=1.0, clock=clock)
    bar.start(10)
    bar.advance(3)
    assert not bar.shown and stream.getvalue() == ""
    clock.now = 1.5
    bar.advance(2)
    assert bar.shown
    bar.close()
    assert "5/10" in stream.getvalue()


def test_a_run_that_is_done_before_the_second_draws_nothing():
    stream, clock = _Terminal(), _Clock()
    bar = ProgressBar(stream, delay=1.0, clock=clock)
    bar.start(2)
    bar.advance(2)
    clock.now = 5.0
    bar.advance(0)
    bar.close()
    assert not bar.shown and stream.getvalue() == ""


def test_batches_add_up(monkeypatch):
    stream, clock = _Terminal(), _Clock()
    bar = ProgressBar(stream, delay=0.0, clock=clock)
    bar.start(4)
    bar.advance(1)
    bar.start(6)        # the modules above the app root, checked after the app's own
    bar.advance(1)
    bar.close()
    assert "2/10" in stream.getvalue()


def test_no_bar_in_ci_when_piped_with_quiet_or_a_dumb_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert wanted(False, _Terminal())
    assert not wanted(True, _Terminal())
    assert not wanted(False, io.StringIO())
    monkeypatch.setenv("TERM", "dumb")
    assert not wanted(False, _Terminal())
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("CI", "true")
    assert not wanted(False, _Terminal())


def test_a_piped_run_prints_no_bar():
    code, out, err = run_cli("check", FIXTURES / "integration_app", "--no-cache")
    assert code == 1 and "GAE" in out
    assert "checking" not in err and "\x1b" not in err
