"""The offline basemap: one MBTiles or PMTiles file of the territory, served by geoapp.

An office makes the file itself (from 天地图 or OpenStreetMap data, raster PNG/JPEG/WebP
or vector MVT tiles) and installs it (``/admin/basemap`` or ``geoapp basemap install``);
the three maps then draw it from ``/basemap/{z}/{x}/{y}.{ext}`` with no internet.

    tileset.py        what both kinds share: Meta, BadTileset, the checks, open_tileset()
    mbtiles.py        MBTiles (SQLite, TMS rows)
    pmtiles_file.py   PMTiles v3 through the ``pmtiles`` package, directories cached
    installed.py      the installed file: install (temp file, check, atomic rename), remove,
                      the open tileset per process
"""
