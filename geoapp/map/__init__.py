"""The leader's map: the compact snapshot the map page loads, and its geometry encoding.
"""
