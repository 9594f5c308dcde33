// The browser scan station: speaks appendix A of entry-logs.md exactly as the Textual kiosk (scanner_station/) does.
//
// A scan is checked (digits only, 1 to 10; full-width digits read as digits; an empty read ignored), acknowledged at
// once (受付中…), stored in IndexedDB with its clientScanId and scannedAt before anything is sent, then delivered
// oldest first, each try with its own sentAt so the service files it by its own clock. An answer finishes it (成功, or
// 二重 for a double scan); a refusal (4xx other than 401/408/429) is 'failed', shown as 保留 with the reason; no answer
// (offline, timeout, 5xx, 408, 429) leaves it pending until the next reconnect (the browser's online event, a
// heartbeat that gets through, a new scan, a login). Only the scan just read is greeted: one that was shown as held
// goes out quietly later. Pending scans are never dropped: at the cap (§7.3, 100) a new scan is refused instead. The
// service deduplicates by clientScanId, so a replay writes nothing twice.
//
// The service decides what a scan records: in the nursery's 自動 mode (its login answer's entryMode, then each answer's
// decidedBy) the opposite of the person's state today, whatever the 入/出 buttons say; the message shows the 入/出 it
// recorded, large in its colour, and a queued scan is decided when it is sent. The 入/出 buttons show what the next
// scan records: the one chosen in 手動; none in 自動 (they are off). 「カードを忘れた方」 opens staff's panel:
// unlocked with the nursery's PIN, it finds a person by ふりがな, name or the phone's last 4 digits and records their
// 入/出 by hand, greeted and kept in the history as a scan is (status 手入力); closing it (or its few minutes running
// out) forgets the unlock and what it showed.
//
// The token is renewed by the 30-second heartbeat and on waking. A refused (401) or expired token does not leave the
// scan screen: scans are held for the nursery and a banner asks staff to log in again; only ログアウト leaves it.
// The offset of the tablet's clock from the service's (learnt from each answer's Date header) sets the clock shown.
//
// Safari 12 runs this file: ES2018 syntax and no newer APIs (checked by `make test`).
"use strict";

const API = new URL("..", location.href).pathname.replace(/\/$/, "");
const SESSION_KEY = "daicho.station.session";
const CODE_KEY = `${SESSION_KEY}.code`;
const CLOCK_KEY = `${SESSION_KEY}.clockOffset`;
const ENTRY_TYPE_KEY = `${SESSION_KEY}.entryType`;
// the device token of this browser's last login: a known station logs in while its nursery code is locked
const DEVICE_KEY = `${SESSION_KEY}.device`;
const DB_NAME = "daicho-station";
const STORE = "scans";
const RETRY_LATER = new Set([408, 429]);
const MAX_PARENT_ID_DIGITS = 10;
const ENTRY_TYPES = ["Entry", "Exit"];
// a scanner's CR, LF or CR+LF arrive as Enter; the key is "Process" while an IME composes, the code stays
const TERMINATORS = ["Enter", "NumpadEnter", "Tab"];
const CLOCK_STEADY_MS = 1000; // the Date header has whole seconds: a smaller change is noise

let L = {}; // the kiosk's wording (clientkit/station_labels.py)
let R = {}; // the kiosk's rules: queue_max, history_size, retries, timings
let session = null; // {token, nurseryId, nurseryName, nurseryCode, expiresAt, ended, entryMode}
let entryType = "Entry";
let delivering = false;
let backingOff = false;
let liveScanId = null; // the scan just read, until it is greeted or shown as held
let liveAnswered = null; // the scan whose answer is being shown
let submitAfterComposition = false;
let clockOffset = Number(localStorage.getItem(CLOCK_KEY)) || 0; // the service's clock less the tablet's, in ms
let dbPromise = null;
let unlockToken = null; // 「カードを忘れた方」 while unlocked: the token of its lookup and records
const hideTimers = {};

const $ = (id) => document.getElementById(id);
const format = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
const wait = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const serverNow = () => new Date(Date.now() + clockOffset);

