// The browser scan station: speaks appendix A of entry-logs.md exactly as the Textual kiosk (scanner_station/) does.
//
// A scan is checked (digits only, 1 to 10), stored in IndexedDB with its clientScanId and scannedAt before anything
// is sent, then delivered oldest first. An answer finishes it (成功, or 二重 for a double scan); a refusal (4xx other
// than 401/408/429) is 'failed', shown as 保留 with the reason and never pruned, for staff to record by hand; no
// answer (offline, timeout, 5xx, 408, 429) leaves it pending until the next reconnect (the browser's online event, a
// heartbeat that gets through, a new scan, a login). Pending scans are never dropped: at the cap (§7.3, 100) a new
// scan is refused instead. The service deduplicates by clientScanId, so a replay writes nothing twice. The token is
// renewed by the 30-second heartbeat.
"use strict";

const API = new URL("..", location.href).pathname.replace(/\/$/, "");
const SESSION_KEY = "daicho.station.session";
const DB_NAME = "daicho-station";
const STORE = "scans";
const RETRY_LATER = new Set([408, 429]);
const MAX_PARENT_ID_DIGITS = 10;

let L = {}; // the kiosk's wording (scanner_station/labels.py)
let R = {}; // the kiosk's rules: queue_max, history_size, retries, timings
let session = null;
let entryType = "Entry";
let delivering = false;
let backingOff = false;
let lastScanId = null;
let messageTimer = null;
let dbPromise = null;

const $ = (id) => document.getElementById(id);
const format = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
const wait = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

class Unreachable extends Error {}

// Storage -----------------------------------------------------------------------------------------------------------

function openDb() {
  dbPromise ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
      store.createIndex("clientScanId", "clientScanId", { unique: true });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return dbPromise;
}

async function withStore(mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    let result;
    Promise.resolve(work(tx.objectStore(STORE))).then((value) => (result = value), reject);
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
  });
}

const asPromise = (request) =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

/** Every stored scan of one nursery, oldest first. */
async function nurseryScans(nurseryId) {
  const all = await withStore("readonly", (store) => asPromise(store.getAll()));
  return all.filter((scan) => scan.nurseryId === nurseryId);
}

const isPending = (scan) => scan.status === "pending";
const isAnswered = (scan) => scan.status === "success" || scan.status === "duplicate";

/** Store a new scan unless queue_max pending ones are waiting (checked and written in one transaction). */
async function addScan(scan) {
  return withStore("readwrite", async (store) => {
    const all = await asPromise(store.getAll());
    if (all.filter(isPending).length >= R.queue_max) return null;
    scan.seq = await asPromise(store.add(scan));
    return scan;
  });
}

/** Save a scan's answer and prune the nursery's answered scans beyond history_size (refused ones stay). */
async function saveScan(scan) {
  await withStore("readwrite", async (store) => {
    store.put(scan);
    const all = await asPromise(store.getAll());
    const answered = all.filter((s) => s.nurseryId === scan.nurseryId && isAnswered(s));
    answered.slice(0, Math.max(0, answered.length - R.history_size)).forEach((s) => store.delete(s.seq));
  });
}

function loadSession() {
  try {
    const saved = JSON.parse(localStorage.getItem(SESSION_KEY));
    return saved && new Date(saved.expiresAt) > new Date() ? saved : null;
  } catch {
    return null;
  }
}

/** This browser's station id, made once and kept: the admin page lists stations by it and can sign one out. */
function stationId() {
  const key = `${SESSION_KEY}.station`;
  let id = localStorage.getItem(key);
  if (!id) {
    id = `browser-${newScanId().slice(0, 8)}`;
    localStorage.setItem(key, id);
  }
  return id;
}

function saveSession(value) {
  session = value;
  if (value) localStorage.setItem(SESSION_KEY, JSON.stringify(value));
  else localStorage.removeItem(SESSION_KEY);
}

// The service -------------------------------------------------------------------------------------------------------

