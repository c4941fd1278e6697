"""`geoapp basemap install FILE | show | remove` on real files and a real database: the
same checks as the admin page (a bad file refused, the installed one kept), no size
limit, every act in the audit log as the operating-system user. Both backends."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from click.testing import CliRunner

from geoapp.cli import main
from geoapp.store.models import AuditEntry
from tests.support.basemaps import raster_tiles, tile_xy, write_mbtiles, write_pmtiles


def test_install_show_remove(database, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database.url)
    monkeypatch.setenv("GEOAPP_SECRET_KEY", "cli-test-key")
    monkeypatch.setenv("GEOAPP_BASEMAP_DIR", str(tmp_path / "basemap"))
    monkeypatch.setenv("GEOAPP_BASEMAP_MAX_MB", "0.001")  # the web's limit, not the CLI's
    tiles = raster_tiles(range(0, 9))
    mbtiles = write_mbtiles(tmp_path / "县底图.mbtiles", tiles)
    runner = CliRunner()

    shown = runner.invoke(main, ["basemap", "show"])
    assert shown.exit_code == 1 and "no basemap installed" in shown.output

    done = runner.invoke(main, ["basemap", "install", str(mbtiles)])
    assert done.exit_code == 0, done.output
    assert "filename: 县底图.mbtiles" in done.output and "format: png" in done.output
    assert "minzoom: 0\nmaxzoom: 8" in done.output
    assert f"sha256: {hashlib.sha256(mbtiles.read_bytes()).hexdigest()}" in done.output
    installed = (tmp_path / "basemap" / "basemap.tiles").read_bytes()

    bad = tmp_path / "ledger.pmtiles"
    bad.write_text("名称,经度,纬度\n", encoding="utf-8")
    refused = runner.invoke(main, ["basemap", "install", str(bad)])
    assert refused.exit_code == 1
    assert "ledger.pmtiles: not usable as the basemap: 不是 MBTiles 或 PMTiles 文件" in \
        refused.output and "unchanged" in refused.output
    assert (tmp_path / "basemap" / "basemap.tiles").read_bytes() == installed

    pmtiles = write_pmtiles(tmp_path / "county.pmtiles", tiles)
    assert runner.invoke(main, ["basemap", "install", str(pmtiles)]).exit_code == 0
    shown = runner.invoke(main, ["basemap", "show"])
    assert shown.exit_code == 0 and "kind: pmtiles" in shown.output
    assert "filename: county.pmtiles" in shown.output and "by: cli:" in shown.output

    from geoapp.basemap.installed import Basemap

    x, y = tile_xy(120.3, 31.6, 8)
    opened = Basemap(tmp_path / "basemap").current()
    try:
        assert opened.tileset.tile(8, x, y) == tiles[(8, x, y)]
    finally:
        opened.tileset.close()

    removed = runner.invoke(main, ["basemap", "remove"])
    assert removed.exit_code == 0 and "county.pmtiles removed" in removed.output
    assert not (tmp_path / "basemap" / "basemap.tiles").exists()
    assert runner.invoke(main, ["basemap", "remove"]).exit_code == 1

    with database.sessions() as s:
        entries = [(e.action, e.target, e.actor.startswith("cli:")) for e in
                   s.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]
    assert entries == [("basemap_install", "县底图.mbtiles", True),
                       ("basemap_rejected", "ledger.pmtiles", True),
                       ("basemap_install", "county.pmtiles", True),
                       ("basemap_remove", "county.pmtiles", True)]