/** No definitive answer: tried again later. `said` is the service's own words when it answered asking for that (429:
 * too many attempts), for a person who is waiting on the screen; `retryAfter` the seconds its Retry-After asked for. */
class Unreachable extends Error {
  constructor(reason, said = "", retryAfter = null) {
    super(reason);
    this.said = said;
    this.retryAfter = retryAfter;
  }
}

/** The seconds an answer's Retry-After asks to wait, from its delay or its date; null when it has none. */
function retryAfterSeconds(response) {
  const text = (response.headers.get("Retry-After") || "").trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text);
  const when = Date.parse(text);
  return Number.isNaN(when) ? null : Math.max(0, (when - Date.now()) / 1000);
}

/** The wait before try `attempt` (1, 2, …), the rule of clientkit/backoff.py that the Textual station follows: between
 * half and all of a wait doubling from R.retry_backoff_seconds up to R.heartbeat_seconds, half of it fixed and half
 * random (stations that failed together do not come back together), and at least what the service asked for. */
function backoffSeconds(attempt, retryAfter) {
  const cap = R.heartbeat_seconds;
  const step = Math.min(cap, R.retry_backoff_seconds * 2 ** (attempt - 1));
  const waited = step / 2 + (Math.random() * step) / 2;
  return retryAfter === null ? waited : Math.min(cap, Math.max(retryAfter, waited));
}

// Storage -----------------------------------------------------------------------------------------------------------

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
        store.createIndex("clientScanId", "clientScanId", { unique: true });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
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

/** Store a new scan unless queue_max pending ones are waiting (checked and written in one transaction). */
async function addScan(scan) {
  return withStore("readwrite", async (store) => {
    const all = await asPromise(store.getAll());
    if (all.filter(isPending).length >= R.queue_max) return null;
    scan.seq = await asPromise(store.add(scan));
    return scan;
  });
}

/** Save a scan's answer and prune the nursery's sent scans older than the latest history_size (pending ones stay). */
async function saveScan(scan) {
  await withStore("readwrite", async (store) => {
    store.put(scan);
    const all = (await asPromise(store.getAll())).filter((s) => s.nurseryId === scan.nurseryId);
    const older = all.slice(0, Math.max(0, all.length - R.history_size));
    older.filter((s) => !isPending(s)).forEach((s) => store.delete(s.seq));
  });
}