/** POST to the API: {status, data} for a definitive answer; Unreachable when it should be tried again later. */
async function post(path, body, token) {
  const headers = body === undefined ? {} : { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), R.request_timeout_seconds * 1000);
  let response;
  try {
    response = await fetch(API + path, {
      method: "POST",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      signal: abort.signal,
    });
  } catch (error) {
    throw new Unreachable(String(error));
  } finally {
    clearTimeout(timer);
  }
  if (response.status >= 500 || RETRY_LATER.has(response.status)) throw new Unreachable(`HTTP ${response.status}`);
  let data = {};
  try {
    data = await response.json();
  } catch {
    if (response.ok) throw new Unreachable("unexpected answer");
  }
  setOnline(true);
  return { status: response.status, data };
}

const errorMessage = (answer) => answer.data?.error?.message || `HTTP ${answer.status}`;

/** One request with the current token, tried once and up to R.retries more with a doubling backoff (none while the
 * browser is offline); onUnreachable runs after the first failed try. null when no try got through or the session
 * ended (401). */
async function call(path, body, onUnreachable = () => {}) {
  for (let attempt = 0; attempt <= R.retries; attempt++) {
    if (attempt) {
      if (!navigator.onLine) return null;
      backingOff = true;
      await wait(R.retry_backoff_seconds * 2 ** (attempt - 1));
      backingOff = false;
    }
    const current = session;
    if (!current) return null;
    try {
      const answer = await post(path, body, current.token);
      if (answer.status === 401) {
        endSession(current);
        return null;
      }
      return answer;
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      console.info("try failed:", error.message);
      setOnline(false);
      if (attempt === 0) onUnreachable();
    }
  }
  return null;
}

// Session -----------------------------------------------------------------------------------------------------------

async function login(event) {
  event.preventDefault();
  const code = $("nursery-code").value.trim();
  const password = $("password").value;
  const error = $("login-error");
  if (!code || !password) {
    error.textContent = L.LOGIN_FIELDS_REQUIRED;
    return;
  }
  const button = $("login-button");
  button.disabled = true;
  button.textContent = L.LOGGING_IN;
  error.textContent = "";
  try {
    const answer = await post("/auth/entry-exit-login", { nurseryCode: code, password, stationId: stationId() });
    if (answer.status !== 200) {
      error.textContent = errorMessage(answer);
      return;
    }
    const { token, nurseryId, nurseryName, expiresAt } = answer.data;
    saveSession({ token, nurseryId, nurseryName, nurseryCode: code, expiresAt });
    $("password").value = "";
    await showMain();
    deliver();
  } catch (failure) {
    if (!(failure instanceof Unreachable)) throw failure;
    setOnline(false);
    error.textContent = L.SERVER_UNREACHABLE;
  } finally {
    button.disabled = false;
    button.textContent = L.LOGIN;
  }
}

function logout() {
  saveSession(null);
  showLogin("");
}

/** The service refused this session's token: a new login is needed; unsent scans stay and go out after it. */
function endSession(refused) {
  if (session !== refused) return;
  console.warn("the service refused the token; a new login is needed");
  saveSession(null);
  showLogin(L.SESSION_ENDED);
}

/** FR-HB: renew the token; one that gets through is a reconnect, so what waits is sent. */
async function heartbeat() {
  const current = session;
  if (!current) return;
  const answer = await call("/auth/heartbeat");
  if (!answer) {
    console.warn("heartbeat failed");
    return;
  }
  if (answer.status !== 200) {
    console.warn("heartbeat refused:", errorMessage(answer));
    return;
  }
  if (session !== current) return;
  saveSession({ ...current, token: answer.data.token, expiresAt: answer.data.expiresAt });
  deliver();
}

// Scans -------------------------------------------------------------------------------------------------------------

/** The parent id in what the reader typed (BR-ER-004, SEC-008), or an Error carrying the kiosk's message. */
function parseBarcode(raw) {
  const text = raw.replace(/^ +| +$/g, "");
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) throw new Error(L.SCAN_CONTROL_CHARACTERS);
  if (!text) throw new Error(L.SCAN_EMPTY);
  if (!/^[0-9]+$/.test(text)) throw new Error(L.SCAN_NOT_DIGITS);
  if (text.length > MAX_PARENT_ID_DIGITS) throw new Error(format(L.SCAN_TOO_LONG, { n: text.length }));
  return Number(text);
}

