/* Photos from the phone's camera, made small before they leave it.
 *
 * picker(label) is an <input type=file accept="image/*" capture multiple> with the
 * chosen photos as thumbnails; each photo is downscaled in the browser to at most
 * MAX_SIDE px on its longer side and re-encoded as JPEG (quality QUALITY): a 12 MP
 * camera photo (4–6 MB) leaves as a few hundred KB, which a rural connection can carry.
 * A photo already small enough is sent as taken. The server decodes and re-encodes
 * every upload anyway (geoapp.ingest.photos); this only saves the bytes.
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, el = C.el;
  var MAX_SIDE = 1600, QUALITY = 0.8, SMALL_BYTES = 400 * 1024;

  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" })
        .catch(function () { return createImageBitmap(file); });
    }
    return new Promise(function (resolve, reject) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }

  function named(blob, name) { blob.name = name; return blob; }

  // One photo → a JPEG Blob of at most MAX_SIDE px (or the file itself when already small).
  function downscale(file) {
    return decode(file).then(function (img) {
      var w = img.width, h = img.height;
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      var base = String(file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
      if (scale === 1 && file.size <= SMALL_BYTES && /^image\/(jpeg|png|webp)$/.test(file.type)) {
        if (img.close) img.close();
        return file;
      }
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      if (img.close) img.close();
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (b) { b ? resolve(named(b, base)) : reject(new Error("encode")); },
          "image/jpeg", QUALITY);
      });
    });
  }

  // A photo field: {node, ready() → Promise<Blob[]>, set(blobs), clear(), count()}
  function picker(label, name) {
    var blobs = [];
    var pending = Promise.resolve();
    var input = el("input", { type: "file", accept: "image/*", capture: "environment",
      multiple: true, name: name || "photos", className: "photo-input" });
    var thumbs = el("div", { className: "thumbs" });
    var msg = el("p", { className: "photo-msg", role: "status" });
    var node = el("div", { className: "photos" },
      el("label", { className: "photo-button" }, el("span", { text: label }), input),
      el("span", { className: "hint", text: T.photos_hint }), thumbs, msg);

    function draw() {
      C.clear(thumbs);
      blobs.forEach(function (b, i) {
        var url = URL.createObjectURL(b);
        var remove = el("button", { type: "button", className: "remove", "aria-label": "×", text: "×" });
        remove.addEventListener("click", function () { blobs.splice(i, 1); draw(); });
        thumbs.appendChild(el("span", { className: "thumb" }, el("img", { src: url, alt: "" }), remove));
      });
      msg.textContent = blobs.length ? C.fill(T.photo_count, { n: blobs.length }) : "";
      node.dataset.count = String(blobs.length);
    }

    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      input.value = "";
      var room = C.P.max_photos - blobs.length;
      if (files.length > room) { msg.textContent = T.too_many_photos; files = files.slice(0, Math.max(0, room)); }
      node.dataset.busy = "1";
      pending = pending.then(function () {
        return Promise.all(files.map(function (f) {
          return downscale(f).catch(function () {
            msg.textContent = C.fill(T.photo_failed, { name: f.name });
            return null;
          });
        }));
      }).then(function (made) {
        made.forEach(function (b) { if (b) blobs.push(b); });
        delete node.dataset.busy;
        draw();
      });
    });

    return {
      node: node,
      ready: function () { return pending.then(function () { return blobs.slice(); }); },
      set: function (list) { blobs = (list || []).slice(0, C.P.max_photos); draw(); },
      clear: function () { blobs = []; draw(); },
      count: function () { return blobs.length; },
    };
  }

  function gallery(photos) {
    if (!photos || !photos.length) return null;
    return el("div", { className: "gallery" }, photos.map(function (p) {
      return el("a", { href: p.url, target: "_blank", rel: "noopener" },
        el("img", { src: p.thumb_url || p.url, alt: "", loading: "lazy" }));
    }));
  }

  C.photos = { picker: picker, downscale: downscale, gallery: gallery };
})();
