"""Signals and unexpected errors reach the user as the exit-code contract says."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading

import pytest

from code_agent.cli import main as cli_main
from code_agent.core import analyzer


@pytest.fixture
def silent_endpoint():
    """A 127.0.0.1 server that accepts connections and never answers: a command hangs on it."""
    listener = socket.create_server(("127.0.0.1", 0))
    connected = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        held.append(connection)
        connected.set()

    threading.Thread(target=accept, daemon=True).start()
    host, port = listener.getsockname()
    yield f"http://{host}:{port}", connected
    listener.close()
    for connection in held:
        connection.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_signal_during_a_command_exits_130_without_traceback(
    cli_path, aws_env, silent_endpoint, signum
):
    endpoint, connected = silent_endpoint
    env = {**aws_env, "AWS_ENDPOINT_URL": endpoint}
    process = subprocess.Popen(
        [cli_path, "doctor", "--aws"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert connected.wait(timeout=60), "doctor --aws never reached the endpoint"
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert stderr.splitlines()[-1] == "Interrupted."
    assert "Traceback" not in stderr


def test_unexpected_error_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("counting went wrong")

    monkeypatch.setattr(analyzer, "analyze", broken)
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main(["analyze", str(tmp_path)])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        "Error: unexpected RuntimeError: counting went wrong",
        "Hint: re-run with -v for the traceback, and please report it",
    ]


def test_unexpected_error_with_verbose_shows_the_traceback(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("counting went wrong")

    monkeypatch.setattr(analyzer, "analyze", broken)
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main(["-v", "analyze", str(tmp_path)])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().endswith("Hint: re-run with -v for the traceback, and please report it")
