import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.libs.integrations.jenkins.conftest import corpus
from verdict.integrations.jenkins.artifacts import (
    ArchiveLimits,
    UnsafeArchive,
    extract_archive,
    list_artifacts,
    safe_relative_path,
)

MB = 1024 * 1024
LIMITS = ArchiveLimits(max_total_bytes=5 * MB)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for info in members:
            payload = (data or {}).get(info.name)
            if payload is not None:
                info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def test_list_artifacts_from_corpus() -> None:
    arts = list_artifacts(corpus("jk_build-info-badge-emptyaction.json"))
    assert [(a.relative_path, a.file_name) for a in arts] == [("fish.txt", "fish.txt")]
    assert list_artifacts({"artifacts": [{}, "x"]}) == []


@pytest.mark.parametrize("name", ["../x", "a/../../x", "/etc/passwd", "C:/x", "..\\x", "", "."])
def test_safe_relative_path_rejects(name: str) -> None:
    with pytest.raises(UnsafeArchive):
        safe_relative_path(name)


def test_safe_relative_path_normalises() -> None:
    assert str(safe_relative_path("./logs//a/./b.txt")) == "logs/a/b.txt"


def test_zip_extracts(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "logs.zip", {"logs/a.txt": b"alpha", "b.txt": b"beta"})
    result = extract_archive(archive, tmp_path / "out", LIMITS)
    assert sorted(p.read_bytes() for p in result.files) == [b"alpha", b"beta"]


@pytest.mark.parametrize("evil", ["../evil.txt", "/tmp/evil.txt", "ok/../../evil.txt"])
def test_zip_slip_rejected(tmp_path: Path, evil: str) -> None:
    archive = _zip(tmp_path / "slip.zip", {"fine.txt": b"x", evil: b"pwned"})
    with pytest.raises(UnsafeArchive, match="refused path"):
        extract_archive(archive, tmp_path / "out" / "x", LIMITS)
    assert not (tmp_path / "out" / "evil.txt").exists()
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "out" / "x").exists()  # partial extraction removed


def test_zip_bomb_rejected_by_size(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"zeros.bin": bytes(20 * MB)})
    assert archive.stat().st_size < 100_000
    with pytest.raises(UnsafeArchive, match="decompression bomb"):
        extract_archive(archive, tmp_path / "out", LIMITS)


def test_zip_bomb_rejected_by_ratio(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"zeros.bin": bytes(20 * MB)})
    roomy = ArchiveLimits(max_total_bytes=100 * MB, max_ratio=50)
    with pytest.raises(UnsafeArchive, match="50x limit"):
        extract_archive(archive, tmp_path / "out", roomy)


def test_zip_with_lying_header_still_capped(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "lie.zip", {"zeros.bin": bytes(8 * MB)})
    raw = bytearray(archive.read_bytes())
    # Rewrite the declared size (central directory) to 1 byte; reading must still stop.
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24 : cd + 28] = (1).to_bytes(4, "little")
    archive.write_bytes(bytes(raw))
    with pytest.raises(UnsafeArchive):
        extract_archive(archive, tmp_path / "out", LIMITS)


def test_member_count_cap(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "many.zip", {f"f{i}": b"" for i in range(30)})
    with pytest.raises(UnsafeArchive, match="more than 20 members"):
        extract_archive(archive, tmp_path / "out", ArchiveLimits(MB, max_members=20))


def test_tar_extracts_and_skips_inner_links(tmp_path: Path) -> None:
    files = {"logs/a.txt": b"alpha"}
    archive = _tar(
        tmp_path / "logs.tar.gz",
        [tarfile.TarInfo("logs/a.txt"), _link("logs/latest", "a.txt")],
        files,
    )
    result = extract_archive(archive, tmp_path / "out", LIMITS)
    assert [p.read_bytes() for p in result.files] == [b"alpha"]
    assert not (tmp_path / "out" / "logs" / "latest").exists()
    assert result.notes == ["skipped link 'logs/latest'"]


@pytest.mark.parametrize(
    "member",
    [
        tarfile.TarInfo("../../evil.txt"),
        tarfile.TarInfo("/abs/evil.txt"),
        _link("logs/passwd", "/etc/passwd"),
        _link("logs/up", "../../outside"),
        _link("hard", "../../etc/shadow", tarfile.LNKTYPE),
    ],
    ids=["dotdot", "absolute", "symlink-abs", "symlink-up", "hardlink-up"],
)
def test_tar_traversal_rejected(tmp_path: Path, member: tarfile.TarInfo) -> None:
    data = {member.name: b"pwned"} if member.isreg() else {}
    archive = _tar(tmp_path / "evil.tar.gz", [member], data)
    with pytest.raises(UnsafeArchive, match="refused"):
        extract_archive(archive, tmp_path / "out" / "x", LIMITS)
    assert not list((tmp_path / "out").rglob("*"))


def test_tar_bomb_rejected(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "bomb.tar.gz", [tarfile.TarInfo("z")], {"z": bytes(20 * MB)})
    with pytest.raises(UnsafeArchive, match="decompression bomb"):
        extract_archive(archive, tmp_path / "out", LIMITS)


def test_not_an_archive(tmp_path: Path) -> None:
    plain = tmp_path / "x.zip"
    plain.write_bytes(b"just text")
    with pytest.raises(UnsafeArchive, match="not a zip or tar"):
        extract_archive(plain, tmp_path / "out", LIMITS)
