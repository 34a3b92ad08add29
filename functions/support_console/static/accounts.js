// Account lookup by id or email: status, card, balance due, sync state with Resync, and the
// agent's invoices with their download links.
import {
  $, ACCOUNT_STATUS_LABELS, INVOICE_STATUS_LABELS, api, button, date, dateTime, el, enc, fact,
  money, plural, say, sleep,
} from "./common.js";

const SYNC_LABELS = { importing: "Importing from Stripe", current: "Current", failed: "Failed" };
const SYNC_POLL_MS = 1000;
const SYNC_POLLS = 180;

const lookup = { account: null, cursor: null, asked: 0 };

export async function lookUp(event) {
  event.preventDefault();
  const text = $("lookup-input").value.trim();
  $("account-detail").hidden = true;
  $("lookup-matches").hidden = true;
  if (!text) {
    say("lookup-message", "Type an account id or an email address.", "error");
    $("lookup-input").focus();
    return;
  }
  say("lookup-message", "Looking up…");
  // Only the latest lookup may show its answer: a slower earlier one must not replace it.
  const asked = ++lookup.asked;
  try {
    if (text.includes("@")) {
      const { accounts } = await api("GET", `/v1/support/accounts?${new URLSearchParams({ email: text })}`);
      if (asked === lookup.asked) showMatches(text, accounts);
    } else {
      const account = await api("GET", `/v1/support/accounts/${enc(text)}`);
      if (asked !== lookup.asked) return;
      say("lookup-message", "");
      await showAccount(account);
    }
  } catch (error) {
    if (asked !== lookup.asked) return;
    say("lookup-message", error.status === 404 ? `No account has the id ${text}.` : error.message, "error");
  }
}

function showMatches(email, accounts) {
  if (accounts.length === 0) {
    say("lookup-message", `No account has the email ${email}.`, "error");
    return;
  }
  if (accounts.length === 1) {
    say("lookup-message", "");
    showAccount(accounts[0]);
    return;
  }
  say("lookup-message", `${plural(accounts.length, "account")} use this email; choose one.`);
  const list = $("lookup-matches");
  list.replaceChildren(...accounts.map((account) => {
    const choose = button(`${account.name} · ${account.account_id} · ${ACCOUNT_STATUS_LABELS[account.status] || account.status}`, { className: "secondary" });
    choose.addEventListener("click", () => showAccount(account));
    return el("li", {}, choose);
  }));
  list.hidden = false;
}

function cardText(card) {
  if (!card) return "No card on file";
  const brand = card.brand.charAt(0).toUpperCase() + card.brand.slice(1);
  return `${brand} ending in ${card.last4}, expires ${String(card.exp_month).padStart(2, "0")}/${card.exp_year}`;
}

function syncText(sync) {
  if (!sync) return "Not reported";
  const label = SYNC_LABELS[sync.status] || sync.status;
  return sync.last_synced_at ? `${label} · last synced ${dateTime(sync.last_synced_at)}` : label;
}

function renderFacts(account) {
  const due = account.balance_due;
  $("account-heading").textContent = account.name;
  $("account-facts").replaceChildren(
    fact("Account id", account.account_id),
    fact("Email", account.email),
    fact("Status", ACCOUNT_STATUS_LABELS[account.status] || account.status),
    fact("Subscription", account.subscription_status || "None"),
    fact("Card", cardText(account.card)),
    fact("Balance due", due.amount > 0
      ? `${money(due.amount, due.currency)} (${plural(account.open_invoice_count, "open invoice")})`
      : "Nothing due"),
    fact("Leads", String(account.lead_count)),
    fact("Territories", (account.territories || []).join(", ") || "None"),
    fact("Stripe customer", account.stripe_customer_id || "None"),
    fact("Stripe sync", syncText(account.stripe_sync)),
  );
}

