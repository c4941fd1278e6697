"""The planner's admission check as a feature: its inputs read and assembled, and
the printed sheet's sketch.
"""
