"""The add-in's own files without a server: icon, user-guide page, links, the JavaScript's syntax."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from kostra_functions import addin_web
from kostra_functions.addin_web.guide import markdown_page
from kostra_functions.excel.functions import FUNCTIONS


def _decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int, int]]]]:
    """Width, height and RGBA pixels of an 8-bit RGBA PNG without interlacing (filter 0 rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour, interlace) == (8, 6, 0)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    rows = []
    for y in range(height):
        line = raw[y * stride:(y + 1) * stride]
        assert line[0] == 0
        rows.append([tuple(line[1 + 4 * x:5 + 4 * x]) for x in range(width)])
    return width, height, rows


@pytest.mark.parametrize("size", addin_web.ICON_SIZES)
def test_icon_sizes_and_drawing(size: int) -> None:
    width, height, px = _decode_png(addin_web.icon_bytes(size))
    assert (width, height) == (size, size)
    assert px[0][0][3] < 64  # rounded corner: (nearly) transparent
    assert px[size // 10][size // 2] == (31, 78, 121, 255)  # the blue square
    bar = px[int(size * 0.5)][int(size * 0.73)]  # inside the tallest bar
    assert bar[:3] == (255, 255, 255) and bar[3] == 255


def test_icon_files_are_what_the_drawing_script_makes() -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "addin" / "lag_ikon.py"
    spec = importlib.util.spec_from_file_location("lag_ikon", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for size in (16, 32):
        assert module.png(size) == addin_web.icon_bytes(size)


def test_guide_page_is_escaped_norwegian_html() -> None:
    page = markdown_page("# Tittel\n\nTekst med `kode` og <script>alert(1)</script>.\n\n- én\n- to\n\n"
                         "| a | b |\n|---|---|\n| 1 | 2 |\n", title="Veiledning")
    assert '<html lang="nb">' in page
    assert "<h1>Tittel</h1>" in page and "<code>kode</code>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<ul><li>én</li><li>to</li></ul>" in page
    assert "<th>a</th>" in page and "<td>2</td>" in page


def test_links_and_public_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    info = addin_web.AddinInfo()
    monkeypatch.setenv(addin_web.GUIDE_ENV, "https://intranett.kommune.no/kostra")
    assert info.guide_url("https://x") == "https://intranett.kommune.no/kostra"
    assert info.support_url("https://x", "https://x") == "https://intranett.kommune.no/kostra"
    monkeypatch.delenv(addin_web.GUIDE_ENV)
    monkeypatch.setattr(addin_web, "GUIDE_FILE", Path("/nonexistent/brukerveiledning.md"))
    assert info.guide_url("https://x") == ""
    assert info.support_url("https://x", "https://x/app") == "https://x/app/taskpane.html"
    assert addin_web._public_text("Økonomireglement for en norsk kommune (seed 001): kontostreng") == \
        "Økonomireglement for en norsk kommune: kontostreng"
    assert info.manifest_version == ".".join((re.findall(r"\d+", info.server_version) + ["0"] * 4)[:4])


def test_examples_use_the_web_spelling() -> None:
    groups = addin_web.AddinInfo().groups
    listed = {f["id"]: f for g in groups for f in g["functions"]}
    assert set(listed) == set(FUNCTIONS)
    assert listed["KOSTRA_AVVIK"]["example"].startswith("=KOSTRA.AVVIK(1200000")
    assert listed["KOSTRA_NAVN"]["signature"].startswith("KOSTRA.NAVN(funksjon")


def test_javascript_is_valid_and_configured(tmp_path: Path) -> None:
    js = addin_web.custom_functions_js("/kostra/batch")
    config = json.loads(re.search(r"const KOSTRA_CONFIG = (\{.*?\});", js).group(1))
    assert config["batchPath"] == "/kostra/batch" and config["maxBatch"] == addin_web.MAX_BATCH_CLIENT
    assert "placeholder" not in js
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: syntax not checked")
    path = tmp_path / "code.js"
    path.write_text(js, encoding="utf-8")
    done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
