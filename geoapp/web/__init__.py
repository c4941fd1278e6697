"""Flask only: the app factory, one module per blueprint named like its URLs, and
the request plumbing (input checks, errors, headers, log-in, language, assets).
"""
