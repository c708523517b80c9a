"""docs/format.md and its golden files: the files regenerate byte for byte, refimpl's decoder reads every good file
as its dump and refuses every bad file and every truncation, and the C decoder of the doc (compiled when a C
compiler is present) does the same, agreeing with refimpl's decoder on randomly damaged files too."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from refimpl.compression import format_files
from refimpl.compression.storage import FORMATS, decode

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "format.md").read_text()
MANIFEST = format_files.load_manifest()
GOOD = {name: (format_files.PACKAGED / name).read_bytes() for name in MANIFEST["good"]}


def test_golden_files_regenerate_byte_for_byte(tmp_path):
    for path in format_files.write(tmp_path):
        shipped = format_files.PACKAGED / path.relative_to(tmp_path)
        assert shipped.read_bytes() == path.read_bytes(), f"{shipped} differs: regenerate with format_files.write"
    assert sorted(p.name for p in format_files.PACKAGED.rglob("*.bin")) == sorted(
        p.name for p in tmp_path.rglob("*.bin"))


def test_the_doc_lists_every_format_id_in_order():
    for tag, name in enumerate(FORMATS):
        assert f"| {tag} | {name} |" in DOC


@pytest.mark.parametrize("name", sorted(MANIFEST["good"]))
def test_refimpl_reads_each_golden_file_as_its_dump(name):
    entry = MANIFEST["good"][name]
    assert format_files.dump(decode(GOOD[name]), entry["format"]) == entry["dump"]


def test_refimpl_refuses_every_bad_file_and_every_truncation():
    for name in MANIFEST["bad"]:
        with pytest.raises(ValueError, match="not a valid refimpl model"):
            decode((format_files.PACKAGED / name).read_bytes())
    for blob in GOOD.values():
        for n in range(len(blob)):
            with pytest.raises(ValueError):
                decode(blob[:n])


@pytest.fixture(scope="module")
def c_decoder(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    folder = tmp_path_factory.mktemp("c")
    source = folder / "decode.c"
    source.write_text(re.search(r"```c\n(.*?)```", DOC, re.S).group(1))
    subprocess.run([cc, "-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", str(source), "-lm", "-o",
                    str(folder / "decode")], check=True, timeout=120)
    return str(folder / "decode")


def test_c_decoder_decodes_every_golden_file_and_refuses_every_bad_one(c_decoder):
    results = format_files.verify([c_decoder])
    assert [(name, problem) for name, problem in results if problem] == []
    assert len(results) == len(MANIFEST["good"]) + len(MANIFEST["bad"])


def _c_outcome(c_decoder, tmp_path, blob):
    path = tmp_path / "case.bin"
    path.write_bytes(blob)
    run = subprocess.run([c_decoder, str(path)], capture_output=True, text=True, timeout=30)
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, run.stdout


def test_c_decoder_refuses_every_truncation(c_decoder, tmp_path):
    for blob in GOOD.values():
        for n in range(len(blob)):
            assert _c_outcome(c_decoder, tmp_path, blob[:n])[0] == 1, f"accepted {n} of {len(blob)} bytes"


def test_c_decoder_agrees_with_refimpl_on_damaged_files(c_decoder, tmp_path):
    rng = np.random.default_rng(0)
    for name, blob in GOOD.items():
        for _ in range(40):
            damaged = bytearray(blob)
            # one bit flipped past the sizes (a flipped size may declare a valid all-zero layer of 2^26 entries,
            # whose dump is hundreds of MB; the sizes are covered by the bad files and the truncations)
            i = int(rng.integers(7 + 4 * 3, len(blob)))
            damaged[i] ^= 1 << int(rng.integers(8))
            code, out = _c_outcome(c_decoder, tmp_path, bytes(damaged))
            try:
                model = decode(bytes(damaged))
            except ValueError:
                assert code == 1, f"{name}: bit flip at byte {i} accepted by C, refused by refimpl"
                continue
            assert code == 0, f"{name}: bit flip at byte {i} refused by C, accepted by refimpl"
            assert format_files._same_dump(out, format_files.dump(model, MANIFEST["good"][name]["format"]))
