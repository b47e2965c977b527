"""Editors: flake8 over stdin as editor extensions run it, and the real pylsp."""
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fixture_expectations import FIXTURES

BAD = ("import torch\n\n\ndef f(probs, h):\n    a = torch.log(probs)\n"
       "    return a, h / (h.norm(dim=-1) + 1e-8)\n")
OPT_IN = "extend-select = NAN101,NAN301\n"  # on by default: naming them changes nothing


def test_stdin_display_name_gives_file_reports_and_columns():
    path = FIXTURES / "NAN101.py"
    args = [sys.executable, "-m", "flake8", "--isolated", "--select", "NAN"]
    on_file = subprocess.run([*args, str(path)], capture_output=True, text=True).stdout
    on_stdin = subprocess.run([*args, "--stdin-display-name", str(path), "-"],
                              input=path.read_text(), capture_output=True, text=True).stdout
    assert on_file == on_stdin
    # Checked by hand: `    e = F.relu(x).log()` on line 13 starts `F` at the 9th character.
    assert f"{path}:13:9: NAN101 " in on_stdin


class LanguageServer:
    """Just enough of an LSP client to drive pylsp over stdio."""

    def __init__(self, cwd):
        self.proc = subprocess.Popen([sys.executable, "-m", "pylsp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd)
        self.messages = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        stream = self.proc.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.messages.put(json.loads(stream.read(length)))

    def send(self, method, params, request=False):
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def wait_for(self, predicate, timeout=60):
        while True:
            message = self.messages.get(timeout=timeout)
            if predicate(message):
                return message

    def close(self):
        try:
            self.send("shutdown", None, request=True)
            self.send("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


def flake8_executable():
    candidate = Path(sys.executable).with_name("flake8")
    return str(candidate) if candidate.exists() else "flake8"


def diagnostics_for(folder: Path, source: str):
    server = LanguageServer(folder)
    try:
        server.send("initialize", {"processId": os.getpid(), "rootUri": folder.as_uri(),
                                   "capabilities": {}}, request=True)
        server.wait_for(lambda m: m.get("id") == 1)
        server.send("initialized", {})
        plugins = {name: {"enabled": False} for name in ("pycodestyle", "pyflakes", "mccabe",
                                                         "pydocstyle", "autopep8", "yapf")}
        plugins["flake8"] = {"enabled": True, "executable": flake8_executable()}
        server.send("workspace/didChangeConfiguration", {"settings": {"pylsp": {"plugins": plugins}}})
        uri = (folder / "model.py").as_uri()
        server.send("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": source}})
        message = server.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                  and m["params"]["uri"] == uri and m["params"]["diagnostics"])
        return message["params"]["diagnostics"]
    finally:
        server.close()


pylsp = pytest.importorskip("pylsp", reason="python-lsp-server is a test dependency")


def test_pylsp_publishes_nan_diagnostics_at_the_right_range(tmp_path):
    (tmp_path / "setup.cfg").write_text("[flake8]\n" + OPT_IN)
    (tmp_path / "model.py").write_text(BAD)
    found = {d["code"]: d for d in diagnostics_for(tmp_path, BAD)}
    assert {"NAN101", "NAN301"} <= set(found)
    log = found["NAN101"]
    assert log["range"]["start"] == {"line": 4, "character": 8}  # 0-based: torch.log on line 5
    assert "clamp_min" in log["message"] and log["source"] == "flake8"


def test_pylsp_reads_the_config_of_the_documents_folder(tmp_path):
    (tmp_path / "setup.cfg").write_text("[flake8]\nnan-min-eps = 1e-9\n" + OPT_IN)
    (tmp_path / "model.py").write_text(BAD)
    codes = {d["code"] for d in diagnostics_for(tmp_path, BAD)}
    assert "NAN101" in codes and "NAN301" not in codes
