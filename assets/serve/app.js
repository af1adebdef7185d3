// hothouse explorer: levers -> POST /api/run -> answer, curves, cost and the paired comparison
// with a pinned baseline. No libraries, no external requests.
"use strict";

const $ = (id) => document.getElementById(id);
const SVGNS = "http://www.w3.org/2000/svg";

const state = {
  info: null,
  params: {},        // path -> registry entry
  values: {},        // path -> current value (levers and added parameters)
  extras: [],        // added parameter paths
  baseline: null,    // the pinned setting's `set`, or null
  inFlight: false,
  pending: false,
  changedAt: null,   // time of the first change not yet sent
};

// What tests and scripts can read: the answer shown, for which setting, and how fast it came.
window.hothouse = { idle: false, shown: null, latencies: [], scenarioToml };

function label(p) {
  return p.display || p.path;
}

function unitText(p, v) {
  if (p.path === "host.commitment" && Number(v) === 0) return "open-ended";
  const unit = (p.unit || "").replace(/^money/, "£k");
  return unit ? `${v} ${unit}` : `${v}`;
}

function pct(x, digits = 0) { return `${(100 * x).toFixed(digits)}%`; }
function money(k) { return `£${k.toFixed(1)}k`; }
function signed(x, digits = 1) { return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(digits)}`; }

// The set sent to the server: only the values that differ from the served scenario's.
function currentSet() {
  const set = {};
  for (const [path, v] of Object.entries(state.values)) {
    if (String(v) !== String(state.params[path].value)) set[path] = v;
  }
  return set;
}

function requestBody() {
  const body = { set: currentSet() };
  const trials = parseInt($("trials").value, 10);
  const seed = $("seed").value.trim();
  if (Number.isFinite(trials)) body.trials = trials;
  if (seed !== "") body.seed = Number(seed);
  if (state.baseline) body.baseline = { set: state.baseline };
  return body;
}

function changed() {
  if (state.changedAt === null) state.changedAt = performance.now();
  markChanged();
  run();
}

async function run() {
  if (state.inFlight) { state.pending = true; return; }
  state.inFlight = true;
  window.hothouse.idle = false;
  document.body.dataset.state = "running";
  const body = requestBody();
  const since = state.changedAt;
  state.changedAt = null;
  try {
    const response = await fetch("/api/run", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) {
      showProblems(answer.problems || [answer.error || `HTTP ${response.status}`]);
    } else {
      showProblems([]);
      render(body, answer);
      await new Promise((r) => requestAnimationFrame(() => r()));
      if (since !== null) {
        const ms = performance.now() - since;
        window.hothouse.latencies.push(ms);
        $("status").textContent += ` Answered ${Math.round(ms)} ms after the change.`;
      }
      window.hothouse.shown = { set: body.set, trials: answer.trials, seed: answer.seed, answer };
    }
  } catch (e) {
    showProblems([`The explorer could not be reached (${e}). Is hothouse serve still running?`]);
  } finally {
    state.inFlight = false;
    if (state.pending) {
      state.pending = false;
      run();
    } else {
      document.body.dataset.state = "idle";
      window.hothouse.idle = true;
    }
  }
}

function showProblems(problems) {
  const box = $("problems");
  box.replaceChildren();
  box.hidden = problems.length === 0;
  for (const p of problems) {
    const line = document.createElement("div");
    line.textContent = p;
    box.appendChild(line);
  }
}

function render(body, a) {
  const chance = $("chance");
  chance.textContent = pct(a.p_graduate, 1);
  chance.dataset.pGraduate = String(a.p_graduate);
  const steps = a.steps;
  $("sentence").textContent =
    `${pct(a.p_graduate)} of communities graduate within ${steps} weeks; ` +
    `${pct(a.fizzled / a.trials)} fizzle out and ${pct(a.censored / a.trials)} are still going.`;
  $("interval").textContent =
    `95% interval ${pct(a.p_graduate_lower, 1)} to ${pct(a.p_graduate_upper, 1)}. ` +
    (a.median_survival === null
      ? "Fewer than half ever fizzle."
      : `Half have fizzled by week ${a.median_survival}.`) +
    ` On average a community lasts ${a.rmst.toFixed(1)} of the ${steps} weeks without fizzling.`;
  $("status").textContent =
    `${a.trials.toLocaleString("en-GB")} communities, seed ${a.seed}; server time ${(a.seconds * 1000).toFixed(0)} ms.`;
  const outlay = a.mean_host_spend + a.mean_host_covered;
  $("cost").textContent = a.host_outlay_per_graduate === null
    ? `No community graduates, so no graduation can be bought; the host spends ${money(outlay)} per community on average.`
    : `What a graduation costs the host: ${money(a.host_outlay_per_graduate)} ` +
      `(its whole outlay over all communities, graduated or not, divided by the graduations); ` +
      `${money(outlay)} per community on average.`;
  const b = a.baseline;
  document.body.classList.toggle("has-baseline", Boolean(b));
  $("comparison").textContent = b ? comparison(body, a, b) : "";
  chart($("survival-chart"), a.steps, [
    ...(b ? [{ ys: b.curves.survival, color: "#888", dash: "5 4" }] : []),
    { ys: a.curves.survival, color: "#1565c0", band: [a.curves.survival_lower, a.curves.survival_upper] },
  ], "share not fizzled");
  chart($("outcome-chart"), a.steps, [
    ...(b ? [
      { ys: b.curves.cif_graduated, color: "#888", dash: "5 4" },
      { ys: b.curves.cif_fizzled, color: "#bbb", dash: "5 4" },
    ] : []),
    { ys: a.curves.cif_graduated, color: "#2e7d32" },
    { ys: a.curves.cif_fizzled, color: "#c62828", dash: "7 3" },
  ], "share of communities");
}

function describeSet(set) {
  const parts = [];
  const paths = new Set([...Object.keys(set), ...Object.keys(state.baseline || {})]);
  for (const path of paths) {
    const p = state.params[path];
    const now = path in set ? set[path] : p.value;
    const then = path in state.baseline ? state.baseline[path] : p.value;
    if (String(now) !== String(then)) parts.push(`${label(p).toLowerCase()} ${unitText(p, now)} instead of ${unitText(p, then)}`);
  }
  return parts.join(", ");
}

function comparison(body, a, b) {
  const d = b.difference;
  const what = describeSet(body.set) || "the same setting";
  let text = `Against the baseline (${what}): ${signed(d.p_graduate_points)} points ` +
    `(paired 95% interval ${signed(d.p_graduate_points_lower)} to ${signed(d.p_graduate_points_upper)}; ` +
    `the same ${a.trials.toLocaleString("en-GB")} communities, ${d.gained} graduate only here and ${d.lost} only in the baseline)`;
  if (d.host_outlay_per_graduate !== null) {
    const x = d.host_outlay_per_graduate;
    text += `; ${money(Math.abs(x))} ${x >= 0 ? "more" : "less"} per graduation`;
  }
  return text + ".";
}

// A small line chart: weeks on x, 0..1 on y; series may carry a shaded band.
function chart(svg, steps, series, yLabel) {
  const W = 640, H = 300, L = 48, R = 12, T = 12, B = 38;
  const x = (t) => L + (W - L - R) * t / steps;
  const y = (v) => T + (H - T - B) * (1 - v);
  const el = (name, attrs, text) => {
    const e = document.createElementNS(SVGNS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  svg.replaceChildren();
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#eee" });
    el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, `${Math.round(v * 100)}%`);
  }
  const every = steps > 156 ? 52 : steps > 52 ? 13 : steps > 12 ? 4 : 1;
  for (let t = 0; t <= steps; t += every) {
    el("line", { x1: x(t), x2: x(t), y1: y(0), y2: y(0) + 4, stroke: "#999" });
    el("text", { x: x(t), y: y(0) + 16, "text-anchor": "middle" }, String(t));
  }
  el("line", { x1: L, x2: W - R, y1: y(0), y2: y(0), stroke: "#999" });
  el("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, "week");
  el("text", { x: 12, y: (T + H - B) / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${(T + H - B) / 2})` }, yLabel);
  const step = (ys) => {
    // Step function: the value holds until the next week.
    let d = `M${x(0)},${y(ys[0])}`;
    for (let t = 1; t < ys.length; t++) d += `H${x(t)}V${y(ys[t])}`;
    return d;
  };
  for (const s of series) {
    if (s.band) {
      const [lo, hi] = s.band;
      let d = `M${x(0)},${y(hi[0])}`;
      for (let t = 1; t < hi.length; t++) d += `H${x(t)}V${y(hi[t])}`;
      d += `V${y(lo[lo.length - 1])}`;
      for (let t = lo.length - 1; t > 0; t--) d += `V${y(lo[t])}H${x(t - 1)}`;
      el("path", { d: d + "Z", fill: s.color, "fill-opacity": 0.15, stroke: "none" });
    }
    el("path", { d: step(s.ys), fill: "none", stroke: s.color, "stroke-width": 2, "stroke-dasharray": s.dash || "none" });
  }
}

