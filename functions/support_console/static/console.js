// Support console entry point: sign-in (the Account and Billing page's), the support check, and
// the four panels. Talks only to the support routes of API.md.
import { $, TOKEN_KEY, session, say } from "./common.js";
import { loadInvoices, lookUp, resync } from "./accounts.js";
import { loadOperations } from "./operations.js";
import { loadPool, refreshPoolInBackground, showFirstPool, showPool } from "./pool.js";
import { loadTickets, onReassignmentCompleted } from "./tickets.js";

const PANELS = ["tickets", "lookup", "pool", "operations"];

function readToken() {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function showBanner(text) {
  const banner = $("banner");
  banner.textContent = text;
  banner.hidden = false;
}

async function start() {
  session.token = readToken();
  if (!session.token) {
    $("sign-in").hidden = false;
    return;
  }
  try {
    await loadTickets();
  } catch (error) {
    if (error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      $("sign-in").hidden = false;
    } else if (error.status === 403) {
      $("denied").hidden = false;
    } else {
      showBanner(error.message);
    }
    return;
  }
  PANELS.forEach((id) => { $(id).hidden = false; });
  $("section-nav").hidden = false;
  await Promise.all([
    showFirstPool().catch((error) => say("pool-message", error.message, "error")),
    loadOperations(),
  ]);
}

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim());
  $("sign-in").hidden = true;
  start();
});
$("tickets-refresh").addEventListener("click", () => loadTickets().catch((e) => say("tickets-message", e.message, "error")));
$("tickets-more").addEventListener("click", () => loadTickets({ more: true }).catch((e) => say("tickets-message", e.message, "error")));
$("lookup-form").addEventListener("submit", lookUp);
$("resync").addEventListener("click", resync);
$("account-invoices-more").addEventListener("click", () => loadInvoices().catch((e) => say("account-invoices-message", e.message, "error")));
$("pool-form").addEventListener("submit", showPool);
$("pool-more").addEventListener("click", () => loadPool({ more: true }).catch((e) => say("pool-message", e.message, "error")));
$("operations-refresh").addEventListener("click", loadOperations);
// A completed reassignment may have parked leads in the pool.
onReassignmentCompleted(() => refreshPoolInBackground().catch((e) => say("pool-message", e.message, "error")));

start();
