"""Fixtures for testing Python code that talks to Tableau against the mock server binary.

The `mock` fixture starts `tableau-mock-server --bind 127.0.0.1:0` (the binary named by the
environment variable TABLEAU_MOCK_BIN, by default the release build of this repository), reads
its URL and default credentials from stdout, and stops it after the test. `mock.control(...)`
calls the control API (/_mock/...), for example to register stubs or advance the virtual clock.
"""

import json
import os
import pathlib
import re
import subprocess
import urllib.error
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
DEFAULT_BIN = REPO / "target" / "release" / "tableau-mock-server"


class Mock:
    """A running mock server: its URL, default credentials and control API."""

    def __init__(self, binary):
        self.proc = subprocess.Popen(
            [str(binary), "--bind", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        first = self.proc.stdout.readline().strip()
        match = re.fullmatch(r"tableau-mock-server listening on (http://\S+)", first)
        if not match:
            self.stop()
            raise RuntimeError(f"unexpected first line from the mock: {first!r}")
        self.url = match.group(1)
        self.credentials = {}
        while "PAT secret" not in self.credentials:
            line = self.proc.stdout.readline()
            if not line:
                self.stop()
                raise RuntimeError("the mock's stdout ended before its credentials")
            if ":" in line:
                key, value = line.split(":", 1)
                self.credentials[key.strip()] = value.strip()
        self.site = json.loads(self.credentials["site (contentUrl)"])
        self.pat_name = self.credentials["PAT name"]
        self.pat_secret = self.credentials["PAT secret"]

    def control(self, method, path, body=None):
        """Calls /_mock{path}; returns (status, parsed JSON body or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/_mock{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            return error.code, (json.loads(text) if text else None)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


@pytest.fixture
def mock():
    binary = pathlib.Path(os.environ.get("TABLEAU_MOCK_BIN", DEFAULT_BIN))
    if not binary.is_file():
        pytest.fail(
            f"no mock server binary at {binary}: cargo build --release -p tableau-mock-server "
            "--features cli, or set TABLEAU_MOCK_BIN"
        )
    server = Mock(binary)
    try:
        yield server
    finally:
        server.stop()
