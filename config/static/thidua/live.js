// Live pages. Each element with data-live-socket opens that websocket; it reconnects with a
// growing delay (0.5 s to 30 s) when the connection drops. On every event, and on every
// (re)connection, the page re-reads its own snapshot: the elements marked data-live-region
// are replaced with those of a fresh copy of the page. Events missed while offline therefore
// always show once the socket is back. A close with 4401/4403 (signed out, not allowed) stops.
// A page that no longer exists for this user (a task step once the task is done) moves on to
// the address in its data-live-done-url. A region the user is typing in is never replaced: it
// waits for a later refresh (one retry at a time), so a PIN or a comment being typed is not
// wiped out, nor a refused form's message. Once the user submits a form or leaves, the page
// stops refreshing: its own navigation must not race a refresh's.
(function () {
  "use strict";
  var FIRST_DELAY = 500, MAX_DELAY = 30000, REFUSED = [4401, 4403], RETRY_BUSY = 3000;
  var sockets = [];
  var refreshing = false, pending = false, retry = null, leaving = false;

  function refresh() {
    if (leaving) return;
    if (refreshing) { pending = true; return; }
    refreshing = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (response) {
        var gone = response.headers.get("X-Live-Gone") === "1";
        if (response.ok && !gone) return response.text();
        var done = document.querySelector("[data-live-done-url]");
        if (!leaving && done && (gone || [403, 404, 410].indexOf(response.status) >= 0)) {
          moveOn(done.getAttribute("data-live-done-url"));
        }
        return null;
      })
      .then(function (html) {
        if (!html || leaving) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var skipped = false;
        document.querySelectorAll("[data-live-region]").forEach(function (region) {
          if (busy(region)) { skipped = true; return; }
          var name = region.getAttribute("data-live-region");
          var replacement = fresh.querySelector('[data-live-region="' + name + '"]');
          if (replacement) region.replaceWith(document.importNode(replacement, true));
        });
        if (skipped && retry === null) {
          retry = setTimeout(function () { retry = null; refresh(); }, RETRY_BUSY);
        }
        document.dispatchEvent(new CustomEvent("thidua:live-refreshed"));
      })
      .catch(function () { /* offline: the next (re)connection refreshes */ })
      .finally(function () {
        refreshing = false;
        if (pending) { pending = false; refresh(); }
      });
  }

  // Once the page has loaded: moving on while it still loads would abort its own navigation.
  function moveOn(url) {
    leaving = true;
    stop();
    if (document.readyState === "complete") window.location.assign(url);
    else window.addEventListener("load", function () { window.location.assign(url); });
  }

  // The user is typing in the region (a field has the focus or holds what he entered), or it
  // shows the message of a form he sent that was refused.
  function busy(region) {
    if (region.querySelector(".thidua-errors, .errorlist")) return true;
    var fields = region.querySelectorAll("input, textarea, select");
    return Array.prototype.some.call(fields, function (field) {
      if (field.type === "hidden" || field.type === "submit") return false;
      if (field === document.activeElement) return true;
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        var marked = Array.prototype.some.call(field.options, function (option) {
          return option.defaultSelected;
        });
        // Without a marked option, a single select's default is its first.
        if (!marked && !field.multiple) return field.selectedIndex > 0;
        return Array.prototype.some.call(field.options, function (option) {
          return option.selected !== option.defaultSelected;
        });
      }
      return field.value !== field.defaultValue;
    });
  }

  function open(path) {
    var state = { closed: false, delay: FIRST_DELAY, socket: null };
    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + path);
      state.socket = socket;
      socket.onopen = function () {
        state.delay = FIRST_DELAY;
        // How many times the page's sockets opened: tests watch reconnections with it.
        var root = document.documentElement;
        root.dataset.liveOpened = String(Number(root.dataset.liveOpened || 0) + 1);
        refresh();
      };
      socket.onmessage = function () { refresh(); };
      socket.onclose = function (event) {
        if (state.closed || REFUSED.indexOf(event.code) >= 0) return;
        setTimeout(connect, state.delay);
        state.delay = Math.min(state.delay * 2, MAX_DELAY);
      };
    }
    connect();
    return state;
  }

  function start() {
    stop();
    var paths = {};
    document.querySelectorAll("[data-live-socket]").forEach(function (element) {
      paths[element.getAttribute("data-live-socket")] = true;
    });
    Object.keys(paths).forEach(function (path) { sockets.push(open(path)); });
  }

  function stop() {
    sockets.forEach(function (state) {
      state.closed = true;
      if (state.socket) state.socket.close();
    });
    sockets = [];
  }

  function leave() {
    leaving = true;
    stop();
  }

  // viewflow's frontend navigates with Turbo: pages change without a full load.
  document.addEventListener("turbo:load", function () { leaving = false; start(); });
  document.addEventListener("submit", leave);
  window.addEventListener("pagehide", leave);
  document.addEventListener("turbo:before-render", stop);
  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
