"""Data out: every ledger as XLSX, cells, zones and points as GIS files (a feature)."""
