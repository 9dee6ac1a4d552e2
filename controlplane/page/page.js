// The control plane's page, live: asks /api/pipeline every few seconds and
// colours the graph's nodes and edges by health, fills the table, and fetches
// the graph again when components the drawing does not have register. Text
// is set with textContent only: component names and metrics are data.
const refreshMs = Number(document.body.dataset.refreshMs) || 2000;
const STATES = ["healthy", "degraded", "unhealthy", "unknown", "not-registered"];
let drawn = "";

function ids(view) {
  return view.components.map((c) => c.id).join("\u0000");
}

async function redraw(view) {
  const response = await fetch("/graph.svg", { cache: "no-store" });
  if (!response.ok) return;
  const svg = new DOMParser().parseFromString(await response.text(), "image/svg+xml").documentElement;
  document.getElementById("graph").replaceChildren(document.importNode(svg, true));
  drawn = ids(view);
}

function paint(view) {
  const states = new Map(view.components.map((c) => [c.id, c.state]));
  for (const node of document.querySelectorAll("#graph g.node[data-id]")) {
    const state = states.get(node.dataset.id);
    if (state === undefined) continue; // the control plane's own node
    node.classList.remove(...STATES.map((s) => `state-${s}`));
    node.classList.add(`state-${state}`);
    node.dataset.state = state;
  }
  for (const edge of document.querySelectorAll("#graph path.edge")) {
    const ok = states.get(edge.dataset.from) === "healthy" && states.get(edge.dataset.to) === "healthy";
    edge.classList.toggle("edge-broken", !ok);
  }
  const health = document.getElementById("health");
  health.className = `health-${view.health}`;
  health.textContent = `pipeline ${view.health}`;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function table(view) {
  const body = document.querySelector("#components tbody");
  const rows = [];
  for (const c of view.components) {
    const services = c.services.length ? c.services : [undefined];
    for (const s of services) {
      const row = document.createElement("tr");
      row.dataset.id = c.id;
      cell(row, c.id);
      cell(row, c.kind);
      cell(row, s ? s.status.toLowerCase() : c.state, `state state-${c.state}`);
      cell(row, s ? `${s.heartbeat_age_seconds} s` : "–");
      cell(row, s ? String(s.restarts) : "–");
      cell(row, s ? Object.entries(s.metrics).map(([k, v]) => `${k}=${v}`).join("  ") : "", "metrics");
      rows.push(row);
    }
  }
  if (!rows.length) {
    const row = document.createElement("tr");
    cell(row, "no components registered yet").colSpan = 6;
    rows.push(row);
  }
  body.replaceChildren(...rows);
}

async function refresh() {
  const updated = document.getElementById("updated");
  try {
    const response = await fetch("/api/pipeline", { cache: "no-store" });
    if (!response.ok) throw new Error(`answered ${response.status}`);
    const view = await response.json();
    if (ids(view) !== drawn) await redraw(view);
    paint(view);
    table(view);
    updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
    updated.classList.remove("stale");
  } catch (err) {
    updated.textContent = `cannot reach the control plane (${err.message}); trying again`;
    updated.classList.add("stale");
  }
}

drawn = document.getElementById("graph").dataset.ids ?? "";
refresh();
setInterval(refresh, refreshMs);
