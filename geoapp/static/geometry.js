/* Cell shapes as /api/map/cells sends them (geoapp/map/geometry.py): each ring a list of
 * quantised deltas [dx, dy, dx, dy, …] from an origin. One decoder for every page that
 * draws them (the leader's map, the dashboard). */
(function () {
  "use strict";

  // → Leaflet's [[lat, lon], …] rings per polygon
  function decode(polys, q, ox, oy) {
    return polys.map(function (rings) {
      return rings.map(function (ring) {
        var x = 0, y = 0, out = new Array(ring.length / 2);
        for (var i = 0; i < ring.length; i += 2) {
          x += ring[i]; y += ring[i + 1];
          out[i / 2] = [oy + y * q, ox + x * q];
        }
        return out;
      });
    });
  }

  window.geoappGeometry = { decode: decode };
})();
