"""Reading basemap files (geoapp.basemap): MBTiles' TMS rows, PMTiles' directories and
leaves, the metadata the maps need, and the reasons a file is refused. Files only, no
database: the readers know nothing of one."""

from __future__ import annotations

import gzip
import hashlib
import os
import random
import sqlite3

import pytest
from pmtiles.reader import MmapSource, Reader

from geoapp.basemap.installed import Basemap, open_tileset
from geoapp.basemap.tileset import BadTileset
from tests.support.basemaps import (
    DEMO_BOX,
    raster_tiles,
    tile_xy,
    vector_tiles,
    write_mbtiles,
    write_pmtiles,
)


@pytest.fixture(scope="module")
def raster():
    return raster_tiles(range(0, 11))


@pytest.fixture(scope="module")
def vector():
    return vector_tiles(range(0, 11))


@pytest.mark.parametrize("writer", [write_mbtiles, write_pmtiles])
def test_raster_tiles_come_back_by_xyz_with_their_metadata(tmp_path, raster, writer):
    tileset = open_tileset(writer(tmp_path / "r.tiles", raster))
    try:
        meta = tileset.meta
        assert (meta.format, meta.tiles, meta.content_type) == ("png", "raster", "image/png")
        assert (meta.minzoom, meta.maxzoom) == (0, 10)
        assert meta.bounds == pytest.approx(DEMO_BOX)
        assert meta.attribution == "测试底图（虚构）"
        x, y = tile_xy(120.3, 31.6, 10)  # XYZ: y from the north (MBTiles stores TMS rows)
        assert tileset.tile(10, x, y) == raster[(10, x, y)]
        assert tileset.tile(10, x, y) != raster[(10, x, y - 1)]
        assert tileset.tile(10, 0, 0) is None  # far from the territory
        assert tileset.tile(11, x, y) is None  # deeper than the file
    finally:
        tileset.close()


@pytest.mark.parametrize("writer", [write_mbtiles, write_pmtiles])
def test_vector_tiles_keep_their_gzip_and_layers(tmp_path, vector, writer):
    tileset = open_tileset(writer(tmp_path / "v.tiles", vector, "pbf"))
    try:
        meta = tileset.meta
        assert (meta.format, meta.tiles, meta.gzipped) == ("pbf", "vector", True)
        assert meta.vector_layers == ["water", "roads"]
        x, y = tile_xy(120.3, 31.6, 9)
        data = tileset.tile(9, x, y)
        assert data == vector[(9, x, y)] and data[:2] == b"\x1f\x8b"
        assert b"water" in gzip.decompress(data)
    finally:
        tileset.close()


def test_pmtiles_with_leaf_directories_match_the_packages_own_reader(tmp_path):
    """40 000 distinct tiles of varied sizes: the root directory points to leaves, which
    this reader keeps; every tile asked for is the one pmtiles' Reader finds."""
    png, draw = b"\x89PNG\r\n\x1a\n", random.Random(17)
    tiles = {(8, x, y): png + (x * 256 + y).to_bytes(4, "big") * draw.randint(1, 60)
             for x in range(0, 256) for y in range(0, 157)}
    path = write_pmtiles(tmp_path / "big.pmtiles", tiles, box=(-180, -85, 180, 85))
    tileset = open_tileset(path)
    with open(path, "rb") as f:
        reference = Reader(MmapSource(f))
        try:
            assert len(tileset._root) < len(tiles)  # the root holds leaves, not every tile
            for x, y in [(0, 0), (17, 3), (128, 40), (255, 156), (200, 11), (17, 3)]:
                assert tileset.tile(8, x, y) == reference.get(8, x, y) == tiles[(8, x, y)]
            assert tileset.tile(8, 5, 250) is None
            assert 0 < len(tileset._leaves) <= 64
        finally:
            tileset.close()
            del reference


def _written(path, data: bytes):
    path.write_bytes(data)
    return path


def _mbtiles_with(tmp_path, raster, **metadata):
    return write_mbtiles(tmp_path / "bad.mbtiles", dict(list(raster.items())[:5]), **metadata)


