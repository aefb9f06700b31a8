import signal

import pytest

from tests.terminal import Terminal, installed_nanoneuron

# Every test belongs to exactly one group, so each group runs alone (`pytest -m unit`).
GROUPS = ("unit", "app", "e2e")


@pytest.hookimpl(tryfirst=True)  # before -m deselects any
def pytest_collection_modifyitems(config, items):
    wrong = []
    for item in items:
        groups = sorted({mark.name for mark in item.iter_markers() if mark.name in GROUPS})
        if len(groups) != 1:
            wrong.append(f"{item.nodeid}: {', '.join(groups) or 'no group'}")
    if wrong:
        raise pytest.UsageError(
            f"every test needs exactly one of the markers {', '.join(GROUPS)}:\n" + "\n".join(wrong)
        )


@pytest.fixture(autouse=True)
def signals_unblocked_after_each_test():
    """The app blocks the stop signals in its process (lifecycle.SignalWatch); a test that opens
    it in pytest's own process must not leave them blocked for every process started later."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    yield
    signal.pthread_sigmask(signal.SIG_SETMASK, before)


@pytest.fixture
def terminal():
    """Start the installed nanoneuron in tmux: terminal(*args, size=..., env=...)."""
    terminals = []

    def start(*args, size=(80, 24), env=None):
        term = Terminal([installed_nanoneuron(), *args], size=size, env=env)
        terminals.append(term)
        return term

    yield start
    for term in terminals:
        term.close()