export async function showAccount(account) {
  lookup.account = account;
  renderFacts(account);
  say("resync-message", "");
  $("account-detail").hidden = false;
  $("lookup-matches").hidden = true;
  $("account-invoice-rows").replaceChildren();
  lookup.cursor = null;
  await loadInvoices().catch((error) => say("account-invoices-message", error.message, "error"));
}

export async function resync() {
  const account = lookup.account;
  const control = $("resync");
  control.disabled = true;
  say("resync-message", "Starting a resync…");
  try {
    const started = await api("POST", `/v1/support/accounts/${enc(account.account_id)}/resync`);
    account.stripe_sync = { ...(account.stripe_sync || {}), status: started.status };
    renderFacts(account);
    say("resync-message", "Resync started: importing from Stripe…");
    const finished = await followSync(account.account_id);
    if (finished) {
      const status = finished.stripe_sync?.status;
      say("resync-message", `Resync finished: ${SYNC_LABELS[status] || status}.`, status === "failed" ? "error" : "ok");
    } else {
      say("resync-message", "The resync is still running; look the account up again later.");
    }
  } catch (error) {
    say("resync-message", error.message, "error");
  } finally {
    control.disabled = false;
  }
}

async function followSync(accountId) {
  for (let poll = 0; poll < SYNC_POLLS; poll += 1) {
    await sleep(SYNC_POLL_MS);
    const account = await api("GET", `/v1/support/accounts/${enc(accountId)}`);
    if (lookup.account?.account_id !== accountId) return null; // another account is shown now
    lookup.account = account;
    renderFacts(account);
    if (account.stripe_sync?.status !== "importing") {
      $("account-invoice-rows").replaceChildren();
      lookup.cursor = null;
      await loadInvoices();
      return account;
    }
  }
  return null;
}

export async function loadInvoices() {
  const account = lookup.account;
  const query = new URLSearchParams({ limit: "10" });
  if (lookup.cursor) query.set("cursor", lookup.cursor);
  const page = await api("GET", `/v1/support/accounts/${enc(account.account_id)}/invoices?${query}`);
  const rows = $("account-invoice-rows");
  page.invoices.forEach((invoice) => rows.append(invoiceRow(account, invoice)));
  lookup.cursor = page.next_cursor;
  $("account-invoices-more").hidden = !lookup.cursor;
  $("account-invoices-empty").hidden = rows.children.length > 0;
  $("account-invoices").hidden = rows.children.length === 0;
}

function invoiceRow(account, invoice) {
  const label = invoice.number || invoice.id;
  const status = el("td", {}, el("span", {
    className: `badge ${invoice.payment_status}`,
    text: INVOICE_STATUS_LABELS[invoice.payment_status] || invoice.payment_status,
  }));
  if (invoice.payment_status === "failed" && invoice.failure_message) {
    status.append(el("span", { className: "reason", text: invoice.failure_message }));
  }
  const download = el("td");
  if (invoice.pdf_available) {
    const control = button("Download", { className: "secondary", hiddenText: ` invoice ${label} as PDF` });
    control.addEventListener("click", () => downloadInvoice(account, invoice, control));
    download.append(control);
  }
  const row = el("tr", {},
    el("td", { text: date(invoice.created) }),
    el("td", { text: label }),
    el("td", { className: "num", text: money(invoice.amount_due, invoice.currency) }),
    status,
    download);
  row.dataset.invoiceId = invoice.id;
  return row;
}

async function downloadInvoice(account, invoice, control) {
  control.disabled = true;
  say("account-invoices-message", "Preparing the PDF…");
  try {
    const link = await api("GET", `/v1/support/accounts/${enc(account.account_id)}/invoices/${enc(invoice.id)}/download`);
    const anchor = el("a", { attrs: { href: link.url, download: link.filename } });
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    say("account-invoices-message", `Downloading ${link.filename}.`, "ok");
  } catch (error) {
    say("account-invoices-message", error.message, "error");
  } finally {
    control.disabled = false;
  }
}
