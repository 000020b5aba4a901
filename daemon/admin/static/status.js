// The live status page: polls the daemon's status JSON and sends operator actions, with the
// token the user entered (kept in sessionStorage, so only for this tab). No build step, no
// network beyond this daemon. Every value is written with textContent (never as HTML).
"use strict";

(function () {
  const TOKEN_KEY = "integration-daemon-token";
  const serverName = document.querySelector('meta[name="server-name"]').content;
  const base = "/servers/" + encodeURIComponent(serverName) + "/open-metadata/integration-daemon";
  const interval = Number(new URLSearchParams(location.search).get("interval")) || 1000;
  const STATE_CLASS = {
    WAITING: "ok", RUNNING: "ok", REFRESHING: "busy", INITIALIZED: "busy", RESTARTING: "warn",
    PAUSED: "warn", INITIALIZE_FAILED: "failed", CONFIG_FAILED: "failed", FAILED: "failed",
  };
  const previous = new Map(); // connector name -> {at, refreshes, elements, events}
  const rows = new Map();     // connector name -> row elements

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

  function call(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (token()) headers["Authorization"] = "Bearer " + token();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
      .then((response) => response.json().then((json) => ({ status: response.status, json })));
  }

  function say(text, isError) {
    const message = document.getElementById("message");
    message.textContent = text;
    message.className = isError ? "error" : "";
  }

  function shortTime(iso) {
    return iso ? iso.replace("T", " ").replace(/\.\d+.*$/, "") : "–";
  }

  function rate(now, before, key, perSeconds) {
    if (!before || now[key] === undefined || before[key] === undefined) return "–";
    const seconds = (now.at - before.at) / 1000;
    if (seconds <= 0) return "–";
    return (Math.max(0, now[key] - before[key]) / seconds * perSeconds).toFixed(1);
  }

  function cell(row, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function button(label, action, name) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.action = action;
    b.addEventListener("click", () => act(b.dataset.action, name)); // read at click time: Pause becomes Resume
    return b;
  }

  function newRow(name) {
    const row = document.createElement("tr");
    row.dataset.connector = name;
    const cells = {
      service: cell(row, "nowrap"), name: cell(row), state: cell(row), last: cell(row, "nowrap"), next: cell(row, "nowrap"),
      restarts: cell(row, "number"), error: cell(row, "error"), refreshRate: cell(row, "number"),
      elementRate: cell(row, "number"), eventRate: cell(row, "number"), actions: cell(row, "actions"),
    };
    cells.stateBadge = document.createElement("span");
    cells.state.appendChild(cells.stateBadge);
    cells.pause = button("Pause", "pause", name);
    cells.actions.append(button("Refresh", "refresh", name), button("Restart", "restart", name), cells.pause);
    document.querySelector("#connectors tbody").appendChild(row);
    return cells;
  }

  function show(report, service, at) {
    const name = report.connectorName;
    const cells = rows.get(name) || newRow(name);
    rows.set(name, cells);
    const totals = report.totalStatistics || {};
    const now = {
      at, refreshes: report.refreshCount || 0,
      elements: (totals.created || 0) + (totals.updated || 0) + (totals.deleted || 0) + (totals.archived || 0),
      events: report.eventsDelivered,
    };
    const before = previous.get(name);
    cells.service.textContent = service;
    cells.name.textContent = name;
    cells.stateBadge.textContent = report.connectorStatus;
    cells.stateBadge.className = "state " + (STATE_CLASS[report.connectorStatus] || "");
    cells.last.textContent = shortTime(report.lastRefreshTime);
    cells.last.title = report.lastRefreshTime || "";
    cells.next.textContent = report.nextRetryTime ? "retry " + shortTime(report.nextRetryTime) : shortTime(report.nextRefreshTime);
    cells.restarts.textContent = String(report.restartCount || 0);
    cells.error.textContent = report.lastError || "";
    cells.refreshRate.textContent = rate(now, before, "refreshes", 60);
    cells.elementRate.textContent = rate(now, before, "elements", 60);
    cells.eventRate.textContent = rate(now, before, "events", 1);
    const paused = Boolean(report.paused);
    cells.pause.textContent = paused ? "Resume" : "Pause";
    cells.pause.dataset.action = paused ? "resume" : "pause";
    if (!before || at - before.at >= 5000) previous.set(name, now); // rates over at least 5 s
  }

  function render(status) {
    const at = Date.now();
    const seen = new Set();
    for (const summary of (status.integrationDaemonStatus || {}).integrationServiceSummaries || []) {
      for (const report of summary.integrationConnectorReports || []) {
        show(report, summary.integrationServiceURLMarker, at);
        seen.add(report.connectorName);
      }
    }
    for (const [name] of rows) {
      if (!seen.has(name)) { document.querySelector('tr[data-connector="' + CSS.escape(name) + '"]').remove(); rows.delete(name); }
    }
    const updated = document.getElementById("updated");
    updated.textContent = "updated " + new Date(at).toLocaleTimeString() + " · " + seen.size + " connector(s)";
    updated.className = "";
  }

  function poll() {
    call("GET", "/status")
      .then(({ status, json }) => {
        if (status === 401) {
          say("The daemon needs its admin token: enter it above.", true);
          document.getElementById("updated").textContent = "not authorized";
        } else if (json.relatedHTTPCode !== 200) {
          say(json.exceptionErrorMessage || "status failed (HTTP " + status + ")", true);
        } else {
          render(json);
        }
      })
      .catch((error) => {
        const updated = document.getElementById("updated");
        updated.textContent = "daemon unreachable: " + error.message;
        updated.className = "stale";
      })
      .finally(() => setTimeout(poll, interval));
  }

  function act(action, name) {
    const request = {
      refresh: ["/integration-connectors/refresh", { class: "NameRequestBody", name }],
      restart: ["/integration-connectors/restart", { class: "NameRequestBody", name }],
      pause: ["/integration-connectors/" + encodeURIComponent(name) + "/pause", undefined],
      resume: ["/integration-connectors/" + encodeURIComponent(name) + "/resume", undefined],
    }[action];
    call("POST", request[0], request[1])
      .then(({ status, json }) => {
        if (json.relatedHTTPCode === 200) say(action + " requested for " + name, false);
        else say(action + " of " + name + " refused: " + (json.exceptionErrorMessage || "HTTP " + status), true);
      })
      .catch((error) => say(action + " of " + name + " failed: " + error.message, true));
  }

  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("token");
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = "";
    say("Token kept for this tab.", false);
  });
  document.getElementById("forget-token").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    say("Token forgotten.", false);
  });
  poll();
})();
