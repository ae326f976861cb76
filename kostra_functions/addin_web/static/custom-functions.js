// KOSTRA-funksjoner: the custom functions of the add-in, batched.
//
// Served by kostra_functions/excel/server_face.py at /xlwings/custom-functions-code.js with KOSTRA_CONFIG
// filled in and one stub per row of the table appended. Excel calls a custom function once per
// cell; following Office's documented batching pattern for custom functions ("Batch custom
// function calls for a remote service"), each call is pushed onto a list and a short timer posts
// the whole list as one request to the server, which answers every call of it from the one table.
//
// Answers of functions that give the same result for the same arguments are kept in a bounded
// cache keyed by the arguments AND the data version (code lists and rule sets) the server
// reported: a new code list or rule set on the server empties the cache. The version is checked
// again at least every VERSION_CHECK_MS while answers come from the cache alone.
//
// A cell that fails gets a real Excel error value (#VERDI!, #I/T, #NUM!) with the Norwegian reason,
// shown when the pointer rests on the cell.

const KOSTRA_CONFIG = placeholder_kostra_config;

const kostraBatch = [];
let kostraFlushScheduled = false;
let kostraRuntime = "1.4";
let kostraDataVersion = KOSTRA_CONFIG.dataVersion;
let kostraVersionCheckedAt = Date.now();
const kostraCache = new Map();

Office.onReady(function () {
  const sets = ["1.4", "1.3", "1.2", "1.1"];
  for (const v of sets) {
    if (Office.context.requirements.isSetSupported("CustomFunctionsRuntime", v)) {
      kostraRuntime = v;
      break;
    }
  }
});

function kostraErrorCode(code) {
  const E = CustomFunctions.ErrorCode;
  return (
    {
      "#VALUE!": E.invalidValue,
      "#N/A": E.notAvailable,
      "#NUM!": E.invalidNumber,
      "#DIV/0!": E.divisionByZero,
      "#NAME?": E.invalidName,
      "#NULL!": E.nullReference,
      "#REF!": E.invalidReference,
    }[code] || E.invalidValue
  );
}

function kostraCell(value) {
  // Error cells in a table answer: {type: "Error", errorType: "Value"} -> a real error value.
  if (value && typeof value === "object" && value.type === "Error") {
    const byType = {
      Value: "#VALUE!", NotAvailable: "#N/A", Num: "#NUM!", Div0: "#DIV/0!",
      Name: "#NAME?", Null: "#NULL!", Ref: "#REF!",
    };
    return new CustomFunctions.Error(kostraErrorCode(byType[value.errorType]));
  }
  return value;
}

function kostraSettle(entry, answer) {
  if (answer.error) {
    entry.reject(new CustomFunctions.Error(kostraErrorCode(answer.error), answer.message || undefined));
    return;
  }
  const result = answer.result.map((row) => row.map(kostraCell));
  if (entry.cacheKey !== null) {
    kostraRemember(entry.cacheKey, answer.result);
  }
  entry.resolve(result);
}

function kostraRemember(key, result) {
  kostraCache.delete(key);
  kostraCache.set(key, result);
  while (kostraCache.size > KOSTRA_CONFIG.maxCacheEntries) {
    kostraCache.delete(kostraCache.keys().next().value);
  }
}

function kostraNewVersion(version) {
  if (version && version !== kostraDataVersion) {
    kostraDataVersion = version;
    kostraCache.clear();
  }
  kostraVersionCheckedAt = Date.now();
}

async function kostraHeaders() {
  const auth =
    typeof globalThis.getAuth === "function" ? await globalThis.getAuth() : { token: "", provider: "" };
  return {
    "Content-Type": "application/json",
    Authorization: auth.token,
    "Auth-Provider": auth.provider,
  };
}

async function kostraPost(calls) {
  const response = await fetch(window.location.origin + KOSTRA_CONFIG.batchPath, {
    method: "POST",
    headers: await kostraHeaders(),
    body: JSON.stringify({ client: "Office.js", runtime: kostraRuntime, calls: calls }),
  });
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    data = null;
  }
  if (!response.ok || !data || !Array.isArray(data.results)) {
    const reason = (data && data.detail) || `Serveren svarte ${response.status}.`;
    throw new Error(reason);
  }
  return data;
}

async function kostraFlush() {
  kostraFlushScheduled = false;
  const pending = kostraBatch.splice(0, kostraBatch.length);
  for (let start = 0; start < pending.length; start += KOSTRA_CONFIG.maxBatch) {
    const part = pending.slice(start, start + KOSTRA_CONFIG.maxBatch);
    try {
      const data = await kostraPost(part.map((e) => ({ func_name: e.funcName, args: e.args })));
      kostraNewVersion(data.data_version);
      part.forEach((entry, i) => kostraSettle(entry, data.results[i]));
    } catch (error) {
      const message = `KOSTRA-serveren kunne ikke svare: ${error.message || error}`;
      part.forEach((entry) =>
        entry.reject(new CustomFunctions.Error(CustomFunctions.ErrorCode.notAvailable, message)),
      );
    }
  }
}

async function kostraCheckVersion() {
  // Only when every answer lately came from the cache: a batch reports the version anyway.
  if (Date.now() - kostraVersionCheckedAt < KOSTRA_CONFIG.versionCheckMs) {
    return;
  }
  kostraVersionCheckedAt = Date.now();
  try {
    const response = await fetch(window.location.origin + KOSTRA_CONFIG.versionPath, {
      headers: await kostraHeaders(),
    });
    if (response.ok) {
      kostraNewVersion((await response.json()).data_version);
    }
  } catch (e) {
    // Unreachable server: the next batch reports it in the cells.
  }
}

async function kostraCall(funcName, cacheable, ...argsWithInvocation) {
  await Office.onReady();
  argsWithInvocation.pop(); // the invocation: our functions do not depend on the calling cell
  const args = argsWithInvocation.map((a) => (a === undefined ? null : a));
  let cacheKey = null;
  if (cacheable) {
    await kostraCheckVersion();
    cacheKey = JSON.stringify([kostraDataVersion, funcName, args]);
    const hit = kostraCache.get(cacheKey);
    if (hit !== undefined) {
      kostraRemember(cacheKey, hit);
      return hit.map((row) => row.map(kostraCell));
    }
  }
  return new Promise((resolve, reject) => {
    kostraBatch.push({ funcName, args, cacheKey, resolve, reject });
    if (!kostraFlushScheduled) {
      kostraFlushScheduled = true;
      setTimeout(kostraFlush, KOSTRA_CONFIG.batchDelayMs);
    }
  });
}
