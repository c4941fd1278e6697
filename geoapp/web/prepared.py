"""Prepared bodies (geoapp.map.payload.Payload) sent as they are: 304 on a matching ETag,
gzip when the client takes it. The map's documents and tiles and the reports' JSON are
encoded and compressed once per change of the data, not on every request."""

from __future__ import annotations

from flask import Response, request

from geoapp.map.payload import Payload


def send(payload: Payload, mimetype: str = "application/json") -> Response:
    """A prepared body: 304 on a matching If-None-Match, gzip when the client takes it."""
    if request.if_none_match.contains_weak(payload.etag):
        response = Response(status=304)
    elif "gzip" in request.accept_encodings:
        response = Response(payload.gz, mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(payload.plain(), mimetype=mimetype)
    response.set_etag(payload.etag, weak=True)  # the same for both encodings
    response.vary.add("Accept-Encoding")
    # revalidate each time (data changes; once accounts exist the data is private)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