@pytest.mark.parametrize(("make", "reason"), [
    (lambda p, r: _written(p / "a.mbtiles", b"name,lon,lat\n"), "不是 MBTiles 或 PMTiles 文件"),
    (lambda p, r: _mbtiles_with(p, r, format="tiff"), "瓦片格式 “tiff” 不受支持"),
    (lambda p, r: _mbtiles_with(p, r, format="jpg"), "瓦片不是 JPG 图片"),
    (lambda p, r: _mbtiles_with(p, r, minzoom="3", maxzoom="1"), "缩放级别 3–1 不在 0–24 之内"),
    (lambda p, r: _mbtiles_with(p, r, bounds="120,31,north"), "范围 120,31,north 不是经纬度"),
    (lambda p, r: write_mbtiles(p / "empty.mbtiles", {}), "文件中没有瓦片"),
    (lambda p, r: _written(p / "v.pmtiles", write_pmtiles(
        p / "v.pmtiles", {(0, 0, 0): b"\x1a\x00"}, "pbf").read_bytes()[:200]),
     "PMTiles：文件不完整"),
], ids=["text", "format", "not-what-it-says", "zooms", "bounds", "no-tiles", "truncated"])
def test_a_bad_file_is_refused_naming_the_problem(tmp_path, raster, make, reason):
    path = make(tmp_path, raster)
    with pytest.raises(BadTileset) as refused:
        open_tileset(path)
    assert reason in str(refused.value)


def test_an_mbtiles_without_the_tiles_table_is_named(tmp_path):
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.close()
    with pytest.raises(BadTileset, match="缺少表 tiles"):
        open_tileset(path)


def test_install_replaces_atomically_and_a_bad_file_changes_nothing(tmp_path, raster, vector):
    basemap = Basemap(tmp_path / "basemap")
    assert basemap.current() is None
    first = basemap.install_file(write_mbtiles(tmp_path / "a.mbtiles", raster), "tester")
    assert first.as_dict()["filename"] == "a.mbtiles" and first.as_dict()["by"] == "tester"
    bad = tmp_path / "b.pmtiles"
    bad.write_bytes(b"PMTiles\x03" + b"\x00" * 40)
    with pytest.raises(BadTileset):
        basemap.install_file(bad, "tester")
    assert basemap.current() is first  # the same file, still open
    assert sorted(os.listdir(tmp_path / "basemap")) == ["basemap.json", "basemap.tiles"]
    second = basemap.install_file(write_pmtiles(tmp_path / "c.pmtiles", vector, "pbf"), "x")
    assert second.version != first.version and second.tileset.meta.kind == "pmtiles"
    assert basemap.current() is second
    assert basemap.remove()["filename"] == "c.pmtiles"
    assert basemap.current() is None and basemap.remove() is None


def test_an_mbtiles_without_an_index_gets_one_when_installed(tmp_path, raster):
    """Otherwise every tile would read the whole file; the recorded SHA-256 stays the
    uploaded file's."""
    source = write_mbtiles(tmp_path / "plain.mbtiles", raster)
    lookup = ("EXPLAIN QUERY PLAN SELECT tile_data FROM tiles WHERE zoom_level = 1"
              " AND tile_column = 1 AND tile_row = 1")

    def plan(path):
        with sqlite3.connect(path) as db:
            text = " ".join(str(row[-1]) for row in db.execute(lookup))
        db.close()
        return text

    assert "SCAN" in plan(source)
    basemap = Basemap(tmp_path / "basemap")
    installed = basemap.install_file(source, "tester")
    try:
        assert "USING INDEX" in plan(tmp_path / "basemap" / "basemap.tiles")
        assert installed.as_dict()["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
        x, y = tile_xy(120.3, 31.6, 10)
        assert installed.tileset.tile(10, x, y) == raster[(10, x, y)]
    finally:
        installed.tileset.close()
    assert "SCAN" in plan(source)  # the administrator's own file is not touched
