"""The leaders' reports: figures grouped by area, industry and month, past levels,
ranking, the bulletin workbook and the charts.
"""