function newScanId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function accept(raw) {
  let parentId;
  try {
    parentId = parseBarcode(raw);
  } catch (error) {
    feedback("error", error.message);
    return;
  }
  const scan = await addScan({
    clientScanId: newScanId(),
    nurseryId: session.nurseryId,
    parentId,
    entryType,
    scannedAt: new Date().toISOString(),
    status: "pending",
    parentName: null,
    message: null,
  });
  if (!scan) {
    feedback("error", format(L.QUEUE_FULL, { limit: R.queue_max }));
    return;
  }
  lastScanId = scan.clientScanId;
  await renderHistory();
  if (backingOff || !navigator.onLine) feedback("pending", L.SAVED_OFFLINE);
  deliver();
}

/** Send the logged-in nursery's pending scans, oldest first, until none is left or the service is gone. */
async function deliver() {
  if (delivering) return;
  delivering = true;
  try {
    while (session) {
      const scan = (await nurseryScans(session.nurseryId)).find((s) => s.status === "pending");
      if (!scan || !(await deliverOne(scan))) return;
    }
  } finally {
    delivering = false;
    renderHistory();
  }
}

/** One scan with its retries; false when it is still pending afterwards. */
async function deliverOne(scan) {
  const body = {
    parentId: scan.parentId,
    entryType: scan.entryType,
    nurseryId: scan.nurseryId,
    clientScanId: scan.clientScanId,
    stationId: stationId(),
    scannedAt: scan.scannedAt,
  };
  const saved = () => scan.clientScanId === lastScanId && feedback("pending", L.SAVED_OFFLINE);
  const answer = await call("/entry-exit-logs", body, saved);
  if (!answer) return false;
  if (answer.status === 200 || answer.status === 201) {
    scan.status = answer.data.clientScanId === scan.clientScanId ? "success" : "duplicate";
    scan.parentName = answer.data.parentName;
  } else {
    scan.status = "failed";
    scan.message = errorMessage(answer);
  }
  await saveScan(scan);
  announce(scan);
  return true;
}

/** Feedback for the scan just read (replayed ones only update the history). */
function announce(scan) {
  if (scan.clientScanId !== lastScanId) return;
  if (scan.status === "success") feedback("success", format(L.GREETING[scan.entryType], { name: scan.parentName }));
  else if (scan.status === "duplicate") feedback("success", format(L.DUPLICATE_SCAN, { name: scan.parentName }));
  else feedback("error", scan.message);
}

// Screen ------------------------------------------------------------------------------------------------------------

function feedback(kind, text) {
  const flash = $("flash");
  flash.className = `flash ${kind}`;
  flash.hidden = false;
  setTimeout(() => (flash.hidden = true), R.flash_seconds * 1000);
  const message = $("message");
  message.className = `message ${kind}`;
  message.textContent = text;
  message.hidden = false;
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => (message.hidden = true), R.greeting_seconds * 1000);
}

function setOnline(online) {
  const badge = $("connection");
  badge.textContent = online ? L.ONLINE : L.OFFLINE;
  badge.className = `connection ${online ? "online" : "offline"}`;
}

function setEntryType(type) {
  entryType = type;
  for (const button of document.querySelectorAll(".toggle button")) {
    button.setAttribute("aria-pressed", String(button.dataset.type === type));
  }
  focusReader();
}

const pad = (n) => String(n).padStart(2, "0");
const localTime = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

