"""POST /api/check: the post record `compliance check --format json` prints, JSON errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import pytest

from compliance.web.server import MAX_BODY, WebApp, make_server
from tests.test_web import SP, call

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "compliance" / "schema" / "report.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def app():
    return WebApp()


def api(app, body, ctype="application/json", method="POST", length=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    status, headers, text = call(app, method, "/api/check", raw, ctype=ctype, length=length)
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    return status, headers, json.loads(text)


def test_answer_is_the_check_json_post_record(app):
    status, _, record = api(
        app, {"caption": SP, "jurisdictions": ["us", "de"], "brands": ["@glowlyskin"], "platform": "instagram"}
    )
    assert status == 200
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "check",
            SP,
            "-j",
            "us",
            "-j",
            "de",
            "--brand",
            "@glowlyskin",
            "--platform",
            "instagram",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    expected = json.loads(cli.stdout)
    assert record["source"] == {"file": "<api>"}
    expected["source"] = record["source"]
    assert record == expected
    assert record["verdicts"]["us"]["status"] == "violation"
    post_schema = dict(SCHEMA["$defs"]["post"], **{"$defs": SCHEMA["$defs"]})
    jsonschema.Draft202012Validator(post_schema).validate(record)


def test_defaults_are_the_cli_jurisdictions(app):
    status, _, record = api(app, {"caption": "Nice weather today"})
    assert status == 200
    assert sorted(record["verdicts"]) == ["de", "fr", "uk", "us"]
    assert all(v["status"] == "clear" for v in record["verdicts"].values())


@pytest.mark.parametrize(
    "body, words",
    [
        ({"jurisdictions": ["us"]}, "`caption` is required"),
        ({"caption": 5}, "`caption` is required"),
        ({"caption": "x", "jurisdictions": ["zz"]}, "unknown jurisdiction 'zz'"),
        ({"caption": "x", "jurisdictions": "us"}, "`jurisdictions` must be"),
        ({"caption": "x", "jurisdictions": []}, "`jurisdictions` must be"),
        ({"caption": "x", "brands": "Glowly"}, "`brands` must be a list"),
        ({"caption": "x", "brands": ["b" * 101]}, "at most 100 characters"),
        ({"caption": "x", "brands": [f"b{i}" for i in range(51)]}, "at most 50 brands"),
        ({"caption": "x", "platform": "myspace"}, "`platform` must be one of"),
        ({"caption": "x", "captoin": "y"}, "unknown field(s): 'captoin'"),
        (["caption"], "must be a JSON object"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid UTF-8"),
        (b"[" * 30000 + b"]" * 30000, "nested too deeply"),
    ],
)
def test_bad_input_gets_400_with_a_json_error(app, body, words):
    status, _, answer = api(app, body)
    assert status == 400
    assert answer["error"]["status"] == status
    assert words in answer["error"]["message"]


def test_wrong_type_method_size_and_length(app):
    status, _, answer = api(app, {"caption": "x"}, ctype="application/x-www-form-urlencoded")
    assert status == 415 and "application/json" in answer["error"]["message"]
    status, headers, answer = api(app, b"", method="GET")
    assert status == 405 and headers["Allow"] == "POST"
    status, _, answer = api(app, {"caption": "x" * (MAX_BODY + 10)})
    assert status == 413
    status, _, answer = api(app, {"caption": "x"}, length="")
    assert status == 411
    status, _, answer = api(app, b'{"caption": "x"}', length="999")
    assert status == 400 and "ended before" in answer["error"]["message"]


def test_internal_error_is_json_without_traceback(app, monkeypatch, capsys):
    def broken(*args):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(app.engine, "scanner", broken)
    status, _, answer = api(app, {"caption": "x"})
    assert status == 500
    assert "secret detail" not in json.dumps(answer)
    assert "RuntimeError" in capsys.readouterr().err


def test_over_a_real_socket():
    server = make_server(port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/check"
    try:
        req = urllib.request.Request(
            url,
            data=json.dumps({"caption": SP, "jurisdictions": ["uk"], "brands": ["@glowlyskin"]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert json.loads(resp.read())["verdicts"]["uk"]["status"] == "violation"
        bad = urllib.request.Request(url, data=b"{}", headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(bad, timeout=30)
        assert err.value.code == 400 and json.loads(err.value.read())["error"]["status"] == 400
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