function loadSession() {
  try {
    const saved = JSON.parse(localStorage.getItem(SESSION_KEY));
    return saved && saved.nurseryId ? saved : null;
  } catch (e) {
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

function savedEntryType() {
  const saved = localStorage.getItem(ENTRY_TYPE_KEY);
  return ENTRY_TYPES.includes(saved) ? saved : "Entry";
}

// The service -------------------------------------------------------------------------------------------------------

/** The promise's outcome, or a rejection after `seconds` (Safari 12 cannot abort a fetch). */
function withTimeout(promise, seconds) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), seconds * 1000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Learn how far the tablet's clock is from the service's, from an answer's Date header (whole seconds). */
function learnClock(response, sentMs) {
  const serverMs = Date.parse(response.headers.get("Date"));
  if (Number.isNaN(serverMs)) return;
  const offset = Math.round(serverMs + 500 - (sentMs + Date.now()) / 2);
  if (Math.abs(offset - clockOffset) < CLOCK_STEADY_MS) return;
  clockOffset = offset;
  localStorage.setItem(CLOCK_KEY, String(offset));
  tick();
}

/** A request to the API: {status, data} for a definitive answer; Unreachable when it should be tried again later. */
async function send(method, path, body, token) {
  const headers = body === undefined ? {} : { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const sentMs = Date.now();
  let response;
  try {
    const request = fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    response = await withTimeout(request, R.request_timeout_seconds);
  } catch (error) {
    throw new Unreachable(String(error));
  }
  learnClock(response, sentMs);
  if (response.status >= 500) throw new Unreachable(`HTTP ${response.status}`, "", retryAfterSeconds(response));
  let data = {};
  try {
    data = await response.json();
  } catch (e) {
    if (response.ok) throw new Unreachable("unexpected answer");
  }
  const answer = { status: response.status, data };
  if (RETRY_LATER.has(response.status)) {
    throw new Unreachable(`HTTP ${response.status}`, errorMessage(answer, ""), retryAfterSeconds(response));
  }
  setOnline(true);
  return answer;
}

const post = (path, body, token) => send("POST", path, body, token);

/** The service's words for a refusal (`otherwise` when its answer has none). */
function errorMessage(answer, otherwise = `HTTP ${answer.status}`) {
  const error = answer.data && answer.data.error;
  return (error && error.message) || otherwise;
}

/** What staff waiting on a request of theirs are told when it got no definitive answer: the service's words when it
 * asked to be asked later, else that it cannot be reached (and the station shows itself offline). */
function unreachableMessage(failure) {
  if (failure.said) return failure.said;
  setOnline(false);
  return L.SERVER_UNREACHABLE;
}

/** One request with the current token, tried once and up to R.retries more after `backoffSeconds` (none while the
 * browser is offline); bodyOf makes each try's body, onUnreachable runs after the first failed try. null when no try
 * got through or the session ended (401, or its token expired). */
async function call(path, bodyOf = () => undefined, onUnreachable = () => {}) {
  let retryAfter = null;
  for (let attempt = 0; attempt <= R.retries; attempt++) {
    if (attempt) {
      if (!navigator.onLine) return null;
      backingOff = true;
      await wait(backoffSeconds(attempt, retryAfter));
      backingOff = false;
    }
    const current = usableSession();
    if (!current) return null;
    try {
      const answer = await post(path, bodyOf(), current.token);
      if (answer.status === 401) {
        endSession(current);
        return null;
      }
      return answer;
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      console.info("try failed:", error.message);
      retryAfter = error.retryAfter;
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
    const body = { nurseryCode: code, password, stationId: stationId() };
    const device = localStorage.getItem(DEVICE_KEY);
    if (device) body.deviceToken = device;
    const answer = await post("/auth/entry-exit-login", body);
    if (answer.status !== 200) {
      error.textContent = errorMessage(answer);
      return;
    }
    const { token, nurseryId, nurseryName, expiresAt, deviceToken, entryMode } = answer.data;
    localStorage.setItem(DEVICE_KEY, deviceToken);
    saveSession({ token, nurseryId, nurseryName, nurseryCode: code, expiresAt, ended: false, entryMode });
    $("nursery-code").value = "";
    $("password").value = "";
    await showMain();
    deliver();
  } catch (failure) {
    if (!(failure instanceof Unreachable)) throw failure;
    error.textContent = unreachableMessage(failure);
  } finally {
    button.disabled = false;
    button.textContent = L.LOGIN;
  }
}

/** Staff's explicit ログアウト: the plain login screen (unsent scans stay and go out after the next login). */
function logout() {
  closeForgotten();
  saveSession(null);
  showLogin();
}

/** The session while its token can still be used; a token past its expiry ends it. */
function usableSession() {
  const current = session;
  if (!current || current.ended) return null;
  if (new Date(current.expiresAt) > serverNow()) return current;
  endSession(current);
  return null;
}

/** The service refused this session's token or it expired: the station keeps scanning for its nursery, holding the
 * scans, and asks for a new login; the scans go out after it. */
function endSession(refused) {
  if (session !== refused) return;
  console.warn("the token was refused or has expired; scans are held until the next login");
  saveSession({ ...refused, token: null, ended: true });
  $("relogin").hidden = false;
}

/** FR-HB: renew the token; one that gets through is a reconnect, so what waits is sent. */
async function heartbeat() {
  const current = usableSession();
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

/** The parent id in one read of the scanner (BR-ER-004, SEC-008): null for an empty read (the second half of a
 * CR+LF suffix), else the id, or an Error carrying the kiosk's message. Full-width digits (IME on) count as digits. */
function parseBarcode(raw) {
  const text = raw.normalize("NFKC").replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
  if (!text) return null;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) throw new Error(L.SCAN_CONTROL_CHARACTERS);
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
  if (!session) return;
  let parentId;
  try {
    parentId = parseBarcode(raw);
  } catch (error) {
    feedback("error", error.message);
    return;
  }
  if (parentId === null) return;
  feedback("accepting", L.ACCEPTING);
  const scan = await addScan({
    clientScanId: newScanId(),
    nurseryId: session.nurseryId,
    parentId,
    entryType,
    undecided: session.entryMode === "auto", // the service decides its 入/出 when it is sent
    scannedAt: new Date().toISOString(),
    status: "pending",
    parentName: null,
    message: null,
    loggedAt: null,
  });
  if (!scan) {
    feedback("error", format(L.QUEUE_FULL, { limit: R.queue_max }));
    return;
  }
  liveScanId = scan.clientScanId;
  await renderHistory();
  if (backingOff || !navigator.onLine || !usableSession()) held(scan);
  deliver();
}

/** Send the logged-in nursery's pending scans, oldest first, until none is left, the service is gone or the session
 * has ended. */
async function deliver() {
  if (delivering) return;
  delivering = true;
  try {
    for (let current = usableSession(); current; current = usableSession()) {
      const scan = (await nurseryScans(current.nurseryId)).find(isPending);
      if (!scan || !(await deliverOne(scan))) return;
    }
  } finally {
    delivering = false;
    renderHistory();
  }
}

/** What the service is sent for a scan: its time by the tablet's clock when read and when this try is sent. */
const scanBody = (scan) => ({
  parentId: scan.parentId,
  entryType: scan.entryType,
  nurseryId: scan.nurseryId,
  clientScanId: scan.clientScanId,
  stationId: stationId(),
  scannedAt: scan.scannedAt,
  sentAt: new Date().toISOString(),
});

/** One scan with its retries; false when it is still pending afterwards. */
async function deliverOne(scan) {
  const answer = await call("/entry-exit-logs", () => scanBody(scan), () => held(scan));
  if (!answer) {
    held(scan);
    return false;
  }
  if (answer.status === 200 || answer.status === 201) {
    scan.status = answer.data.clientScanId === scan.clientScanId ? "success" : "duplicate";
    scan.entryType = answer.data.entryType; // what the service recorded (自動: the person's state decided)
    scan.undecided = false;
    learnMode(answer.data.decidedBy);
    scan.parentName = answer.data.parentName;
    scan.childNames = answer.data.childNames;
    scan.pickupWarning = answer.data.pickupWarning;
    scan.photoVersion = answer.data.photoVersion;
    scan.loggedAt = answer.data.timestamp;
  } else {
    scan.status = "failed";
    scan.message = errorMessage(answer);
  }
  await saveScan(scan);
  announce(scan);
  return true;
}

/** The scan just read could not be sent now: say it is held; it goes out quietly later. */
function held(scan) {
  if (scan.clientScanId !== liveScanId) return;
  liveScanId = null;
  feedback("pending", session && session.ended ? L.RELOGIN_NEEDED : L.SAVED_OFFLINE);
}

/** The greeting (clientkit/station_labels.py greeting): the parent, then the children expected today, if any. */
function greeting(scan) {
  const text = format(L.GREETING[scan.entryType], { name: scan.parentName });
  const children = scan.childNames || [];
  if (!children.length) return text;
  const names = children.map((name) => format(L.CHILD_NAME, { name })).join(L.CHILDREN_SEPARATOR);
  return `${text}\n${format(L.GREETING_CHILDREN, { children: names })}`;
}

/** The answer for the scan just read (a replayed one only updates the history). */
function announce(scan) {
  if (scan.clientScanId !== liveScanId) return;
  liveScanId = null;
  liveAnswered = scan.clientScanId;
  if (scan.status === "failed") {
    feedback("error", scan.message);
    return;
  }
  const text = scan.status === "success" ? greeting(scan) : format(L.DUPLICATE_SCAN, { name: scan.parentName });
  if (scan.pickupWarning) alarm(`${scan.pickupWarning}\n${format(L.GREETING.Exit, { name: scan.parentName })}`);
  else feedback("success", text, R.greeting_seconds, scan.entryType);
  if (scan.photoVersion) showPhoto(scan);
}

/** The red pick-up warning (an exit by someone who may not collect a child): it stays until tapped. */
function alarm(text) {
  feedback("alarm", `${text}\n${L.ALARM_DISMISS}`, R.alarm_seconds);
}

const photos = new Map(); // `${parentId}:${photoVersion}` -> an object URL of the adult's photo

/** The scanning adult's photo in the message, once fetched with the station's token (kept for later scans). */
async function showPhoto(scan) {
  const key = `${scan.parentId}:${scan.photoVersion}`;
  let url = photos.get(key);
  if (!url) {
    const current = usableSession();
    if (!current) return;
    try {
      const response = await withTimeout(
        fetch(`${API}/entry-exit-logs/parents/${scan.parentId}/photo`, {
          headers: { Authorization: `Bearer ${current.token}` },
          cache: "no-store",
        }),
        R.request_timeout_seconds,
      );
      if (!response.ok) return;
      url = URL.createObjectURL(await response.blob());
      photos.set(key, url);
    } catch (error) {
      console.info("photo not shown:", String(error));
      return;
    }
  }
  if (shownScan !== scan.clientScanId) return; // another scan's message is up by now
  const photo = document.createElement("img"); // made here: an img without its src is no valid HTML
  photo.id = "photo";
  photo.className = "photo";
  photo.src = url;
  photo.alt = format(L.PHOTO_ALT, { name: scan.parentName });
  $("message").prepend(photo);
}

// 「カードを忘れた方」 ----------------------------------------------------------------------------------------------

function forgottenMessage(error, note = "") {
  $("forgotten-error").textContent = error;
  $("forgotten-note").textContent = note;
}

/** Back to the PIN: nothing of the roster stays on screen. */
function lockForgotten(message = "") {
  unlockToken = null;
  $("unlock-form").hidden = false;
  $("search-form").hidden = true;
  $("search").value = "";
  $("people").textContent = "";
  forgottenMessage(message);
}

function openForgotten() {
  lockForgotten();
  $("staff-name").value = "";
  $("pin").value = "";
  $("reason").value = L.REASON_DEFAULT;
  $("forgotten").hidden = false;
  $("staff-name").focus();
}

function closeForgotten() {
  lockForgotten();
  $("forgotten").hidden = true;
  focusReader();
}

/** A request of the unlocked panel: its answer, or null when it is told why on the panel (the unlock ended: the PIN
 * again; the service unreachable). */
async function unlockedCall(method, path, body) {
  let answer;
  try {
    answer = await send(method, path, body, unlockToken);
  } catch (failure) {
    if (!(failure instanceof Unreachable)) throw failure;
    forgottenMessage(unreachableMessage(failure));
    return null;
  }
  if (answer.status === 401) {
    lockForgotten(errorMessage(answer));
    return null;
  }
  return answer;
}

async function unlockForgotten(event) {
  event.preventDefault();
  const staffName = $("staff-name").value.trim();
  const pin = $("pin").value;
  if (!staffName || !pin) {
    forgottenMessage(L.UNLOCK_FIELDS_REQUIRED);
    return;
  }
  const current = usableSession();
  if (!current) {
    forgottenMessage(L.RELOGIN_NEEDED);
    return;
  }
  let answer;
  try {
    answer = await post("/entry-exit-logs/forgotten-card/unlock", { pin, staffName }, current.token);
  } catch (failure) {
    if (!(failure instanceof Unreachable)) throw failure;
    forgottenMessage(unreachableMessage(failure));
    return;
  } finally {
    $("pin").value = "";
  }
  if (answer.status !== 200) {
    forgottenMessage(errorMessage(answer));
    return;
  }
  unlockToken = answer.data.token;
  forgottenMessage("");
  $("unlock-form").hidden = true;
  $("search-form").hidden = false;
  $("search").focus();
}

function personRow(person) {
  const row = document.createElement("li");
  const who = element("div", "", "who");
  who.append(element("strong", format(L.PERSON_LINE, { name: person.name, kind: person.kindLabel })));
  const children = person.childNames.map((name) => format(L.CHILD_NAME, { name })).join(L.CHILDREN_SEPARATOR);
  const phone = person.phoneLast4 ? format(L.PHONE_LAST4, { digits: person.phoneLast4 }) : "";
  const details = [person.nameKana, person.relation, children, phone].filter(Boolean);
  who.append(element("small", details.join(L.PERSON_DETAILS_SEPARATOR)));
  row.append(who, element("span", person.inside ? L.INSIDE : L.OUTSIDE, "state"));
  ENTRY_TYPES.forEach((type) => {
    const button = element("button", L.RECORD_TYPE[type], `record ${type}`);
    button.type = "button";
    button.setAttribute("aria-label", `${person.name} ${L.RECORD_TYPE[type]}`);
    button.addEventListener("click", () => recordByHand(person, type));
    row.append(button);
  });
  return row;
}

async function searchPeople(event) {
  event.preventDefault();
  const q = $("search").value.trim();
  if (!q) return;
  const answer = await unlockedCall("GET", `/entry-exit-logs/forgotten-card/people?q=${encodeURIComponent(q)}`);
  if (!answer) return;
  if (answer.status !== 200) {
    forgottenMessage(errorMessage(answer));
    return;
  }
  const found = answer.data.people;
  fill($("people"), found.map(personRow));
  const note = answer.data.more ? format(L.MORE_MATCHES, { n: found.length }) : "";
  forgottenMessage(found.length ? "" : L.NO_MATCH, note);
}

async function recordByHand(person, type) {
  const reason = $("reason").value.trim() || L.REASON_DEFAULT;
  const body = { parentId: person.parentId, entryType: type, reason };
  const answer = await unlockedCall("POST", "/entry-exit-logs/forgotten-card/logs", body);
  if (!answer) return;
  if (answer.status !== 201) {
    forgottenMessage(errorMessage(answer));
    return;
  }
  const log = answer.data;
  const done = format(L.RECORDED_BY_HAND, {
    name: log.parentName,
    type: L.ENTRY_TYPE_LABEL[log.entryType],
    staff: log.recordedBy,
  });
  $("search").value = "";
  $("people").textContent = "";
  forgottenMessage("", done);
  const scan = await keepByHand(log);
  feedback("success", greeting(scan), R.greeting_seconds, scan.entryType);
  $("search").focus();
}

/** A record by hand joins the history as a scan's answer does (status by_hand: 手入力), with its children. */
async function keepByHand(log) {
  const scan = {
    clientScanId: newScanId(),
    nurseryId: log.nurseryId,
    parentId: log.parentId,
    entryType: log.entryType,
    undecided: false,
    scannedAt: log.timestamp,
    status: "by_hand",
    parentName: log.parentName,
    childNames: log.childNames,
    message: null,
    loggedAt: log.timestamp,
  };
  await saveScan(scan);
  await renderHistory();
  return scan;
}

// Screen ------------------------------------------------------------------------------------------------------------

/** Show an element with its kind of feedback for `seconds` (a newer call restarts the time). */
function showFor(element, kind, seconds) {
  element.className = `${element.id} ${kind}`;
  element.hidden = false;
  clearTimeout(hideTimers[element.id]);
  hideTimers[element.id] = setTimeout(() => (element.hidden = true), seconds * 1000);
}

let shownScan = null; // the scan whose answer the message shows (its photo may follow)

/** The message for `seconds` with its flash; with `recorded` (Entry or Exit), that 入/出 large in its colour above. */
function feedback(kind, text, seconds = R.greeting_seconds, recorded = null) {
  $("message-text").textContent = text;
  const type = $("message-type");
  type.hidden = !recorded;
  type.textContent = recorded ? L.ENTRY_TYPE_ARROW[recorded] : "";
  type.className = recorded ? `message-type type-${recorded}` : "message-type";
  const photo = $("photo");
  if (photo) photo.remove();
  shownScan = liveAnswered;
  liveAnswered = null;
  showFor($("flash"), kind, R.flash_seconds);
  showFor($("message"), kind, seconds);
}

function setOnline(online) {
  const badge = $("connection");
  badge.textContent = online ? L.ONLINE : L.OFFLINE;
  badge.className = `connection ${online ? "online" : "offline"}`;
}

/** The nursery's mode as the service last said it (login, or a scan's decidedBy), and its line under the buttons. */
function learnMode(decidedBy) {
  const mode = { presence: "auto", toggle: "manual" }[decidedBy];
  if (mode && session && session.entryMode !== mode) saveSession({ ...session, entryMode: mode });
  showMode();
}

function showMode() {
  $("mode-hint").textContent = (session && L.ENTRY_MODE_HINT[session.entryMode]) || "";
  showToggle();
}

/** The 入/出 buttons say what the next scan records: the chosen one; in 自動 none, and they are off (the service
 * decides by the person's state). */
function showToggle() {
  const auto = Boolean(session && session.entryMode === "auto");
  for (const button of document.querySelectorAll(".toggle button")) {
    button.disabled = auto;
    button.setAttribute("aria-pressed", String(!auto && button.dataset.type === entryType));
  }
}

function setEntryType(type) {
  entryType = type;
  localStorage.setItem(ENTRY_TYPE_KEY, type);
  showToggle();
  focusReader();
}

const pad = (n) => String(n).padStart(2, "0");
const localTime = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

function tick() {
  const d = serverNow();
  $("clock").textContent = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${localTime(d)}`;
}

/** Replace an element's children (in a way Safari 12 knows). */
function fill(parent, children) {
  parent.textContent = "";
  parent.append(...children);
}

function element(tag, text, className) {
  const made = document.createElement(tag);
  made.textContent = text;
  if (className) made.className = className;
  return made;
}

/** When a scan happened by the service's clock: the log's time once answered, else the tablet's reading corrected. */
const scanTime = (scan) => (scan.loggedAt ? new Date(scan.loggedAt) : new Date(Date.parse(scan.scannedAt) + clockOffset));

function statusCell(scan) {
  const refused = scan.status === "failed" && scan.message;
  if (refused) return element("td", format(L.HELD_REASON, { reason: scan.message }), "refused");
  return element("td", L.STATUS_LABEL[scan.status]);
}

function historyRow(scan) {
  const row = document.createElement("tr");
  const name = scan.parentName || format(L.UNKNOWN_PARENT_NAME, { parent_id: scan.parentId });
  const arrow = scan.undecided
    ? element("td", L.UNDECIDED)
    : element("td", L.ENTRY_TYPE_ARROW[scan.entryType], `arrow-${scan.entryType}`);
  row.append(element("td", localTime(scanTime(scan))), element("td", name), arrow, statusCell(scan));
  return row;
}

/** The latest history_size scans, newest first, and how many wait to be sent. */
async function renderHistory() {
  if (!session) return;
  const scans = await nurseryScans(session.nurseryId);
  const pending = scans.filter(isPending).length;
  $("unsent").textContent = pending ? format(L.PENDING_COUNT, { n: pending }) : "";
  fill($("history").tBodies[0], scans.slice(-R.history_size).reverse().map(historyRow));
}

/** While the station has a nursery, the scanner's keystrokes go to the reader, never into a login field: only staff
 * who tap a field of the login form type there. */
function focusReader() {
  const active = document.activeElement;
  const typing = active && active.tagName === "INPUT" && active !== $("reader");
  if (session && !typing) $("reader").focus();
}

/** The login form: plain after ログアウト, or over a station whose token ended (with a way back to scanning). The
 * code is filled in; no field takes the focus, so a scan cannot land in one. */
function showLogin() {
  $("main").hidden = true;
  $("login").hidden = false;
  $("back-to-scanning").hidden = !session;
  $("login-error").textContent = "";
  $("nursery-code").value = session ? session.nurseryCode : localStorage.getItem(CODE_KEY) || "";
  focusReader();
}

async function showMain() {
  localStorage.setItem(CODE_KEY, session.nurseryCode);
  $("login").hidden = true;
  $("main").hidden = false;
  $("nursery-name").textContent = session.nurseryName;
  $("relogin").hidden = !session.ended;
  setOnline(navigator.onLine);
  setEntryType(entryType);
  showMode();
  await renderHistory();
}

function fillWords() {
  document.title = L.APP_TITLE;
  const words = {
    "app-title": L.APP_TITLE,
    "nursery-code-label": L.NURSERY_CODE,
    "password-label": L.PASSWORD,
    "show-password": L.SHOW_PASSWORD,
    "login-button": L.LOGIN,
    "back-to-scanning": L.BACK_TO_SCANNING,
    logout: L.LOGOUT,
    "relogin-text": L.RELOGIN_NEEDED,
    "relogin-button": L.RELOGIN,
    "type-entry": L.ENTRY_TYPE_LABEL.Entry,
    "type-exit": L.ENTRY_TYPE_LABEL.Exit,
    prompt: L.SCAN_PROMPT,
    "history-title": L.HISTORY_TITLE,
    "forgotten-open": L.FORGOTTEN_CARD,
    "forgotten-title": L.FORGOTTEN_CARD_TITLE,
    "staff-name-label": L.STAFF_NAME,
    "pin-label": L.PIN,
    "unlock-button": L.UNLOCK,
    "search-label": L.SEARCH_LABEL,
    "search-button": L.SEARCH,
    "reason-label": L.REASON,
    "forgotten-close": L.CLOSE,
  };
  Object.keys(words).forEach((id) => ($(id).textContent = words[id]));
  $("reader").placeholder = L.SCAN_PLACEHOLDER;
  const header = document.createElement("tr");
  header.append(...L.HISTORY_COLUMNS.map((text) => element("th", text)));
  fill($("history").tHead, [header]);
}

function togglePassword() {
  const input = $("password");
  const shown = input.type === "text";
  input.type = shown ? "password" : "text";
  $("show-password").textContent = shown ? L.SHOW_PASSWORD : L.HIDE_PASSWORD;
}

/** Each read ends with CR, LF, CR+LF or Tab, pressed (neither key does its default: no focus moved on) or arriving
 * as text; an IME that is composing (full-width input) gets its text committed first. */
function wireReader() {
  const reader = $("reader");
  const submit = () => {
    const raw = reader.value;
    reader.value = "";
    accept(raw);
  };
  reader.addEventListener("keydown", (event) => {
    if (!TERMINATORS.includes(event.key) && !TERMINATORS.includes(event.code)) return;
    event.preventDefault();
    if (event.isComposing) submitAfterComposition = true;
    else submit();
  });
  reader.addEventListener("input", () => {
    const reads = reader.value.split(/[\t\r\n]/);
    if (reads.length === 1) return;
    reader.value = reads.pop();
    reads.forEach((raw) => accept(raw));
  });
  reader.addEventListener("compositionend", () => {
    if (!submitAfterComposition) return;
    submitAfterComposition = false;
    submit();
  });
  reader.addEventListener("blur", () => setTimeout(focusReader, 0));
}

/** A tablet that slept renews its token as it wakes (before the 8 hours are out), and sends what waits. */
function wireWaking() {
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") heartbeat();
  });
  window.addEventListener("pageshow", () => heartbeat());
}

function wire() {
  $("login-form").addEventListener("submit", login);
  $("show-password").addEventListener("click", togglePassword);
  $("back-to-scanning").addEventListener("click", showMain);
  $("logout").addEventListener("click", logout);
  $("relogin-button").addEventListener("click", showLogin);
  $("forgotten-open").addEventListener("click", openForgotten);
  $("forgotten-close").addEventListener("click", closeForgotten);
  $("unlock-form").addEventListener("submit", unlockForgotten);
  $("search-form").addEventListener("submit", searchPeople);
  for (const button of document.querySelectorAll(".toggle button")) {
    button.addEventListener("click", () => setEntryType(button.dataset.type));
  }
  wireReader();
  wireWaking();
  $("message").addEventListener("click", () => ($("message").hidden = true));
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
  entryType = savedEntryType();
  session = loadSession();
  if (!session) {
    saveSession(null);
    showLogin();
    return;
  }
  await showMain();
  if (usableSession()) deliver();
}

start();