// Controls ----------------------------------------------------------------------------------

function markChanged() {
  for (const row of document.querySelectorAll(".lever")) {
    const p = state.params[row.dataset.path];
    row.classList.toggle("changed", String(state.values[p.path]) !== String(p.value));
  }
}

function leverRow(p, lever) {
  const row = document.createElement("div");
  row.className = "lever";
  row.dataset.path = p.path;
  const lab = document.createElement("label");
  const id = `p-${p.path.replace(".", "-")}`;
  lab.htmlFor = id;
  const name = document.createElement("span");
  name.textContent = label(p);
  const shown = document.createElement("span");
  shown.className = "value";
  lab.append(name, shown);
  row.appendChild(lab);
  let input;
  const show = () => { shown.textContent = unitText(p, state.values[p.path]); };
  if (p.kind === "choice") {
    input = document.createElement("select");
    for (const c of p.choices) input.add(new Option(c, c));
    input.value = p.value;
  } else if (lever) {
    input = document.createElement("input");
    input.type = "range";
    input.min = lever.min;
    input.max = Math.max(lever.max, Number(p.value));
    input.step = lever.step;
    input.value = p.value;
  } else {
    input = document.createElement("input");
    input.type = "number";
    input.step = p.kind === "integer" ? "1" : "any";
    if (p.min !== null) input.min = p.min;
    if (p.max !== null && p.max < 1e6) input.max = p.max;
    input.value = p.value;
  }
  input.id = id;
  input.addEventListener("input", () => {
    const raw = input.value;
    if (p.kind === "choice") state.values[p.path] = raw;
    else if (raw.trim() === "" || !Number.isFinite(Number(raw))) return;
    else state.values[p.path] = Number(raw);
    show();
    changed();
  });
  row.appendChild(input);
  if (!lever) {
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.textContent = "remove";
    remove.addEventListener("click", () => {
      delete state.values[p.path];
      state.extras = state.extras.filter((e) => e !== p.path);
      row.remove();
      fillAddSelect();
      changed();
    });
    row.appendChild(remove);
  }
  const meaning = document.createElement("div");
  meaning.className = "meaning";
  meaning.textContent = `${p.meaning}${p.unit ? ` (${p.unit.replace(/^money/, "£k")})` : ""}`;
  row.appendChild(meaning);
  state.values[p.path] = p.value;
  show();
  return row;
}

