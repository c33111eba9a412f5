'use strict';
// The console page: one EventSource per watched product (the server looks once per interval for every page),
// writes and fault switches through the console's own API, figures every 2 s.
const $ = (s) => document.querySelector(s);
let setup = null;
let source = null;
let productId = null;
let chart = null;

const fmtMs = (v) => (v === null || v === undefined || Number.isNaN(v)) ? '–' : (v === Infinity ? '> top bucket' : `${Math.round(v)} ms`);

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

async function init() {
  setup = await (await fetch('/api/setup')).json();
  const a = setup.availability;
  $('#bound-drop-dels').textContent = `bound: every lane fresh within ${setup.cdcBoundMs} ms (CDC lag)`;
  $('#bound-drop-l1').textContent = `bound: ${setup.l1TtlBoundMs} ms (the catalog's L1 TTL)`;
  $('#bound-replica-lag').textContent = `${setup.replicaLagMs} ms late; bound for eu lanes: ${setup.replicaLagMs} + ${setup.cdcBoundMs} ms (eu writes: read back at once, remote markers)`;
  $('#bound-stop-redis-eu').textContent = `eu reads come from its database, nothing cached there: eu lanes within ${setup.cdcBoundMs} ms`;
  $('#bound-pause-eu').textContent = 'eu lanes stay stale until resumed (written changes are invalidated then, none lost)';
  for (const id of ['#fault-stop-redis-eu', '#fault-pause-eu']) {
    $(id).disabled = !a.processes;
    if (!a.processes) $(id).title = a.processesWhy;
  }
  for (const id of ['#fault-drop-dels', '#fault-drop-l1']) {
    $(id).disabled = !a.chaosSwitch;
    if (!a.chaosSwitch) $(id).title = a.chaosSwitchWhy;
  }
  $('#fault-replica-lag').disabled = !a.replica;
  if (!a.chaosSwitch) $('#faults-status').textContent = a.chaosSwitchWhy;
  const wanted = new URLSearchParams(location.search).get('product');
  if (wanted) $('#product-id').value = wanted;
  watch(Number($('#product-id').value));
  figures();
  setInterval(figures, 2000);
}

function watch(id) {
  if (source) source.close();
  productId = id;
  $('#where-id').textContent = id;
  $('#stream-status').textContent = `watching product ${id}…`;
  source = new EventSource(`/api/watch/${id}`);
  source.onmessage = (e) => render(JSON.parse(e.data));
  source.onerror = () => { $('#stream-status').textContent = 'stream interrupted; reconnecting…'; };
}

function render(s) {
  const o = s.observation;
  $('#stream-status').textContent = `watching product ${o.productId}, live`;
  $('#primary').textContent = o.primaryVersion < 0 ? 'no price' : `${o.primaryAmountMinor} (version ${o.primaryVersion})`;
  const rows = $('#instances tbody');
  rows.replaceChildren();
  for (const i of o.instances) {
    const tr = document.createElement('tr');
    tr.dataset.instance = i.name;
    tr.append(cell(i.name), cell(i.region), cell(i.error ? '–' : i.tier), cell(i.amountMinor ?? '–'), cell(i.error ?? i.version));
    const current = !i.error && i.version >= o.primaryVersion;
    tr.append(cell(i.error ? 'no answer' : current ? 'current' : `STALE (primary has ${o.primaryVersion})`, current ? 'current' : 'stale'));
    rows.append(tr);
  }
  const redis = $('#redis tbody');
  redis.replaceChildren();
  for (const r of o.redis) {
    const tr = document.createElement('tr');
    const entry = (v) => v === -2 ? 'Redis down' : v < 0 ? 'not cached' : `version ${v}`;
    tr.append(cell(r.region), cell(entry(r.priceVersion)), cell(r.priceTtlMs < 0 ? '–' : `${(r.priceTtlMs / 1000).toFixed(1)} s`),
      cell(entry(r.viewPriceVersion)), cell(r.viewTtlMs < 0 ? '–' : `${(r.viewTtlMs / 1000).toFixed(1)} s`), cell(r.marker ? 'yes (reads go to the primary)' : 'no'));
    redis.append(tr);
  }
  renderFaults(s.faults);
  renderWrites(s.writes);
}

function renderFaults(f) {
  $('#fault-drop-dels').checked = f.dropDels;
  $('#fault-drop-l1').checked = f.dropL1;
  $('#fault-replica-lag').checked = f.replicaLag;
  $('#fault-stop-redis-eu').checked = f.stopRedisEu;
  $('#fault-pause-eu').checked = f.pauseEuInvalidation;
}

