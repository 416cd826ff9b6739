/* telemetry.js: the browser client of the telemetry service. No dependencies.
 *
 * <script src="https://telemetry.example.com/static/telemetry/telemetry.js"
 *         data-endpoint="https://telemetry.example.com/api/telemetry/batch" defer></script>
 *
 * Sends page_view, session_start and session_end on its own, batches events (at most 100 per
 * request, flushed every few seconds and with sendBeacon on pagehide), reports uncaught errors
 * and unhandled rejections to /api/errors, backs off on 429 and 5xx, and never throws into the
 * host page. API: window.telemetry.track(type, fields), .flush(), .identify(userId), .sessionId.
 * data-key="<public key>" sends to that client key's project (as ?key=, which sendBeacon can
 * carry and which needs no CORS preflight); without it, the default project.
 */
(function (w, d) {
  "use strict";
  if (w.telemetry && w.telemetry.track) return;
  var script = d.currentScript || {}, data = script.dataset || {};
  function withKey(url) {
    return data.key ? url + (url.indexOf("?") < 0 ? "?" : "&") + "key=" + encodeURIComponent(data.key) : url;
  }
  var batchUrl = data.endpoint || "/api/telemetry/batch";
  var endpoint = withKey(batchUrl);
  var errorsEndpoint = withKey(data.errorsEndpoint || batchUrl.replace(/telemetry\/batch\/?$/, "errors"));
  // The server's limits; tests/common/test_client_limits.py fails when they differ from its
  // serializers' (message and stack are cut shorter than the server allows, on purpose).
  var LIMITS = { events: 100, action: 200, errorType: 200, message: 2000, stack: 8000 };
  var interval = +data.flushInterval || 5000, MAX = LIMITS.events, KEEP = 1000, MAX_ERRORS = 10;
  var queue = [], userId = data.userId || "", retryAt = 0, failures = 0, errorsSent = 0;
  var seen = {}, started = Date.now(), noop = function () {};

  function safe(fn) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { return undefined; }
    };
  }
  function store(kind) {
    try { return w[kind]; } catch (e) { return null; }
  }
  function stored(kind, key, make) {
    var s = store(kind), v;
    try { v = s && s.getItem(key); } catch (e) { v = null; }
    if (!v) {
      v = make();
      try { s && s.setItem(key, v); } catch (e) { /* private mode: keep it in memory */ }
    }
    return v;
  }
  function uid() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  var isNew = false;
  var sessionId = stored("sessionStorage", "telemetry.session", function () { isNew = true; return uid(); });
  var sessionStart = +stored("sessionStorage", "telemetry.sessionStart", function () { return "" + started; });
  var anonymousId = stored("localStorage", "telemetry.anonymousId", uid);

  var track = safe(function (type, fields) {
    var e = { type: String(type), page: location.pathname, sessionId: sessionId,
              anonymousId: anonymousId, timestamp: new Date().toISOString() };
    if (userId) e.userId = userId;
    for (var k in fields || {}) if (Object.prototype.hasOwnProperty.call(fields, k)) e[k] = fields[k];
    queue.push(e);
    if (queue.length > KEEP) queue.splice(0, queue.length - KEEP);
    if (queue.length >= MAX) flush();
  });

  var flush = safe(function () {
    if (!queue.length || Date.now() < retryAt || !w.fetch) return;
    var batch = queue.splice(0, MAX);
    w.fetch(endpoint, { method: "POST", body: JSON.stringify({ events: batch }), keepalive: true,
                        credentials: "omit", headers: { "Content-Type": "text/plain" } })
      .then(function (r) {
        if (r.status === 429 || r.status >= 500) backoff(batch, r.headers.get("Retry-After"));
        else { failures = 0; if (queue.length >= MAX) flush(); }
      }, function () { backoff(batch); })
      .catch(noop);
  });

  function backoff(batch, retryAfter) {
    failures++;
    var wait = retryAfter ? +retryAfter * 1000 : Math.min(3e5, 1000 * Math.pow(2, failures));
    retryAt = Date.now() + (wait || 5000);
    queue = batch.concat(queue).slice(0, KEEP);
  }

  var beacon = safe(function () {
    while (queue.length) {
      var body = JSON.stringify({ events: queue.splice(0, MAX) });
      if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint, new Blob([body], { type: "text/plain" })))) return;
    }
  });

  var reportError = safe(function (name, message, stack, extra) {
    var key = name + ":" + message;
    if (seen[key] || errorsSent >= MAX_ERRORS || !w.fetch) return;
    seen[key] = 1;
    errorsSent++;
    track("error", { action: String(name).slice(0, LIMITS.action) });
    var body = { errorType: String(name || "Error").slice(0, LIMITS.errorType),
                 message: String(message || "(no message)").slice(0, LIMITS.message),
                 stack: stack ? String(stack).slice(0, LIMITS.stack) : "", page: location.href, sessionId: sessionId,
                 userAgent: navigator.userAgent, metadata: extra || {} };
    if (userId) body.userId = userId;
    w.fetch(errorsEndpoint, { method: "POST", body: JSON.stringify(body), keepalive: true, credentials: "omit",
                              headers: { "Content-Type": "application/json" } }).catch(noop);
  });

  w.addEventListener("error", safe(function (ev) {
    if (!ev || ev.target && ev.target !== w) return;
    var err = ev.error || {};
    reportError(err.name || "Error", err.message || ev.message, err.stack,
                { source: ev.filename, line: ev.lineno, column: ev.colno });
  }));
  w.addEventListener("unhandledrejection", safe(function (ev) {
    var r = ev && ev.reason, isErr = r && typeof r === "object";
    reportError(isErr && r.name || "UnhandledRejection", isErr ? r.message : String(r), isErr && r.stack,
                { unhandledRejection: true });
  }));

  var pageView = safe(function () {
    track("page_view", { metadata: { referrer: d.referrer || "", title: d.title.slice(0, 200) } });
  });
  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    if (typeof original !== "function") return;
    history[name] = function () {
      var before = location.pathname, result = original.apply(this, arguments);
      if (name === "pushState" || location.pathname !== before) pageView();
      return result;
    };
  });
  w.addEventListener("popstate", pageView);
  w.addEventListener("pagehide", safe(function () {
    track("session_end", { duration: Date.now() - sessionStart });
    beacon();
  }));
  d.addEventListener("visibilitychange", safe(function () { if (d.visibilityState === "hidden") beacon(); }));

  if (isNew) track("session_start", { metadata: { referrer: d.referrer || "" } });
  pageView();
  setInterval(flush, interval);
  setTimeout(flush, 1000);

  w.telemetry = {
    sessionId: sessionId,
    track: track,
    flush: flush,
    identify: safe(function (id) { userId = id ? String(id) : ""; })
  };
})(window, document);
