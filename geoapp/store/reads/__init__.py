"""The read sides, one per purpose; the territory joins they share are written once
in ``territory``.
"""