function renderWrites(writes) {
  const list = $('#timeline');
  if (!writes.length) return;
  const w = writes[0];
  $('#timeline-caption').textContent = `Write #${w.seq} via ${w.via}: version ${w.version}; faults: ${w.faults}. ` +
    `Milliseconds after the write answered, from the first look that saw the new version.`;
  const scale = Math.max(...w.lanes.map((l) => Math.max(l.boundMs, l.ms ?? 0)), 1);
  list.replaceChildren();
  for (const l of w.lanes) {
    const li = document.createElement('li');
    li.dataset.lane = l.instance;
    li.dataset.region = l.region;
    li.dataset.path = l.path;
    li.dataset.ms = l.ms ?? '';
    li.dataset.held = l.held === null ? 'pending' : String(l.held);
    const name = document.createElement('span');
    name.textContent = `${l.instance} (${l.region})`;
    const track = document.createElement('span');
    track.className = 'track';
    track.setAttribute('aria-hidden', 'true');
    const bound = document.createElement('span');
    bound.className = 'boundline';
    bound.style.left = `${(100 * l.boundMs) / scale}%`;
    track.append(bound);
    if (l.ms !== null) {
      const mark = document.createElement('span');
      mark.className = 'mark';
      mark.style.left = `calc(${(100 * l.ms) / scale}% - 2px)`;
      track.append(mark);
    }
    const text = document.createElement('span');
    const verdict = l.held === null ? 'waiting' : l.held ? 'held' : 'VIOLATED';
    text.className = l.held === false ? 'violated' : '';
    text.textContent = l.ms === null
      ? `${l.path}, bound ${l.boundMs} ms: ${l.held === false ? 'never fresh: VIOLATED' : 'not fresh yet'}`
      : `${l.ms} ms from ${l.tier}, ${l.path}, bound ${l.boundMs} ms: ${verdict}`;
    li.append(name, track, text);
    list.append(li);
  }
  const hist = $('#history tbody');
  hist.replaceChildren();
  for (const h of writes) {
    const tr = document.createElement('tr');
    const fresh = h.lanes.filter((l) => l.ms !== null).map((l) => l.ms);
    const bad = h.lanes.some((l) => l.held === false);
    tr.append(cell(h.seq), cell(h.via), cell(h.version), cell(h.faults),
      cell(fresh.length ? `${Math.max(...fresh)} ms` : '–'),
      cell(!h.done ? 'in progress' : bad ? 'bound VIOLATED' : 'bound held', bad ? 'violated' : h.done ? 'current' : ''));
    hist.append(tr);
  }
}

async function write(via) {
  $('#write-status').textContent = `writing via ${via}…`;
  const res = await fetch('/api/writes', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ productId, via }),
  });
  const body = await res.json();
  $('#write-status').textContent = res.ok ? `write #${body.seq} answered: version ${body.version}` : `refused: ${body.detail}`;
}

async function setFault(name, on) {
  $('#faults-status').textContent = 'switching…';
  const res = await fetch('/api/faults', {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ [name]: on }),
  });
  const body = await res.json();
  if (res.ok) {
    renderFaults(body);
    const on2 = [body.dropDels && 'DELs dropped', body.dropL1 && 'L1 broadcasts dropped', body.replicaLag && 'eu replica late',
      body.stopRedisEu && "eu's Redis stopped", body.pauseEuInvalidation && "eu's invalidators paused"].filter(Boolean);
    $('#faults-status').textContent = on2.length ? `in force: ${on2.join(', ')}` : 'no fault in force';
  } else {
    $('#faults-status').textContent = `refused: ${body.detail}`;
  }
}

async function figures() {
  let f;
  try { f = await (await fetch('/api/figures')).json(); } catch (e) { return; }
  for (const r of ['us', 'eu']) {
    $(`#lag-${r}`).textContent = f.lagP50Ms[r] === undefined ? '–' : `p50 ≤ ${fmtMs(f.lagP50Ms[r])}, p99 ≤ ${fmtMs(f.lagP99Ms[r])}`;
  }
  $('#tiers').textContent = Object.entries(f.readShare).map(([t, v]) => `${t} ${(100 * v).toFixed(1)} %`).join(', ') || '–';
  $('#loads').textContent = `${f.dbLoadsPerSecond.toFixed(1)} per second`;
  const xs = f.history.map((p) => p.atMs / 1000);
  const ys = ['us', 'eu'].map((r) => f.history.map((p) => { const v = p.p99Ms[r]; return Number.isFinite(v) ? v : null; }));
  if (!chart && window.uPlot && xs.length) {
    chart = new uPlot({
      width: $('#chart').clientWidth || 600, height: 160,
      series: [{}, { label: 'us p99 ms', stroke: '#1d4ed8', width: 2 }, { label: 'eu p99 ms', stroke: '#b45309', width: 2, dash: [6, 4] }],
    }, [xs, ...ys], $('#chart'));
  } else if (chart) {
    chart.setData([xs, ...ys]);
  }
}

$('#watch-form').addEventListener('submit', (e) => { e.preventDefault(); watch(Number($('#product-id').value)); });
document.querySelectorAll('[data-via]').forEach((b) => b.addEventListener('click', () => write(b.dataset.via)));
document.querySelectorAll('[data-fault]').forEach((c) => c.addEventListener('change', () => setFault(c.dataset.fault, c.checked)));
init();
