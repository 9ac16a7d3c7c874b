"""The dashboard listens on 127.0.0.1 wherever the project's commands start it (issue 12.8).

``streamlit run app/streamlit_app.py`` from the project folder, with no address flag, must bind the loopback
interface only: the project's ``.streamlit/config.toml`` says so. Every ``streamlit run`` the docs show
passes ``--server.address 127.0.0.1`` too, for runs from any other folder.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "app" / "streamlit_app.py"]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port`` (Linux /proc/net/tcp, tcp6)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        lines = Path(table).read_text().splitlines()[1:]
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_every_documented_streamlit_run_binds_localhost() -> None:
    commands = [
        (path.name, line.strip())
        for path in DOCUMENTS
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"streamlit run \S+\.py.* -- ", line)
    ]
    assert commands, "the docs show no streamlit run command"
    assert [c for c in commands if "--server.address 127.0.0.1" not in c[1]] == []


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the listening sockets from /proc (Linux)")
def test_streamlit_run_from_the_project_folder_binds_localhost(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "streamlit", "run", "app/streamlit_app.py", "--server.port", str(port)]
    command += ["--server.headless", "true"]
    log = tmp_path / "streamlit.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.3)
            else:
                pytest.fail(f"streamlit did not start:\n{log.read_text()}")
            assert _listening_addresses(port) == {"0100007F"}, log.read_text()  # 127.0.0.1, nothing else
        finally:
            server.terminate()
            server.wait(timeout=15)