function tick() {
  const d = new Date();
  $("clock").textContent = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${localTime(d)}`;
}

function statusCell(scan) {
  const cell = document.createElement("td");
  const refused = scan.status === "failed" && scan.message;
  cell.textContent = refused ? format(L.HELD_REASON, { reason: scan.message }) : L.STATUS_LABEL[scan.status];
  if (refused) cell.className = "refused";
  return cell;
}

async function renderHistory() {
  if (!session) return;
  const scans = await nurseryScans(session.nurseryId);
  const pending = scans.filter(isPending).length;
  $("unsent").textContent = pending ? format(L.PENDING_COUNT, { n: pending }) : "";
  const recent = new Set(scans.slice(-R.history_size));
  const rows = scans
    .filter((scan) => recent.has(scan) || scan.status === "failed")
    .reverse()
    .map((scan) => {
      const row = document.createElement("tr");
      const name = scan.parentName || format(L.UNKNOWN_PARENT_NAME, { parent_id: scan.parentId });
      const arrow = document.createElement("td");
      arrow.className = `arrow-${scan.entryType}`;
      arrow.textContent = L.ENTRY_TYPE_ARROW[scan.entryType];
      const cells = [localTime(new Date(scan.scannedAt)), name].map((text) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        return cell;
      });
      row.append(...cells, arrow, statusCell(scan));
      return row;
    });
  $("history").tBodies[0].replaceChildren(...rows);
}

function focusReader() {
  if (!$("main").hidden) $("reader").focus();
}

function showLogin(message) {
  $("main").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("nursery-code").value = session?.nurseryCode || loadCode();
  $("nursery-code").focus();
}

const loadCode = () => localStorage.getItem(`${SESSION_KEY}.code`) || "";

async function showMain() {
  localStorage.setItem(`${SESSION_KEY}.code`, session.nurseryCode);
  $("login").hidden = true;
  $("main").hidden = false;
  $("nursery-name").textContent = session.nurseryName;
  setOnline(navigator.onLine);
  setEntryType(entryType);
  await renderHistory();
}

function fillWords() {
  document.title = L.APP_TITLE;
  $("app-title").textContent = L.APP_TITLE;
  $("nursery-code-label").textContent = L.NURSERY_CODE;
  $("password-label").textContent = L.PASSWORD;
  $("show-password").textContent = L.SHOW_PASSWORD;
  $("login-button").textContent = L.LOGIN;
  $("logout").textContent = L.LOGOUT;
  $("type-entry").textContent = L.ENTRY_TYPE_LABEL.Entry;
  $("type-exit").textContent = L.ENTRY_TYPE_LABEL.Exit;
  $("prompt").textContent = L.SCAN_PROMPT;
  $("reader").placeholder = L.SCAN_PLACEHOLDER;
  $("history-title").textContent = L.HISTORY_TITLE;
  $("history").tHead.rows[0].replaceChildren(
    ...L.HISTORY_COLUMNS.map((text) => Object.assign(document.createElement("th"), { textContent: text })),
  );
}

function togglePassword() {
  const input = $("password");
  const shown = input.type === "text";
  input.type = shown ? "password" : "text";
  $("show-password").textContent = shown ? L.SHOW_PASSWORD : L.HIDE_PASSWORD;
}

function wire() {
  $("login-form").addEventListener("submit", login);
  $("show-password").addEventListener("click", togglePassword);
  $("logout").addEventListener("click", logout);
  for (const button of document.querySelectorAll(".toggle button")) {
    button.addEventListener("click", () => setEntryType(button.dataset.type));
  }
  const reader = $("reader");
  reader.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const raw = reader.value;
    reader.value = "";
    accept(raw);
  });
  reader.addEventListener("blur", () => setTimeout(focusReader, 0));
  window.addEventListener("online", () => {
    setOnline(true);
    deliver();
  });
  window.addEventListener("offline", () => setOnline(false));
  setInterval(tick, 1000);
  setInterval(heartbeat, R.heartbeat_seconds * 1000);
}

async function start() {
  const vocabulary = await (await fetch("vocabulary.json")).json();
  L = vocabulary.labels;
  R = vocabulary.rules;
  fillWords();
  wire();
  tick();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch((e) => console.warn(e));
  session = loadSession();
  if (session) {
    await showMain();
    deliver();
  } else {
    saveSession(null);
    showLogin("");
  }
}

start();
