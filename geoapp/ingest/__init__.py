"""Files to validated records: ledgers (CSV, XLSX), boundaries (GeoJSON, Shapefile,
GeoPackage), the checks every upload passes first, and ``geoapp assign`` on files.
"""
