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
  var REC_LABEL_DX = 28;      // px right of the case where the recommendation labels' column starts
  var REC_LABEL_DY = 24;      // px between two recommendation labels

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
  var timing = { parseMs: 0, applyMs: 0, drawMs: 0 };  // of the last batch and the last redraw, for diagnostics
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
    _updateBounds: function () {
      // Called for every unit on every move and zoom: plain arithmetic, two points, no temporaries.
      var r = this._radius * 1.3 + this.options.weight / 2 + 3, w = this._labelWidth(), p = this._point;
      var rx = r + w, ry = r + (w ? 8 : 0), b = new L.Bounds();
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

  // The shared renderer draws the units grouped by style: the canvas state (colours, widths) is set once per
  // group instead of once per unit, each unit still its own small path. Everything else on it (cases, selection,
  // lines) is drawn afterwards, as Leaflet draws it, so it stays on top of the units.
  function withAlpha(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16 & 255) + ',' + (n >> 8 & 255) + ',' + (n & 255) + ',' + alpha + ')';
  }

  // Each unit is a copy of a small picture of its shape and style, drawn once (blitting a bitmap costs a fraction
  // of filling and stroking an anti-aliased path, and a redraw of every unit is what a batch of moves asks for).
  var sprites = {};
  var SCALE = L.Browser.retina ? 2 : 1;  // as Leaflet scales its canvas

  function sprite(o, r) {
    var key = o.shape + '|' + o.styleKey + '|' + r;
    var s = sprites[key];
    if (s) return s;
    var half = Math.ceil(r * 1.3 + o.weight + 1), size = half * 2, c = document.createElement('canvas');
    c.width = c.height = size * SCALE;
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
    s = sprites[key] = { canvas: c, half: half, size: size };
    return s;
  }

  var LiveCanvas = L.Canvas.extend({
    _draw: function () {
      var drawStart = performance.now();
      var layer, order, bounds = this._redrawBounds, ctx = this._ctx;
      var groups = {}, keys = [], labelled = [], others = [], i, j, showLabels = labelsOn();
      ctx.save();
      if (bounds) {
        var size = bounds.getSize();
        ctx.beginPath();
        ctx.rect(bounds.min.x, bounds.min.y, size.x, size.y);
        ctx.clip();
      }
      this._drawing = true;
      for (order = this._drawFirst; order; order = order.next) {
        layer = order.layer;
        if (bounds && !(layer._pxBounds && layer._pxBounds.intersects(bounds))) continue;
        if (!(layer instanceof UnitMarker)) { others.push(layer); continue; }
        if (layer._empty()) continue;
        var key = layer.options.styleKey;
        if (!groups[key]) { groups[key] = []; keys.push(key); }
        groups[key].push(layer);
        if (showLabels) labelled.push(layer);
      }
      ctx.lineJoin = 'round';
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      for (i = 0; i < keys.length; i++) {
        var group = groups[keys[i]];
        for (j = 0; j < group.length; j++) {
          var m = group[j], p = m._point, s = sprite(m.options, m._radius);
          ctx.drawImage(s.canvas, p.x - s.half, p.y - s.half, s.size, s.size);
        }
      }
      if (labelled.length) {
        ctx.font = LABEL_FONT;
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(255,255,255,0.9)';
        ctx.fillStyle = '#263238';
        for (j = 0; j < labelled.length; j++) {
          var u = labelled[j], q = u._point;
          ctx.strokeText(u.options.callsign, q.x + u._radius + 4, q.y + 4);
          ctx.fillText(u.options.callsign, q.x + u._radius + 4, q.y + 4);
        }
      }
      for (i = 0; i < others.length; i++) others[i]._updatePath();
      this._drawing = false;
      ctx.restore();
      timing.drawMs = performance.now() - drawStart;
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
      fillOpacity: stale ? 0.75 : 0.95,
      opacity: 1
    };
  }

  function unitTooltip(layer) {
    var o = layer.options;
    return textDiv([o.callsign, label('kind', o.kind) + ' · ' + label('status', o.status),
                    o.stale ? label('misc', 'stale') : ''], 'dm-tip');
  }

  function upsertUnit(row) {
    // row: [id, lat, lon, kindIdx, statusIdx, stale, callsign]
    var id = row[0], kind = KINDS[row[3]], status = STATUSES[row[4]], stale = !!row[5];
    var m = units[id];
    if (!m) {
      var opts = unitStyle(kind, status, stale);
      opts.uid = id; opts.kind = kind; opts.status = status; opts.stale = stale; opts.callsign = row[6];
      m = new UnitMarker([row[1], row[2]], opts);
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
      m.setStyle(st);  // redraws
    }
    m.setLatLng([row[1], row[2]]);
    return false;
  }

  // Past a few dozen moves the dirty rectangle covers most of the map anyway, and a clipped redraw costs more
  // than a plain full one.
  var FULL_REDRAW_MOVES = 40;

  function moveUnits(flat) {
    // flat: id, lat, lon, id, lat, lon, ...
    // What setLatLng does, without an event per marker; a big batch asks for one full redraw instead of
    // growing the dirty rectangle marker by marker.
    var full = flat.length / 3 > FULL_REDRAW_MOVES, i, m;
    for (i = 0; i < flat.length; i += 3) {
      m = units[flat[i]];
      if (!m) continue;
      m._latlng = L.latLng(flat[i + 1], flat[i + 2]);
      if (!m._map) continue;
      if (full) m._project();
      else renderer._updatePath(m);
    }
    if (full) {
      renderer._redrawBounds = null;
      if (!renderer._redrawRequest) renderer._redrawRequest = L.Util.requestAnimFrame(renderer._redraw, renderer);
    }
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
    var id = row[0], priority = PRIORITIES[row[3]], overdue = !!row[4];
    var m = cases[id];
    var st = caseStyle(priority, overdue);
    st.cid = id; st.priority = priority; st.overdue = overdue;
    st.number = row[5]; st.category = row[6]; st.address = row[7]; st.text = row[8];
    if (!m) {
      m = new CaseMarker([row[1], row[2]], st);
      cases[id] = m;
      caseLayer.addLayer(m);
      m.bringToFront();  // the newest case is drawn over everything else
      return;
    }
    L.extend(m.options, st);
    m.setLatLng([row[1], row[2]]);
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
    for (var i = 0; i < n; i++) {
      // row: [unitId, rank, callsign, distanceText, etaText]
      var row = recState.rows[i], u = units[row[0]];
      if (!u) continue;
      var to = u.getLatLng();
      var anchor = map.layerPointToLatLng(origin.add([REC_LABEL_DX, (i - (n - 1) / 2) * REC_LABEL_DY]));
      recLayer.addLayer(L.polyline([from, to], {
        renderer: renderer, color: i === 0 ? '#00838f' : '#546e7a', weight: i === 0 ? 3 : 2,
        dashArray: '6 5', opacity: 0.9, interactive: false
      }));
      recLayer.addLayer(L.polyline([anchor, to], {
        renderer: renderer, color: '#00838f', weight: 1, opacity: 0.7, interactive: false
      }));
      recLayer.addLayer(L.tooltip({ permanent: true, direction: 'right', className: 'dm-rec-label', offset: [0, 0],
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
    clusterLayer.bindTooltip(function (layer) { return textDiv([layer.options.text]); });
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

  // ---- messages from Python ------------------------------------------------------------------------------


  function handle(text) {
    var t0 = performance.now();
    var msg = JSON.parse(text);
    var t1 = performance.now();
    timing.parseMs = t1 - t0;
    switch (msg.op) {
      case 'batch':
        if (msg.u) applyUnits(msg.u);
        if (msg.c) applyCases(msg.c);
        timing.applyMs = performance.now() - t1;
        if (msg.s !== undefined && bridge) {
          var seq = msg.s;
          // Leaflet's canvas redraw was queued first in this frame's callbacks: when this one runs, it is drawn.
          requestAnimationFrame(function () { bridge.applied(seq); });
        }
        break;
      case 'select': select(msg.kind, msg.id); break;
      case 'follow': follow = !!msg.on; if (follow && selected) goTo(selected); break;
      case 'recs': showRecommendations(msg.caseId, msg.rows); break;
      case 'history': setHistory(msg.rows); break;
      case 'fit': fit(); break;
      case 'layer':
        var layer = { heat: heatLayer, cluster: clusterLayer }[msg.name];
        if (layer) { if (msg.on) map.addLayer(layer); else map.removeLayer(layer); }
        break;
    }
  }

  function fit() {
    var b = null;
    if (config.bounds) b = L.latLngBounds(config.bounds);
    else if (unitLayer.getLayers().length || caseLayer.getLayers().length) {
      b = L.latLngBounds([]);
      unitLayer.eachLayer(function (l) { b.extend(l.getLatLng()); });
      caseLayer.eachLayer(function (l) { b.extend(l.getLatLng()); });
    }
    if (b && b.isValid()) map.fitBounds(b, { padding: [16, 16] });
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
    map.on('zoomend', function () { if (recState) redrawRecommendations(); });

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
    makeLegend(cfg.texts).addTo(map);
    map.on('contextmenu', onContextMenu);

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
    tileCount: function () { return document.querySelectorAll('.leaflet-tile-loaded').length; },
    map: function () { return map; }
  };
})();
