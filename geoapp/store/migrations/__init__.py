"""Alembic migration scripts; options shared by env.py and the schema test."""

from __future__ import annotations

from geoapp.store.dialect import Geometry

# Tables PostGIS itself creates in the database; not ours to manage.
POSTGIS_TABLES = {"spatial_ref_sys"}


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and reflected and name in POSTGIS_TABLES:
        return False
    # GeoAlchemy2 names the GiST index of a geometry column idx_<table>_geom and
    # creates it with the table; it is not declared on the models.
    if type_ == "index" and name and name.startswith("idx_") and name.endswith("_geom"):
        return False
    return True


def compare_type(context_, inspected_column, metadata_column, inspected_type, metadata_type):
    # geometry is geometry(<type>, 4326) on PostGIS and a BLOB on SQLite by design
    if isinstance(metadata_type, Geometry):
        return False
    return None  # default comparison for everything else


def render_item(type_, obj, autogen_context):
    if type_ == "type" and isinstance(obj, Geometry):
        autogen_context.imports.add("import geoapp.store.dialect")
        return f"geoapp.store.dialect.Geometry({obj.impl_instance.geometry_type!r})"
    return False


def env_options() -> dict:
    """Comparison options shared by autogenerate and the models-match test."""
    return {"include_object": include_object, "compare_type": compare_type,
            "render_item": render_item}
