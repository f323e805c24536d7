/*
 * Live layers of the dispatch console's map: units, open cases, the selection, recommendations and the 30-day
 * history, all drawn on one shared L.canvas() renderer over the folium base page.
 *
 * Python sends changes as one JSON string per batch over the web channel (bridge.post). Text that came from
 * citizens (descriptions, addresses, names) is only ever put into the page as DOM text nodes or canvas text,
 * never parsed as HTML.
 */
(function () {
  'use strict';

  var LABEL_ZOOM = 14;        // callsigns drawn from this zoom on
  var GRID_LABEL_ZOOM = 14;   // grid names from this zoom on
  var TOWNSHIP_LABEL_ZOOM = 9;
  var LEGEND_OPEN_MIN_PX = 560;  // maps lower than this start with the legend folded
  var FOLLOW_ZOOM = 13;       // the map zooms in at least this far when it follows the selection
  var DX_BASE = 28;           // px from the case to the recommendation labels' column
  var ROOM_BASE = 260;        // px a label column needs (it goes left of the case when only the left has room)
  var DY_BASE = 24;           // px between two recommendation labels
  var WALL_SCALE = 1.5;       // on the wall all three, and the labels' size (map.css), are this much larger

  var KIND_SHAPES = {
    patrol_car: 'square', foot_patrol: 'circle', traffic_police: 'diamond', grid_worker: 'triangle',
    volunteer_team: 'hexagon', mediator: 'star', drone: 'cross'
  };
  var STATUS_COLOURS = {
    available: '#2e7d32', dispatched: '#1565c0', en_route: '#6a1b9a', on_scene: '#e65100', off_duty: '#90a4ae'
  };
  var STALE_FILL = '#bdbdbd';
  var PRIORITY_COLOURS = { red: '#d32f2f', orange: '#f57c00', yellow: '#f9c80e', blue: '#1e88e5' };

  var KINDS = ['patrol_car', 'foot_patrol', 'traffic_police', 'grid_worker', 'volunteer_team', 'mediator', 'drone'];
  var STATUSES = ['available', 'dispatched', 'en_route', 'on_scene', 'off_duty'];
  var PRIORITIES = ['red', 'orange', 'yellow', 'blue'];

  var map, control, renderer, bridge = null, config;
  // Of the last batch and the last redraw, for diagnostics; frameWaitMs: from the end of the last batch's handling
  // to the start of the next frame (the one that shows it).
  var timing = { parseMs: 0, applyMs: 0, drawMs: 0, frameWaitMs: 0 };
  var unitLayer, caseLayer, recLayer, selectionLayer, heatLayer = null, clusterLayer = null;
  var townshipLabels, gridLabels;
  var units = {};   // id -> UnitMarker
  var cases = {};   // id -> CaseMarker
  var selected = null;  // {kind, id}
  var history = [];
  var pendingPosts = [];

  function label(group, value) {
    var labels = (config && config.labels && config.labels[group]) || {};
    return labels[value] || value;
  }

  function textDiv(lines, className) {
    // Builds a tooltip body from plain strings: text nodes only.
    var div = document.createElement('div');
    if (className) div.className = className;
    for (var i = 0; i < lines.length; i++) {
      if (lines[i] === null || lines[i] === undefined || lines[i] === '') continue;
      var line = document.createElement('div');
      line.textContent = String(lines[i]);
      div.appendChild(line);
    }
    return div;
  }

  // ---- shapes drawn on the shared canvas -------------------------------------------------------------------

  function tracePath(ctx, shapeName, x, y, s) {
    var i, a;
    switch (shapeName) {
      case 'square':
        ctx.rect(x - s * 0.85, y - s * 0.85, s * 1.7, s * 1.7);
        break;
      case 'diamond':
        ctx.moveTo(x, y - s * 1.2); ctx.lineTo(x + s * 1.05, y); ctx.lineTo(x, y + s * 1.2); ctx.lineTo(x - s * 1.05, y);
        ctx.closePath();
        break;
      case 'triangle':
        ctx.moveTo(x, y - s * 1.2); ctx.lineTo(x + s * 1.1, y + s * 0.8); ctx.lineTo(x - s * 1.1, y + s * 0.8);
        ctx.closePath();
        break;
      case 'hexagon':
        for (i = 0; i < 6; i++) {
          a = Math.PI / 3 * i;
          if (i === 0) ctx.moveTo(x + s * Math.cos(a), y + s * Math.sin(a));
          else ctx.lineTo(x + s * Math.cos(a), y + s * Math.sin(a));
        }
        ctx.closePath();
        break;
      case 'star':
        for (i = 0; i < 10; i++) {
          a = -Math.PI / 2 + Math.PI / 5 * i;
          var r = i % 2 === 0 ? s * 1.3 : s * 0.55;
          if (i === 0) ctx.moveTo(x + r * Math.cos(a), y + r * Math.sin(a));
          else ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
        }
        ctx.closePath();
        break;
      case 'cross':
        var w = s * 0.38, l = s * 1.15;
        ctx.moveTo(x - w, y - l); ctx.lineTo(x + w, y - l); ctx.lineTo(x + w, y - w); ctx.lineTo(x + l, y - w);
        ctx.lineTo(x + l, y + w); ctx.lineTo(x + w, y + w); ctx.lineTo(x + w, y + l); ctx.lineTo(x - w, y + l);
        ctx.lineTo(x - w, y + w); ctx.lineTo(x - l, y + w); ctx.lineTo(x - l, y - w); ctx.lineTo(x - w, y - w);
        ctx.closePath();
        break;
      default:
        ctx.arc(x, y, s, 0, Math.PI * 2, false);
    }
  }

  function labelsOn() {  // callsigns are drawn when zoomed in far enough
    return map.getZoom() >= LABEL_ZOOM;
  }

  var LABEL_FONT = '12px "Noto Sans CJK SC", "Noto Sans", sans-serif';
  var measureCtx = document.createElement('canvas').getContext('2d');
  measureCtx.font = LABEL_FONT;

  var UnitMarker = L.CircleMarker.extend({
    _labelWidth: function () {
      if (!this._map || !labelsOn()) return 0;
      if (this._measured !== this.options.callsign) {
        this._measured = this.options.callsign;
        this._measuredWidth = Math.ceil(measureCtx.measureText(this.options.callsign).width) + 6;
      }
      return this._measuredWidth;
    },
    // Exactly what the unit draws (its sprite, and its callsign right of it when zoomed in).
    _updateBounds: function () {
      // Called for every unit on every move and zoom: plain arithmetic, two points, no temporaries.
      var r = spriteHalf(this._radius, this.options.weight), w = this._labelWidth(), p = this._point;
      var rx = r + w, ry = r, b = new L.Bounds();
      b.min = new L.Point(p.x - rx, p.y - ry);
      b.max = new L.Point(p.x + rx, p.y + ry);
      this._pxBounds = b;
    },
    _updatePath: function () {
      var rnd = this._renderer;
      if (!rnd._drawing || this._empty()) return;
      var ctx = rnd._ctx, p = this._point;
      ctx.beginPath();
      tracePath(ctx, this.options.shape, p.x, p.y, this._radius);
      rnd._fillStroke(ctx, this);
      if (this._labelWidth()) {
        ctx.font = LABEL_FONT;
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(255,255,255,0.9)';
        ctx.fillStyle = '#263238';
        ctx.strokeText(this.options.callsign, p.x + this._radius + 4, p.y + 4);
        ctx.fillText(this.options.callsign, p.x + this._radius + 4, p.y + 4);
      }
    }
  });

  function withAlpha(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16 & 255) + ',' + (n >> 8 & 255) + ',' + (n & 255) + ',' + alpha + ')';
  }

  // Each unit is a copy of a small picture of its shape and style, drawn once on a small canvas; its pixels are
  // kept and the live canvas copies them itself (see LiveCanvas).
  var sprites = {};
  var SCALE = L.Browser.retina ? 2 : 1;  // as Leaflet scales its canvas

  function spriteHalf(r, weight) {  // the widest shapes (star, cross) reach 1.3 radii, plus the outline
    return Math.ceil(r * 1.3 + weight + 1);
  }

  function sprite(o, r) {
    var key = o.shape + '|' + o.styleKey + '|' + r;
    var s = sprites[key];
    if (s) return s;
    var half = spriteHalf(r, o.weight), size = half * 2, side = size * SCALE, c = document.createElement('canvas');
    c.width = c.height = side;
    var x = c.getContext('2d');
    x.scale(SCALE, SCALE);
    x.lineJoin = 'round';
    x.fillStyle = withAlpha(o.fillColor, o.fillOpacity);
    x.strokeStyle = o.color;
    x.lineWidth = o.weight;
    x.beginPath();
    tracePath(x, o.shape, half, half, r);
    x.fill();
    x.stroke();
    // Its painted pixels only, in device pixels: where (dx, dy), what (RGBA as ImageData keeps it, little-endian
    // in one word, as a signed 32-bit integer so the engine never turns it into a float) and how opaque. The opaque
    // ones come first: they replace what is under them and are written without reading it (see LiveCanvas).
    var d = x.getImageData(0, 0, side, side).data, dx = [], dy = [], px = [], al = [], opaque = 0, i, j, k, pass, a;
    for (pass = 0; pass < 2; pass++) {
      for (j = 0; j < side; j++) for (i = 0; i < side; i++) {
        k = (j * side + i) * 4; a = d[k + 3];
        if (!a || (a === 255) !== (pass === 0)) continue;
        dx.push(i); dy.push(j); al.push(a);
        px.push(a << 24 | d[k + 2] << 16 | d[k + 1] << 8 | d[k]);
      }
      if (pass === 0) opaque = px.length;
    }
    s = sprites[key] = {
      canvas: c, half: half, side: side, n: px.length, opaque: opaque, dx: Int32Array.from(dx),
      dy: Int32Array.from(dy), px: Int32Array.from(px), al: Uint8Array.from(al), offs: null, offsWidth: 0
    };
    return s;
  }

  // One sprite pixel over what is already there, as the canvas's source-over does (ImageData keeps colours
  // unpremultiplied).
  function blend(sp, sa, dp) {
    var da = dp >>> 24, ss = sa * 255, db = da * (255 - sa), oa = ss + db, k = 1 / oa;  // alphas ×255
    var r = ((sp & 255) * ss + (dp & 255) * db) * k + 0.5 | 0;
    var g = ((sp >>> 8 & 255) * ss + (dp >>> 8 & 255) * db) * k + 0.5 | 0;
    var b = ((sp >>> 16 & 255) * ss + (dp >>> 16 & 255) * db) * k + 0.5 | 0;
    return ((oa + 127) / 255 | 0) << 24 | b << 16 | g << 8 | r;
  }

  // The live canvas draws its units by writing their pixels itself. On this software-rendered canvas each
  // drawImage costs several microseconds, so drawing 5,000 units cost 20-35 ms, and any batch (a pan, a zoom, 10 %
  // of the units moving) redrew most of them. Instead the units' sprites are copied into one ImageData the size of
  // the canvas with typed-array loops and put on the canvas at once. A sprite's opaque pixels (a live unit's fill and
  // outline) are written without reading what is under them; only its anti-aliased edge (and a stale unit's
  // translucent fill) reads the canvas and blends where it overlaps. Reading every pixel first made the loop wait on
  // memory the 9 MB canvas does not keep in cache, at each unpredictable overlap: 10-15 ms for 5,000 units, against
  // about 4 ms this way. Then the callsigns (zoomed in)
  // and everything else (cases, the selection, recommendation lines) are drawn above them as Leaflet draws them, on
  // the same canvas, so Leaflet's hit-testing of units and cases is unchanged. Every redraw draws the whole canvas:
  // no dirty rectangles to find.
  var LiveCanvas = L.Canvas.extend({
    _redraw: function () {
      var drawStart = performance.now();
      this._redrawRequest = null;
      this._redrawBounds = null;
      this._draw();
      timing.drawMs = performance.now() - drawStart;
    },

    requestFullRedraw: function () {
      if (!this._redrawRequest) this._redrawRequest = L.Util.requestAnimFrame(this._redraw, this);
    },

    _pixels: function () {
      var c = this._container, img = this._image;
      if (!img || img.width !== c.width || img.height !== c.height) {
        img = this._image = this._ctx.createImageData(c.width, c.height);
        this._words = new Int32Array(img.data.buffer);
      }
      return img;
    },

    // Units first (their pixels replace the whole canvas, so no clearing), then their callsigns, then everything
    // else. Leaflet's own redraws (adding the canvas, a pan, a zoom) come here too.
    _draw: function () {
      var img = this._pixels(), buf = this._words, W = img.width, H = img.height, ctx = this._ctx;
      var min = this._bounds.min, max = this._bounds.max, showLabels = labelsOn(), labelled = [], others = [];
      var order, layer, b, p, s, x0, y0, base, offs, px, al, n, j, o, q, dp, xx, yy;
      buf.fill(0);
      for (order = this._drawFirst; order; order = order.next) {
        layer = order.layer;
        if (!(layer instanceof UnitMarker)) { others.push(layer); continue; }
        b = layer._pxBounds;  // off the canvas: nothing to draw (Leaflet's _empty(), without its temporaries)
        if (!b || b.max.x < min.x || b.min.x > max.x || b.max.y < min.y || b.min.y > max.y) continue;
        // The marker keeps its sprite until its style changes (upsertUnit drops it).
        p = layer._point; s = layer._sprite || (layer._sprite = sprite(layer.options, layer._radius));
        if (showLabels) labelled.push(layer);
        x0 = Math.round((p.x - s.half - min.x) * SCALE); y0 = Math.round((p.y - s.half - min.y) * SCALE);
        px = s.px; al = s.al; n = s.n;
        if (x0 >= 0 && y0 >= 0 && x0 + s.side <= W && y0 + s.side <= H) {
          if (s.offsWidth !== W) {  // offsets of its pixels in a row this wide
            s.offs = new Int32Array(n);
            for (j = 0; j < n; j++) s.offs[j] = s.dy[j] * W + s.dx[j];
            s.offsWidth = W;
          }
          offs = s.offs; base = y0 * W + x0; q = s.opaque;
          for (j = 0; j < q; j++) buf[base + offs[j]] = px[j];
          for (j = q; j < n; j++) {
            o = base + offs[j]; dp = buf[o];
            buf[o] = dp === 0 ? px[j] : blend(px[j], al[j], dp);
          }
        } else {  // across the canvas's edge: only its pixels on the canvas
          for (j = 0; j < n; j++) {
            xx = x0 + s.dx[j]; yy = y0 + s.dy[j];
            if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
            o = yy * W + xx; dp = buf[o]; q = al[j];
            buf[o] = dp === 0 || q === 255 ? px[j] : blend(px[j], q, dp);
          }
        }
      }
      ctx.putImageData(img, 0, 0);
      ctx.save();
      ctx.lineJoin = 'round';
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      if (labelled.length) {
        ctx.font = LABEL_FONT;
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(255,255,255,0.9)';
        ctx.fillStyle = '#263238';
        for (j = 0; j < labelled.length; j++) {
          var u = labelled[j], c = u._point;
          ctx.strokeText(u.options.callsign, c.x + u._radius + 4, c.y + 4);
          ctx.fillText(u.options.callsign, c.x + u._radius + 4, c.y + 4);
        }
      }
      ctx.restore();
      this._drawing = true;
      for (j = 0; j < others.length; j++) others[j]._updatePath();
      this._drawing = false;
    }
  });

  var CaseMarker = L.CircleMarker.extend({
    _updateBounds: function () {
      var r = this._radius + (this.options.overdue ? 6 : 0) + this._clickTolerance() + 2;
      this._pxBounds = new L.Bounds(this._point.subtract([r, r]), this._point.add([r, r]));
    },
    _updatePath: function () {
      var rnd = this._renderer;
      if (!rnd._drawing || this._empty()) return;
      var ctx = rnd._ctx, p = this._point;
      if (this.options.overdue) {
        ctx.save();
        ctx.beginPath();
        ctx.arc(p.x, p.y, this._radius + 4.5, 0, Math.PI * 2, false);
        ctx.lineWidth = 3;
        ctx.strokeStyle = '#b71c1c';
        ctx.setLineDash([4, 2]);
        ctx.stroke();
        ctx.restore();
      }
      ctx.beginPath();
      ctx.arc(p.x, p.y, this._radius, 0, Math.PI * 2, false);
      rnd._fillStroke(ctx, this);
    }
  });

  // ---- units ---------------------------------------------------------------------------------------------

  function unitStyle(kind, status, stale) {
    var fill = stale ? STALE_FILL : (STATUS_COLOURS[status] || '#546e7a');
    return {
      styleKey: fill + (stale ? '|stale' : ''),
      renderer: renderer,
      radius: 6,
      shape: KIND_SHAPES[kind] || 'circle',
      color: stale ? '#9e9e9e' : '#ffffff',
      weight: 1.5,
      fillColor: stale ? STALE_FILL : (STATUS_COLOURS[status] || '#546e7a'),
      fillOpacity: stale ? 0.75 : 1,  // a live unit opaque: its pixels are written without blending
      opacity: 1
    };
  }

  function unitTooltip(layer) {
    var o = layer.options;
    return textDiv([o.callsign, label('kind', o.kind) + ' · ' + label('status', o.status),
                    o.stale ? label('misc', 'stale') : ''], 'dm-tip');
  }

  // Positions in unit and case rows come in whole millionths of a degree.
  var MICRO = 1e6;

  function upsertUnit(row) {
    // row: [id, lat, lon, kindIdx, statusIdx, stale, callsign]
    var id = row[0], kind = KINDS[row[3]], status = STATUSES[row[4]], stale = !!row[5];
    var ll = [row[1] / MICRO, row[2] / MICRO];
    var m = units[id];
    if (!m) {
      var opts = unitStyle(kind, status, stale);
      opts.uid = id; opts.kind = kind; opts.status = status; opts.stale = stale; opts.callsign = row[6];
      m = new UnitMarker(ll, opts);
      units[id] = m;
      unitLayer.addLayer(m);
      return true;
    }
    var o = m.options;
    if (o.kind !== kind || o.status !== status || o.stale !== stale || o.callsign !== row[6]) {
      o.kind = kind; o.status = status; o.stale = stale; o.callsign = row[6];
      var st = unitStyle(kind, status, stale);
      o.shape = st.shape;
      o.styleKey = st.styleKey;
      m._sprite = null;
      m.setStyle(st);  // redraws
    }
    m.setLatLng(ll);
    return false;
  }

  // The playback canvas is a plain Leaflet canvas (one dirty rectangle round all changes): past a few dozen moves
  // that rectangle covers most of the map anyway, and a clipped redraw costs more than a plain full one.
  var FULL_REDRAW_MOVES = 40;

  function moveUnits(flat) {
    // flat: id, lat, lon, id, lat, lon, ... (positions in millionths of a degree)
    // What setLatLng does, without an event per marker; the live canvas is drawn whole once.
    var i, m;
    for (i = 0; i < flat.length; i += 3) {
      m = units[flat[i]];
      if (!m) continue;
      m._latlng = L.latLng(flat[i + 1] / MICRO, flat[i + 2] / MICRO);
      if (m._map) m._project();
    }
    renderer.requestFullRedraw();
  }

  function applyUnits(u) {
    var i, added = false;
    if (u.up) for (i = 0; i < u.up.length; i++) added = upsertUnit(u.up[i]) || added;
    if (u.mv) moveUnits(u.mv);
    if (u.rm) for (i = 0; i < u.rm.length; i++) {
      var r = units[u.rm[i]];
      if (r) { unitLayer.removeLayer(r); delete units[u.rm[i]]; }
    }
    if (added) caseLayer.eachLayer(function (l) { l.bringToFront(); });
    refreshAfterArrival();
    if (recState) redrawRecommendations();
  }

  // ---- cases ---------------------------------------------------------------------------------------------

  function caseStyle(priority, overdue) {
    return {
      renderer: renderer,
      radius: priority === 'red' ? 8 : 7,
      color: overdue ? '#7f0000' : '#ffffff',
      weight: overdue ? 3 : 2,
      fillColor: PRIORITY_COLOURS[priority] || '#607d8b',
      fillOpacity: 0.95,
      opacity: 1
    };
  }

  function caseTooltip(layer) {
    var o = layer.options;
    return textDiv([o.number + ' · ' + o.category + (o.overdue ? ' · ' + config.texts.overdue : ''), o.address,
                    o.text], 'dm-tip dm-case-tip');
  }

  function upsertCase(row) {
    // row: [id, lat, lon, priorityIdx, overdue, number, category, address, text]
    var id = row[0], priority = PRIORITIES[row[3]], overdue = !!row[4], ll = [row[1] / MICRO, row[2] / MICRO];
    var m = cases[id];
    var st = caseStyle(priority, overdue);
    st.cid = id; st.priority = priority; st.overdue = overdue;
    st.number = row[5]; st.category = row[6]; st.address = row[7]; st.text = row[8];
    if (!m) {
      m = new CaseMarker(ll, st);
      cases[id] = m;
      caseLayer.addLayer(m);
      m.bringToFront();  // the newest case is drawn over everything else
      return;
    }
    L.extend(m.options, st);
    m.setLatLng(ll);
    m.setStyle(st);
    m._updateBounds && m._map && m.redraw();
  }

  function applyCases(c) {
    var i;
    if (c.up) for (i = 0; i < c.up.length; i++) upsertCase(c.up[i]);
    if (c.rm) for (i = 0; i < c.rm.length; i++) {
      var r = cases[c.rm[i]];
      if (r) { caseLayer.removeLayer(r); delete cases[c.rm[i]]; }
    }
    refreshAfterArrival();
    if (recState) redrawRecommendations();
  }

  // ---- selection and recommendations ---------------------------------------------------------------------

  var highlight = null;

  function targetOf(sel) {
    if (!sel) return null;
    return sel.kind === 'unit' ? units[sel.id] : cases[sel.id];
  }

  function refreshSelection(pan) {
    var t = targetOf(selected);
    if (!t) {
      if (highlight) { selectionLayer.removeLayer(highlight); highlight = null; }
      return;
    }
    var ll = t.getLatLng();
    if (!highlight) {
      highlight = L.circleMarker(ll, {
        renderer: renderer, radius: 15, color: '#00acc1', weight: 3, fill: false, interactive: false
      });
      selectionLayer.addLayer(highlight);
    } else if (!highlight.getLatLng().equals(ll)) {
      highlight.setLatLng(ll);
    }
    if (pan) map.panTo(ll);
  }

  function refreshAfterArrival() {
    if (pendingPan && targetOf(selected)) {
      pendingPan = false;
      refreshSelection(false);
      goTo(selected);
    } else {
      refreshSelection(false);
    }
  }

  var follow = true;        // the map goes to what is selected (the console's "Follow the selection" action)
  var pendingPan = false;   // selected before its marker arrived (a case just saved): go there when it does

  function select(kind, id) {
    selected = { kind: kind, id: id };
    pendingPan = follow && !targetOf(selected);
    refreshSelection(follow);
  }

  function goTo(sel) {
    var t = targetOf(sel);
    if (!t) return false;
    map.setView(t.getLatLng(), Math.max(map.getZoom(), FOLLOW_ZOOM));
    return true;
  }

  var recState = null;  // {caseId, rows}

  function recPx(px) { return wallMode ? px * WALL_SCALE : px; }

  // Where the label column beside the case at container point p goes: right of it, or left of it (`left`), `dx` px
  // from the case to the column's near edge. The column keeps clear of the map's controls (the layer list, the
  // legend, the zoom buttons): it is pushed past any control in its way, even when the case itself lies under one,
  // and goes on the right unless only the left fits on the map.
  function controlRects() {
    var box = map.getContainer().getBoundingClientRect(), out = [];
    var controls = map.getContainer().querySelectorAll('.leaflet-control');
    for (var i = 0; i < controls.length; i++) {
      var r = controls[i].getBoundingClientRect();
      if (r.width && r.height) out.push([r.left - box.left, r.top - box.top, r.right - box.left, r.bottom - box.top]);
    }
    return out;
  }

  function recColumn(p, n) {
    var gap = recPx(DX_BASE), room = recPx(ROOM_BASE), dy = recPx(DY_BASE);
    var half = (n - 1) / 2 * dy + dy / 2, y0 = p.y - half, y1 = p.y + half;
    var rects = controlRects().filter(function (r) { return r[1] < y1 && r[3] > y0; }), width = map.getSize().x;
    var near = p.x + gap, far = p.x - gap, moved = true, i, r;
    while (moved) {  // the right column's left edge, past every control it would run under
      moved = false;
      for (i = 0; i < rects.length; i++) {
        r = rects[i];
        if (r[0] < near + room && r[2] > near) { near = r[2] + 4; moved = true; }
      }
    }
    moved = true;
    while (moved) {  // the left column's right edge, likewise
      moved = false;
      for (i = 0; i < rects.length; i++) {
        r = rects[i];
        if (r[0] < far && r[2] > far - room) { far = r[0] - 4; moved = true; }
      }
    }
    var rightFits = near + room <= width, leftFits = far - room >= 0;
    if (rightFits || !leftFits) return { left: false, dx: near - p.x };
    return { left: true, dx: far - p.x };
  }

  function redrawRecommendations() {
    // Only the selected case's recommendations are drawn. Their labels never overlap: they are stacked in one
    // column beside the case (in rank order), each joined to its unit by a leader line; the unit itself gets its
    // rank number. Distance and ETA texts come from Python, made by the case panel's own formatters.
    recLayer.clearLayers();
    if (!recState) return;
    var c = cases[recState.caseId];
    if (!c) return;
    var from = c.getLatLng();
    var origin = map.latLngToLayerPoint(from);
    var n = recState.rows.length;
    // The column goes right of the case, or left of it when only the left fits on the map; clear of the controls.
    var column = recColumn(map.latLngToContainerPoint(from), n), left = column.left, dx = column.dx;
    for (var i = 0; i < n; i++) {
      // row: [unitId, rank, callsign, distanceText, etaText]
      var row = recState.rows[i], u = units[row[0]];
      if (!u) continue;
      var to = u.getLatLng();
      var anchor = map.layerPointToLatLng(origin.add([dx, (i - (n - 1) / 2) * recPx(DY_BASE)]));
      recLayer.addLayer(L.polyline([from, to], {
        renderer: renderer, color: i === 0 ? '#00838f' : '#546e7a', weight: i === 0 ? 3 : 2,
        dashArray: '6 5', opacity: 0.9, interactive: false
      }));
      recLayer.addLayer(L.polyline([anchor, to], {
        renderer: renderer, color: '#00838f', weight: 1, opacity: 0.7, interactive: false
      }));
      recLayer.addLayer(L.tooltip({ permanent: true, direction: left ? 'left' : 'right', className: 'dm-rec-label',
                                    offset: [0, 0],
                                    interactive: false })
        .setLatLng(anchor)
        .setContent(textDiv([row[1] + '. ' + row[2] + ' · ' + row[4] + ' · ' + row[3]])));
      recLayer.addLayer(L.tooltip({ permanent: true, direction: 'center', className: 'dm-rec-rank', interactive: false })
        .setLatLng(to)
        .setContent(textDiv([String(row[1])])));
    }
    c.bringToFront();
  }

  function showRecommendations(caseId, rows) {
    recState = rows && rows.length ? { caseId: caseId, rows: rows } : null;
    redrawRecommendations();
    if (recState && !map.hasLayer(recLayer)) map.addLayer(recLayer);
  }

  // ---- 30-day history ------------------------------------------------------------------------------------

  function heatMax() {
    // Scale with the amount of history so that only real hot spots reach the top colour.
    return Math.max(0.5, history.length / 6000);
  }

  function setHistory(rows) {
    history = rows;
    if (heatLayer) {
      heatLayer.setOptions({ max: heatMax() });
      heatLayer.setLatLngs(rows.map(function (r) { return [r[0], r[1]]; }));
    }
    if (clusterLayer) fillCluster();
  }

  function fillCluster() {
    clusterLayer.clearLayers();
    var markers = new Array(history.length);
    for (var i = 0; i < history.length; i++) {
      var m = L.circleMarker([history[i][0], history[i][1]], {
        renderer: renderer, radius: 4, color: '#5c6bc0', weight: 1, fillOpacity: 0.6
      });
      m.options.text = history[i][2];
      markers[i] = m;
    }
    clusterLayer.addLayers(markers);
  }

  function makeHistoryLayers() {
    heatLayer = L.heatLayer([], {
      radius: 16, blur: 22, maxZoom: 14, minOpacity: 0.15, max: 1,
      gradient: { 0.3: '#9ecae1', 0.55: '#fdd49e', 0.8: '#fc8d59', 1.0: '#d7301f' }
    });
    clusterLayer = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
    clusterLayer.bindTooltip(function (layer) { return textDiv([layer.options.text], 'dm-tip'); });
    control.addOverlay(heatLayer, config.texts.heat);
    control.addOverlay(clusterLayer, config.texts.cluster);
    map.on('overlayadd', function (e) {
      if (e.layer === heatLayer) {
        heatLayer.setOptions({ max: heatMax() });
        heatLayer.setLatLngs(history.map(function (r) { return [r[0], r[1]]; }));
      }
      if (e.layer === clusterLayer) fillCluster();
    });
    map.on('overlayremove', function (e) {
      if (e.layer === clusterLayer) clusterLayer.clearLayers();
    });
  }

  // ---- labels --------------------------------------------------------------------------------------------

  function labelLayer(rows, className) {
    var group = L.layerGroup();
    for (var i = 0; i < rows.length; i++) {
      group.addLayer(L.tooltip({ permanent: true, direction: 'center', className: className, interactive: false })
        .setLatLng([rows[i][0], rows[i][1]]).setContent(textDiv([rows[i][2]])));
    }
    return group;
  }

  function updateLabels() {
    var z = map.getZoom();
    if (z >= TOWNSHIP_LABEL_ZOOM) map.addLayer(townshipLabels); else map.removeLayer(townshipLabels);
    if (z >= GRID_LABEL_ZOOM) map.addLayer(gridLabels); else map.removeLayer(gridLabels);
  }

  // ---- patrol plans, key sites, route, reach, playback ------------------------------------------------------
  // Rows come from ui/map/overlays.py, already in the page's datum as [lat, lon].

  var TARGET_KINDS = ['point', 'route', 'area'];
  var TARGET_STATES = ['done', 'due_now', 'missed', 'planned', 'none_today'];
  var STATE_COLOURS = { done: '#2e7d32', due_now: '#ef6c00', missed: '#c62828', planned: '#1565c0', none_today: '#78909c' };
  var REACH_COLOURS = { 1: '#2e7d32', 3: '#f9a825', 5: '#c62828' };
  var patrolLayer, sitesLayer, routeLayer, reachLayer, playLayer;
  // A playback draws on two canvases of its own: the tracks and stops (drawn once) and above them the moving units
  // with the check-ins and cases shown so far (drawn at every frame), so a frame never redraws the tracks or the
  // live layers.
  var trackRenderer, playRenderer;
  var targets = {};  // id -> {kind, state, layer}
  var sites = {};    // code -> {covered, layer}
  var routeState = null, reachRings = [], playback = null;

  function text(key) { return (config.texts && config.texts[key]) || key; }

  function setTargets(rows) {
    patrolLayer.clearLayers();
    targets = {};
    for (var i = 0; i < rows.length; i++) {
      // row: [id, kindIdx, stateIdx, name, plan, shape]
      var r = rows[i], kind = TARGET_KINDS[r[1]], state = TARGET_STATES[r[2]], colour = STATE_COLOURS[state], layer;
      if (kind === 'point') {
        layer = L.circleMarker(r[5], { renderer: renderer, radius: 9, color: colour, weight: 3, fill: false });
      } else if (kind === 'route') {
        layer = L.polyline(r[5], { renderer: renderer, color: colour, weight: 4, opacity: 0.85,
                                    dashArray: state === 'none_today' ? '4 6' : null });
      } else {
        layer = L.polygon(r[5], { renderer: renderer, color: colour, weight: 2, fill: true, fillOpacity: 0.06,
                                   dashArray: '6 4' });
      }
      layer.options.tip = [r[4] + ' · ' + r[3], text('state_' + state)];
      targets[r[0]] = { kind: kind, state: state, layer: layer };
      patrolLayer.addLayer(layer);
    }
  }

  var SiteMarker = L.CircleMarker.extend({
    _updatePath: function () {
      var rnd = this._renderer;
      if (!rnd._drawing || this._empty()) return;
      var ctx = rnd._ctx, p = this._point, s = this._radius;
      ctx.beginPath();
      ctx.moveTo(p.x, p.y - s * 1.3); ctx.lineTo(p.x + s * 1.1, p.y); ctx.lineTo(p.x, p.y + s * 1.3);
      ctx.lineTo(p.x - s * 1.1, p.y); ctx.closePath();
      rnd._fillStroke(ctx, this);
    }
  });

  function setSites(rows) {
    sitesLayer.clearLayers();
    sites = {};
    for (var i = 0; i < rows.length; i++) {
      // row: [code, name, lat, lon, covered, targetMin, bestEtaS, bestUnit, etaText]
      var r = rows[i], covered = !!r[4];
      var m = new SiteMarker([r[2], r[3]], {
        renderer: renderer, radius: covered ? 7 : 9, color: covered ? '#ffffff' : '#7f0000', weight: covered ? 1.5 : 3,
        fillColor: covered ? '#43a047' : '#e53935', fillOpacity: 0.95
      });
      var eta = r[6] === null ? text('unreachable') : r[8];
      m.options.tip = [r[1] + ' (' + r[0] + ')',
                       (covered ? text('covered') : text('uncovered')) + ' · ' + text('target') + ' ' + r[5] + ' ' + text('min'),
                       (r[7] ? r[7] + ' · ' : '') + eta];
      m.options.code = r[0];
      sites[r[0]] = { covered: covered, layer: m };
      sitesLayer.addLayer(m);
    }
  }

  function setRoute(route) {
    routeLayer.clearLayers();
    routeState = route;
    if (!route || !route.line || route.line.length < 2) return;
    routeLayer.addLayer(L.polyline(route.line, { renderer: renderer, color: '#ffffff', weight: 8, opacity: 0.8,
                                                  interactive: false }));
    routeLayer.addLayer(L.polyline(route.line, { renderer: renderer, color: '#00838f', weight: 5, opacity: 0.95,
                                                  dashArray: route.road ? null : '8 6', interactive: false }));
    // The label at the middle of the way, worded by the case panel's formatters (none for a recommended unit: its
    // own label says it).
    if (route.text) {
      routeLayer.addLayer(L.tooltip({ permanent: true, direction: 'top', className: 'dm-rec-label', offset: [0, -6] })
        .setLatLng(route.line[Math.floor(route.line.length / 2)]).setContent(textDiv([route.text])));
    }
    if (!map.hasLayer(routeLayer)) map.addLayer(routeLayer);
  }

  // A ring's caption sits at its top; zoomed out, the rings are close and their captions would pile up. Only
  // captions at least a caption's height apart are shown, the outermost ring's first (rows come outermost first).
  var REACH_LABEL_GAP_PX = 18;
  var reachLabels = [];

  function declutterReach() {
    var shownY = null;
    reachLabels.forEach(function (label) {
      var y = map.latLngToContainerPoint(label.getLatLng()).y, el = label.getElement();
      var show = shownY === null || y - shownY >= REACH_LABEL_GAP_PX;
      if (show) shownY = y;
      if (el) el.style.display = show ? '' : 'none';
    });
  }

  function setReach(rows, caption) {
    reachLayer.clearLayers();
    reachLabels = [];
    reachRings = rows;
    for (var i = 0; i < rows.length; i++) {
      var minutes = rows[i][0], colour = REACH_COLOURS[minutes] || '#5e35b1';
      var poly = L.polygon(rows[i][1], { renderer: renderer, color: colour, weight: 2.5, fill: true,
                                         fillOpacity: 0.05, interactive: false });
      reachLayer.addLayer(poly);
      var ring = rows[i][1][0];
      if (ring && ring.length) {
        var top = ring[0];
        for (var k = 1; k < ring.length; k++) if (ring[k][0] > top[0]) top = ring[k];
        var label = L.tooltip({ permanent: true, direction: 'top', className: 'dm-reach-label' })
          .setLatLng(top).setContent(textDiv([(caption ? caption + ' ' : '') + minutes + ' ' + text('min')]));
        reachLabels.push(label);
        reachLayer.addLayer(label);
      }
    }
    if (rows.length && !map.hasLayer(reachLayer)) map.addLayer(reachLayer);
    declutterReach();
  }

  function setTracks(msg) {
    playLayer.clearLayers();
    playback = null;
    if (!msg.units || !msg.units.length) return;
    playback = { markers: {}, cases: [], checkins: [], shownCases: 0, shownCheckins: -1 };
    var i;
    for (i = 0; i < msg.units.length; i++) {
      var u = msg.units[i];
      if (u[2].length > 1) {
        playLayer.addLayer(L.polyline(u[2], { renderer: trackRenderer, color: '#3949ab', weight: 2, opacity: 0.45,
                                               interactive: false }));
      }
      var m = L.circleMarker(u[2].length ? u[2][0] : [0, 0], {
        renderer: playRenderer, radius: 7, color: '#ffffff', weight: 2, fillColor: '#3949ab', fillOpacity: 1
      });
      m.options.tip = [u[1]];
      m.options.callsign = u[1];
      playback.markers[u[0]] = m;
    }
    for (i = 0; i < (msg.stops || []).length; i++) {
      var s = msg.stops[i];
      var stop = L.circleMarker([s[1], s[2]], { renderer: trackRenderer, radius: 4, color: '#3949ab', weight: 1,
                                                 fillColor: '#c5cae9', fillOpacity: 1 });
      stop.options.tip = [text('stop') + ' ' + Math.round((s[4] - s[3]) / 60) + ' ' + text('min')];
      playLayer.addLayer(stop);
    }
    for (i = 0; i < (msg.checkins || []).length; i++) {
      var c = msg.checkins[i];
      var mark = L.circleMarker([c[1], c[2]], { renderer: playRenderer, radius: 6, color: c[5] ? '#ef6c00' : '#2e7d32',
                                                 weight: 3, fill: false });
      mark.options.tip = [text('checkin') + ': ' + c[4]];
      playback.checkins.push([c[3], mark]);
    }
    playback.cases = msg.cases || [];
    playback.caseLayer = L.featureGroup().addTo(playLayer);
    playback.checkinLayer = L.featureGroup().addTo(playLayer);
    for (var id in playback.markers) if (Object.prototype.hasOwnProperty.call(playback.markers, id)) {
      playLayer.addLayer(playback.markers[id]);
    }
    if (!map.hasLayer(playLayer)) map.addLayer(playLayer);
    var b = L.latLngBounds([]);
    for (i = 0; i < msg.units.length; i++) for (var k = 0; k < msg.units[i][2].length; k += 10) b.extend(msg.units[i][2][k]);
    if (b.isValid()) map.fitBounds(b, { padding: [24, 24], maxZoom: 16 });
  }

  function applyFrame(p) {
    // p: {t, mv: [id, lat, lon, ...]}: the units where they were at moment t; check-ins and cases up to t.
    if (!playback) return;
    var i, flat = p.mv, full = flat.length / 3 > FULL_REDRAW_MOVES, m;
    for (i = 0; i < flat.length; i += 3) {
      m = playback.markers[flat[i]];
      if (!m) continue;
      if (!full) { m.setLatLng([flat[i + 1], flat[i + 2]]); continue; }
      m._latlng = L.latLng(flat[i + 1], flat[i + 2]);  // as moveUnits does: one full redraw for a big frame
      if (m._map) m._project();
    }
    if (full) {  // only the moving units' own canvas is drawn again, not the tracks under them
      playRenderer._redrawBounds = null;
      if (!playRenderer._redrawRequest) {
        playRenderer._redrawRequest = L.Util.requestAnimFrame(playRenderer._redraw, playRenderer);
      }
    }
    playback.t = p.t;
    var done = 0;
    for (i = 0; i < playback.checkins.length; i++) if (playback.checkins[i][0] <= p.t) done++;
    if (done !== playback.shownCheckins) {
      playback.checkinLayer.clearLayers();
      for (i = 0; i < playback.checkins.length; i++) {
        if (playback.checkins[i][0] <= p.t) playback.checkinLayer.addLayer(playback.checkins[i][1]);
      }
      playback.shownCheckins = done;
    }
    var shown = 0;
    for (i = 0; i < playback.cases.length && playback.cases[i][0] <= p.t; i++) shown++;
    if (shown !== playback.shownCases) {
      playback.caseLayer.clearLayers();
      for (i = 0; i < shown; i++) {
        var c = playback.cases[i];
        var cm = L.circleMarker([c[1], c[2]], { renderer: playRenderer, radius: 6, color: '#ffffff', weight: 1.5,
                                                 fillColor: PRIORITY_COLOURS[c[3]] || '#607d8b', fillOpacity: 0.95 });
        cm.options.tip = [c[4]];
        playback.caseLayer.addLayer(cm);
      }
      playback.shownCases = shown;
    }
  }

  function overlayTip(layer) { return textDiv(layer.options.tip || [], 'dm-tip'); }  // as wide as its text

  var TimedCanvas = L.Canvas.extend({
    _draw: function () {
      var t0 = performance.now();
      L.Canvas.prototype._draw.call(this);
      timing.playDrawMs = performance.now() - t0;
    }
  });

  function makeOverlays() {
    map.createPane('dmTracks').style.zIndex = 445;
    map.createPane('dmPlay').style.zIndex = 460;
    trackRenderer = L.canvas({ padding: 0.1, pane: 'dmTracks' });
    playRenderer = new TimedCanvas({ padding: 0.1, tolerance: 3, pane: 'dmPlay' });
    patrolLayer = L.featureGroup().addTo(map);
    sitesLayer = L.featureGroup().addTo(map);
    routeLayer = L.featureGroup().addTo(map);
    reachLayer = L.featureGroup().addTo(map);
    playLayer = L.featureGroup().addTo(map);
    [patrolLayer, sitesLayer, playLayer].forEach(function (g) {
      g.bindTooltip(overlayTip, { direction: 'top', className: 'dm-tooltip', sticky: true });
    });
    control.addOverlay(patrolLayer, text('patrol'));
    control.addOverlay(sitesLayer, text('sites'));
    control.addOverlay(routeLayer, text('route'));
    control.addOverlay(reachLayer, text('reach'));
    control.addOverlay(playLayer, text('playback'));
  }

  // With the patrol layers the list is tall: on a short map it folds into its button (it opens on hover).
  var SHORT_MAP_PX = 640;

  // The wall is read from across the hall and nobody clicks it: no layer list, no zoom buttons on it.
  var wallMode = false;

  function setWall(on) {
    if (on === wallMode) return;
    wallMode = on;
    L.DomUtil[on ? 'addClass' : 'removeClass'](map.getContainer(), 'dm-wall');
    if (recState) redrawRecommendations();
    if (on) {
      control.remove();
      if (map.zoomControl) map.zoomControl.remove();
    } else {
      control.addTo(map);
      if (map.zoomControl) map.zoomControl.addTo(map);
    }
  }

  function fitControl() {
    if (wallMode) return;
    var fold = map.getSize().y < SHORT_MAP_PX;
    if (fold === !!control.options.collapsed) return;
    control.remove();
    control.options.collapsed = fold;
    control.addTo(map);
  }

  function overlayCounts() {
    var byState = {}, uncovered = 0, id;
    for (id in targets) if (Object.prototype.hasOwnProperty.call(targets, id)) {
      byState[targets[id].state] = (byState[targets[id].state] || 0) + 1;
    }
    for (id in sites) if (Object.prototype.hasOwnProperty.call(sites, id)) if (!sites[id].covered) uncovered++;
    return {
      targets: Object.keys(targets).length, byState: byState, patrolShown: map.hasLayer(patrolLayer),
      sites: Object.keys(sites).length, uncovered: uncovered,
      route: routeState && routeState.line ? routeState.line.length : 0, routeLabel: !!(routeState && routeState.text),
      reach: reachRings.map(function (r) { return r[0]; }),
      playing: playback ? Object.keys(playback.markers).length : 0, t: playback ? playback.t || null : null,
      checkinsShown: playback ? playback.checkinLayer.getLayers().length : 0,
      casesShown: playback ? playback.shownCases : 0
    };
  }

  function playMarker(id) {
    var m = playback && playback.markers[id];
    return m ? [m.getLatLng().lat, m.getLatLng().lng] : null;
  }

  // ---- messages from Python ------------------------------------------------------------------------------


  // A batch is drawn as soon as it is in, instead of in the next frame's callbacks: the frame that shows it then
  // starts with the canvas ready rather than drawing it first. Several batches before one frame (a big change in
  // parts) are drawn once: only the first is drawn at once, the rest in that frame, as Leaflet would.
  // Returns whether the canvas is drawn now (false: Leaflet draws it in the next frame).
  var drawnThisFrame = false;

  function drawNow() {
    if (!renderer._redrawRequest) return true;
    if (drawnThisFrame) return false;
    L.Util.cancelAnimFrame(renderer._redrawRequest);
    renderer._redraw();
    drawnThisFrame = true;
    requestAnimationFrame(function () { drawnThisFrame = false; });
    return true;
  }

  function handle(text) {
    var t0 = performance.now();
    var msg = JSON.parse(text);
    var t1 = performance.now();
    timing.parseMs = t1 - t0;
    switch (msg.op) {
      case 'batch':
        if (msg.u) applyUnits(msg.u);
        if (msg.c) applyCases(msg.c);
        if (msg.p) applyFrame(msg.p);
        timing.applyMs = performance.now() - t1;
        var drawn = drawNow() && !msg.p;  // a playback frame is drawn by its own canvas, in the next frame
        var handled = performance.now();
        requestAnimationFrame(function () { timing.frameWaitMs = performance.now() - handled; });
        if (msg.s !== undefined && bridge) {
          var seq = msg.s;
          // The answer says the batch is drawn: at once when it is, else in the next frame, after Leaflet's redraw
          // (queued before this callback).
          if (drawn) bridge.applied(seq);
          else requestAnimationFrame(function () { bridge.applied(seq); });
        }
        break;
      case 'select': select(msg.kind, msg.id); break;
      case 'follow': follow = !!msg.on; if (follow && selected) goTo(selected); break;
      case 'recs': showRecommendations(msg.caseId, msg.rows); break;
      case 'history': setHistory(msg.rows); break;
      case 'fit': fit(); break;
      case 'wall': setWall(!!msg.on); break;
      case 'pick': setPicking(!!msg.on); break;
      case 'patrol': setTargets(msg.rows); break;
      case 'sites': setSites(msg.rows); break;
      case 'route': setRoute(msg.route); break;
      case 'reach': setReach(msg.rows, msg.caption); break;
      case 'tracks': setTracks(msg); break;
      case 'layer':
        var layer = { heat: heatLayer, cluster: clusterLayer, patrol: patrolLayer, sites: sitesLayer }[msg.name];
        if (layer) { if (msg.on) map.addLayer(layer); else map.removeLayer(layer); }
        break;
    }
  }

  function fit() {
    // A zoom still animating would end where it was going, after this fit: fit when it has ended.
    if (map._animatingZoom) { map.once('zoomend', fit); return; }
    var b = null;
    if (config.bounds) b = L.latLngBounds(config.bounds);
    else if (unitLayer.getLayers().length || caseLayer.getLayers().length) {
      b = L.latLngBounds([]);
      unitLayer.eachLayer(function (l) { b.extend(l.getLatLng()); });
      caseLayer.eachLayer(function (l) { b.extend(l.getLatLng()); });
    }
    if (!b || !b.isValid()) return;
    map.fitBounds(b, { padding: [16, 16], animate: false });
    revealSelection();
  }

  // After the map is fitted, the selected case or unit may lie under a control (the layer list, the legend): the map
  // is moved sideways just far enough to show it, the zoom unchanged.
  function revealSelection() {
    var t = targetOf(selected);
    if (!t) return;
    var p = map.latLngToContainerPoint(t.getLatLng()), half = map.getSize().x / 2, m = 24, dx = 0;
    controlRects().forEach(function (r) {
      if (p.x > r[0] - m && p.x < r[2] + m && p.y > r[1] - m && p.y < r[3] + m) {
        dx = p.x > half ? r[0] - m - p.x : r[2] + m - p.x;  // out of its side nearer the map's middle
      }
    });
    if (dx) map.panBy([-dx, 0], { animate: false });
  }

  function onContextMenu(e) {
    var lat = e.latlng.lat, lon = e.latlng.lng;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'dm-menu-item';
    button.textContent = config.texts.newAppeal;
    var popup = L.popup({ closeButton: false, className: 'dm-menu', offset: [0, -2] })
      .setLatLng(e.latlng).setContent(button);
    L.DomEvent.on(button, 'click', function (ev) {
      L.DomEvent.stop(ev);
      map.closePopup(popup);
      chooseNewAppeal(lat, lon);
    });
    popup.openOn(map);
  }

  var picking = false;

  function setPicking(on) {
    picking = on;
    map.getContainer().style.cursor = on ? 'crosshair' : '';
  }

  function chooseNewAppeal(lat, lon) {
    if (bridge) bridge.contextMenu(lat, lon);
  }

  // ---- legend --------------------------------------------------------------------------------------------

  function legendIcon(shapeName, fill, stroke) {
    var c = document.createElement('canvas'), ratio = window.devicePixelRatio || 1;
    c.width = c.height = 18 * ratio;
    c.style.width = c.style.height = '18px';
    var ctx = c.getContext('2d');
    ctx.scale(ratio, ratio);
    ctx.beginPath();
    tracePath(ctx, shapeName, 9, 9, 6);
    ctx.fillStyle = fill;
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = stroke;
    ctx.stroke();
    return c;
  }

  function legendSection(box, title, entries) {
    var head = document.createElement('div');
    head.className = 'dm-legend-head';
    head.textContent = title;
    box.appendChild(head);
    for (var i = 0; i < entries.length; i++) {
      var row = document.createElement('div');
      row.className = 'dm-legend-row';
      row.appendChild(entries[i][0]);
      var text = document.createElement('span');
      text.textContent = entries[i][1];
      row.appendChild(text);
      box.appendChild(row);
    }
  }

  function makeLegend(texts) {
    // What the shapes (unit kinds) and colours (unit states, case priorities) mean; a click folds it away.
    var Legend = L.Control.extend({
      options: { position: 'bottomleft' },
      onAdd: function () {
        var box = L.DomUtil.create('div', 'dm-legend leaflet-bar');
        var title = document.createElement('div');
        title.className = 'dm-legend-title';
        title.textContent = texts.legend || 'Legend';
        box.appendChild(title);
        var body = document.createElement('div');
        body.className = 'dm-legend-body';
        legendSection(body, texts.legendKinds || '', KINDS.map(function (k) {
          return [legendIcon(KIND_SHAPES[k], '#78909c', '#37474f'), label('kind', k)];
        }));
        legendSection(body, texts.legendStates || '', STATUSES.map(function (st) {
          return [legendIcon('square', STATUS_COLOURS[st], '#ffffff'), label('status', st)];
        }).concat([[legendIcon('square', STALE_FILL, '#ffffff'), label('misc', 'stale')]]));
        legendSection(body, texts.legendPriorities || '', PRIORITIES.map(function (p) {
          return [legendIcon('circle', PRIORITY_COLOURS[p], '#ffffff'), label('priority', p)];
        }));
        box.appendChild(body);
        L.DomEvent.disableClickPropagation(box);
        // On a small map (a 720-line screen) the legend starts folded: its title opens it.
        if (map.getSize().y < LEGEND_OPEN_MIN_PX) box.classList.add('dm-legend-folded');
        L.DomEvent.on(title, 'click', function () { box.classList.toggle('dm-legend-folded'); });
        return box;
      }
    });
    return new Legend();
  }

  // ---- start ---------------------------------------------------------------------------------------------

  function init(cfg, objects) {
    config = cfg;
    map = objects.map;
    control = objects.control;
    if (cfg.plain) map.getContainer().classList.add('dm-plain');
    map.attributionControl.setPrefix('Leaflet');
    if (cfg.minZoom !== undefined) map.setMinZoom(cfg.minZoom);
    if (cfg.maxZoom !== undefined) map.setMaxZoom(cfg.maxZoom);
    // Live layers get their own pane above the overlay pane, where the county layers and the heat map are drawn.
    map.createPane('dmLive').style.zIndex = 450;
    renderer = new LiveCanvas({ padding: 0.1, tolerance: 3, pane: 'dmLive' });

    townshipLabels = labelLayer(cfg.townshipLabels || [], 'dm-township-label');
    gridLabels = labelLayer(cfg.gridLabels || [], 'dm-grid-label');
    map.on('zoomend', updateLabels);
    map.on('zoomend', declutterReach);
    map.on('zoomend moveend', function () { if (recState) redrawRecommendations(); });

    recLayer = L.featureGroup().addTo(map);
    unitLayer = L.featureGroup().addTo(map);
    caseLayer = L.featureGroup().addTo(map);
    selectionLayer = L.featureGroup().addTo(map);
    unitLayer.bindTooltip(unitTooltip, { direction: 'top', offset: [0, -6], className: 'dm-tooltip' });
    caseLayer.bindTooltip(caseTooltip, { direction: 'top', offset: [0, -8], className: 'dm-tooltip' });
    unitLayer.on('click', function (e) {
      select('unit', e.layer.options.uid);
      if (bridge) bridge.select('unit', e.layer.options.uid);
    });
    caseLayer.on('click', function (e) {
      select('case', e.layer.options.cid);
      if (bridge) bridge.select('case', e.layer.options.cid);
    });
    control.addOverlay(unitLayer, cfg.texts.units);
    control.addOverlay(caseLayer, cfg.texts.cases);
    control.addOverlay(recLayer, cfg.texts.recommendations);
    makeHistoryLayers();
    makeOverlays();
    fitControl();
    map.on('resize', fitControl);
    makeLegend(cfg.texts).addTo(map);
    map.on('contextmenu', onContextMenu);
    map.on('click', function (e) {  // picking the place of the call being typed: the next click gives it
      if (!picking) return;
      setPicking(false);
      chooseNewAppeal(e.latlng.lat, e.latlng.lng);
    });

    fit();
    updateLabels();

    new QWebChannel(qt.webChannelTransport, function (channel) {
      bridge = channel.objects.bridge;
      bridge.post.connect(handle);
      bridge.ready();
    });
  }

  window.DispatchMap = {
    init: init,
    handle: handle,
    // Read-only views and the same code paths a mouse uses, for tests and diagnostics.
    counts: function () {
      return { units: unitLayer.getLayers().length, cases: caseLayer.getLayers().length,
               recs: recLayer.getLayers().length, history: history.length, zoom: map.getZoom() };
    },
    unitLatLng: function (id) { var m = units[id]; return m ? [m.getLatLng().lat, m.getLatLng().lng] : null; },
    unitStyle: function (id) {
      var m = units[id]; return m ? { fill: m.options.fillColor, shape: m.options.shape, stale: m.options.stale } : null;
    },
    caseStyle: function (id) {
      var m = cases[id]; return m ? { fill: m.options.fillColor, overdue: m.options.overdue, weight: m.options.weight } : null;
    },
    selected: function () { return selected; },
    timing: function () { return timing; },
    clickMap: function (lat, lon) { map.fire('click', { latlng: L.latLng(lat, lon) }); return true; },
    clickUnit: function (id) { var m = units[id]; if (m) m.fire('click', { latlng: m.getLatLng() }, true); return !!m; },
    clickCase: function (id) { var m = cases[id]; if (m) m.fire('click', { latlng: m.getLatLng() }, true); return !!m; },
    openTooltip: function (kind, id) {
      var m = kind === 'unit' ? units[id] : cases[id];
      if (!m) return null;
      var group = kind === 'unit' ? unitLayer : caseLayer;
      m.fire('mouseover', { latlng: m.getLatLng() }, true);  // what hovering does
      var el = group.getTooltip() && group.getTooltip().getElement();
      return el ? { text: el.textContent, html: el.innerHTML, images: el.getElementsByTagName('img').length,
                    scripts: el.getElementsByTagName('script').length } : null;
    },
    contextMenuAt: function (lat, lon) {
      onContextMenu({ latlng: L.latLng(lat, lon) });
      var item = document.querySelector('.dm-menu-item');
      if (item) item.click();
      return !!item;
    },
    layerNames: function () {
      var names = [];
      control._layers.forEach(function (l) { names.push(l.name); });
      return names;
    },
    overlays: overlayCounts,
    picking: function () { return picking; },
    controlFolded: function () { return !!control.options.collapsed; },
    controlShown: function () { return !!control._map; },
    zoomShown: function () { return !!(map.zoomControl && map.zoomControl._map); },
    playMarker: playMarker,
    siteTip: function (code) { var s = sites[code]; return s ? s.layer.options.tip : null; },
    tileCount: function () { return document.querySelectorAll('.leaflet-tile-loaded').length; },
    map: function () { return map; }
  };
})();