function fillAddSelect() {
  const select = $("add-select");
  select.replaceChildren(new Option("Add any other parameter…", ""));
  let group = null, optgroup = null;
  for (const p of state.info.params) {
    if (p.path in state.values) continue;
    const g = p.path.split(".")[0];
    if (g !== group) {
      group = g;
      optgroup = document.createElement("optgroup");
      optgroup.label = g;
      select.appendChild(optgroup);
    }
    const o = new Option(`${p.display || p.path} (${p.path})`, p.path);
    optgroup.appendChild(o);
  }
}

async function scenarioToml() {
  const response = await fetch("/api/scenario.toml", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(requestBody()),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(text);
  return text;
}

async function download() {
  try {
    const text = await scenarioToml();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/toml" }));
    a.download = `${state.info.name.replace(/[^A-Za-z0-9_.-]/g, "_")}-explorer.toml`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  } catch (e) {
    try { showProblems(JSON.parse(e.message).problems); } catch (_) { showProblems([String(e)]); }
  }
}

async function start() {
  const info = await (await fetch("/api/scenario")).json();
  state.info = info;
  for (const p of info.params) state.params[p.path] = p;
  $("name").textContent = info.name;
  $("question").textContent = info.question || info.description;
  document.title = `hothouse explorer: ${info.name}`;
  $("served").textContent =
    `Serving ${info.file}: ${info.steps} weeks.` +
    (info.swept.length ? ` Its sweep (${info.swept.join(", ")}) is set aside: move the levers instead.` : "") +
    ` At most ${info.limits.max_trials.toLocaleString("en-GB")} communities per run.`;
  $("trials").value = info.trials;
  $("trials").max = info.limits.max_trials;
  $("seed").value = info.seed;
  const list = $("lever-list");
  for (const lever of info.levers) list.appendChild(leverRow(state.params[lever.path], lever));
  fillAddSelect();
  $("add-button").addEventListener("click", () => {
    const path = $("add-select").value;
    if (!path) return;
    state.extras.push(path);
    $("extra-list").appendChild(leverRow(state.params[path], null));
    fillAddSelect();
  });
  $("trials").addEventListener("change", changed);
  $("seed").addEventListener("change", changed);
  $("pin").addEventListener("click", () => {
    state.baseline = currentSet();
    $("unpin").disabled = false;
    changed();
  });
  $("unpin").addEventListener("click", () => {
    state.baseline = null;
    $("unpin").disabled = true;
    changed();
  });
  $("reset").addEventListener("click", () => {
    for (const row of [...document.querySelectorAll(".lever")]) {
      const p = state.params[row.dataset.path];
      state.values[p.path] = p.value;
      const input = row.querySelector("input, select");
      input.value = p.value;
      row.querySelector(".value").textContent = unitText(p, p.value);
    }
    $("trials").value = info.trials;
    $("seed").value = info.seed;
    changed();
  });
  $("download").addEventListener("click", download);
  run();
}

start().catch((e) => showProblems([`The explorer could not start: ${e}`]));
